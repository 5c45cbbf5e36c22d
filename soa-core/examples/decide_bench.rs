//! Times one authority decision in Rust: the baseline of the binding-overhead benchmark
//! (`python examples/overhead_bench.py` runs this, the C ABI and the Python binding in one run).
//!
//! Prints `rust <ns per call>`.
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use soa_core::authority::{EditLocation, MailboxState, ProposedEdit, decide_edit};
use soa_core::catalog::Catalog;

fn main() -> Result<(), soa_core::Error> {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let catalog = Catalog::builtin();
    let state = MailboxState::cloud_managed();
    let edit = ProposedEdit {
        attribute: "extensionAttribute1".into(),
        value: "Finance".into(),
        location: EditLocation::ActiveDirectory,
        identity: Some("alice@contoso.com".into()),
    };
    // Warm up.
    for _ in 0..1000 {
        black_box(decide_edit(catalog, &state, &edit)?);
    }
    let start = Instant::now();
    for _ in 0..iterations {
        black_box(decide_edit(catalog, black_box(&state), black_box(&edit))?);
    }
    let ns = start.elapsed().as_nanos() / u128::from(iterations);
    println!("rust {ns}");
    Ok(())
}
