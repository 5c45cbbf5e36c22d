//! Backups of a mailbox's attributes, taken before its flag changes.
//!
//! A backup holds everything the library can read of the mailbox (`Get-Mailbox`) and of its user
//! (`Get-User`), plus AD's values when a directory is available. It is versioned JSON with a
//! SHA-256 checksum over its content, written to a temporary file, fsynced, and renamed into
//! place — so a backup that exists is complete, and one that was tampered with or damaged is
//! detected when read.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::directory::AdRecord;
use crate::model::{Mailbox, User};
use crate::{Error, Result};

/// The current backup format.
pub const BACKUP_FORMAT: u32 = 1;

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupContent {
    /// [`BACKUP_FORMAT`] when written.
    pub format: u32,
    /// The run that took it.
    pub run_id: String,
    /// When.
    pub taken_at: DateTime<Utc>,
    /// The mailbox's UPN.
    pub identity: String,
    /// The mailbox as `Get-Mailbox` returned it.
    pub mailbox: Mailbox,
    /// The user as `Get-User` returned it, when readable.
    pub user: Option<User>,
    /// AD's values, when a directory was available.
    pub ad: Option<AdRecord>,
}

/// A backup as stored: its content and the checksum of that content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    /// The content.
    #[serde(flatten)]
    pub content: BackupContent,
    /// Hex SHA-256 of the content's compact JSON.
    pub checksum: String,
}

fn checksum(content: &BackupContent) -> Result<String> {
    let json = crate::json::to_string(content)?;
    let digest = Sha256::digest(json.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in &digest {
        let _ = write!(hex, "{b:02x}");
    }
    Ok(hex)
}

impl Backup {
    /// Seals `content` with its checksum.
    pub fn new(content: BackupContent) -> Result<Backup> {
        let checksum = checksum(&content)?;
        Ok(Backup { content, checksum })
    }

    /// Checks the format and the checksum.
    pub fn verify(&self, origin: &str) -> Result<()> {
        if self.content.format != BACKUP_FORMAT {
            return Err(Error::invalid_input(
                origin,
                format!(
                    "backup format {} is not supported (this version reads {BACKUP_FORMAT})",
                    self.content.format
                ),
            ));
        }
        let actual = checksum(&self.content)?;
        if actual != self.checksum {
            return Err(Error::invalid_input(
                origin,
                format!(
                    "checksum mismatch: the file says {}, its content hashes to {actual}; the backup is damaged or was edited",
                    self.checksum
                ),
            ));
        }
        Ok(())
    }
}

/// An identity made safe for a file name, the same on every system: lower-cased, every
/// character but ASCII letters, digits, `.`, `@`, `-` and `_` replaced by `_`, at most 100 of
/// them, then `.` and the first four bytes of the identity's SHA-256 in hex, so that two
/// identities that look alike once made safe never share a name
/// (`alice@contoso.com.2bd806c9`).
pub fn safe_file_stem(identity: &str) -> String {
    let lower = identity.trim().to_lowercase();
    let safe: String = lower
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let digest = Sha256::digest(lower.as_bytes());
    format!(
        "{safe}.{:02x}{:02x}{:02x}{:02x}",
        digest[0], digest[1], digest[2], digest[3]
    )
}

/// The folder of a run's backups: one file per mailbox.
#[derive(Debug, Clone)]
pub struct BackupStore {
    dir: PathBuf,
}

impl BackupStore {
    /// A store in `dir` (created when missing).
    pub fn open(dir: &Path) -> Result<BackupStore> {
        if !dir.is_dir() {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                action: "create",
                path: dir.to_owned(),
                source,
            })?;
            crate::fsutil::sync_parent(dir);
        }
        Ok(BackupStore {
            dir: dir.to_owned(),
        })
    }

    /// A store in `dir`, which is not created: for naming files ([`BackupStore::path_for`])
    /// without touching the disk.
    pub fn at(dir: &Path) -> BackupStore {
        BackupStore {
            dir: dir.to_owned(),
        }
    }

    /// The file a mailbox's backup is written to: the identity made safe for a file name, and
    /// a short hash of it so that two identities never share a file.
    pub fn path_for(&self, identity: &str) -> PathBuf {
        self.dir.join(format!("{}.json", safe_file_stem(identity)))
    }

    /// Writes a backup durably (temporary file, fsync, rename, fsync of the folder).
    pub fn write(&self, backup: &Backup) -> Result<PathBuf> {
        let path = self.path_for(&backup.content.identity);
        let text = serde_json::to_string_pretty(backup)
            .map_err(|e| Error::invalid_input("backup", e.to_string()))?;
        crate::fsutil::write_atomic(&path, text.as_bytes())?;
        Ok(path)
    }

    /// Reads and verifies the backup of `identity`.
    pub fn read(&self, identity: &str) -> Result<Backup> {
        Self::read_file(&self.path_for(identity))
    }

    /// Reads and verifies a backup file.
    pub fn read_file(path: &Path) -> Result<Backup> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        let origin = path.display().to_string();
        let backup: Backup = crate::json::from_object_str(&text, &origin)?;
        backup.verify(&origin)?;
        Ok(backup)
    }
}
