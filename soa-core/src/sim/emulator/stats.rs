//! What the emulator served: [`Stats`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::faults::FaultKind;

/// The key under which [`Stats::by_cmdlet`] counts cmdlets the emulator does not serve.
pub const UNKNOWN_CMDLET: &str = "(unknown)";

/// Counters of what the emulator served since it started (or since
/// [`super::Emulator::reset_stats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// HTTP requests received, on every route.
    pub requests: u64,
    /// Requests to the token endpoint.
    pub token_requests: u64,
    /// Access tokens issued (by the token endpoint and by
    /// [`super::Emulator::issue_token`]).
    pub tokens_issued: u64,
    /// Requests to `InvokeCommand`, whatever became of them.
    pub invoke_requests: u64,
    /// `InvokeCommand` requests refused with `401` for a missing, unknown or expired token
    /// (claims challenges are counted as faults).
    pub unauthorized: u64,
    /// `InvokeCommand` requests by cmdlet (canonical name, or [`UNKNOWN_CMDLET`] for a cmdlet
    /// the emulator does not serve and for a body that is not a request), counted once the
    /// body is read, whether a fault then hit them or not.
    pub by_cmdlet: BTreeMap<String, u64>,
    /// Responses by HTTP status (dropped connections have none).
    pub by_status: BTreeMap<u16, u64>,
    /// Injected faults by kind.
    pub faults: BTreeMap<FaultKind, u64>,
}

impl Stats {
    /// How many faults of `kind` were injected.
    pub fn fault(&self, kind: FaultKind) -> u64 {
        self.faults.get(&kind).copied().unwrap_or(0)
    }

    /// How many faults were injected in all.
    pub fn faults_total(&self) -> u64 {
        self.faults.values().sum()
    }

    /// How many requests named `cmdlet` (ignoring case).
    pub fn cmdlet(&self, cmdlet: &str) -> u64 {
        self.by_cmdlet
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(cmdlet))
            .map(|(_, v)| *v)
            .sum()
    }

    /// How many responses had `status`.
    pub fn status(&self, status: u16) -> u64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }

    pub(super) fn count_fault(&mut self, kind: FaultKind) {
        *self.faults.entry(kind).or_default() += 1;
    }

    pub(super) fn count_cmdlet(&mut self, cmdlet: &str) {
        *self.by_cmdlet.entry(cmdlet.to_owned()).or_default() += 1;
    }
}
