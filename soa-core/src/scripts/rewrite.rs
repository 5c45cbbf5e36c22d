//! Safe rewrites: edits of byte ranges, the rewritten text, and a unified diff.

use std::fmt::Write as _;

use serde::Serialize;

/// One replacement of a byte range of the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// First byte replaced.
    pub start: usize,
    /// Byte after the last one replaced.
    pub end: usize,
    /// The new text.
    pub replacement: String,
}

/// Applies non-overlapping edits to `source`; an edit that overlaps an earlier one (by start)
/// or falls outside the text is skipped.
pub fn apply(source: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for edit in sorted {
        if edit.start < at
            || edit.end < edit.start
            || !source.is_char_boundary(edit.start)
            || !source.is_char_boundary(edit.end)
            || edit.end > source.len()
        {
            continue;
        }
        out.push_str(&source[at..edit.start]);
        out.push_str(&edit.replacement);
        at = edit.end;
    }
    out.push_str(&source[at..]);
    out
}

/// Lines of context around each change in [`unified_diff`].
const CONTEXT: usize = 3;

/// A unified diff from `old` to `new` (`--- a/name`, `+++ b/name`, hunks with three lines of
/// context), empty when the texts are equal.
///
/// The diff is computed on lines with a longest-common-subsequence table restricted to the
/// region between the common prefix and suffix, which is small for rewrites.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = diff_lines(&old_lines, &new_lines);
    render(name, &old_lines, &new_lines, &ops)
}

/// The rewritten text and its unified diff, computed from the edits themselves (linear in the
/// size of the file): each group of lines an edit touches becomes one change.
pub(crate) fn apply_with_diff(name: &str, old: &str, edits: &[Edit]) -> (String, String) {
    let new = apply(old, edits);
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let mut starts = Vec::with_capacity(old_lines.len());
    let mut at = 0;
    for line in &old_lines {
        starts.push(at);
        at += line.len();
    }
    let line_of = |byte: usize| starts.partition_point(|&s| s <= byte).saturating_sub(1);
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    // Line spans (first, last) touched by edits, merged when they share a line.
    let mut spans: Vec<(usize, usize, Vec<&Edit>)> = Vec::new();
    for edit in sorted {
        let first = line_of(edit.start);
        let last = line_of(edit.end.max(edit.start + 1) - 1).max(first);
        match spans.last_mut() {
            Some((_, span_last, group)) if first <= *span_last => {
                *span_last = (*span_last).max(last);
                group.push(edit);
            }
            _ => spans.push((first, last, vec![edit])),
        }
    }
    let mut new_lines: Vec<String> = Vec::new();
    let mut ops = Vec::new();
    let mut line = 0;
    for (first, last, group) in spans {
        while line < first {
            ops.push(Op::Same(line, new_lines.len()));
            new_lines.push(old_lines[line].to_owned());
            line += 1;
        }
        let base = starts[first];
        let end = starts.get(last + 1).copied().unwrap_or(old.len());
        let local: Vec<Edit> = group
            .iter()
            .map(|e| Edit {
                start: e.start - base,
                end: e.end.min(end) - base,
                replacement: e.replacement.clone(),
            })
            .collect();
        let segment = apply(&old[base..end], &local);
        for old_line in first..=last {
            ops.push(Op::Delete(old_line));
        }
        for new_line in segment.split_inclusive('\n') {
            ops.push(Op::Insert(new_lines.len()));
            new_lines.push(new_line.to_owned());
        }
        line = last + 1;
    }
    while line < old_lines.len() {
        ops.push(Op::Same(line, new_lines.len()));
        new_lines.push(old_lines[line].to_owned());
        line += 1;
    }
    let new_refs: Vec<&str> = new_lines.iter().map(String::as_str).collect();
    let diff = if new == old {
        String::new()
    } else {
        render(name, &old_lines, &new_refs, &ops)
    };
    (new, diff)
}

/// A file name for a diff header, on one line: control characters become `\u{HH}` escapes.
fn header_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

fn render(name: &str, old_lines: &[&str], new_lines: &[&str], ops: &[Op]) -> String {
    // An absolute path keeps one slash after the a/ and b/ prefixes; a control character in a
    // file name (a newline would forge a header or a hunk line) is written as an escape.
    let name = header_name(name.trim_start_matches('/'));
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    // Group the operations into hunks.
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(i, _)| i)
        .collect();
    let mut i = 0;
    while i < changed.len() {
        let first = changed[i];
        let mut last = first;
        while i + 1 < changed.len() && changed[i + 1] <= last + 2 * CONTEXT + 1 {
            i += 1;
            last = changed[i];
        }
        i += 1;
        let from = first.saturating_sub(CONTEXT);
        let to = (last + CONTEXT + 1).min(ops.len());
        let hunk = &ops[from..to];
        let (old_start, new_start) = match ops[from] {
            Op::Same(old_at, new_at) => (old_at, new_at),
            Op::Delete(old_at) => (old_at, new_index_before(ops, from)),
            Op::Insert(new_at) => (old_index_before(ops, from), new_at),
        };
        let old_len = hunk.iter().filter(|o| !matches!(o, Op::Insert(_))).count();
        let new_len = hunk.iter().filter(|o| !matches!(o, Op::Delete(_))).count();
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            range(old_start, old_len),
            range(new_start, new_len)
        );
        for op in hunk {
            let (mark, line) = match *op {
                Op::Same(x, _) => (' ', old_lines[x]),
                Op::Delete(x) => ('-', old_lines[x]),
                Op::Insert(y) => ('+', new_lines[y]),
            };
            out.push(mark);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
}

fn range(start: usize, len: usize) -> String {
    if len == 0 {
        format!("{start},0")
    } else if len == 1 {
        format!("{}", start + 1)
    } else {
        format!("{},{len}", start + 1)
    }
}

fn new_index_before(ops: &[Op], at: usize) -> usize {
    ops[..at]
        .iter()
        .rev()
        .find_map(|o| match *o {
            Op::Same(_, y) | Op::Insert(y) => Some(y + 1),
            Op::Delete(_) => None,
        })
        .unwrap_or(0)
}

fn old_index_before(ops: &[Op], at: usize) -> usize {
    ops[..at]
        .iter()
        .rev()
        .find_map(|o| match *o {
            Op::Same(x, _) | Op::Delete(x) => Some(x + 1),
            Op::Insert(_) => None,
        })
        .unwrap_or(0)
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Same(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// The largest middle region (lines) the LCS table is built for; beyond it the middle is
/// shown as a block replacement.
const MAX_TABLE: usize = 4_000_000;

fn diff_lines(old: &[&str], new: &[&str]) -> Vec<Op> {
    let prefix = old.iter().zip(new).take_while(|(x, y)| x == y).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let left = &old[prefix..old.len() - suffix];
    let right = &new[prefix..new.len() - suffix];
    let mut ops: Vec<Op> = (0..prefix).map(|k| Op::Same(k, k)).collect();
    if left.len().saturating_mul(right.len()) <= MAX_TABLE {
        // lcs[row * width + col]: LCS length of left[row..] and right[col..].
        let width = right.len() + 1;
        let mut lcs = vec![0u32; (left.len() + 1) * width];
        for row in (0..left.len()).rev() {
            for col in (0..right.len()).rev() {
                lcs[row * width + col] = if left[row] == right[col] {
                    lcs[(row + 1) * width + col + 1] + 1
                } else {
                    lcs[(row + 1) * width + col].max(lcs[row * width + col + 1])
                };
            }
        }
        let (mut row, mut col) = (0, 0);
        while row < left.len() || col < right.len() {
            if row < left.len() && col < right.len() && left[row] == right[col] {
                ops.push(Op::Same(prefix + row, prefix + col));
                row += 1;
                col += 1;
            } else if row < left.len()
                && (col == right.len()
                    || lcs[(row + 1) * width + col] >= lcs[row * width + col + 1])
            {
                ops.push(Op::Delete(prefix + row));
                row += 1;
            } else {
                ops.push(Op::Insert(prefix + col));
                col += 1;
            }
        }
    } else {
        ops.extend((0..left.len()).map(|k| Op::Delete(prefix + k)));
        ops.extend((0..right.len()).map(|k| Op::Insert(prefix + k)));
    }
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    ops.extend((0..suffix).map(|k| Op::Same(old_end + k, new_end + k)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_of_one_changed_line() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nD\ne\nf\ng\nh\n";
        assert_eq!(
            unified_diff("x.ps1", old, new),
            "--- a/x.ps1\n+++ b/x.ps1\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n"
        );
    }

    #[test]
    fn diff_of_joined_lines_and_equal_texts() {
        assert_eq!(unified_diff("x", "a\n", "a\n"), "");
        let d = unified_diff("x", "a `\n b\nc\n", "a b\nc\n");
        assert!(d.contains("@@ -1,3 +1,2 @@\n-a `\n- b\n+a b\n c\n"), "{d}");
    }

    #[test]
    fn diff_from_edits_matches_the_text_diff() {
        let old = "a\nSet-X `\n  -P 1\nb\nc\nd\ne\nf\ng\nSet-Y\nh";
        let edits = [
            Edit {
                start: 2,
                end: 16,
                replacement: "Set-Z -P 1".into(),
            },
            Edit {
                start: 29,
                end: 34,
                replacement: "Set-W".into(),
            },
        ];
        let (new, diff) = apply_with_diff("x", old, &edits);
        assert_eq!(new, "a\nSet-Z -P 1\nb\nc\nd\ne\nf\ng\nSet-W\nh");
        assert_eq!(diff, unified_diff("x", old, &new));
    }

    #[test]
    fn apply_skips_overlaps() {
        let edits = [
            Edit {
                start: 0,
                end: 1,
                replacement: "X".into(),
            },
            Edit {
                start: 0,
                end: 2,
                replacement: "Y".into(),
            },
        ];
        assert_eq!(apply("abc", &edits), "Xbc");
    }
}
