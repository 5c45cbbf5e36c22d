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

/// Decodes a script's bytes: UTF-8 (with or without a byte-order mark) or UTF-16 with a
/// byte-order mark, as Windows PowerShell writes it. Binary content (NUL bytes) and invalid
/// UTF-8 are errors that say where.
pub(crate) fn decode(bytes: &[u8]) -> std::result::Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(format!("binary content (a NUL byte at offset {at})"));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
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
