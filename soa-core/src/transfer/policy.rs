//! The rules a transfer runs under.

use serde::{Deserialize, Serialize};

use crate::model::RecipientTypeDetails;
use crate::preflight::Requirements;

/// The rules of a transfer. The defaults are the safe ones: a ticket is required, waves are
/// small, only eligible recipient types are flipped, and the settle rule is enforced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransferPolicy {
    /// The change ticket the run is done under (recorded in the journal and the audit log).
    pub ticket: Option<String>,
    /// Whether a ticket is required (default true).
    pub require_ticket: bool,
    /// The most mailboxes one run may flip (default 25).
    pub batch_cap: usize,
    /// Identities never to flip (case-insensitive).
    pub exclusions: Vec<String>,
    /// Recipient types that may be flipped (default: the four eligible types).
    pub allowed_types: Vec<RecipientTypeDetails>,
    /// Whether the sync-cycle-plus-24-hours rule is enforced (default true).
    pub enforce_settle_rule: bool,
    /// How many mailboxes are worked on at once (default 4).
    pub max_concurrency: usize,
    /// An attribute to prove cloud editability with: a probe value is written and the original
    /// restored (e.g. `CustomAttribute15`); `None` skips the probe.
    pub probe_attribute: Option<String>,
    /// The thresholds of the preflight checks.
    pub requirements: Requirements,
}

impl Default for TransferPolicy {
    fn default() -> Self {
        TransferPolicy {
            ticket: None,
            require_ticket: true,
            batch_cap: 25,
            exclusions: Vec::new(),
            allowed_types: RecipientTypeDetails::ELIGIBLE.to_vec(),
            enforce_settle_rule: true,
            max_concurrency: 4,
            probe_attribute: None,
            requirements: Requirements::default(),
        }
    }
}

impl TransferPolicy {
    /// Whether `identity` is excluded.
    pub fn is_excluded(&self, identity: &str) -> bool {
        self.exclusions
            .iter()
            .any(|e| e.trim().eq_ignore_ascii_case(identity.trim()))
    }
}
