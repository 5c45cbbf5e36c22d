//! The run journal: an append-only, fsynced record of every step of every mailbox, from which a
//! killed run resumes.
//!
//! One JSON object per line. A line is synced to disk before the step it announces is taken
//! (`flip_sent` before the flip is sent), so after a crash the journal never claims less than
//! what may have happened; resume then reads the live state to settle what did.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A step of one mailbox's transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The mailbox is in the plan.
    Planned,
    /// Its backup is written and verified.
    BackedUp,
    /// The flip is about to be sent (it may or may not have applied).
    FlipSent,
    /// The flag was read back as true.
    Verified,
    /// The flip failed or could not be verified (the reason says which).
    Failed,
    /// The probe edit succeeded and the original value was restored.
    ProbeOk,
    /// The probe edit failed (the mailbox stays flipped; the reason says why).
    ProbeFailed,
    /// The flag was set back to false and read back.
    RolledBack,
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// When.
    pub time: DateTime<Utc>,
    /// The mailbox (UPN).
    pub identity: String,
    /// The step.
    pub step: Step,
    /// Why, for failures; what was observed, for notable successes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

impl Journal {
    /// Opens (or creates) the journal at `path` and returns it with the entries already there.
    ///
    /// A last line cut short by a crash is dropped (and cut from the file, so that appends start
    /// on a fresh line); a damaged line anywhere else is an error naming it.
    pub fn open(path: &Path) -> Result<(Journal, Vec<JournalEntry>)> {
        let io = |action: &'static str| {
            move |source| Error::Io {
                action,
                path: path.to_owned(),
                source,
            }
        };
        let text = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io("read")(e)),
        };
        let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut entries = Vec::new();
        for (n, line) in text[..complete].split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let line = std::str::from_utf8(line).map_err(|e| {
                Error::invalid_input(
                    format!("{} line {}", path.display(), n + 1),
                    format!("not UTF-8: {e}"),
                )
            })?;
            entries.push(crate::json::from_object_str(
                line,
                &format!("{} line {}", path.display(), n + 1),
            )?);
        }
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(path)
            .map_err(io("open"))?;
        if complete < text.len() {
            file.set_len(complete as u64).map_err(io("repair"))?;
        }
        file.seek(SeekFrom::End(0)).map_err(io("open"))?;
        if !existed {
            crate::fsutil::sync_parent(path);
        }
        Ok((
            Journal {
                path: path.to_owned(),
                file: Mutex::new(file),
            },
            entries,
        ))
    }

    /// Appends an entry stamped with the system time and syncs it to disk before returning.
    pub fn append(&self, identity: &str, step: Step, reason: Option<String>) -> Result<()> {
        self.append_at(Utc::now(), identity, step, reason)
    }

    /// Appends an entry stamped `time` (a session's clock) and syncs it to disk before
    /// returning.
    pub fn append_at(
        &self,
        time: DateTime<Utc>,
        identity: &str,
        step: Step,
        reason: Option<String>,
    ) -> Result<()> {
        let entry = JournalEntry {
            time,
            identity: identity.to_owned(),
            step,
            reason,
        };
        let line = crate::json::to_string(&entry)?;
        crate::fsutil::append_line_synced(&self.file, &self.path, &line)
    }
}

/// The furthest step each mailbox reached, by lower-cased identity.
pub fn progress_by_mailbox(entries: &[JournalEntry]) -> HashMap<String, Step> {
    let mut out: HashMap<String, Step> = HashMap::new();
    for e in entries {
        let key = e.identity.to_lowercase();
        // Later lines win, except that a probe result does not hide the verification.
        let step = match (out.get(&key), e.step) {
            (Some(Step::Verified), Step::ProbeOk | Step::ProbeFailed) => Step::Verified,
            (_, s) => s,
        };
        out.insert(key, step);
    }
    out
}
