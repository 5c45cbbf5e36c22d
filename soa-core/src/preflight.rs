//! Prerequisite and eligibility checks, before anything is changed.
//!
//! Each check returns [`Finding`]s with a stable [`FindingCode`], a [`Severity`] (a `block`
//! finding stops a transfer), a message that says what is wrong and a fix that says what to do.
//! The thresholds are data in [`Requirements`]: the defaults are the values in Microsoft's
//! documentation, and where that documentation is silent the default says so and can be changed.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Mailbox, SyncVersion};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For information; nothing to do.
    Info,
    /// Proceed with care.
    Warn,
    /// Do not proceed until fixed.
    Block,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Block => "block",
        })
    }
}

/// The stable identifier of a kind of finding. Codes are never renamed or reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingCode {
    /// The Entra Connect Sync version was not supplied.
    ConnectSyncVersionUnknown,
    /// Entra Connect Sync is older than the minimum for cloud-managed mailboxes.
    ConnectSyncTooOld,
    /// Writeback is wanted but no Cloud Sync provisioning agent version was supplied.
    CloudSyncAgentMissing,
    /// The Cloud Sync provisioning agent is older than the writeback minimum.
    CloudSyncAgentTooOld,
    /// The recipient type cannot be cloud-managed.
    IneligibleRecipientType,
    /// The recipient type is unknown.
    RecipientTypeUnknown,
    /// The mailbox is not synchronized from AD.
    NotDirSynced,
    /// The mailbox is already cloud-managed.
    AlreadyCloudManaged,
    /// The mailbox changed on-premises too recently.
    RecentOnPremisesChange,
    /// The mailbox's last on-premises change time is unknown.
    LastChangeUnknown,
    /// The tenant-wide default is (or would be) on while on-premises provisioning is in use.
    TenantDefaultWithOnPremisesProvisioning,
    /// The tenant-wide default is on.
    TenantDefaultOn,
    /// The writeback capacity would be exceeded.
    WritebackCapacityExceeded,
    /// The writeback capacity is nearly used up.
    WritebackCapacityNear,
    /// The caller holds no role that can change the flag.
    MissingRole,
    /// The caller relies on a custom role whose sufficiency is unconfirmed.
    CustomRoleUnconfirmed,
    /// No on-premises directory was given: the settle rule saw only the cloud side, so an
    /// on-premises change not yet synced could not be seen.
    SettleRuleUnchecked,
}

impl FindingCode {
    /// Every code, in a stable order.
    pub const ALL: [FindingCode; 17] = [
        FindingCode::ConnectSyncVersionUnknown,
        FindingCode::ConnectSyncTooOld,
        FindingCode::CloudSyncAgentMissing,
        FindingCode::CloudSyncAgentTooOld,
        FindingCode::IneligibleRecipientType,
        FindingCode::RecipientTypeUnknown,
        FindingCode::NotDirSynced,
        FindingCode::AlreadyCloudManaged,
        FindingCode::RecentOnPremisesChange,
        FindingCode::LastChangeUnknown,
        FindingCode::TenantDefaultWithOnPremisesProvisioning,
        FindingCode::TenantDefaultOn,
        FindingCode::WritebackCapacityExceeded,
        FindingCode::WritebackCapacityNear,
        FindingCode::MissingRole,
        FindingCode::CustomRoleUnconfirmed,
        FindingCode::SettleRuleUnchecked,
    ];

    /// The code as written in reports: the snake_case serde name, e.g. `connect_sync_too_old`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::ConnectSyncVersionUnknown => "connect_sync_version_unknown",
            FindingCode::ConnectSyncTooOld => "connect_sync_too_old",
            FindingCode::CloudSyncAgentMissing => "cloud_sync_agent_missing",
            FindingCode::CloudSyncAgentTooOld => "cloud_sync_agent_too_old",
            FindingCode::IneligibleRecipientType => "ineligible_recipient_type",
            FindingCode::RecipientTypeUnknown => "recipient_type_unknown",
            FindingCode::NotDirSynced => "not_dir_synced",
            FindingCode::AlreadyCloudManaged => "already_cloud_managed",
            FindingCode::RecentOnPremisesChange => "recent_on_premises_change",
            FindingCode::LastChangeUnknown => "last_change_unknown",
            FindingCode::TenantDefaultWithOnPremisesProvisioning => {
                "tenant_default_with_on_premises_provisioning"
            }
            FindingCode::TenantDefaultOn => "tenant_default_on",
            FindingCode::WritebackCapacityExceeded => "writeback_capacity_exceeded",
            FindingCode::WritebackCapacityNear => "writeback_capacity_near",
            FindingCode::MissingRole => "missing_role",
            FindingCode::CustomRoleUnconfirmed => "custom_role_unconfirmed",
            FindingCode::SettleRuleUnchecked => "settle_rule_unchecked",
        }
    }
}

impl std::str::FromStr for FindingCode {
    type Err = crate::Error;

    /// Parses a code as [`FindingCode::as_str`] writes it (ignoring ASCII case).
    fn from_str(s: &str) -> crate::Result<Self> {
        FindingCode::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                crate::Error::invalid_input(
                    "finding code",
                    format!("{s:?} is not a known code (for example connect_sync_too_old)"),
                )
            })
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// What kind of finding this is.
    pub code: FindingCode,
    /// How serious it is.
    pub severity: Severity,
    /// What it is about (a mailbox identity, `tenant`, `Entra Connect Sync`, ...).
    pub subject: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl Finding {
    pub(crate) fn new(
        code: FindingCode,
        severity: Severity,
        subject: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding {
            code,
            severity,
            subject: subject.into(),
            message: message.into(),
            fix: fix.into(),
        }
    }

    /// Whether this finding stops a transfer.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Block
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {} ({}): {} Fix: {}",
            self.severity, self.code, self.subject, self.message, self.fix
        )
    }
}

/// The thresholds the checks use. Defaults come from `domain.md`'s sources; each can be changed
/// when Microsoft's guidance changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Requirements {
    /// Minimum Entra Connect Sync version (2.5.190.0, the fix for the 2.5.79.0 export errors).
    pub connect_sync_minimum: SyncVersion,
    /// Minimum Cloud Sync provisioning agent for writeback (1.1.1107.0).
    pub cloud_sync_writeback_minimum: SyncVersion,
    /// The sync cycle length (Entra Connect Sync's default scheduler interval is 30 minutes).
    pub sync_interval_minutes: i64,
    /// Settle time after an on-premises change, on top of one sync cycle (24 hours).
    pub settle_hours: i64,
    /// Maximum cloud-managed mailboxes that writeback supports (see [`Requirements::GA_CAPACITY`]).
    pub writeback_capacity: u64,
    /// Share of the capacity from which a warning is given (0.0–1.0).
    pub writeback_warn_ratio: f64,
    /// Roles that can change the flag, compared case-insensitively: Entra roles and Exchange
    /// Online role groups.
    pub sufficient_roles: Vec<String>,
}

impl Requirements {
    /// Writeback capacity at general availability (3 Aug 2026): up to 600,000 per tenant.
    pub const GA_CAPACITY: u64 = 600_000;
    /// Writeback capacity in the public preview: fewer than 200,000.
    pub const PREVIEW_CAPACITY: u64 = 199_999;
}

impl Default for Requirements {
    fn default() -> Self {
        Requirements {
            connect_sync_minimum: SyncVersion::CONNECT_SYNC_MINIMUM,
            cloud_sync_writeback_minimum: SyncVersion::CLOUD_SYNC_WRITEBACK_MINIMUM,
            sync_interval_minutes: 30,
            settle_hours: 24,
            writeback_capacity: Requirements::GA_CAPACITY,
            writeback_warn_ratio: 0.9,
            sufficient_roles: [
                "Exchange Administrator",
                "Global Administrator",
                "Organization Management",
                "Recipient Management",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

/// The synchronization infrastructure of the organization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncEnvironment {
    /// Entra Connect Sync version, from
    /// `(Get-ADSyncGlobalSettings).Parameters['Microsoft.Synchronize.ServerConfigurationVersion']`.
    pub connect_sync_version: Option<SyncVersion>,
    /// Entra Cloud Sync provisioning agent version, if one is installed.
    pub cloud_sync_agent_version: Option<SyncVersion>,
    /// Whether cloud edits should be written back to AD (Cloud Sync "EXO to AD attribute sync").
    pub writeback_wanted: bool,
}

/// Checks the sync engines against the requirements.
pub fn check_sync(env: &SyncEnvironment, req: &Requirements) -> Vec<Finding> {
    let mut out = Vec::new();
    let subject = "Entra Connect Sync";
    match env.connect_sync_version {
        None => out.push(Finding::new(
            FindingCode::ConnectSyncVersionUnknown,
            Severity::Warn,
            subject,
            "The Entra Connect Sync version was not supplied, so it cannot be checked.",
            format!(
                "Read it on the Connect server with (Get-ADSyncGlobalSettings).Parameters['Microsoft.Synchronize.ServerConfigurationVersion'] and make sure it is {} or later.",
                req.connect_sync_minimum
            ),
        )),
        Some(v) if v < req.connect_sync_minimum => {
            let known_bad = if v == SyncVersion::CONNECT_SYNC_KNOWN_BAD {
                " On 2.5.79.0 cloud-managed users hit continuous ExchangeManagedAttributesUpdateNotAllowed export errors and their attributes stop syncing; Microsoft said not to enable the feature on it."
            } else {
                " Older builds keep exporting Exchange attributes for cloud-managed mailboxes and fail (ExchangeManagedAttributesUpdateNotAllowed)."
            };
            out.push(Finding::new(
                FindingCode::ConnectSyncTooOld,
                Severity::Block,
                subject,
                format!(
                    "Entra Connect Sync {v} is older than {}, the minimum for cloud-managed mailboxes.{known_bad}",
                    req.connect_sync_minimum
                ),
                format!(
                    "Upgrade Entra Connect Sync to {} or later before setting IsExchangeCloudManaged.",
                    req.connect_sync_minimum
                ),
            ));
        }
        Some(_) => {}
    }
    if env.writeback_wanted {
        let subject = "Entra Cloud Sync agent";
        match env.cloud_sync_agent_version {
            None => out.push(Finding::new(
                FindingCode::CloudSyncAgentMissing,
                Severity::Block,
                subject,
                "Writeback is wanted, but no Entra Cloud Sync provisioning agent version was supplied: writeback runs only through Cloud Sync (\"EXO to AD attribute sync\").",
                format!(
                    "Install the provisioning agent {} or later beside Entra Connect Sync, then create the \"EXO to AD attribute sync\" configuration.",
                    req.cloud_sync_writeback_minimum
                ),
            )),
            Some(v) if v < req.cloud_sync_writeback_minimum => out.push(Finding::new(
                FindingCode::CloudSyncAgentTooOld,
                Severity::Block,
                subject,
                format!(
                    "The Cloud Sync provisioning agent {v} is older than {}, the minimum for Exchange attribute writeback.",
                    req.cloud_sync_writeback_minimum
                ),
                format!(
                    "Upgrade the provisioning agent to {} or later.",
                    req.cloud_sync_writeback_minimum
                ),
            )),
            Some(_) => {}
        }
    }
    out
}

/// The tenant's state, for the tenant-level checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantState {
    /// Whether the tenant-wide default (`ExchangeAttributesCloudManagedByDefault`) is on, or is
    /// about to be turned on.
    pub cloud_managed_by_default: bool,
    /// Whether mailboxes, mail users or remote mailboxes are still created on-premises.
    pub on_premises_provisioning_in_use: bool,
    /// Cloud-managed mailboxes today.
    pub cloud_managed_mailboxes: u64,
    /// Whether writeback is configured or wanted (capacity applies only then).
    pub writeback_enabled: bool,
}

/// Checks the tenant-wide default and the writeback capacity for `planned` more flips.
pub fn check_tenant(tenant: &TenantState, planned: u64, req: &Requirements) -> Vec<Finding> {
    let mut out = Vec::new();
    if tenant.cloud_managed_by_default && tenant.on_premises_provisioning_in_use {
        out.push(Finding::new(
            FindingCode::TenantDefaultWithOnPremisesProvisioning,
            Severity::Block,
            "tenant",
            "The tenant-wide default (ExchangeAttributesCloudManagedByDefault) must not be on while mailboxes, mail users or remote mailboxes are still created on-premises: new synced recipients then arrive as identity-only users with no Exchange Online recipient (missing from the GAL, blocking onboarding and migration), and turning the default off does not repair them.",
            "Finish mailbox migration and stop on-premises provisioning (New-RemoteMailbox, Enable-RemoteMailbox, New-MailUser) first; until then flip mailboxes one by one. If the default is already on, turn it off with Set-OrganizationConfig -ExchangeAttributesServerManagedByDefault and contact Microsoft Support for users created meanwhile.",
        ));
    } else if tenant.cloud_managed_by_default {
        out.push(Finding::new(
            FindingCode::TenantDefaultOn,
            Severity::Info,
            "tenant",
            "The tenant-wide default is on: new dir-synced users arrive without Exchange attributes and their mailboxes are created cloud-managed once licensed.",
            "Create new mailboxes by licensing synced users (or natively in Exchange Online); do not provision recipients on-premises.",
        ));
    }
    if tenant.writeback_enabled {
        let total = tenant.cloud_managed_mailboxes.saturating_add(planned);
        let cap = req.writeback_capacity;
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let warn_at = (cap as f64 * req.writeback_warn_ratio.clamp(0.0, 1.0)) as u64;
        if total > cap {
            out.push(Finding::new(
                FindingCode::WritebackCapacityExceeded,
                Severity::Block,
                "tenant",
                format!(
                    "{total} cloud-managed mailboxes ({} today plus {planned} planned) exceed the {cap} that Exchange attribute writeback supports.",
                    tenant.cloud_managed_mailboxes
                ),
                "Plan fewer mailboxes in this wave, or raise the capacity in the requirements if Microsoft has raised the limit for your tenant.",
            ));
        } else if total >= warn_at {
            out.push(Finding::new(
                FindingCode::WritebackCapacityNear,
                Severity::Warn,
                "tenant",
                format!("{total} of the {cap} cloud-managed mailboxes that writeback supports would be used."),
                "Plan the remaining waves against the capacity.",
            ));
        }
    }
    out
}

/// The principal that will run the transfer, and what it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Caller {
    /// Who (a UPN or an application id).
    pub name: String,
    /// Entra roles and Exchange Online role groups held (activated, if through PIM).
    pub roles: Vec<String>,
    /// Cmdlet parameters granted through custom management roles, written `Cmdlet -Parameter`
    /// (for example `Set-Mailbox -IsExchangeCloudManaged`).
    pub custom_role_parameters: Vec<String>,
}

/// Checks that the caller can change the flag.
pub fn check_caller(caller: &Caller, req: &Requirements) -> Vec<Finding> {
    let has_role = caller.roles.iter().any(|r| {
        req.sufficient_roles
            .iter()
            .any(|s| s.trim().eq_ignore_ascii_case(r.trim()))
    });
    if has_role {
        return Vec::new();
    }
    let has_custom = caller.custom_role_parameters.iter().any(|p| {
        let words: Vec<&str> = p.split_whitespace().collect();
        matches!(words.as_slice(), [cmd, param]
            if cmd.eq_ignore_ascii_case("Set-Mailbox")
            && param.trim_start_matches('-').eq_ignore_ascii_case("IsExchangeCloudManaged"))
    });
    let subject = if caller.name.is_empty() {
        "caller".to_owned()
    } else {
        caller.name.clone()
    };
    if has_custom {
        vec![Finding::new(
            FindingCode::CustomRoleUnconfirmed,
            Severity::Warn,
            subject,
            "The caller relies on a custom management role that grants Set-Mailbox -IsExchangeCloudManaged. Which built-in role entry carries this parameter is not documented, so this is unconfirmed.",
            "Prove it on one pilot mailbox (the transfer verifies every flip by reading it back), or use the Exchange Administrator role.",
        )]
    } else {
        vec![Finding::new(
            FindingCode::MissingRole,
            Severity::Block,
            subject,
            format!(
                "The caller holds none of the roles that can change IsExchangeCloudManaged ({}). In the preview a flip without the right role silently did nothing.",
                req.sufficient_roles.join(", ")
            ),
            "Assign (or activate, with PIM, before signing in) the Exchange Administrator role, or a custom role that carries Set-Mailbox -IsExchangeCloudManaged.",
        )]
    }
}

/// Checks one mailbox for a transfer to cloud management at `now`.
///
/// `ad_when_changed` is AD's `whenChanged` for the user, when known; it is preferred over the
/// mailbox's `WhenChangedUTC`, which also moves on cloud-side changes.
pub fn check_mailbox(
    mailbox: &Mailbox,
    ad_when_changed: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    req: &Requirements,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let subject = mailbox_subject(mailbox);
    match &mailbox.recipient_type_details {
        Some(rt) if !rt.is_eligible() => out.push(Finding::new(
            FindingCode::IneligibleRecipientType,
            Severity::Block,
            subject.clone(),
            format!(
                "{rt} cannot be cloud-managed: {}",
                rt.ineligibility_reason()
                    .unwrap_or("only user, shared, room and equipment mailboxes are supported.")
            ),
            "Leave it out of the transfer (groups and contacts move with object-level SOA in Graph).",
        )),
        Some(_) => {}
        None => out.push(Finding::new(
            FindingCode::RecipientTypeUnknown,
            Severity::Block,
            subject.clone(),
            "The mailbox's RecipientTypeDetails is unknown, so its eligibility cannot be checked.",
            "Read the mailbox with Get-Mailbox, which returns RecipientTypeDetails.",
        )),
    }
    if !mailbox.is_dir_synced {
        out.push(Finding::new(
            FindingCode::NotDirSynced,
            Severity::Block,
            subject.clone(),
            "The mailbox is not synchronized from AD (IsDirSynced is false): it is already mastered in the cloud and the flag has no meaning for it.",
            "Nothing to transfer; leave it out.",
        ));
    } else if mailbox.is_exchange_cloud_managed {
        out.push(Finding::new(
            FindingCode::AlreadyCloudManaged,
            Severity::Block,
            subject.clone(),
            "The mailbox is already cloud-managed (IsExchangeCloudManaged is true).",
            "Nothing to transfer; leave it out.",
        ));
    }
    let settle = TimeDelta::minutes(req.sync_interval_minutes) + TimeDelta::hours(req.settle_hours);
    match ad_when_changed.or_else(|| mailbox.last_changed_utc()) {
        Some(changed) if now < changed + settle => {
            let ready = changed + settle;
            out.push(Finding::new(
                FindingCode::RecentOnPremisesChange,
                Severity::Block,
                subject,
                format!(
                    "The mailbox changed at {} UTC, less than one sync cycle ({} min) plus {} hours ago.",
                    changed.format("%Y-%m-%d %H:%M"),
                    req.sync_interval_minutes,
                    req.settle_hours
                ),
                format!(
                    "Wait until {} UTC so the on-premises change has reached Exchange Online, then transfer.",
                    ready.format("%Y-%m-%d %H:%M")
                ),
            ));
        }
        None if mailbox.is_dir_synced => out.push(Finding::new(
            FindingCode::LastChangeUnknown,
            Severity::Warn,
            subject,
            "The time of the last on-premises change is unknown, so the sync-cycle-plus-24-hours rule cannot be checked.",
            "Supply AD's whenChanged for the user, or read WhenChangedUTC with Get-Mailbox.",
        )),
        Some(_) | None => {}
    }
    out
}

fn mailbox_subject(mailbox: &Mailbox) -> String {
    [
        &mailbox.user_principal_name,
        &mailbox.primary_smtp_address,
        &mailbox.identity,
        &mailbox.alias,
    ]
    .into_iter()
    .find_map(|s| s.as_deref().filter(|s| !s.is_empty()))
    .unwrap_or("(unnamed mailbox)")
    .to_owned()
}

/// All findings of a preflight run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreflightReport {
    /// The findings, in the order the checks produced them.
    pub findings: Vec<Finding>,
}

impl PreflightReport {
    /// Whether any finding blocks.
    pub fn is_blocked(&self) -> bool {
        self.findings.iter().any(Finding::blocks)
    }

    /// The most serious severity, if there are findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// The findings with a given code.
    pub fn with_code(&self, code: FindingCode) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.code == code)
    }
}

/// Everything the organization-level checks need, in one value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preflight {
    /// Sync engines.
    pub sync: SyncEnvironment,
    /// Tenant state.
    pub tenant: TenantState,
    /// The caller.
    pub caller: Option<Caller>,
    /// Thresholds.
    pub requirements: Requirements,
}

impl Preflight {
    /// Runs the organization checks (sync, tenant for `planned` flips, and the caller if given).
    pub fn check_organization(&self, planned: u64) -> PreflightReport {
        let mut findings = check_sync(&self.sync, &self.requirements);
        findings.extend(check_tenant(&self.tenant, planned, &self.requirements));
        if let Some(caller) = &self.caller {
            findings.extend(check_caller(caller, &self.requirements));
        }
        PreflightReport { findings }
    }

    /// Runs the mailbox checks for one mailbox.
    pub fn check_mailbox(
        &self,
        mailbox: &Mailbox,
        ad_when_changed: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> PreflightReport {
        PreflightReport {
            findings: check_mailbox(mailbox, ad_when_changed, now, &self.requirements),
        }
    }
}
