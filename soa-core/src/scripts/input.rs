//! Reading scripts: the folder walk and the decoding of a file's bytes.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The extensions audited in a folder walk (ignoring case).
pub const SCRIPT_EXTENSIONS: [&str; 3] = ["ps1", "psm1", "psd1"];

/// Whether a path has one of [`SCRIPT_EXTENSIONS`].
pub fn is_script(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SCRIPT_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The script files under `root`, sorted, found without following symbolic links to folders
/// (so a link cycle cannot loop). A file given directly is returned whatever its extension.
pub(crate) fn script_files(root: &Path) -> Result<Vec<PathBuf>> {
    let meta = fs::metadata(root).map_err(|source| Error::Io {
        action: "read",
        path: root.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|source| Error::Io {
            action: "list",
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                action: "list",
                path: dir.clone(),
                source,
            })?;
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
            } else if (kind.is_file() || kind.is_symlink()) && is_script(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// How a script file was encoded, so that a rewrite is written back the same way: Windows
/// PowerShell 5.1 reads a file without a byte-order mark in the ANSI code page, so dropping a
/// BOM (or turning UTF-16 into UTF-8) would change what the rewritten script means there.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SourceEncoding {
    /// UTF-8 without a byte-order mark.
    #[default]
    Utf8,
    /// UTF-8 with a byte-order mark.
    Utf8Bom,
    /// UTF-16 little-endian with a byte-order mark (PowerShell's "Unicode").
    Utf16Le,
    /// UTF-16 big-endian with a byte-order mark.
    Utf16Be,
}

impl SourceEncoding {
    /// `text` encoded this way, byte-order mark included.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            SourceEncoding::Utf8 => text.as_bytes().to_vec(),
            SourceEncoding::Utf8Bom => crate::pwsh::script_bytes(text),
            SourceEncoding::Utf16Le => {
                let mut out = vec![0xFF, 0xFE];
                out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                out
            }
            SourceEncoding::Utf16Be => {
                let mut out = vec![0xFE, 0xFF];
                out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
                out
            }
        }
    }
}

/// Decodes a script's bytes: UTF-8 (with or without a byte-order mark) or UTF-16 with a
/// byte-order mark, as Windows PowerShell writes it, and says which. Binary content (NUL
/// bytes) and invalid UTF-8 are errors that say where.
pub(crate) fn decode(bytes: &[u8]) -> std::result::Result<(String, SourceEncoding), String> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes).map(|t| (t, SourceEncoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes).map(|t| (t, SourceEncoding::Utf16Be));
    }
    let (bytes, encoding) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (rest, SourceEncoding::Utf8Bom),
        None => (bytes, SourceEncoding::Utf8),
    };
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(format!("binary content (a NUL byte at offset {at})"));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_owned(), encoding)),
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].split(|&b| b == b'\n').count();
            Err(format!("not valid UTF-8 (line {line}, byte offset {at})"))
        }
    }
}

fn utf16(bytes: &[u8], word: fn([u8; 2]) -> u16) -> std::result::Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err("UTF-16 text with an odd number of bytes".into());
    }
    let words: Vec<u16> = bytes.chunks_exact(2).map(|c| word([c[0], c[1]])).collect();
    let text = String::from_utf16(&words).map_err(|_| "not valid UTF-16".to_owned())?;
    if text.contains('\0') {
        return Err("binary content (a NUL character)".into());
    }
    Ok(text)
}

/// Reads a script file of at most `limit` bytes. Only regular files are read (a FIFO, a device
/// such as `/dev/zero`, or a link to one is refused before reading), and the read stops past the
/// limit whatever the file's size claimed, so nothing can make the auditor read without end.
pub(crate) fn read_limited(path: &Path, limit: u64) -> std::io::Result<ReadOutcome> {
    use std::io::Read;
    // Opening a FIFO for reading blocks until a writer comes: look before opening, and look
    // again at what was opened (it may have been swapped in between).
    if !fs::metadata(path)?.is_file() {
        return Ok(ReadOutcome::NotRegular);
    }
    let file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(ReadOutcome::NotRegular);
    }
    if meta.len() > limit {
        return Ok(ReadOutcome::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(ReadOutcome::TooLarge(bytes.len() as u64));
    }
    Ok(ReadOutcome::Bytes(bytes))
}

/// What [`read_limited`] found.
pub(crate) enum ReadOutcome {
    /// The file's bytes.
    Bytes(Vec<u8>),
    /// Not a regular file.
    NotRegular,
    /// Larger than the limit (the size seen so far).
    TooLarge(u64),
}
