//! Reconciliation reports read back (`Report::from_json`): a text either fails with `Json` or
//! gives a report that writes and reads back unchanged, shows no change against itself, and
//! renders as CSV and HTML.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soa_core::ErrorKind;
use soa_core::reconcile::Report;

fuzz_target!(|text: &str| {
    let report = match Report::from_json(text, "report.json") {
        Ok(r) => r,
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Json, "{e}");
            return;
        }
    };
    let written = report.to_json();
    let back = Report::from_json(&written, "written")
        .unwrap_or_else(|e| panic!("a report does not read back: {e}\n{written}"));
    assert_eq!(back, report, "a report changed through JSON");
    // A report compares to itself as unchanged (when each difference has its own key, as in
    // every report the library writes).
    let keys: std::collections::BTreeSet<String> = report
        .differences
        .iter()
        .map(soa_core::reconcile::Difference::key)
        .collect();
    if keys.len() == report.differences.len() {
        assert!(
            report.changes_since(&report).is_empty(),
            "a report differs from itself"
        );
    }
    let csv = report.to_csv().expect("a report writes as CSV");
    assert!(csv.starts_with("Mailbox,"), "{csv:?}");
    let html = report.to_html();
    assert!(html.contains("</html>"), "the HTML report is not closed");
});
