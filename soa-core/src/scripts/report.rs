//! The three outputs of an audit: text grouped by file, JSON, and SARIF 2.1.0.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::finding::{Rule, Severity};
use super::{AuditReport, FileAudit};

/// Human-readable text: one block per file with findings, then a summary line.
pub(crate) fn text(report: &AuditReport) -> String {
    let mut out = String::new();
    for file in &report.files {
        if file.findings.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}", file.path);
        for f in &file.findings {
            let _ = writeln!(
                out,
                "  {}:{}  {:<7}  {}  {}",
                f.location.line,
                f.location.column,
                f.severity,
                f.rule.id(),
                f.message
            );
            if let Some(fix) = &f.fix {
                let _ = writeln!(out, "      fix: {fix}");
            }
        }
        out.push('\n');
    }
    let count = |s: Severity| report.findings().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "{} findings ({} errors, {} warnings, {} notes) in {} of {} files",
        report.findings().count(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
        report
            .files
            .iter()
            .filter(|f| !f.findings.is_empty())
            .count(),
        report.files.len()
    );
    out
}

/// The SARIF 2.1.0 log of a report: one run, every rule in `tool.driver.rules`, one result per
/// finding with a physical location (columns count Unicode code points).
pub(crate) fn sarif(report: &AuditReport) -> Value {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "name": r.name(),
                "shortDescription": { "text": r.name() },
                "fullDescription": { "text": r.description() },
                "defaultConfiguration": { "level": r.severity().sarif_level() },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .files
        .iter()
        .flat_map(|file| file.findings.iter().map(move |f| (file, f)))
        .map(|(file, f)| {
            let index = Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.rule.id(),
                "ruleIndex": index,
                "level": f.severity.sarif_level(),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(file) },
                        "region": {
                            "startLine": f.location.line,
                            "startColumn": f.location.column,
                            "endLine": f.location.end_line,
                            "endColumn": f.location.end_column,
                        }
                    }
                }],
            });
            if let (Some(fix), Some(map)) = (&f.fix, result.as_object_mut()) {
                map.insert(
                    "properties".into(),
                    json!({ "fix": fix, "attributes": f.attributes }),
                );
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "exchange-soa",
                    "version": crate::VERSION,
                    "informationUri": "https://github.com/exchange-soa/exchange-soa",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// What stays as it is in a SARIF artifact URI: RFC 3986's unreserved characters and the
/// path separator; everything else (spaces, `#`, `?`, `%`, control characters, non-ASCII) is
/// percent-encoded as UTF-8 bytes.
const URI_PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A relative URI reference for a file: forward slashes, no leading `./`, percent-encoded.
fn uri(file: &FileAudit) -> String {
    let path = file.path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    percent_encoding::utf8_percent_encode(path, URI_PATH).to_string()
}
