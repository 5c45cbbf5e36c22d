//! The PowerShell automation auditor (`soa_core::scripts`): the corpus of legacy scripts in
//! `examples/scripts/` with its findings asserted exactly, rewrites re-parsed and re-audited,
//! robustness against hostile input, and the shape of the SARIF log.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use soa_core::catalog::Catalog;
use soa_core::scripts::{
    AuditOptions, AuditReport, FileAudit, Rule, audit_bytes, audit_path, audit_source, is_script,
};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/scripts")
}

fn corpus() -> AuditReport {
    audit_path(&corpus_dir(), Catalog::builtin(), &AuditOptions::default())
        .expect("the corpus is readable")
}

/// The corpus file whose path ends with `name` (forward slashes).
fn file<'r>(report: &'r AuditReport, name: &str) -> &'r FileAudit {
    report
        .files
        .iter()
        .find(|f| f.path.replace('\\', "/").ends_with(name))
        .unwrap_or_else(|| panic!("{name} is in the corpus"))
}

fn ids(audit: &FileAudit) -> Vec<(&'static str, usize)> {
    audit
        .findings
        .iter()
        .map(|f| (f.rule.id(), f.location.line))
        .collect()
}

fn audit(source: &str) -> FileAudit {
    audit_source("test.ps1", source, Catalog::builtin()).expect("audits")
}

#[test]
fn corpus_findings_are_exact() {
    let report = corpus();
    let expected: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::from([
        (
            "alias-management.ps1",
            vec![
                ("SOA-PS002", 7),
                ("SOA-PS002", 9),
                ("SOA-PS002", 13),
                ("SOA-PS002", 15),
                ("SOA-PS002", 23),
                ("SOA-PS002", 29),
            ],
        ),
        ("cloud-flip.ps1", vec![("SOA-PS005", 6), ("SOA-PS005", 17)]),
        (
            "feeds/hr-feed.ps1",
            vec![
                ("SOA-PS003", 4),
                ("SOA-PS001", 12),
                ("SOA-PS006", 16),
                ("SOA-PS001", 21),
                ("SOA-PS006", 21),
            ],
        ),
        (
            "offboarding.psm1",
            vec![
                ("SOA-PS004", 6),
                ("SOA-PS002", 7),
                ("SOA-PS004", 8),
                ("SOA-PS004", 16),
            ],
        ),
        (
            "provision-remote-mailbox.ps1",
            vec![
                ("SOA-PS003", 13),
                ("SOA-PS001", 18),
                ("SOA-PS001", 23),
                ("SOA-PS001", 25),
                ("SOA-PS007", 25),
                ("SOA-PS001", 27),
            ],
        ),
        ("ExchangeOps.psd1", vec![]),
    ]);
    assert_eq!(
        report.files.len(),
        expected.len(),
        "every corpus file is walked"
    );
    for (name, want) in expected {
        assert_eq!(ids(file(&report, name)), want, "{name}");
    }
}

#[test]
fn corpus_findings_name_the_catalog_attributes() {
    let report = corpus();
    let hr = file(&report, "feeds/hr-feed.ps1");
    assert_eq!(
        hr.findings[1].attributes,
        ["extensionAttribute10", "extensionAttribute11"],
        "the splat of a literal hashtable is resolved"
    );
    let alias = file(&report, "alias-management.ps1");
    assert_eq!(
        alias.findings[3].attributes,
        ["mailNickname"],
        "case-insensitive"
    );
    assert_eq!(alias.findings[0].location.column, 1);
    assert_eq!(
        alias.findings[5].attributes,
        ["extensionAttribute7"],
        "-Instance after editing a property; identity attributes are not Exchange writes"
    );
    assert!(alias.findings[0].message.contains("cloud-managed"));
    let hr_dynamic = &hr.findings[2];
    assert!(hr_dynamic.message.starts_with("dynamic: review"));
}

#[test]
fn comments_strings_and_here_strings_are_not_commands() {
    let source = r#"
# Set-RemoteMailbox -Identity x -CustomAttribute1 y
<# Remove-ADUser jdoe
   Set-ADUser jdoe -Replace @{proxyAddresses='smtp:a@b.c'} #>
Write-Host "Set-RemoteMailbox -Identity x"
Write-Host 'Remove-ADUser jdoe; Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn'
$doc = @"
Set-ADUser $u -Replace @{extensionAttribute1='x'}
Set-Mailbox x -IsExchangeCloudManaged $true
"@
$names = 'Set-RemoteMailbox', 'Disable-ADAccount'
Set-ADUser -Identity $u -Replace @{title = 'Set-RemoteMailbox'; department = 'proxyAddresses'}
"#;
    assert_eq!(ids(&audit(source)), vec![]);
}

#[test]
fn rewrites_are_reparsed_and_reaudited() {
    let report = corpus();
    let mut rewritten_files = 0;
    for f in &report.files {
        let Some(rewritten) = &f.rewritten else {
            assert!(f.findings.iter().all(|x| x.fix.is_none()), "{}", f.path);
            continue;
        };
        rewritten_files += 1;
        assert!(!f.diff.is_empty());
        let again = audit_source(&f.path, rewritten, Catalog::builtin()).expect("re-audits");
        assert!(
            !again.findings.iter().any(|x| x.rule == Rule::SyntaxError),
            "{}: the rewrite parses",
            f.path
        );
        let writers = |a: &FileAudit, skip_fixed: bool| -> Vec<(&'static str, usize)> {
            a.findings
                .iter()
                .filter(|x| {
                    matches!(
                        x.rule,
                        Rule::OnPremRecipientCmdlet | Rule::AdExchangeAttributeWrite
                    )
                })
                .filter(|x| !(skip_fixed && x.fix.is_some()))
                .map(|x| (x.rule.id(), x.location.line))
                .collect()
        };
        // The corpus rewrites keep line counts, so lines compare directly.
        assert_eq!(
            writers(&again, false),
            writers(f, true),
            "{}: no on-premises writer remains where a rewrite was claimed",
            f.path
        );
        assert!(
            again.edits.is_empty(),
            "{}: a rewrite is a fixed point",
            f.path
        );
    }
    assert_eq!(rewritten_files, 3);
    let diff = report.diff();
    assert!(diff.contains(
        "-Set-ADUser jdoe -Replace @{proxyAddresses = @('SMTP:john.doe@contoso.com', 'smtp:jdoe@contoso.com')}\n+Set-Mailbox -Identity 'jdoe' -EmailAddresses @('SMTP:john.doe@contoso.com', 'smtp:jdoe@contoso.com')\n"
    ));
    assert!(diff.contains(
        "-Set-RemoteMailbox -Identity $upn -CustomAttribute1 $Department -HiddenFromAddressListsEnabled $false\n+Set-Mailbox -Identity $upn -CustomAttribute1 $Department -HiddenFromAddressListsEnabled $false\n"
    ));
    assert!(diff.contains(
        "+Set-Mailbox -Identity $user -EmailAddresses @{Add='smtp:j.doe@contoso.com'}\n"
    ));
    assert!(
        !diff.contains("+Set-Mailbox $upn -DisplayName"),
        "blocked lines stay"
    );
}

#[test]
fn set_remote_mailbox_with_no_cloud_equivalent_is_not_rewritten() {
    let a = audit(
        "Set-RemoteMailbox jdoe -RemoteRoutingAddress jdoe@contoso.mail.onmicrosoft.com -CustomAttribute3 x\n",
    );
    assert_eq!(ids(&a), vec![("SOA-PS001", 1), ("SOA-PS007", 1)]);
    assert!(a.findings[1].message.contains("-RemoteRoutingAddress"));
    assert!(a.rewritten.is_none());
}

#[test]
fn ad_writes_rewrite_across_continuations_with_quoted_identity() {
    let a = audit(
        "set-aduser jdoe `\n    -REPLACE @{EXTENSIONATTRIBUTE3 = 'Sales'; msExchHideFromAddressLists = $true}\nGet-Date\n",
    );
    assert_eq!(ids(&a), vec![("SOA-PS002", 1)]);
    assert_eq!(
        a.rewritten.as_deref(),
        Some(
            "Set-Mailbox -Identity 'jdoe' -CustomAttribute3 'Sales' -HiddenFromAddressListsEnabled $true\nGet-Date\n"
        )
    );
    assert!(a.diff.contains("@@ -1,3 +1,2 @@"), "{}", a.diff);
    // Mixed identity and exchange attributes, computed values, and pipeline input are flagged
    // but not rewritten.
    for source in [
        "Set-ADUser jdoe -Replace @{title = 'x'; extensionAttribute1 = 'y'}\n",
        "Set-ADUser jdoe -Replace @{extensionAttribute1 = (Get-Date).ToString()}\n",
        "Get-ADUser jdoe | Set-ADUser -Replace @{extensionAttribute1 = 'y'}\n",
        "Set-ADUser jdoe -Server dc01 -Replace @{extensionAttribute1 = 'y'}\n",
        "Set-ADUser jdoe -Add @{extensionAttribute1 = 'y'}\n",
        "Set-ADUser jdoe -Add @{proxyAddresses = 'smtp:a@b.c'} -Remove @{proxyAddresses = 'smtp:c@b.c'}\n",
    ] {
        let a = audit(source);
        assert_eq!(a.findings.len(), 1, "{source}");
        assert_eq!(
            a.findings[0].rule,
            Rule::AdExchangeAttributeWrite,
            "{source}"
        );
        assert!(a.rewritten.is_none(), "{source}");
    }
}

#[test]
fn splats_resolve_to_literal_hashtables_or_ask_for_review() {
    let a = audit("$p = @{ Identity = 'a'; Alias = 'b' }\nSet-RemoteMailbox @p\n");
    assert_eq!(ids(&a), vec![("SOA-PS001", 2)]);
    assert_eq!(a.findings[0].attributes, ["mailNickname"]);
    assert!(a.rewritten.is_none(), "splatted commands are not rewritten");
    let a = audit("$h = @{}\n$h.Add('extensionAttribute1', 'x')\nSet-ADUser jdoe -Replace $h\n");
    assert_eq!(ids(&a), vec![("SOA-PS006", 3)]);
    let a = audit("$h = @{ extensionAttribute1 = 'x' }\nSet-ADUser jdoe -Replace $h\n");
    assert_eq!(ids(&a), vec![("SOA-PS002", 2)]);
    let a = audit("Set-ADUser @params\nGet-Process @params\n");
    assert_eq!(
        ids(&a),
        vec![("SOA-PS006", 1)],
        "only commands that may write are flagged"
    );
}

#[test]
fn flips_need_a_ticket_nearby() {
    assert_eq!(
        ids(&audit("Set-Mailbox alice -IsExchangeCloudManaged:$true\n")),
        vec![("SOA-PS005", 1)]
    );
    assert_eq!(
        ids(&audit(
            "$ticketId = 'RITM0012'\nSet-Mailbox alice -IsExchangeCloudManaged $true\n"
        )),
        vec![]
    );
    assert_eq!(
        ids(&audit(
            "# INC42\nSet-OrganizationConfig -ExchangeAttributesCloudManagedByDefault $false\n"
        )),
        vec![]
    );
    // "Exchange" contains "change" but is not a change reference.
    assert_eq!(
        ids(&audit(
            "# Exchange attributes\nSet-Mailbox bob -IsExchangeCloudManaged $false\n"
        )),
        vec![("SOA-PS005", 2)]
    );
}

#[test]
fn tools_loads_are_found() {
    let source = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\nImport-Module ExchangeOnlineManagement\nConnect-ExchangeServer -Auto\n$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://ex01/PowerShell/\n";
    assert_eq!(
        ids(&audit(source)),
        vec![("SOA-PS003", 1), ("SOA-PS003", 3), ("SOA-PS003", 4)]
    );
}

#[test]
fn syntax_errors_warn_and_the_rest_is_audited() {
    let a = audit(
        "function Broken {\n    if ($x -eq {\n}\nSet-RemoteMailbox jdoe -CustomAttribute1 x\n",
    );
    assert!(
        a.findings.iter().any(|f| f.rule == Rule::SyntaxError),
        "{:?}",
        ids(&a)
    );
    let syntax = a
        .findings
        .iter()
        .find(|f| f.rule == Rule::SyntaxError)
        .expect("a warning");
    assert!(
        syntax.message.contains("syntax error in lines"),
        "{}",
        syntax.message
    );
    let b = audit("Set-RemoteMailbox jdoe -CustomAttribute1 x\n$y = (1 + \nRemove-ADUser bob\n");
    assert!(
        b.findings
            .iter()
            .any(|f| f.rule == Rule::OnPremRecipientCmdlet)
    );
    assert!(b.findings.iter().any(|f| f.rule == Rule::SyntaxError));
}

#[test]
fn robustness_binary_invalid_utf8_huge_and_deep() {
    let options = AuditOptions::default();
    let catalog = Catalog::builtin();
    let binary =
        audit_bytes("a.ps1", b"MZ\x90\x00\x03\x00\x00\x00", catalog, &options).expect("no error");
    assert_eq!(ids(&binary), vec![("SOA-PS901", 1)]);
    assert!(binary.findings[0].message.contains("binary"));
    let invalid = audit_bytes(
        "b.ps1",
        b"Set-ADUser x\n\xff\xfe\xfd oops\n",
        catalog,
        &options,
    )
    .expect("no error");
    assert_eq!(ids(&invalid), vec![("SOA-PS901", 1)]);
    assert!(
        invalid.findings[0].message.contains("UTF-8 (line 2"),
        "{}",
        invalid.findings[0].message
    );
    let small = AuditOptions::default().with_max_file_bytes(10);
    let huge = audit_bytes("c.ps1", &[b'#'; 11], catalog, &small).expect("no error");
    assert!(huge.findings[0].message.contains("over the limit"));
    // UTF-16LE with a byte-order mark, as Windows PowerShell writes files.
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "Remove-ADUser bob\r\n".encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    let a = audit_bytes("d.ps1", &utf16, catalog, &options).expect("no error");
    assert_eq!(ids(&a), vec![("SOA-PS004", 1)]);
    // Deep nesting: parentheses, script blocks and hashtables.
    for (open, close) in [("(", ")"), ("{", "}"), ("@{a=", "}")] {
        let depth = 5_000;
        let source = format!(
            "{}1{}\nSet-RemoteMailbox x -CustomAttribute1 y\n",
            open.repeat(depth),
            close.repeat(depth)
        );
        let a = audit(&source);
        assert!(
            a.findings
                .iter()
                .any(|f| f.rule == Rule::OnPremRecipientCmdlet)
        );
    }
    // A missing path is an error naming it, not a panic.
    let missing = audit_path(Path::new("no/such/folder"), catalog, &options).expect_err("missing");
    assert!(missing.to_string().contains("no/such/folder"));
}

#[test]
fn sarif_and_json_shapes() {
    let report = corpus();
    let sarif = report.to_sarif();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(rules, Rule::ALL.map(Rule::id));
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), report.findings().count());
    for result in results {
        let id = result["ruleId"].as_str().expect("ruleId");
        let rule = Rule::from_id(id).expect("a known rule");
        let index = usize::try_from(result["ruleIndex"].as_u64().expect("index")).expect("small");
        assert_eq!(rules[index], id);
        assert_eq!(result["level"], rule.severity().sarif_level());
        let physical = &result["locations"][0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(is_script(Path::new(uri)), "{uri}");
        assert!(physical["region"]["startLine"].as_u64().expect("line") >= 1);
        assert!(physical["region"]["startColumn"].as_u64().expect("column") >= 1);
    }
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("JSON");
    assert_eq!(
        json["files"].as_array().expect("files").len(),
        report.files.len()
    );
    let first = &json["files"][1]["findings"][0];
    assert!(first["rule"].as_str().expect("rule").starts_with("SOA-PS"));
    let text = report.to_text();
    assert!(
        text.contains("alias-management.ps1\n  7:1  error    SOA-PS002"),
        "{text}"
    );
    assert!(text.contains("findings ("));
}

#[test]
fn a_folder_audited_on_several_threads_gives_the_one_thread_report() {
    let one = audit_path(
        &corpus_dir(),
        Catalog::builtin(),
        &AuditOptions::default().with_threads(1),
    )
    .expect("audit");
    for threads in [2, 3, 16] {
        let many = audit_path(
            &corpus_dir(),
            Catalog::builtin(),
            &AuditOptions::default().with_threads(threads),
        )
        .expect("audit");
        assert_eq!(many, one, "{threads} threads");
    }
    assert!(one.files.len() > 3);
    let paths: Vec<&str> = one.files.iter().map(|f| f.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted, "files are reported in path order");
}

#[test]
fn rewritten_copies_are_never_written_in_place_unless_asked() {
    let dir = std::env::temp_dir().join(format!("soa-scripts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("a.ps1");
    std::fs::write(&script, "Set-RemoteMailbox jdoe -CustomAttribute1 x\n").expect("write");
    let report = audit_path(&script, Catalog::builtin(), &AuditOptions::default()).expect("audit");
    let audit = &report.files[0];
    let refused = audit.write_rewritten(&script, false).expect_err("in place");
    assert!(refused.to_string().contains("in place"), "{refused}");
    let copy = dir.join("a.fixed.ps1");
    assert!(audit.write_rewritten(&copy, false).expect("copy"));
    assert_eq!(
        std::fs::read_to_string(&copy).expect("read"),
        "Set-Mailbox jdoe -CustomAttribute1 x\n"
    );
    assert_eq!(
        std::fs::read_to_string(&script).expect("read"),
        "Set-RemoteMailbox jdoe -CustomAttribute1 x\n",
        "the original is untouched"
    );
    assert!(audit.write_rewritten(&script, true).expect("asked"));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn folder_walk_is_recursive_and_survives_bad_files() {
    let dir = std::env::temp_dir().join(format!("soa-scripts-walk-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("nested/deeper")).expect("temp dir");
    std::fs::write(dir.join("binary.ps1"), b"\x00\x01\x02garbage").expect("write");
    std::fs::write(dir.join("notes.txt"), "Set-RemoteMailbox x").expect("write");
    std::fs::write(dir.join("nested/Old.PS1"), "Remove-ADUser bob\n").expect("write");
    std::fs::write(
        dir.join("nested/deeper/bad.psm1"),
        b"Set-ADUser x -Clear mail\n\xc3\x28\n",
    )
    .expect("write");
    std::fs::write(dir.join("nested/deeper/big.psd1"), "#".repeat(2048)).expect("write");
    let options = AuditOptions::default().with_max_file_bytes(1024);
    let report =
        audit_path(&dir, Catalog::builtin(), &options).expect("the walk never fails on a bad file");
    let got: Vec<(String, Vec<(&str, usize)>)> = report
        .files
        .iter()
        .map(|f| {
            let name = Path::new(&f.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, ids(f))
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("binary.ps1".to_owned(), vec![("SOA-PS901", 1)]),
            ("Old.PS1".to_owned(), vec![("SOA-PS004", 1)]),
            ("bad.psm1".to_owned(), vec![("SOA-PS901", 1)]),
            ("big.psd1".to_owned(), vec![("SOA-PS901", 1)]),
        ]
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn rewrites_are_written_as_copies_under_the_folder_layout_or_in_place_when_asked() {
    let dir = std::env::temp_dir().join(format!("soa-scripts-copies-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let scripts = dir.join("scripts");
    std::fs::create_dir_all(scripts.join("team")).expect("temp dir");
    std::fs::write(
        scripts.join("team/a.ps1"),
        "Set-RemoteMailbox jdoe -CustomAttribute1 x\n",
    )
    .expect("write");
    std::fs::write(scripts.join("b.ps1"), "Get-Date\n").expect("write");
    let report = audit_path(&scripts, Catalog::builtin(), &AuditOptions::default()).expect("audit");

    let out = dir.join("fixed");
    assert_eq!(
        report.write_rewrites(&scripts, Some(&out)).expect("copies"),
        1
    );
    assert_eq!(
        std::fs::read_to_string(out.join("team/a.ps1")).expect("copy"),
        "Set-Mailbox jdoe -CustomAttribute1 x\n"
    );
    assert!(!out.join("b.ps1").exists(), "no rewrite, no copy");
    let err = report
        .write_rewrites(&scripts, Some(&scripts))
        .expect_err("a copy onto the script itself");
    assert!(err.to_string().contains("in place"), "{err}");
    assert_eq!(
        std::fs::read_to_string(scripts.join("team/a.ps1")).expect("read"),
        "Set-RemoteMailbox jdoe -CustomAttribute1 x\n"
    );

    let one = audit_path(
        &scripts.join("team/a.ps1"),
        Catalog::builtin(),
        &AuditOptions::default(),
    )
    .expect("audit");
    let single = dir.join("single");
    assert_eq!(
        one.write_rewrites(&scripts.join("team/a.ps1"), Some(&single))
            .expect("copy"),
        1
    );
    assert!(
        single.join("a.ps1").is_file(),
        "a single file keeps its name"
    );

    assert_eq!(report.write_rewrites(&scripts, None).expect("in place"), 1);
    assert_eq!(
        std::fs::read_to_string(scripts.join("team/a.ps1")).expect("read"),
        "Set-Mailbox jdoe -CustomAttribute1 x\n"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
