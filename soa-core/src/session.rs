//! The one bundle every workflow takes: Exchange Online, the on-premises directory (if any), the
//! attribute catalog, the clock and the actor.
//!
//! Every default is decided here, once, so that Rust, Python and the C ABI (and through it
//! PowerShell) behave alike:
//!
//! - the **catalog** is the backend's ([`ExchangeOnline::catalog`]);
//! - the **actor** recorded in audit logs is the backend's principal
//!   ([`ExchangeOnline::principal`]: the simulated organization's principal, the credential's
//!   identity for a tenant); an explicit empty actor is an error, never a silent blank;
//! - the **clock** is the directory's when it has one (a simulated AD behind an emulated
//!   tenant keeps virtual time), else the backend's ([`ExchangeOnline::clock`]);
//! - a missing **directory** is stated in the results (a plan's `directory_checked`, its
//!   [`FindingCode::SettleRuleUnchecked`](crate::preflight::FindingCode::SettleRuleUnchecked)
//!   findings, a rollback's `directory_checked`), never silently skipped.
//!
//! ```
//! # #[cfg(feature = "sim")] {
//! use std::sync::Arc;
//! use soa_core::session::Session;
//! use soa_core::sim::SimulatedOrg;
//!
//! let org = SimulatedOrg::generate(50, 7);
//! let session = Session::new(Arc::new(org.clone())).with_directory(Arc::new(org.clone()));
//! assert_eq!(session.actor(), org.principal());
//! assert_eq!(session.now(), org.now());
//! assert!(Session::new(Arc::new(org)).with_actor("  ").is_err());
//! # }
//! ```

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::directory::OnPremisesDirectory;
use crate::exo::{ExchangeOnline, MailboxFilter, MailboxPager};
use crate::preflight::{Caller, Preflight, Requirements, TenantState};
use crate::reconcile::source::{AdEntries, AdFormat};
use crate::reconcile::{ReconcileOptions, ReconcileProgressFn, Report as ReconcileReport};
use crate::transfer::{
    self, Backup, Plan, RbacReport, RestoreReport, RollbackOptions, RollbackOutcome, RunOptions,
    RunReport, Selection, TransferPolicy,
};
use crate::{Error, Result};

/// Exchange Online, the on-premises directory, the catalog, the clock and the actor: what every
/// workflow needs, with every default decided once (see the [module documentation](self)).
///
/// Cheap to clone (it holds shared handles) and safe to share between threads.
#[derive(Clone)]
pub struct Session {
    exchange: Arc<dyn ExchangeOnline>,
    directory: Option<Arc<dyn OnPremisesDirectory>>,
    catalog: Arc<Catalog>,
    clock: Arc<dyn Clock>,
    actor: String,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("actor", &self.actor)
            .field("directory", &self.directory.is_some())
            .field("catalog_len", &self.catalog.len())
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session on `exchange` with the backend's catalog, principal and clock, and no
    /// on-premises directory.
    pub fn new(exchange: Arc<dyn ExchangeOnline>) -> Session {
        Session {
            catalog: exchange.catalog(),
            clock: exchange.clock(),
            actor: exchange.principal(),
            directory: None,
            exchange,
        }
    }

    /// The session with `directory` as its on-premises AD. When the directory keeps a clock of
    /// its own (a simulated organization), the session reads the time from it.
    #[must_use]
    pub fn with_directory(mut self, directory: Arc<dyn OnPremisesDirectory>) -> Session {
        if let Some(clock) = directory.clock() {
            self.clock = clock;
        }
        self.directory = Some(directory);
        self
    }

    /// The session with `catalog` instead of the backend's.
    #[must_use]
    pub fn with_catalog(mut self, catalog: Arc<Catalog>) -> Session {
        self.catalog = catalog;
        self
    }

    /// The session recording `actor` in audit logs instead of the backend's principal.
    /// Refuses an empty (or blank) actor: an audit record must name someone.
    pub fn with_actor(mut self, actor: impl Into<String>) -> Result<Session> {
        let actor = actor.into();
        if actor.trim().is_empty() {
            return Err(Error::invalid_input(
                "actor",
                "is empty: an audit record must name who acted (leave the actor out to record the backend's principal)",
            ));
        }
        self.actor = actor;
        Ok(self)
    }

    /// The session reading the time from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Session {
        self.clock = clock;
        self
    }

    /// Exchange Online.
    pub fn exchange(&self) -> &Arc<dyn ExchangeOnline> {
        &self.exchange
    }

    /// The on-premises directory, if the session has one.
    pub fn directory(&self) -> Option<&Arc<dyn OnPremisesDirectory>> {
        self.directory.as_ref()
    }

    /// The on-premises directory as a plain reference, if the session has one.
    pub(crate) fn directory_ref(&self) -> Option<&dyn OnPremisesDirectory> {
        self.directory.as_deref()
    }

    /// The attribute catalog.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Who acts: recorded in every audit record.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// The current time on the session's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// `Get-Mailbox` with a filter, as an owned, lazy stream (see
    /// [`ExchangeOnline::list_mailboxes`]).
    pub fn list_mailboxes(&self, filter: MailboxFilter) -> MailboxPager<'static> {
        self.exchange.list_mailboxes(filter)
    }

    /// Gathers the organization preflight's inputs: the tenant default, the number of
    /// cloud-managed mailboxes, the roles carrying `Set-Mailbox -IsExchangeCloudManaged` held
    /// by the backend's principal (who really makes the calls, whatever actor the audit log
    /// names), and the sync environment from the directory when it knows it. What no source
    /// reports (the Connect Sync version of a real tenant) stays unknown, and the preflight
    /// says so.
    pub async fn gather_preflight(&self, requirements: Requirements) -> Result<Preflight> {
        let config = self.exchange.get_organization_config().await?;
        let principal = self.exchange.principal();
        let roles: Vec<String> = self
            .exchange
            .role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
            .await?
            .into_iter()
            .filter(|a| a.assignee.eq_ignore_ascii_case(&principal))
            .map(|a| a.role)
            .collect();
        let mut cloud_managed = 0u64;
        let mut listing = self.exchange.list_mailboxes(MailboxFilter {
            dir_synced: Some(true),
            cloud_managed: Some(true),
            ..MailboxFilter::default()
        });
        while let Some(mailbox) = listing.next().await {
            mailbox?;
            cloud_managed += 1;
        }
        let sync = match &self.directory {
            Some(d) => d.sync_environment().await?.unwrap_or_default(),
            None => crate::preflight::SyncEnvironment::default(),
        };
        Ok(Preflight {
            tenant: TenantState {
                cloud_managed_by_default: config.block_exchange_provisioning_from_on_prem_enabled,
                on_premises_provisioning_in_use: true,
                cloud_managed_mailboxes: cloud_managed,
                writeback_enabled: sync.writeback_wanted,
            },
            sync,
            caller: Some(Caller {
                name: principal,
                roles,
                custom_role_parameters: Vec::new(),
            }),
            requirements,
        })
    }

    /// Makes a plan (see [`transfer::plan`](crate::transfer)): reads every selected mailbox,
    /// judges it with the settle rule against the directory (or states that there was none),
    /// applies the policy and records the organization findings.
    pub async fn plan(
        &self,
        selection: &Selection,
        policy: &TransferPolicy,
        preflight: &Preflight,
    ) -> Result<Plan> {
        transfer::plan(self, selection, policy, preflight).await
    }

    /// Runs a plan in `run_dir`: backs up, flips and verifies every go mailbox.
    pub async fn run(
        &self,
        plan: &Plan,
        run_dir: &Path,
        options: &RunOptions,
    ) -> Result<RunReport> {
        transfer::run(self, plan, run_dir, options).await
    }

    /// Resumes the run in `run_dir` after a crash, a kill or a cancellation.
    pub async fn resume(&self, run_dir: &Path, options: &RunOptions) -> Result<RunReport> {
        transfer::resume(self, run_dir, options).await
    }

    /// Rolls a mailbox back to on-premises management after the loss analysis; every refusal
    /// and rollback is written to the audit log at `audit_log` when given.
    pub async fn rollback(
        &self,
        identity: &str,
        options: &RollbackOptions,
        audit_log: Option<&Path>,
    ) -> Result<RollbackOutcome> {
        transfer::rollback(self, identity, options, audit_log).await
    }

    /// Re-applies a backup's Exchange values in Exchange Online (a cloud-managed mailbox).
    pub async fn restore_in_cloud(&self, backup: &Backup, dry_run: bool) -> Result<RestoreReport> {
        transfer::restore_in_cloud(&*self.exchange, &self.catalog, backup, dry_run).await
    }

    /// The on-premises commands that re-apply a backup (a mailbox mastered in AD).
    pub fn restore_script(&self, backup: &Backup) -> String {
        transfer::restore_script(&self.catalog, backup)
    }

    /// Who holds `Set-Mailbox -IsExchangeCloudManaged`, and the commands that confine it to
    /// the role group `group`.
    pub async fn rbac_review(&self, group: &str) -> Result<RbacReport> {
        transfer::rbac_review(&*self.exchange, group).await
    }

    /// Turns the tenant-wide default on, behind the preflight's gate.
    pub async fn enable_cloud_managed_by_default(
        &self,
        tenant: &TenantState,
        requirements: &Requirements,
    ) -> Result<()> {
        transfer::enable_cloud_managed_by_default(&*self.exchange, tenant, requirements).await
    }

    /// Turns the tenant-wide default off.
    pub async fn disable_cloud_managed_by_default(&self) -> Result<()> {
        transfer::disable_cloud_managed_by_default(&*self.exchange).await
    }

    /// Reconciles an AD export file with the session's Exchange Online, read live, with
    /// progress events when `progress` is given. The report is dated by the session's clock
    /// unless `options.now` says otherwise, and names the file as its AD source unless
    /// `options.ad_source` does.
    pub async fn reconcile_live(
        &self,
        ad: &Path,
        ad_format: Option<AdFormat>,
        options: &ReconcileOptions,
        progress: Option<ReconcileProgressFn>,
    ) -> Result<ReconcileReport> {
        let mut options = options.clone();
        if options.ad_source == ReconcileOptions::default().ad_source {
            options.ad_source = ad.display().to_string();
        }
        let entries = crate::reconcile::source::open_ad(&self.catalog, ad, ad_format)?;
        self.reconcile_entries(entries, &options, progress).await
    }

    /// Reconciles AD entries from any source (an export opened with
    /// [`open_ad`](crate::reconcile::source::open_ad), or entries built in memory) with the
    /// session's Exchange Online, read live. The report is dated by the session's clock unless
    /// `options.now` says otherwise.
    pub async fn reconcile_entries(
        &self,
        entries: AdEntries,
        options: &ReconcileOptions,
        progress: Option<ReconcileProgressFn>,
    ) -> Result<ReconcileReport> {
        let mut options = options.clone();
        if options.now.is_none() {
            options.now = Some(self.now());
        }
        crate::reconcile::reconcile_live_with_progress(
            &self.catalog,
            entries,
            &*self.exchange,
            &options,
            progress,
        )
        .await
    }
}
