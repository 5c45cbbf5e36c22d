//! Rolling a mailbox back to on-premises management, and the offboarding order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::audit::{AuditAction, AuditEvent, AuditLog};
use crate::authority::{RollbackLoss, rollback_loss_for_mailbox};
use crate::model::{AttributeValue, Mailbox};
use crate::session::Session;
use crate::{Error, Result};

/// What a rollback needs besides the mailbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RollbackOptions {
    /// The caller has read the loss report and accepts that the next sync overwrites those
    /// cloud values.
    pub acknowledge_loss: bool,
    /// Write the values that would be lost to this file (JSON) first; the rollback then proceeds
    /// without an acknowledgment.
    pub export_to: Option<PathBuf>,
    /// The change ticket.
    pub ticket: Option<String>,
}

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackOutcome {
    /// The mailbox.
    pub identity: String,
    /// The cloud values the next sync overwrites.
    pub loss: RollbackLoss,
    /// Where the loss was exported, if it was.
    pub exported: Option<PathBuf>,
    /// Whether the flag reads false afterwards.
    pub rolled_back: bool,
    /// Whether AD's values were read for the loss report. Without a directory the loss cannot
    /// be computed: every cloud value the catalog says sync overwrites is reported as at risk.
    #[serde(default)]
    pub directory_checked: bool,
}

/// Sets a mailbox's flag back to false, after the loss analysis.
///
/// Reads the mailbox and AD's values (from the session's directory), computes which cloud values
/// the next sync overwrites, and refuses ([`Error::Refused`]) when there are any unless
/// `acknowledge_loss` is set or they are exported first. Then sets the flag in a call of its own
/// and reads it back. Every refusal and rollback is written to the audit log at `audit_log` when
/// given, with the session's actor and clock.
pub(crate) async fn rollback(
    session: &Session,
    identity: &str,
    options: &RollbackOptions,
    audit_log: Option<&Path>,
) -> Result<RollbackOutcome> {
    let exo = &**session.exchange();
    let catalog = &**session.catalog();
    let audit = audit_log
        .map(AuditLog::open)
        .transpose()?
        .map(std::sync::Arc::new);
    let mailbox = exo.get_mailbox(identity).await?;
    // Each record is fsynced off the executor, like a run's.
    let record = |action, reason: Option<String>| {
        let log = audit.clone();
        let event = AuditEvent {
            time: session.now(),
            run_id: "rollback".to_owned(),
            ticket: options.ticket.clone(),
            actor: session.actor().to_owned(),
            action,
            mailbox: Some(identity.to_owned()),
            attribute: Some("IsExchangeCloudManaged".to_owned()),
            before: (action == AuditAction::Rollback).then_some(AttributeValue::Bool(true)),
            after: (action == AuditAction::Rollback).then_some(AttributeValue::Bool(false)),
            reason,
        };
        async move {
            match log {
                Some(log) => crate::fsutil::unblock("audit log", move || log.record(&event)).await,
                None => Ok(()),
            }
        }
    };
    if !mailbox.is_dir_synced || !mailbox.is_exchange_cloud_managed {
        let reason =
            "the mailbox is not a dir-synced, cloud-managed mailbox: there is nothing to roll back"
                .to_owned();
        record(AuditAction::Refusal, Some(reason.clone())).await?;
        return Err(Error::Refused {
            operation: format!("roll back {identity}"),
            reason,
        });
    }
    let directory_checked = session.directory().is_some();
    let loss = loss_against_directory(session, catalog, identity, &mailbox).await?;
    let mut exported = None;
    if !loss.is_lossless() {
        if let Some(path) = &options.export_to {
            let (path, identity, loss, now) = (
                path.clone(),
                identity.to_owned(),
                loss.clone(),
                session.now(),
            );
            crate::fsutil::unblock("loss export", move || {
                export_loss(&path, &identity, &loss, now)
            })
            .await?;
            exported = options.export_to.clone();
        } else if !options.acknowledge_loss {
            let reason = format!("{} (Acknowledge the loss to proceed anyway.)", loss.summary);
            record(AuditAction::Refusal, Some(reason.clone())).await?;
            return Err(Error::Refused {
                operation: format!("roll back {identity}"),
                reason,
            });
        }
    }
    let sent = exo.set_cloud_managed(identity, false).await;
    let after = exo.get_mailbox(identity).await?;
    let rolled_back = !after.is_exchange_cloud_managed;
    if rolled_back {
        record(
            AuditAction::Rollback,
            sent.err()
                .map(|e| format!("the call reported an error but the change applied: {e}")),
        )
        .await?;
    } else {
        let reason = match sent {
            Err(e) => e.to_string(),
            Ok(()) => "the call reported success but the flag still reads true".to_owned(),
        };
        record(AuditAction::FlipFailed, Some(reason.clone())).await?;
        return Err(Error::Exchange {
            cmdlet: "Set-Mailbox".to_owned(),
            message: format!("rolling back {identity} did not apply: {reason}"),
        });
    }
    Ok(RollbackOutcome {
        identity: identity.to_owned(),
        loss,
        exported,
        rolled_back,
        directory_checked,
    })
}

/// The cloud values the next sync overwrites, against AD's values read through the session's
/// directory; without one, AD is unknown and every cloud value sync would overwrite is at risk
/// (the summary says so).
async fn loss_against_directory(
    session: &Session,
    catalog: &crate::catalog::Catalog,
    identity: &str,
    mailbox: &Mailbox,
) -> Result<RollbackLoss> {
    let Some(directory) = session.directory() else {
        let mut loss = rollback_loss_for_mailbox(catalog, mailbox, &BTreeMap::new())?;
        loss.summary = format!(
            "No on-premises directory was given, so AD's values are unknown and every cloud value below is reported as at risk. {}",
            loss.summary
        );
        return Ok(loss);
    };
    let ad = directory
        .ad_record(identity)
        .await?
        .map(|r| r.attributes)
        .unwrap_or_default();
    rollback_loss_for_mailbox(catalog, mailbox, &ad)
}

fn export_loss(
    path: &Path,
    identity: &str,
    loss: &RollbackLoss,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    #[derive(Serialize)]
    struct Export<'a> {
        identity: &'a str,
        exported_at: chrono::DateTime<chrono::Utc>,
        loss: &'a RollbackLoss,
    }
    let text = serde_json::to_string_pretty(&Export {
        identity,
        exported_at: now,
        loss,
    })
    .map_err(|e| Error::invalid_input("loss export", e.to_string()))?;
    crate::fsutil::write_atomic(path, text.as_bytes())
}

/// The offboarding order: a mailbox that is to move back on-premises must have its flag set
/// back to false first, or its on-premises Exchange attributes cannot be updated and sync breaks
/// during the move. Refuses a move of a cloud-managed mailbox, with that reason.
pub fn check_offboarding(mailbox: &Mailbox) -> Result<()> {
    if mailbox.is_exchange_cloud_managed {
        return Err(Error::Refused {
            operation: format!(
                "move {} back on-premises",
                mailbox.user_principal_name.as_deref().unwrap_or("the mailbox")
            ),
            reason: "it is still cloud-managed: roll it back (IsExchangeCloudManaged to false) and let a sync cycle run before the move request".to_owned(),
        });
    }
    Ok(())
}
