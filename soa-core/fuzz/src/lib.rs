//! Helpers shared by the fuzz targets of soa-core (see `fuzz_targets/`): draining a streaming
//! reader with the invariants every reader promises, the evaluator of the PowerShell subset
//! that `soa_core::pwsh` emits, and scratch files for the entry points that read files.

use std::path::PathBuf;

/// Reads every item of a streaming reader of `input_len` bytes and checks what every reader
/// of the library promises: it ends, an error is its last item (nothing is read after one),
/// and it yields no more records than the input has bytes. Returns the records read before an
/// error, and the error.
///
/// # Panics
///
/// When the reader breaks one of those promises (that is the finding).
pub fn drain<T, I>(reader: I, input_len: usize) -> (Vec<T>, Option<soa_core::Error>)
where
    I: IntoIterator<Item = soa_core::Result<T>>,
{
    let mut items = Vec::new();
    let mut iter = reader.into_iter();
    while let Some(item) = iter.next() {
        match item {
            Ok(v) => {
                items.push(v);
                assert!(
                    items.len() <= input_len + 1,
                    "a reader of {input_len} bytes yielded {} records",
                    items.len()
                );
            }
            Err(e) => {
                let after = iter.next();
                assert!(
                    after.is_none(),
                    "a reader went on after the error {e}: {}",
                    match after {
                        Some(Ok(_)) => "a record".to_owned(),
                        Some(Err(e2)) => format!("another error: {e2}"),
                        None => String::new(),
                    }
                );
                return (items, Some(e));
            }
        }
    }
    (items, None)
}

/// Evaluates the subset of PowerShell that `soa_core::pwsh::quote` emits for a string:
/// single-quoted literals (a doubled quote is one quote), `[char]0xHHHH` casts (UTF-16 code
/// units), `+` between terms, and at most one pair of parentheses around the whole. Returns
/// `None` for anything outside that subset (or an unpaired surrogate).
pub fn evaluate(expr: &str) -> Option<String> {
    let inner = match expr.strip_prefix('(') {
        Some(rest) => rest.strip_suffix(')')?,
        None => expr,
    };
    let mut units: Vec<u16> = Vec::new();
    let mut rest = inner.trim_start_matches(' ');
    let mut expect_term = true;
    while !rest.is_empty() {
        if expect_term {
            if let Some(after) = rest.strip_prefix('\'') {
                let mut text = String::new();
                let mut chars = after.char_indices().peekable();
                let mut end = None;
                while let Some((i, c)) = chars.next() {
                    if c == '\'' {
                        if chars.peek().is_some_and(|&(_, d)| d == '\'') {
                            chars.next();
                            text.push('\'');
                        } else {
                            end = Some(i + 1);
                            break;
                        }
                    } else {
                        text.push(c);
                    }
                }
                units.extend(text.encode_utf16());
                rest = &after[end?..];
            } else if let Some(after) = rest.strip_prefix("[char]0x") {
                let hex: String = after
                    .chars()
                    .take_while(char::is_ascii_hexdigit)
                    .take(4)
                    .collect();
                if hex.len() != 4 {
                    return None;
                }
                units.push(u16::from_str_radix(&hex, 16).ok()?);
                rest = &after[hex.len()..];
            } else {
                return None;
            }
            expect_term = false;
        } else {
            rest = rest.strip_prefix('+')?;
            expect_term = true;
        }
        rest = rest.trim_start_matches(' ');
    }
    if expect_term {
        return None;
    }
    String::from_utf16(&units).ok()
}

/// A scratch file of this process under the system's temporary folder (for the entry points
/// that read files: `reconcile_files`). Each fuzzing process has its own.
///
/// # Panics
///
/// When the temporary folder cannot be written.
pub fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    static CLEANED: std::sync::Once = std::sync::Once::new();
    CLEANED.call_once(remove_stale_scratch);
    let dir = std::env::temp_dir().join(format!("{SCRATCH}{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("the temporary folder is writable");
    path
}

/// The name of the scratch folders, before the process id.
const SCRATCH: &str = "soa-core-fuzz-";

/// Removes the scratch folders of fuzzing processes that have ended (libFuzzer's fork mode
/// starts a process per job, and none can clean up at exit).
fn remove_stale_scratch() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(SCRATCH)) else {
            continue;
        };
        let alive = std::path::Path::new("/proc").join(pid).exists();
        if pid.parse::<u32>().is_ok() && !alive && std::path::Path::new("/proc/self").exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// `text` with the scratch folder of this process written as `<scratch>` (for messages that
/// name a scratch file, so that crash reports read the same on every machine).
pub fn scrub(text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("{SCRATCH}{}", std::process::id()));
    text.replace(&dir.display().to_string(), "<scratch>")
}

/// Splits fuzz input into at most `n` parts at line feeds (the last part keeps the rest).
pub fn split_lines(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |&b| b == b'\n').collect()
}

/// The fixed time every reconciliation of the targets is made at (so runs are comparable).
///
/// # Panics
///
/// Never: the date is valid.
pub fn fixed_now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
        .expect("a valid date")
        .with_timezone(&chrono::Utc)
}

#[cfg(test)]
mod tests {
    use super::evaluate;

    #[test]
    fn the_evaluator_reads_the_emitted_subset() {
        assert_eq!(evaluate("'O''Brien'").as_deref(), Some("O'Brien"));
        assert_eq!(
            evaluate("('caf' + [char]0x00E9)").as_deref(),
            Some("caf\u{e9}")
        );
        assert_eq!(
            evaluate("('' + [char]0xD83D + [char]0xDE00)").as_deref(),
            Some("\u{1F600}")
        );
        assert_eq!(evaluate("'a' + $x"), None);
        assert_eq!(evaluate("'unterminated"), None);
    }
}
