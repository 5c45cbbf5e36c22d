//! The PowerShell automation auditor (`scripts::audit_bytes`, `scripts::audit_source`) on any
//! bytes: it never fails on content it cannot read (one `SOA-PS901` finding instead), its
//! findings point inside the file, its edits are disjoint ranges on character boundaries, the
//! rewrite is exactly the edits applied with a diff that says so, its reports render, and the
//! rewrite can itself be audited.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soa_core::catalog::Catalog;
use soa_core::scripts::{
    AuditOptions, AuditReport, FileAudit, Rule, apply, audit_bytes, audit_source,
};

fn check(audit: &FileAudit, source: Option<&str>) {
    for f in &audit.findings {
        let l = &f.location;
        assert!(l.line >= 1 && l.column >= 1, "{f:?}");
        assert!(
            (l.line, l.column) <= (l.end_line, l.end_column),
            "a finding ends before it starts: {f:?}"
        );
        assert_eq!(f.severity, f.rule.severity());
        if let Some(source) = source {
            let lines = source.split('\n').count();
            assert!(
                l.end_line <= lines,
                "a finding past the last line ({lines}): {f:?}"
            );
        }
    }
    let mut sorted = audit.edits.clone();
    sorted.sort_by_key(|e| (e.start, e.end));
    for pair in sorted.windows(2) {
        assert!(pair[0].end <= pair[1].start, "overlapping edits: {pair:?}");
    }
    match (source, &audit.rewritten) {
        (Some(source), Some(rewritten)) => {
            for e in &audit.edits {
                assert!(e.start <= e.end && e.end <= source.len(), "{e:?}");
                assert!(
                    source.is_char_boundary(e.start) && source.is_char_boundary(e.end),
                    "{e:?}"
                );
            }
            assert_eq!(
                rewritten,
                &apply(source, &audit.edits),
                "the rewrite is not the edits"
            );
            assert_eq!(
                audit.diff.is_empty(),
                rewritten == source,
                "{:?}",
                audit.diff
            );
            if rewritten != source {
                assert!(audit.diff.starts_with("--- a/"), "{:?}", audit.diff);
            }
        }
        (_, None) => {
            assert!(audit.edits.is_empty(), "edits without a rewrite");
            assert!(audit.diff.is_empty(), "a diff without a rewrite");
        }
        (None, Some(_)) => {}
    }
    let report = AuditReport {
        files: vec![audit.clone()],
    };
    let _ = report.to_text();
    let _ = report.to_json();
    let _ = report.to_sarif();
}

fuzz_target!(|data: &[u8]| {
    let catalog = Catalog::builtin();
    let audit = audit_bytes("fuzz.ps1", data, catalog, &AuditOptions::default())
        .unwrap_or_else(|e| panic!("audit_bytes failed: {e}"));
    let plain = std::str::from_utf8(data)
        .ok()
        .filter(|s| !s.starts_with('\u{feff}'))
        .filter(|_| {
            !audit
                .findings
                .iter()
                .any(|f| f.rule == Rule::UnreadableFile)
        });
    check(&audit, plain);
    if let Some(source) = plain {
        let direct = audit_source("fuzz.ps1", source, catalog)
            .unwrap_or_else(|e| panic!("audit_source failed: {e}"));
        assert_eq!(
            direct, audit,
            "audit_bytes and audit_source differ on UTF-8 text"
        );
        if let Some(rewritten) = &audit.rewritten {
            let again = audit_source("fuzz.ps1", rewritten, catalog)
                .unwrap_or_else(|e| panic!("the rewrite cannot be audited: {e}"));
            check(&again, Some(rewritten));
        }
    }
});
