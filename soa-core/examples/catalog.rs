//! Prints the effective attribute catalog: the built-in table, with override files applied.
//!
//! ```text
//! cargo run -p soa-core --example catalog                       # aligned text table
//! cargo run -p soa-core --example catalog -- --json             # JSON array, one object per attribute
//! cargo run -p soa-core --example catalog -- --override ours.json --json
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use soa_core::catalog::{Attribute, Catalog};

const USAGE: &str = "\
Print the effective Exchange attribute catalog of exchange-soa.

Usage: catalog [--json] [--override FILE]...

Options:
  --json             print a JSON array, one object per attribute (ldap_name, exo_property,
                     parameter, graph_name, value_kind, class, writeback, writeback_since,
                     confirmed, sources, note); without it, print an aligned text table
  --override FILE    apply an override file ({\"attributes\": [...]}) to the built-in table
                     first; may be given more than once, files apply in order
  -h, --help         print this help
";

struct Options {
    json: bool,
    overrides: Vec<PathBuf>,
}

/// Parses the command line; `Ok(None)` means help was asked for.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        json: false,
        overrides: Vec::new(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => options.json = true,
            "--override" => match args.next() {
                Some(file) => options.overrides.push(PathBuf::from(file)),
                None => return Err("--override needs a file name".to_owned()),
            },
            other => match other.strip_prefix("--override=") {
                Some(file) if !file.is_empty() => options.overrides.push(PathBuf::from(file)),
                _ => return Err(format!("unknown argument {other:?}")),
            },
        }
    }
    Ok(Some(options))
}

fn writeback_text(row: &Attribute) -> String {
    match (row.writeback, row.writeback_since) {
        (true, Some(phase)) => format!("yes ({phase})"),
        (true, None) => "yes".to_owned(),
        (false, _) => "no".to_owned(),
    }
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

/// Writes the catalog as a text table with aligned columns.
fn write_table(out: &mut impl Write, catalog: &Catalog) -> io::Result<()> {
    let header = ["NAME", "LDAP", "CLASS", "WRITEBACK", "CONFIRMED"];
    let rows: Vec<[String; 5]> = catalog
        .iter()
        .map(|row| {
            [
                row.name().to_owned(),
                row.ldap_name.clone().unwrap_or_else(|| "-".to_owned()),
                row.class.to_string(),
                writeback_text(row),
                yes_no(row.confirmed).to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    writeln!(out, "{}", line(header))?;
    for row in &rows {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
    }
    let writeback = catalog.writeback_attributes().count();
    let confirmed = catalog.iter().filter(|r| r.confirmed).count();
    writeln!(
        out,
        "\n{} attributes ({writeback} written back, {confirmed} confirmed); table version {}",
        catalog.len(),
        catalog.version().unwrap_or("unknown"),
    )
}

fn run(options: &Options) -> Result<(), String> {
    let mut catalog = Catalog::builtin().clone();
    for path in &options.overrides {
        catalog = catalog
            .with_override_file(path)
            .map_err(|e| e.to_string())?;
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = if options.json {
        writeln!(out, "{}", catalog.to_json_pretty())
    } else {
        write_table(&mut out, &catalog)
    };
    match written.and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(format!("cannot write: {e}")),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("catalog: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("catalog: {message}");
            ExitCode::FAILURE
        }
    }
}
