//! Comparing one AD account with its mailbox, attribute by attribute, and classifying each
//! difference with the authority rules.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::account::Account;
use super::join::JoinKey;
use super::store::{Head, Stored, Val};
use crate::authority::MailboxState;
use crate::catalog::{Attribute, AttributeClass, Catalog, ValueKind};
use crate::model::AttributeValue;

/// What a difference means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffClass {
    /// The two sides agree (counted, not listed).
    InSync,
    /// Exchange Online masters the attribute and AD holds an older value.
    CloudMasterAdStale,
    /// AD masters the attribute and Exchange Online has not caught up.
    AdMasterCloudBehind,
    /// An identity attribute (always mastered in AD) differs in the cloud.
    IdentityDrift,
    /// Both sides claim the value: AD was edited after the cloud took over, or the mailbox is
    /// not dir-synced although an AD account matches it.
    Conflict,
}

impl DiffClass {
    /// Every class, in order.
    pub const ALL: [DiffClass; 5] = [
        DiffClass::InSync,
        DiffClass::CloudMasterAdStale,
        DiffClass::AdMasterCloudBehind,
        DiffClass::IdentityDrift,
        DiffClass::Conflict,
    ];

    /// The serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            DiffClass::InSync => "in_sync",
            DiffClass::CloudMasterAdStale => "cloud_master_ad_stale",
            DiffClass::AdMasterCloudBehind => "ad_master_cloud_behind",
            DiffClass::IdentityDrift => "identity_drift",
            DiffClass::Conflict => "conflict",
        }
    }
}

impl fmt::Display for DiffClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a difference has its class, and what happens to it next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The values agree.
    Equal,
    /// Cloud Sync writes the attribute back: AD will catch up at the next writeback cycle.
    WritebackPending,
    /// The attribute is in the writeback set, but writeback is not configured.
    WritebackOff,
    /// The attribute is never written back: AD keeps the old value for good.
    NeverWrittenBack,
    /// AD changed recently: the next sync cycle carries it.
    PendingSync,
    /// AD changed longer ago than the sync grace period: a sync error is likely.
    SyncErrorSuspected,
    /// An identity attribute differs: an edit in Entra ID or a sync problem.
    IdentityNotSynced,
    /// AD was changed after the cloud's last change, although the cloud masters the attribute.
    AdEditedAfterCloud,
    /// The mailbox is not dir-synced, yet an AD account matches it.
    CloudObjectNotDirSynced,
    /// A reference (a DN-valued attribute) whose target could not be resolved on one side or
    /// both: the two spellings differ, and whether they name the same object is unknown. The
    /// class is the one the authority rules give the attribute.
    UnresolvedReference,
}

impl Reason {
    /// The serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Equal => "equal",
            Reason::WritebackPending => "writeback_pending",
            Reason::WritebackOff => "writeback_off",
            Reason::NeverWrittenBack => "never_written_back",
            Reason::PendingSync => "pending_sync",
            Reason::SyncErrorSuspected => "sync_error_suspected",
            Reason::IdentityNotSynced => "identity_not_synced",
            Reason::AdEditedAfterCloud => "ad_edited_after_cloud",
            Reason::CloudObjectNotDirSynced => "cloud_object_not_dir_synced",
            Reason::UnresolvedReference => "unresolved_reference",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the classification needs besides the attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifyContext {
    /// The mailbox's state.
    pub state: MailboxState,
    /// Whether Cloud Sync writeback ("EXO to AD attribute sync") is configured.
    pub writeback_enabled: bool,
    /// The AD account's `whenChanged`.
    pub ad_changed: Option<DateTime<Utc>>,
    /// The mailbox's `WhenChangedUTC`.
    pub cloud_changed: Option<DateTime<Utc>>,
    /// The time of the reconciliation.
    pub now: DateTime<Utc>,
    /// How long after an AD change a cloud that still differs means a sync error.
    pub sync_grace: TimeDelta,
}

/// Classifies a difference on `attribute` (the values are known to differ).
pub fn classify(attribute: &Attribute, ctx: &ClassifyContext) -> (DiffClass, Reason) {
    if !ctx.state.dir_synced {
        return (DiffClass::Conflict, Reason::CloudObjectNotDirSynced);
    }
    match attribute.class {
        AttributeClass::Identity => (DiffClass::IdentityDrift, Reason::IdentityNotSynced),
        AttributeClass::Exchange if !ctx.state.cloud_managed => {
            let stuck = ctx
                .ad_changed
                .is_some_and(|changed| ctx.now - changed > ctx.sync_grace);
            let reason = if stuck {
                Reason::SyncErrorSuspected
            } else {
                Reason::PendingSync
            };
            (DiffClass::AdMasterCloudBehind, reason)
        }
        AttributeClass::Exchange | AttributeClass::CloudOnly => {
            if let (Some(ad), Some(cloud)) = (ctx.ad_changed, ctx.cloud_changed)
                && ad > cloud
            {
                return (DiffClass::Conflict, Reason::AdEditedAfterCloud);
            }
            let reason = match (attribute.writeback, ctx.writeback_enabled) {
                (true, true) => Reason::WritebackPending,
                (true, false) => Reason::WritebackOff,
                (false, _) => Reason::NeverWrittenBack,
            };
            (DiffClass::CloudMasterAdStale, reason)
        }
    }
}

/// One attribute that differs between an AD account and its mailbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// The mailbox, as people name it (UPN, else primary SMTP address).
    pub mailbox: String,
    /// The mailbox's `ExchangeGuid`.
    pub exchange_guid: Option<String>,
    /// The AD account's `objectGUID`.
    pub ad_object_guid: Option<String>,
    /// The AD account's distinguished name.
    pub ad_distinguished_name: Option<String>,
    /// Where the AD record was read.
    pub ad_origin: String,
    /// How the two were paired.
    pub matched_by: JoinKey,
    /// The attribute's canonical name (its Exchange Online property).
    pub attribute: String,
    /// Its LDAP name.
    pub ldap_name: String,
    /// Its class.
    pub attribute_class: AttributeClass,
    /// Its value kind.
    pub value_kind: ValueKind,
    /// Whether Cloud Sync writes it back.
    pub written_back: bool,
    /// The AD value.
    pub ad_value: AttributeValue,
    /// The cloud value.
    pub cloud_value: AttributeValue,
    /// What the difference means.
    pub class: DiffClass,
    /// Why.
    pub reason: Reason,
}

impl Difference {
    /// A stable key of the difference across runs: the mailbox (ExchangeGuid, else the AD
    /// object GUID, else the name) and the attribute, lower-cased.
    pub fn key(&self) -> String {
        let who = self
            .exchange_guid
            .as_deref()
            .or(self.ad_object_guid.as_deref())
            .unwrap_or(&self.mailbox);
        format!(
            "{}|{}",
            who.to_ascii_lowercase(),
            self.attribute.to_ascii_lowercase()
        )
    }
}

/// Whether an attribute takes part in the comparison: it has names on both sides, and its
/// values mean the same thing on both (not the recipient type, which AD stores as a number).
pub(crate) fn comparable(attribute: &Attribute) -> bool {
    attribute.ldap_name.is_some()
        && attribute
            .exo_property
            .as_deref()
            .is_some_and(|p| !p.eq_ignore_ascii_case("RecipientTypeDetails"))
}

/// One attribute to compare: the row, its LDAP name, its lower-cased Exchange Online name,
/// its property id in the cloud index and its slot in the AD accounts.
pub(crate) struct Column<'c> {
    pub(crate) attribute: &'c Attribute,
    pub(crate) ldap: &'c str,
    pub(crate) exo_key: String,
    pub(crate) prop: Option<usize>,
    pub(crate) slot: usize,
}

/// The attributes to compare, worked out once per reconciliation: the comparable rows of the
/// catalog, restricted to `only` when given.
pub(crate) fn columns<'c>(catalog: &'c Catalog, only: Option<&[String]>) -> Vec<Column<'c>> {
    catalog
        .iter()
        .filter(|a| comparable(a))
        .filter(|a| {
            only.is_none_or(|only| {
                only.iter()
                    .any(|n| a.names().any(|name| name.eq_ignore_ascii_case(n)))
            })
        })
        .filter_map(|a| {
            Some(Column {
                attribute: a,
                ldap: a.ldap_name.as_deref()?,
                exo_key: a.exo_property.as_deref()?.to_ascii_lowercase(),
                prop: None,
                slot: usize::MAX,
            })
        })
        .collect()
}

/// Whether a value kind is a reference to directory objects (a DN in AD).
pub(crate) fn is_reference(kind: ValueKind) -> bool {
    matches!(kind, ValueKind::DnReference | ValueKind::MultiDnReference)
}

/// The meaning of a Boolean value as [`AttributeValue::equivalent`] reads it.
fn bool_meaning(v: Val<'_>) -> Option<bool> {
    match v {
        Val::Bool(b) => Some(b),
        Val::Int(0) => Some(false),
        Val::Int(1) => Some(true),
        Val::Int(_) => None,
        Val::Str(s) => {
            let t = s.trim();
            if s.is_empty() {
                Some(false)
            } else if t.eq_ignore_ascii_case("true") || t == "1" {
                Some(true)
            } else if t.eq_ignore_ascii_case("false") || t == "0" {
                Some(false)
            } else {
                None
            }
        }
        _ if v.len() == 0 => Some(false),
        _ => None,
    }
}

/// Whether two text values of `na` and `nb` items hold the same set of exact strings (`None`
/// when too long to tell cheaply). The items are read once each, into arrays on the stack.
fn exact_sets_equal(a: Val<'_>, b: Val<'_>, na: usize, nb: usize) -> Option<bool> {
    const MAX: usize = 16;
    if let (Val::Str(x), Val::Str(y)) = (a, b) {
        return Some(x == y);
    }
    if na > MAX || nb > MAX {
        return None;
    }
    let (mut xs, mut ys) = ([""; MAX], [""; MAX]);
    for (slot, item) in xs.iter_mut().zip(a.items()) {
        *slot = item;
    }
    for (slot, item) in ys.iter_mut().zip(b.items()) {
        *slot = item;
    }
    let (xs, ys) = (&xs[..na], &ys[..nb]);
    Some(xs.iter().all(|x| ys.contains(x)) && ys.iter().all(|y| xs.contains(y)))
}

/// Compares two values the way [`AttributeValue::equivalent`] does, without allocating in the
/// common cases (equal strings, sets equal item for item, Booleans).
pub(crate) fn equivalent(a: Val<'_>, b: Val<'_>, kind: ValueKind) -> bool {
    if kind == ValueKind::Boolean
        && let (Some(x), Some(y)) = (bool_meaning(a), bool_meaning(b))
    {
        return x == y;
    }
    if kind != ValueKind::Boolean && a.is_text() && b.is_text() {
        let (na, nb) = (a.len(), b.len());
        if na == 0 || nb == 0 {
            return na == 0 && nb == 0;
        }
        match exact_sets_equal(a, b, na, nb) {
            Some(true) => return true,
            Some(false)
                if matches!(
                    kind,
                    ValueKind::String
                        | ValueKind::MultiString
                        | ValueKind::DateTime
                        | ValueKind::Binary
                ) =>
            {
                return false;
            }
            _ => {}
        }
    }
    a.to_value().equivalent(&b.to_value(), kind)
}

/// Compares every column present on both sides, adding the differences to `out`; returns the
/// number of comparisons. `slots` is scratch space (one entry per cloud property id). Each
/// difference on a reference attribute is also listed in `references` (its index in `out`):
/// it is decided once every AD account has been read.
#[allow(clippy::too_many_arguments)]
pub(crate) fn compare<'s>(
    columns: &[Column<'_>],
    ad: &Account<'_>,
    cloud: &Stored<'s>,
    origin: impl FnOnce() -> String,
    matched_by: JoinKey,
    ctx: &ClassifyContext,
    slots: &mut Vec<Option<Val<'s>>>,
    out: &mut Vec<Difference>,
    references: &mut Vec<usize>,
) -> usize {
    let mut compared = 0;
    let mut touched = 0;
    for (id, v) in cloud.values() {
        if let Some(slot) = slots.get_mut(id) {
            *slot = Some(v);
            touched += 1;
        }
    }
    let mut mailbox: Option<String> = None;
    let mut origin = Some(origin);
    for column in columns {
        let Some(prop) = column.prop else { continue };
        let Some(Some(cloud_value)) = slots.get(prop).copied() else {
            continue;
        };
        let Some(ad_val) = ad.value(column.slot) else {
            continue;
        };
        let attribute = column.attribute;
        compared += 1;
        if equivalent(ad_val, cloud_value, attribute.value_kind) {
            continue;
        }
        let (class, reason) = classify(attribute, ctx);
        let name = mailbox
            .get_or_insert_with(|| {
                cloud
                    .head(Head::Upn)
                    .or(cloud.head(Head::PrimarySmtp))
                    .or(cloud.head(Head::Identity))
                    .map(str::to_owned)
                    .or_else(|| origin.take().map(|f| f()))
                    .unwrap_or_default()
            })
            .clone();
        if is_reference(attribute.value_kind) {
            references.push(out.len());
        }
        out.push(Difference {
            mailbox: name,
            exchange_guid: cloud.head(Head::ExchangeGuid).map(str::to_owned),
            ad_object_guid: ad.object_guid.map(str::to_owned),
            ad_distinguished_name: ad.distinguished_name.map(str::to_owned),
            ad_origin: ad.origin.to_string(),
            matched_by,
            attribute: attribute.name().to_owned(),
            ldap_name: column.ldap.to_owned(),
            attribute_class: attribute.class,
            value_kind: attribute.value_kind,
            written_back: attribute.writeback,
            ad_value: ad_val.to_value(),
            cloud_value: cloud_value.to_value(),
            class,
            reason,
        });
    }
    if touched > 0 {
        slots.fill(None);
    }
    compared
}
