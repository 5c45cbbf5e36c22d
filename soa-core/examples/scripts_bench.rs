//! Throughput of the PowerShell automation auditor on a generated corpus, on one core.
//!
//! ```text
//! cargo run --release -p soa-core --example scripts_bench [-- --mb 50]
//! ```
//!
//! The corpus (`target/scripts-bench/`, written once and reused) is the project's legacy
//! scripts in `examples/scripts/` shuffled into files of 8 to 64 KiB, each script a function of
//! the file (as legacy modules are: a script's `param()` block is only valid at the top of a
//! script or a function body, so plain concatenation would be full of syntax errors) and each
//! copy's variables and mailbox names varied so no two files are the same text. The corpus has
//! no syntax error, which the bench checks. Three passes over the same files,
//! one thread each:
//!
//! 1. **read**: read and decode every file (the floor of any audit);
//! 2. **parse**: read, decode and parse with tree-sitter-powershell only;
//! 3. **audit**: `scripts::audit_path` on the folder with one thread — walk, read, decode,
//!    parse, every rule, rewrites and their diffs.
//!
//! Then the same audit with one thread per core (the default of `audit_path`), checked to give
//! the same report. It prints MB/s for each and the share of the audit spent outside the parser.
//! The issue's target is 5 MB/s for the audit on one core.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use soa_core::catalog::Catalog;
use soa_core::scripts::{AuditOptions, Rule, audit_path, is_script};

/// Bump when the generator changes, so a cached corpus is not reused.
const GENERATOR_VERSION: u32 = 2;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mb: usize = match args.iter().position(|a| a == "--mb") {
        Some(i) => args.get(i + 1).ok_or("--mb needs a number")?.parse()?,
        None => 50,
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let seeds = seed_scripts(&root.join("examples/scripts"))?;
    let corpus = root
        .join("target/scripts-bench")
        .join(format!("v{GENERATOR_VERSION}-{mb}mb"));
    let bytes = generate(&corpus, &seeds, mb * 1024 * 1024)?;
    let files = list(&corpus)?;
    let megabytes = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "corpus: {} files, {megabytes:.1} MB (generated from {} scripts)",
        files.len(),
        seeds.len()
    );

    let start = Instant::now();
    let mut chars = 0usize;
    for file in &files {
        chars += std::fs::read_to_string(file)?.len();
    }
    let read = start.elapsed().as_secs_f64();
    assert_eq!(chars, bytes, "the corpus changed while reading");

    let start = Instant::now();
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_powershell::LANGUAGE.into())?;
    let mut nodes = 0usize;
    for file in &files {
        let text = std::fs::read_to_string(file)?;
        let tree = parser.parse(&text, None).ok_or("no tree")?;
        nodes += tree.root_node().descendant_count();
    }
    let parse = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let one = AuditOptions::default().with_threads(1);
    let report = audit_path(&corpus, Catalog::builtin(), &one)?;
    let audit = start.elapsed().as_secs_f64();

    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let start = Instant::now();
    let parallel = audit_path(&corpus, Catalog::builtin(), &AuditOptions::default())?;
    let audit_all = start.elapsed().as_secs_f64();
    if parallel != report {
        return Err("the audit on every core differs from the audit on one".into());
    }
    let findings = report.findings().count();
    let rewritten = report
        .files
        .iter()
        .filter(|f| f.rewritten.is_some())
        .count();
    if report.files.len() != files.len() || findings == 0 {
        return Err("the audit did not cover the corpus".into());
    }
    let syntax = report
        .findings()
        .filter(|f| f.rule == Rule::SyntaxError)
        .count();
    if syntax > 0 {
        return Err(format!("the generated corpus has {syntax} syntax errors").into());
    }

    println!("read   {read:7.2} s  {:7.1} MB/s", megabytes / read);
    println!(
        "parse  {parse:7.2} s  {:7.1} MB/s  ({nodes} syntax nodes)",
        megabytes / parse
    );
    println!(
        "audit  {audit:7.2} s  {:7.1} MB/s  ({findings} findings, {rewritten} files with a rewrite)",
        megabytes / audit
    );
    println!(
        "audit  {audit_all:7.2} s  {:7.1} MB/s  on {cores} threads ({:.2}x one thread)",
        megabytes / audit_all,
        audit / audit_all
    );
    println!(
        "audit / parse time: {:.2}x (the rules, rewrites and diffs add {:.0}% to the parser)",
        audit / parse,
        (audit - parse) / audit * 100.0
    );
    println!(
        "target >= 5 MB/s on one core: {}",
        if megabytes / audit >= 5.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}

/// The scripts of the corpus folder (recursively), in path order.
fn seed_scripts(dir: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    for path in list(dir)? {
        out.push(std::fs::read_to_string(&path)?);
    }
    if out.is_empty() {
        return Err(format!("no scripts under {}", dir.display()).into());
    }
    Ok(out)
}

/// Every script file under `dir`, sorted.
fn list(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if is_script(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Writes the corpus under `dir` unless a complete one is there; returns its size in bytes.
fn generate(
    dir: &Path,
    seeds: &[String],
    target: usize,
) -> Result<usize, Box<dyn std::error::Error>> {
    let done = dir.join(".complete");
    if let Ok(text) = std::fs::read_to_string(&done)
        && let Ok(bytes) = text.trim().parse()
    {
        return Ok(bytes);
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // xorshift64*: deterministic, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut total = 0;
    let mut n = 0;
    while total < target {
        let size = 8 * 1024 + (next() % (56 * 1024)) as usize;
        let mut text = format!("# generated legacy automation #{n}\n");
        text.reserve(size + 8192);
        while text.len() < size {
            let seed = &seeds[(next() % seeds.len() as u64) as usize];
            let k = next() % 1000;
            // Vary names so files differ, keeping every script's shape.
            let _ = writeln!(text, "function Invoke-LegacyJob{n}x{k} {{");
            text.push_str(
                &seed
                    .replace("$mailbox", &format!("$mailbox{k}"))
                    .replace("contoso", &format!("contoso{k}")),
            );
            text.push_str("\n}\n");
        }
        let sub = dir.join(format!("team{:02}", n % 16));
        std::fs::create_dir_all(&sub)?;
        let ext = ["ps1", "ps1", "ps1", "psm1"][n % 4];
        std::fs::write(sub.join(format!("job{n:05}.{ext}")), &text)?;
        total += text.len();
        n += 1;
    }
    std::fs::write(&done, total.to_string())?;
    Ok(total)
}
