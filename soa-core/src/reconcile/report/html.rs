//! The HTML report: one page, inline CSS and script, no external assets. Every value that comes
//! from the data goes through [`escape`]; the script reads only the page's own attributes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Report;
use crate::reconcile::diff::DiffClass;

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '`' => out.push_str("&#96;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}\
h1{font-size:1.5rem}table{border-collapse:collapse;width:100%;font-size:.85rem;table-layout:fixed}\
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top;white-space:pre-wrap;overflow-wrap:anywhere}\
th{background:#f0f0f0}.totals{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}\
.total{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem}.total b{display:block;font-size:1.4rem}\
.chart{margin:1rem 0}.bar-row{display:flex;align-items:center;margin:2px 0}\
.bar-label{width:16rem;font-size:.8rem;overflow:hidden;text-overflow:ellipsis}\
.bar{display:flex;height:14px;flex:1}.seg{height:14px}\
.cloud_master_ad_stale{background:#d9822b}.ad_master_cloud_behind{background:#2b7bd9}\
.identity_drift{background:#8a2bd9}.conflict{background:#d92b2b}.in_sync{background:#3a9d3a}\
.legend span{display:inline-block;width:10px;height:10px;margin:0 .3rem 0 1rem}\
.filters{margin:1rem 0}";

const SCRIPT: &str = "(function(){var q=document.getElementById('q'),c=document.getElementById('cls');\
function f(){var t=q.value.toLowerCase(),k=c.value;var rows=document.querySelectorAll('#diffs tbody tr');\
var n=0;rows.forEach(function(r){var ok=(!k||r.getAttribute('data-class')===k)&&\
(!t||r.textContent.toLowerCase().indexOf(t)>=0);r.style.display=ok?'':'none';if(ok)n++;});\
document.getElementById('shown').textContent=n;}q.addEventListener('input',f);\
c.addEventListener('change',f);f();})();";

pub(super) fn render(report: &Report) -> String {
    let mut h = String::with_capacity(4096 + report.differences.len() * 400);
    let t = &report.totals;
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    h.push_str("<title>Reconciliation report</title><style>");
    h.push_str(STYLE);
    h.push_str("</style></head><body>\n<h1>Reconciliation of AD and Exchange Online</h1>\n");
    let _ = writeln!(
        h,
        "<p>Generated {} by exchange-soa {} &middot; AD: <code>{}</code> &middot; cloud: <code>{}</code> &middot; writeback {}</p>",
        escape(&report.generated.to_rfc3339()),
        escape(&report.tool_version),
        escape(&report.ad_source),
        escape(&report.cloud_source),
        if report.writeback_enabled {
            "on"
        } else {
            "off"
        },
    );
    h.push_str("<div class=\"totals\" id=\"totals\">");
    for (label, n) in [
        ("AD records", t.ad_records),
        ("Mailboxes", t.cloud_records),
        ("Matched", t.matched),
        ("Compared", t.compared),
        ("In sync", t.in_sync),
        ("Differences", t.differences),
        ("AD only", t.ad_only),
        ("Cloud only", t.cloud_only),
        ("Ambiguous", t.ambiguous),
    ] {
        let _ = write!(h, "<div class=\"total\"><b>{n}</b>{label}</div>");
    }
    h.push_str("</div>\n");
    chart(report, &mut h);
    h.push_str("<h2>Differences</h2><div class=\"filters\"><label>Filter <input id=\"q\" type=\"search\"></label> <label>Class <select id=\"cls\"><option value=\"\">all</option>");
    for class in DiffClass::ALL.into_iter().skip(1) {
        let _ = write!(h, "<option value=\"{0}\">{0}</option>", class.as_str());
    }
    h.push_str("</select></label> <span id=\"shown\"></span> shown</div>\n");
    h.push_str("<table id=\"diffs\"><thead><tr><th>Mailbox</th><th>Attribute</th><th>AD value</th><th>Cloud value</th><th>Class</th><th>Reason</th></tr></thead><tbody>\n");
    for d in &report.differences {
        let _ = writeln!(
            h,
            "<tr data-class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            d.class.as_str(),
            escape(&d.mailbox),
            escape(&d.attribute),
            escape(&d.ad_value.to_string()),
            escape(&d.cloud_value.to_string()),
            d.class.as_str(),
            d.reason.as_str(),
        );
    }
    h.push_str("</tbody></table>\n");
    unmatched(report, &mut h);
    h.push_str("<script>");
    h.push_str(SCRIPT);
    h.push_str("</script></body></html>\n");
    h
}

fn chart(report: &Report, h: &mut String) {
    let mut by: BTreeMap<&str, BTreeMap<DiffClass, usize>> = BTreeMap::new();
    for d in &report.differences {
        *by.entry(&d.attribute)
            .or_default()
            .entry(d.class)
            .or_default() += 1;
    }
    let mut rows: Vec<_> = by.into_iter().collect();
    rows.sort_by_key(|(_, c)| std::cmp::Reverse(c.values().sum::<usize>()));
    let max = rows
        .first()
        .map_or(1, |(_, c)| c.values().sum::<usize>().max(1));
    h.push_str("<h2>Differences by attribute and class</h2><div class=\"legend\">");
    for class in DiffClass::ALL.into_iter().skip(1) {
        let _ = write!(h, "<span class=\"{0}\"></span>{0}", class.as_str());
    }
    h.push_str("</div><div class=\"chart\" id=\"chart\">");
    for (attribute, counts) in rows.iter().take(30) {
        let total: usize = counts.values().sum();
        let _ = write!(
            h,
            "<div class=\"bar-row\"><div class=\"bar-label\">{} ({total})</div><div class=\"bar\">",
            escape(attribute)
        );
        for (class, n) in counts {
            #[allow(clippy::cast_precision_loss)]
            let width = *n as f64 * 100.0 / max as f64;
            let _ = write!(
                h,
                "<div class=\"seg {0}\" style=\"width:{width:.2}%\" title=\"{0}: {n}\"></div>",
                class.as_str()
            );
        }
        h.push_str("</div></div>");
    }
    h.push_str("</div>\n");
}

fn unmatched(report: &Report, h: &mut String) {
    for (title, list) in [
        ("AD accounts without a mailbox", &report.ad_only),
        ("Mailboxes without an AD account", &report.cloud_only),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = write!(
            h,
            "<h2>{title}</h2><table><thead><tr><th>Name</th><th>Mailbox GUID</th><th>Record</th></tr></thead><tbody>"
        );
        for u in list {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&u.name),
                escape(u.guid.as_deref().unwrap_or_default()),
                escape(&u.record)
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if !report.ambiguous.is_empty() {
        h.push_str("<h2>Ambiguous matches</h2><table><thead><tr><th>Record</th><th>Key</th><th>Candidates</th></tr></thead><tbody>");
        for a in &report.ambiguous {
            let mut candidates = a.candidates.join("\n");
            if a.candidate_count > a.candidates.len() {
                let _ = write!(
                    candidates,
                    "\n(the last {} of {})",
                    a.candidates.len(),
                    a.candidate_count
                );
            }
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&a.record),
                a.key.as_str(),
                escape(&candidates)
            );
        }
        h.push_str("</tbody></table>\n");
    }
}
