//! Pairing AD accounts with mailboxes: on ExchangeGuid ↔ msExchMailboxGuid, then the user
//! principal name, then the primary SMTP address.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::source::{AdEntry, CloudEntry};

/// Which key paired an AD account with a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKey {
    /// `ExchangeGuid` = `msExchMailboxGuid`.
    ExchangeGuid,
    /// `UserPrincipalName` = `userPrincipalName`.
    UserPrincipalName,
    /// `PrimarySmtpAddress` = the AD primary address (`mail`, or the `SMTP:` proxy address).
    PrimarySmtpAddress,
}

impl JoinKey {
    /// The serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinKey::ExchangeGuid => "exchange_guid",
            JoinKey::UserPrincipalName => "user_principal_name",
            JoinKey::PrimarySmtpAddress => "primary_smtp_address",
        }
    }
}

/// The outcome of looking up one AD account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinOutcome {
    /// Exactly one mailbox, found by `key`; its position in the index.
    Matched(usize, JoinKey),
    /// Several mailboxes carry the first key that matched anything.
    Ambiguous(JoinKey, Vec<usize>),
    /// No mailbox.
    Unmatched,
}

/// The cloud side, indexed by the three keys. The mailboxes are held in memory; the AD side is
/// streamed past them.
#[derive(Debug, Default)]
pub struct CloudIndex {
    entries: Vec<CloudEntry>,
    by_guid: HashMap<String, Vec<usize>>,
    by_upn: HashMap<String, Vec<usize>>,
    by_smtp: HashMap<String, Vec<usize>>,
}

fn norm_guid(s: &str) -> String {
    s.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

fn norm_addr(s: &str) -> String {
    s.trim().to_lowercase()
}

impl CloudIndex {
    /// Adds a mailbox.
    pub fn push(&mut self, entry: CloudEntry) {
        let i = self.entries.len();
        let m = &entry.mailbox;
        if let Some(g) = m.exchange_guid.as_deref().filter(|g| !g.trim().is_empty()) {
            self.by_guid.entry(norm_guid(g)).or_default().push(i);
        }
        if let Some(u) = m
            .user_principal_name
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            self.by_upn.entry(norm_addr(u)).or_default().push(i);
        }
        if let Some(p) = m
            .primary_smtp_address
            .as_deref()
            .filter(|p| !p.trim().is_empty())
        {
            self.by_smtp.entry(norm_addr(p)).or_default().push(i);
        }
        self.entries.push(entry);
    }

    /// The mailboxes, in the order they were added.
    pub fn entries(&self) -> &[CloudEntry] {
        &self.entries
    }

    /// Looks up an AD account: the first key the account has that finds any mailbox decides.
    pub fn find(&self, ad: &AdEntry) -> JoinOutcome {
        let keys = [
            (
                JoinKey::ExchangeGuid,
                ad.text("msExchMailboxGuid").map(|g| norm_guid(&g)),
                &self.by_guid,
            ),
            (
                JoinKey::UserPrincipalName,
                ad.text("userPrincipalName").map(|u| norm_addr(&u)),
                &self.by_upn,
            ),
            (
                JoinKey::PrimarySmtpAddress,
                ad_primary_smtp(ad).map(|s| norm_addr(&s)),
                &self.by_smtp,
            ),
        ];
        for (key, value, map) in keys {
            let Some(value) = value else { continue };
            match map.get(&value).map(Vec::as_slice) {
                Some([one]) => return JoinOutcome::Matched(*one, key),
                Some(many) if many.len() > 1 => return JoinOutcome::Ambiguous(key, many.to_vec()),
                _ => {}
            }
        }
        JoinOutcome::Unmatched
    }
}

/// The AD account's primary SMTP address: the `SMTP:` proxy address, else `mail`.
pub(crate) fn ad_primary_smtp(ad: &AdEntry) -> Option<String> {
    ad.attributes
        .get("proxyAddresses")
        .and_then(|p| {
            p.to_strings()
                .into_iter()
                .find_map(|a| a.strip_prefix("SMTP:").map(str::to_owned))
        })
        .or_else(|| ad.text("mail"))
}

/// Whether the AD account looks mail-enabled (has a mailbox GUID, `mail` or proxy addresses):
/// only those are reported when no mailbox matches them.
pub(crate) fn ad_is_mail_enabled(ad: &AdEntry) -> bool {
    ad.text("msExchMailboxGuid").is_some() || ad_primary_smtp(ad).is_some()
}
