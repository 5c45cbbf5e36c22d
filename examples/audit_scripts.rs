//! Audits legacy PowerShell automation for on-premises writes of Exchange attributes, and shows
//! the rewrites that target Exchange Online instead.
//!
//! ```text
//! cargo run --example audit_scripts                      # the project's corpus in examples/scripts
//! cargo run --example audit_scripts -- <file or folder>  # your own scripts
//! cargo run --example audit_scripts -- <path> --sarif out.sarif --fixed <folder> --fail-on-error
//! ```
//!
//! Prints the findings grouped by file (rule id, severity, line and column, and the message in
//! terms of the authority model), then the unified diff of every safe rewrite. `--sarif` also
//! writes the SARIF 2.1.0 log for code-scanning tools; `--fixed` writes the rewritten copies
//! into a folder (the audited scripts are never changed). With `--fail-on-error` the exit status
//! is 1 when there is at least one error-severity finding, so the example works as a CI gate.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use soa_core::catalog::Catalog;
use soa_core::scripts::{AuditOptions, Severity, audit_path};

fn main() -> ExitCode {
    match run() {
        Ok(clean) => {
            if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str| -> Result<Option<PathBuf>, String> {
        match args.iter().position(|a| a == name) {
            Some(i) => args
                .get(i + 1)
                .map(|v| Some(PathBuf::from(v)))
                .ok_or_else(|| format!("{name} needs a path")),
            None => Ok(None),
        }
    };
    // Absolute now: naming the default corpus changes the working directory below.
    let sarif = option("--sarif")?.map(std::path::absolute).transpose()?;
    let fixed = option("--fixed")?.map(std::path::absolute).transpose()?;
    let gate = args.iter().any(|a| a == "--fail-on-error");
    let mut positional = Vec::new();
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
        } else if a == "--sarif" || a == "--fixed" {
            skip = true;
        } else if a != "--fail-on-error" {
            positional.push(a.as_str());
        }
    }
    let path = match positional.as_slice() {
        [] => {
            // The corpus, named relative to the repository like a user would type it.
            std::env::set_current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))?;
            PathBuf::from("examples/scripts")
        }
        [one] => PathBuf::from(one),
        _ => return Err("give one file or folder".into()),
    };

    let report = audit_path(&path, Catalog::builtin(), &AuditOptions::default())?;
    println!("== findings\n");
    print!("{}", report.to_text());
    let diff = report.diff();
    if diff.is_empty() {
        println!("\n== no rewrite is safe for these scripts");
    } else {
        println!("\n== rewrites to Exchange Online (unified diff; the scripts are unchanged)\n");
        print!("{diff}");
    }
    if let Some(out) = sarif {
        let log = serde_json::to_string_pretty(&report.to_sarif())?;
        std::fs::write(&out, log + "\n")?;
        println!("\nSARIF 2.1.0 log written to {}", out.display());
    }
    if let Some(dir) = fixed {
        let written = report.write_rewrites(&path, Some(&dir))?;
        println!(
            "\n{written} rewritten copies written under {}",
            dir.display()
        );
    }
    Ok(!gate || !report.findings().any(|f| f.severity == Severity::Error))
}
