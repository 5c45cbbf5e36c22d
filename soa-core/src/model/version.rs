//! [`SyncVersion`]: four-part product versions of Entra Connect Sync and the Cloud Sync agent.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, Result};

/// A four-part version number such as `2.5.190.0` (Entra Connect Sync) or `1.1.1107.0` (Entra
/// Cloud Sync provisioning agent).
///
/// Parsing ([`str::parse`] / [`SyncVersion::parse`]) trims leading and trailing whitespace
/// (spaces, tabs, line breaks, as pasted by admins) and then requires exactly four
/// dot-separated parts of decimal digits, each fitting in a `u32`: no sign, no `v` prefix, no
/// empty part. Errors are [`Error::InvalidVersion`], naming the input and the offending part.
///
/// Ordering is numeric, part by part (`2.5.190.0 > 2.5.79.0`), the same as ordering the
/// tuple of parts. [`Display`](fmt::Display) gives `a.b.c.d`. Serde: that string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SyncVersion {
    parts: [u32; 4],
}

impl SyncVersion {
    /// Minimum Entra Connect Sync version for cloud-managed Exchange attributes: `2.5.190.0`.
    pub const CONNECT_SYNC_MINIMUM: SyncVersion = SyncVersion::new(2, 5, 190, 0);

    /// A known-bad Entra Connect Sync version: `2.5.79.0`, on which cloud-managed users hit
    /// continuous `ExchangeManagedAttributesUpdateNotAllowed` export errors (fixed in
    /// [`CONNECT_SYNC_MINIMUM`](Self::CONNECT_SYNC_MINIMUM)).
    pub const CONNECT_SYNC_KNOWN_BAD: SyncVersion = SyncVersion::new(2, 5, 79, 0);

    /// Minimum Entra Cloud Sync provisioning agent version for writing Exchange attributes back
    /// to AD: `1.1.1107.0`.
    pub const CLOUD_SYNC_WRITEBACK_MINIMUM: SyncVersion = SyncVersion::new(1, 1, 1107, 0);

    /// The version `major.minor.build.revision`.
    pub const fn new(major: u32, minor: u32, build: u32, revision: u32) -> Self {
        SyncVersion {
            parts: [major, minor, build, revision],
        }
    }

    /// Parses a version; same as [`str::parse`].
    pub fn parse(text: &str) -> Result<Self> {
        let error = |reason: String| Error::InvalidVersion {
            input: text.to_owned(),
            reason,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(error(
                "empty; expected four numeric parts like 2.5.190.0".to_owned(),
            ));
        }
        let pieces: Vec<&str> = trimmed.split('.').collect();
        if pieces.len() != 4 {
            return Err(error(format!(
                "expected four numeric parts like 2.5.190.0, found {}",
                pieces.len()
            )));
        }
        let mut parts = [0_u32; 4];
        for (i, (slot, piece)) in parts.iter_mut().zip(pieces).enumerate() {
            let n = i + 1;
            if piece.is_empty() {
                return Err(error(format!("part {n} is empty")));
            }
            if !piece.bytes().all(|b| b.is_ascii_digit()) {
                return Err(error(format!("part {n} {piece:?} is not a number")));
            }
            *slot = piece.parse().map_err(|_| {
                error(format!(
                    "part {n} {piece:?} is too large (the maximum is {})",
                    u32::MAX
                ))
            })?;
        }
        Ok(SyncVersion { parts })
    }

    /// The four parts, `[major, minor, build, revision]`.
    pub const fn parts(self) -> [u32; 4] {
        self.parts
    }

    /// The first part.
    pub const fn major(self) -> u32 {
        self.parts[0]
    }

    /// The second part.
    pub const fn minor(self) -> u32 {
        self.parts[1]
    }

    /// The third part.
    pub const fn build(self) -> u32 {
        self.parts[2]
    }

    /// The fourth part.
    pub const fn revision(self) -> u32 {
        self.parts[3]
    }
}

impl From<[u32; 4]> for SyncVersion {
    fn from(parts: [u32; 4]) -> Self {
        SyncVersion { parts }
    }
}

impl From<SyncVersion> for [u32; 4] {
    fn from(v: SyncVersion) -> Self {
        v.parts
    }
}

impl FromStr for SyncVersion {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        SyncVersion::parse(s)
    }
}

impl fmt::Display for SyncVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [major, minor, build, revision] = self.parts;
        write!(f, "{major}.{minor}.{build}.{revision}")
    }
}

impl Serialize for SyncVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SyncVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        SyncVersion::parse(&text).map_err(serde::de::Error::custom)
    }
}
