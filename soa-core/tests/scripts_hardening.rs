//! The script auditor against what a review found it missed or mishandled: writes spelled with
//! PowerShell's other dashes and quotes, rewrites that would drop attributes the catalog does
//! not know, files that are not files (a FIFO, `/dev/zero`), rewrites that must keep the
//! script's own encoding, and names that must not break a SARIF log or a diff.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use soa_core::catalog::Catalog;
use soa_core::scripts::{
    AuditOptions, FileAudit, Rule, SourceEncoding, audit_bytes, audit_path, audit_source,
    unified_diff,
};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "soa-scripts-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn audit(source: &str) -> FileAudit {
    audit_source("test.ps1", source, Catalog::builtin()).unwrap()
}

fn rules(audit: &FileAudit) -> Vec<Rule> {
    audit.findings.iter().map(|f| f.rule).collect()
}

#[test]
fn writes_spelled_with_typographic_dashes_and_quotes_are_found_and_rewritten() {
    for (dash, open, close) in [
        ('\u{2013}', '\u{2018}', '\u{2019}'),
        ('\u{2014}', '\u{201A}', '\u{201B}'),
        ('\u{2015}', '\'', '\u{2019}'),
    ] {
        let source =
            format!("Set-ADUser alice {dash}Replace @{{extensionAttribute1={open}Fin{close}}}\n");
        let a = audit(&source);
        assert_eq!(rules(&a), vec![Rule::AdExchangeAttributeWrite], "{source}");
        let fix = a.findings[0].fix.as_deref().unwrap();
        assert!(
            fix.starts_with("Set-Mailbox -Identity 'alice' -CustomAttribute1 "),
            "{fix}"
        );
        let rewritten = a.rewritten.unwrap();
        assert!(rewritten.contains("CustomAttribute1"), "{rewritten}");
        assert!(!rewritten.contains("Set-ADUser"), "{rewritten}");
        // Findings point at whole characters.
        assert_eq!(a.findings[0].location.column, 1);
    }
    // A typographic double quote and an em-dashed -Clear.
    let a = audit("Set-ADUser bob \u{2014}Clear \u{201C}extensionAttribute2\u{201D}\n");
    assert_eq!(rules(&a), vec![Rule::AdExchangeAttributeWrite]);
}

#[test]
fn a_rewrite_never_drops_a_write_of_an_attribute_outside_the_catalog() {
    let a = audit("Set-ADUser alice -Replace @{extensionAttribute1='a'; carLicense='n'}\n");
    assert_eq!(rules(&a), vec![Rule::AdExchangeAttributeWrite]);
    assert!(a.findings[0].fix.is_none(), "{:?}", a.findings[0].fix);
    assert!(a.rewritten.is_none());
    let a = audit("Set-ADUser alice -Clear extensionAttribute1,carLicense\n");
    assert!(a.rewritten.is_none());
    // Only catalog attributes: rewritten.
    let a = audit("Set-ADUser alice -Replace @{extensionAttribute1='a'}\n");
    assert!(a.rewritten.is_some());
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_not_read_whatever_their_name() {
    let dir = temp_dir("special");
    let fifo = dir.join("pipe.ps1");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.ps1")).unwrap();
    std::fs::write(dir.join("ok.ps1"), "Get-Mailbox x\n").unwrap();
    // Would block forever on the FIFO, or read without end from /dev/zero, if it read them.
    // The folder walk passes the FIFO over and refuses the link to a device; named directly,
    // each is refused.
    let report = audit_path(&dir, Catalog::builtin(), &AuditOptions::default()).unwrap();
    assert_eq!(report.files.len(), 2, "{:?}", report.files);
    for name in ["pipe.ps1", "zero.ps1"] {
        let direct = audit_path(
            &dir.join(name),
            Catalog::builtin(),
            &AuditOptions::default(),
        )
        .unwrap();
        let file = report
            .files
            .iter()
            .find(|f| f.path.ends_with(name))
            .unwrap_or(&direct.files[0]);
        assert_eq!(rules(file), vec![Rule::UnreadableFile], "{name}");
        assert!(
            file.findings[0].message.contains("not a regular file"),
            "{}",
            file.findings[0].message
        );
    }
}

#[test]
fn a_file_that_grows_past_the_limit_is_not_read_past_it() {
    let dir = temp_dir("limit");
    let path = dir.join("big.ps1");
    std::fs::write(&path, "#".repeat(5000)).unwrap();
    let report = audit_path(
        &path,
        Catalog::builtin(),
        &AuditOptions::default().with_max_file_bytes(1000),
    )
    .unwrap();
    assert_eq!(rules(&report.files[0]), vec![Rule::UnreadableFile]);
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

#[test]
fn rewrites_keep_the_scripts_own_encoding_and_byte_order_mark() {
    let source = "# caf\u{e9}\nSet-ADUser alice -Replace @{extensionAttribute1='Z\u{fc}rich'}\n";
    let dir = temp_dir("encodings");
    let inputs: [(&str, Vec<u8>, SourceEncoding); 3] = [
        ("utf16.ps1", utf16le(source), SourceEncoding::Utf16Le),
        (
            "plain.ps1",
            source.as_bytes().to_vec(),
            SourceEncoding::Utf8,
        ),
        (
            "bom.ps1",
            [b"\xEF\xBB\xBF".as_slice(), source.as_bytes()].concat(),
            SourceEncoding::Utf8Bom,
        ),
    ];
    for (name, bytes, _) in &inputs {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let report = audit_path(&dir, Catalog::builtin(), &AuditOptions::default()).unwrap();
    let out = dir.join("fixed");
    assert_eq!(report.write_rewrites(&dir, Some(&out)).unwrap(), 3);
    for (name, bytes, encoding) in &inputs {
        let file = report
            .files
            .iter()
            .find(|f| f.path.ends_with(name))
            .unwrap();
        assert_eq!(file.encoding, *encoding, "{name}");
        let written = std::fs::read(out.join(name)).unwrap();
        let expected = file.rewritten.as_deref().unwrap();
        assert!(expected.contains("Set-Mailbox"), "{expected}");
        assert_eq!(written, encoding.encode(expected), "{name}");
        // Same byte-order mark (or none) as the source.
        assert_eq!(written[..2], bytes[..2], "{name}");
        let audited =
            audit_bytes(name, &written, Catalog::builtin(), &AuditOptions::default()).unwrap();
        assert_eq!(audited.encoding, *encoding);
    }
}

#[test]
fn sarif_uris_are_percent_encoded_and_diff_headers_stay_on_one_line() {
    let dir = temp_dir("names");
    let path: PathBuf = dir.join("my #1 script?.ps1");
    std::fs::write(&path, "Set-ADUser a -Replace @{extensionAttribute1='x'}\n").unwrap();
    let report = audit_path(&path, Catalog::builtin(), &AuditOptions::default()).unwrap();
    let sarif = report.to_sarif();
    let uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(uri.ends_with("my%20%231%20script%3F.ps1"), "{uri}");
    assert!(
        !uri.contains(' ') && !uri.contains('#') && !uri.contains('?'),
        "{uri}"
    );

    let forged = Path::new("x.ps1\n+++ b/evil.ps1\n@@ -1 +1 @@");
    let diff = unified_diff(&forged.display().to_string(), "a\n", "b\n");
    let headers: Vec<&str> = diff.lines().take(2).collect();
    assert!(headers[0].starts_with("--- a/x.ps1\\u{A}"), "{diff}");
    assert!(headers[1].starts_with("+++ b/x.ps1\\u{A}"), "{diff}");
    assert_eq!(
        diff.lines().filter(|l| l.starts_with("+++")).count(),
        1,
        "{diff}"
    );
}
