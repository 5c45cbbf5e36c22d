//! Audit events of the library's own runs, as JSON lines: every change, refusal and rollback,
//! with run id, ticket, actor, mailbox, attribute, before, after and time.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::AttributeValue;
use crate::{Error, Result};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A backup was written.
    Backup,
    /// `IsExchangeCloudManaged` was set to true and verified.
    Flip,
    /// A flip failed or could not be verified.
    FlipFailed,
    /// A probe edit proved the mailbox editable in the cloud.
    Probe,
    /// The flag was set back to false.
    Rollback,
    /// Values were restored from a backup.
    Restore,
    /// The library refused an operation (with the reason).
    Refusal,
    /// The tenant-wide default was changed.
    TenantDefault,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When.
    pub time: DateTime<Utc>,
    /// The run.
    pub run_id: String,
    /// The change ticket, if any.
    pub ticket: Option<String>,
    /// Who ran it.
    pub actor: String,
    /// What happened.
    pub action: AuditAction,
    /// The mailbox, if the event concerns one.
    pub mailbox: Option<String>,
    /// The attribute, if the event concerns one.
    pub attribute: Option<String>,
    /// The value before.
    pub before: Option<AttributeValue>,
    /// The value after.
    pub after: Option<AttributeValue>,
    /// Why, for refusals and failures.
    pub reason: Option<String>,
}

/// An append-only JSON-lines audit log; each event is flushed to disk before the call returns.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    /// Opens (or creates) the log at `path` for appending.
    pub fn open(path: &Path) -> Result<AuditLog> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| Error::Io {
                action: "open",
                path: path.to_owned(),
                source,
            })?;
        Ok(AuditLog {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }

    /// Appends one event and syncs it to disk.
    pub fn record(&self, event: &AuditEvent) -> Result<()> {
        let line = crate::json::to_string(event)?;
        crate::fsutil::append_line_synced(&self.file, &self.path, &line)
    }

    /// Reads every event of a log file.
    pub fn read(path: &Path) -> Result<Vec<AuditEvent>> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| crate::json::from_str(l, &format!("{} line {}", path.display(), i + 1)))
            .collect()
    }
}
