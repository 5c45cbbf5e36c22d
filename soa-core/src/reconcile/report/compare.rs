//! Two reports compared: the monitor's view of what changed since the last run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Report;
use crate::reconcile::diff::Difference;

/// A difference present in both reports whose values or class changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangedDifference {
    /// In the earlier report.
    pub before: Difference,
    /// In the later report.
    pub after: Difference,
}

/// What changed between two reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportChanges {
    /// Differences in the later report only.
    pub new: Vec<Difference>,
    /// Differences in the earlier report only (resolved since).
    pub resolved: Vec<Difference>,
    /// Differences in both, with other values or another class.
    pub changed: Vec<ChangedDifference>,
    /// Differences in both, unchanged.
    pub unchanged: usize,
}

impl ReportChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.resolved.is_empty() && self.changed.is_empty()
    }
}

pub(super) fn compare(earlier: &Report, later: &Report) -> ReportChanges {
    let mut before: BTreeMap<String, &Difference> =
        earlier.differences.iter().map(|d| (d.key(), d)).collect();
    let mut changes = ReportChanges::default();
    for d in &later.differences {
        match before.remove(&d.key()) {
            None => changes.new.push(d.clone()),
            Some(b)
                if b.ad_value != d.ad_value
                    || b.cloud_value != d.cloud_value
                    || b.class != d.class
                    || b.reason != d.reason =>
            {
                changes.changed.push(ChangedDifference {
                    before: b.clone(),
                    after: d.clone(),
                });
            }
            Some(_) => changes.unchanged += 1,
        }
    }
    changes.resolved = before.into_values().cloned().collect();
    changes
}
