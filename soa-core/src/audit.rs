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
    /// Opens (or creates) the log at `path` for appending. A last line cut short by a crash
    /// (no newline at the end of the file) is cut off, so that the next event starts on a line
    /// of its own.
    pub fn open(path: &Path) -> Result<AuditLog> {
        let io = |action: &'static str| {
            move |source| Error::Io {
                action,
                path: path.to_owned(),
                source,
            }
        };
        let existed = path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(io("open"))?;
        let len = file.metadata().map_err(io("open"))?.len();
        if len > 0 {
            let complete = complete_length(path, len).map_err(io("read"))?;
            if complete < len {
                file.set_len(complete).map_err(io("repair"))?;
                file.sync_data().map_err(io("sync"))?;
            }
        }
        if !existed {
            crate::fsutil::sync_parent(path);
        }
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

    /// The events of a log file with what differs from one run of the same scenario to the
    /// next taken out — the `time` and the `run_id` — as compact JSON lines (keys sorted), one
    /// per event, each ending in a newline. Two front ends that ran the same scenario give the
    /// same bytes; the cross-front-end tests compare these.
    pub fn read_normalized(path: &Path) -> Result<String> {
        let mut out = String::new();
        for event in Self::read(path)? {
            let mut value = serde_json::to_value(&event)
                .map_err(|e| Error::json(format!("audit event of {}", path.display()), e))?;
            if let Some(object) = value.as_object_mut() {
                object.remove("time");
                object.remove("run_id");
            }
            out.push_str(&crate::json::to_string(&value)?);
            out.push('\n');
        }
        Ok(out)
    }

    /// Reads every event of a log file. A last line cut short by a crash is left out; a damaged
    /// line anywhere else is an error naming it (use [`AuditLog::scan`] to read past it).
    pub fn read(path: &Path) -> Result<Vec<AuditEvent>> {
        let scan = Self::scan(path)?;
        match scan.damaged.into_iter().next() {
            Some(damage) => Err(Error::invalid_input(
                format!("{} line {}", path.display(), damage.line),
                damage.reason,
            )),
            None => Ok(scan.events),
        }
    }

    /// Reads every readable event of a log file and lists the damaged lines instead of failing
    /// on the first: one bad line does not make the rest of an audit trail unreadable. A last
    /// line cut short by a crash (no newline after it) is reported as `torn_tail`, not damage.
    pub fn scan(path: &Path) -> Result<AuditScan> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut scan = AuditScan {
            events: Vec::new(),
            damaged: Vec::new(),
            torn_tail: complete < bytes.len(),
        };
        for (i, line) in bytes[..complete].split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let number = i + 1;
            let parsed = std::str::from_utf8(line)
                .map_err(|e| format!("not UTF-8: {e}"))
                .and_then(|text| {
                    crate::json::from_str::<AuditEvent>(
                        text,
                        &format!("{} line {number}", path.display()),
                    )
                    .map_err(|e| e.to_string())
                });
            match parsed {
                Ok(event) => scan.events.push(event),
                Err(reason) => scan.damaged.push(DamagedLine {
                    line: number,
                    reason,
                }),
            }
        }
        Ok(scan)
    }
}

/// What [`AuditLog::scan`] read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditScan {
    /// Every readable event, in file order.
    pub events: Vec<AuditEvent>,
    /// The lines that could not be read.
    pub damaged: Vec<DamagedLine>,
    /// Whether the file ends in a line cut short (a crash while it was written).
    pub torn_tail: bool,
}

/// A line of an audit log that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DamagedLine {
    /// The line number (1-based).
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// The length of the file up to and including its last newline.
fn complete_length(path: &Path, len: u64) -> std::io::Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = File::open(path)?;
    let mut end = len;
    let mut buf = vec![0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = usize::try_from(end - start).unwrap_or(buf.len());
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}
