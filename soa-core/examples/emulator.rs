//! Serves a generated organization over the `InvokeCommand` wire protocol, on loopback, until
//! Ctrl-C.
//!
//! ```text
//! cargo run -p soa-core --features emulator --example emulator -- \
//!     --port 8400 --mailboxes 1000 [--seed 7] [--latency-ms 50] [--throttle 20]
//! ```
//!
//! It prints the base URL, the tenant, a registered app's client id and secret (emulator
//! credentials, valid for this process only) and a ready-made bearer token.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

use std::time::Duration;

use soa_core::sim::SimulatedOrg;
use soa_core::sim::emulator::{Emulator, EmulatorOptions, Faults, RegisteredApp, Throttle};

struct Args {
    port: u16,
    mailboxes: usize,
    seed: u64,
    latency_ms: u64,
    throttle: Option<f64>,
}

const USAGE: &str =
    "usage: emulator --port N --mailboxes M [--seed S] [--latency-ms L] [--throttle RPS]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 0,
        mailboxes: 100,
        seed: 1,
        latency_ms: 0,
        throttle: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value:?}: {e}\n{USAGE}");
        match flag.as_str() {
            "--port" => args.port = value.parse().map_err(|e| bad(&e))?,
            "--mailboxes" => args.mailboxes = value.parse().map_err(|e| bad(&e))?,
            "--seed" => args.seed = value.parse().map_err(|e| bad(&e))?,
            "--latency-ms" => args.latency_ms = value.parse().map_err(|e| bad(&e))?,
            "--throttle" => args.throttle = Some(value.parse().map_err(|e| bad(&e))?),
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    Ok(args)
}

/// A GUID-shaped client id and a secret derived from the seed (emulator credentials).
fn credentials(seed: u64) -> (String, String) {
    let x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(23) ^ 0x5EED;
    let client_id = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xfff,
        (x >> 20) & 0xfff,
        x & 0xffff_ffff_ffff
    );
    let secret = format!("emulator~{:016x}", x.rotate_left(31) ^ 0xC0FF_EE00);
    (client_id, secret)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let org = SimulatedOrg::generate(args.mailboxes, args.seed);
    let principal = format!("soa-emulator-app@{}", org.tenant());
    org.add_principal(&principal, &["Exchange Administrator"]);
    let (client_id, secret) = credentials(args.seed);
    let options = EmulatorOptions {
        port: args.port,
        apps: vec![RegisteredApp::with_secret(&client_id, &secret, &principal)],
        seed: args.seed,
        faults: Faults {
            latency: Duration::from_millis(args.latency_ms),
            throttle: args.throttle.map(Throttle::per_second),
            ..Faults::none()
        },
        ..EmulatorOptions::default()
    };
    let emulator = match Emulator::start_blocking(org, options) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot start the emulator: {e}");
            std::process::exit(1);
        }
    };
    let summary = emulator.org().summary();
    println!("Exchange Online emulator: {} mailboxes", summary.mailboxes);
    println!("  base URL        {}", emulator.base_url());
    println!(
        "  tenant          {} (id {})",
        emulator.tenant(),
        emulator.tenant_id()
    );
    println!("  InvokeCommand   {}", emulator.invoke_url());
    println!("  token endpoint  {}", emulator.token_url());
    println!("  scope           {}", emulator.scope());
    println!("  client id       {client_id}");
    println!("  client secret   {secret}");
    println!("  principal       {principal}");
    println!("  bearer token    {}", emulator.issue_token(&principal));
    println!();
    println!(
        "  curl -s -X POST {} -H 'Authorization: Bearer <token>' -H 'Prefer: odata.maxpagesize=5' \\",
        emulator.invoke_url()
    );
    println!(
        "       -d '{{\"CmdletInput\":{{\"CmdletName\":\"Get-Mailbox\",\"Parameters\":{{}}}}}}'"
    );
    println!();
    println!("Serving until Ctrl-C.");
    // Ctrl-C ends the process (default signal handling), which closes the listener.
    loop {
        std::thread::park();
    }
}
