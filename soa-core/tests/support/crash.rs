//! The kill-and-resume harness of the transfer workflow, shared by the crash test
//! (`tests/transfer_emulator.rs`, a few trials) and the stress harness
//! (`examples/transfer_crash_stress.rs`, fifty or more).
//!
//! A trial: an emulator serves a simulated organization of `n` eligible mailboxes; a plan for
//! all of them is written to a run folder; a child process runs the transfer over HTTP and is
//! killed with SIGKILL at a random moment (several times, each kill followed by a new child
//! that resumes); finally the run is resumed to the end in this process. Then every mailbox
//! must be flipped exactly once (one `IsExchangeCloudManaged` record in the organization's
//! admin audit log), have a readable backup taken before its flip, and the journal must agree
//! with the organization.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use soa_core::exo::rest::{
    AccessToken, ClientOptions, Cloud, ExoClient, RetryPolicy, StaticTokenCredential,
};
use soa_core::exo::{AuditQuery, ExchangeOnline};
use soa_core::model::RecipientTypeDetails;
use soa_core::preflight::{Preflight, SyncEnvironment};
use soa_core::session::Session;
use soa_core::sim::emulator::{Emulator, EmulatorOptions};
use soa_core::sim::{NewAdUser, SimulatedOrg};
use soa_core::transfer::{
    BackupStore, Journal, RunFolder, RunOptions, Selection, Step, TransferPolicy,
    progress_by_mailbox,
};

/// The environment variable that turns a process into a worker.
pub const WORKER_ENV: &str = "SOA_CRASH_WORKER";

/// One trial's world.
pub struct Trial {
    /// The emulator (on its own runtime).
    pub emulator: Emulator,
    /// Its organization.
    pub org: SimulatedOrg,
    /// The run folder.
    pub run_dir: PathBuf,
    /// The mailboxes of the plan.
    pub ids: Vec<String>,
    /// A token for the administrator.
    pub token: String,
}

/// An organization of `n` licensed remote mailboxes `m0000@contoso.com`..., synchronized, with
/// the clock past the settle rule: every mailbox is eligible.
pub fn org(n: usize) -> SimulatedOrg {
    let org = SimulatedOrg::new("contoso.com");
    for i in 0..n {
        org.add_ad_user(NewAdUser {
            user_principal_name: format!("m{i:04}@contoso.com"),
            attributes: BTreeMap::from([(
                "extensionAttribute1".to_owned(),
                format!("CC-{i}").into(),
            )]),
            remote_mailbox: Some(RecipientTypeDetails::RemoteUserMailbox),
            ..NewAdUser::default()
        })
        .unwrap();
    }
    org.sync_cycle();
    for i in 0..n {
        org.assign_license(&format!("m{i:04}@contoso.com")).unwrap();
    }
    org.advance(TimeDelta::hours(25));
    org
}

/// The identities of [`org`]'s mailboxes.
pub fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("m{i:04}@contoso.com")).collect()
}

/// Sets up a trial: the organization, the emulator, and the plan written to a fresh folder.
pub fn setup(n: usize, root: &Path, trial: usize) -> Trial {
    let org = org(n);
    let emulator = Emulator::start_blocking(org.clone(), EmulatorOptions::default()).unwrap();
    let token = emulator.issue_token(org.principal());
    let run_dir = root.join(format!("trial-{trial:03}"));
    let _ = std::fs::remove_dir_all(&run_dir);
    std::fs::create_dir_all(&run_dir).unwrap();
    let ids = ids(n);
    let policy = TransferPolicy {
        ticket: Some("CHG-CRASH".into()),
        batch_cap: n,
        max_concurrency: 8,
        ..TransferPolicy::default()
    };
    let preflight = Preflight {
        sync: SyncEnvironment {
            connect_sync_version: Some(org.connect_sync_version()),
            ..SyncEnvironment::default()
        },
        ..Preflight::default()
    };
    let rt = runtime();
    let session = Session::new(Arc::new(org.clone())).with_directory(Arc::new(org.clone()));
    let plan = rt
        .block_on(session.plan(&Selection::Identities(ids.clone()), &policy, &preflight))
        .unwrap();
    assert_eq!(plan.go().count(), n, "every mailbox is eligible");
    plan.save(
        &RunFolder {
            dir: run_dir.clone(),
        }
        .plan(),
    )
    .unwrap();
    Trial {
        emulator,
        org,
        run_dir,
        ids,
        token,
    }
}

/// A Tokio runtime for the async calls of this process.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A REST client for the emulator at `url`, with a caller-supplied token, short retry waits
/// and more retries than the default (the emulator's faults and throttle are dense; a real
/// tenant gets the default policy).
pub fn client(url: &str, tenant: &str, token: &str) -> ExoClient {
    let credential = StaticTokenCredential::new(AccessToken::new(
        token.to_owned(),
        chrono::Utc::now() + TimeDelta::hours(1),
    ));
    ExoClient::new(
        tenant,
        Cloud::custom(url, url).unwrap(),
        Arc::new(credential),
        Some(ClientOptions {
            timeout: Duration::from_secs(30),
            retry: RetryPolicy {
                max_retries: 12,
                initial_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(300),
                max_retry_after: Duration::from_secs(2),
                ..RetryPolicy::default()
            },
            ..ClientOptions::default()
        }),
    )
    .unwrap()
}

/// A session on the trial's emulator over HTTP, with no on-premises directory (the run folder's
/// plan was made with one).
pub fn emulator_session(trial: &Trial) -> Session {
    Session::new(Arc::new(client(
        trial.emulator.base_url(),
        trial.emulator.tenant(),
        &trial.token,
    )))
}

/// The worker: resumes the run named by the environment until it is done (or killed).
pub fn worker_main() {
    let url = std::env::var("SOA_EMU_URL").unwrap();
    let tenant = std::env::var("SOA_EMU_TENANT").unwrap();
    let token = std::env::var("SOA_EMU_TOKEN").unwrap();
    let dir = PathBuf::from(std::env::var("SOA_RUN_DIR").unwrap());
    let rt = runtime();
    let session = Session::new(Arc::new(client(&url, &tenant, &token)));
    rt.block_on(session.resume(&dir, &RunOptions::default()))
        .unwrap();
}

/// Starts a worker (`exe` with `args`, which must reach [`worker_main`]) and kills it with
/// SIGKILL after `after`, unless it finished first. Returns whether it was killed.
pub fn run_and_kill(exe: &Path, args: &[&str], trial: &Trial, after: Duration) -> bool {
    let mut child = Command::new(exe)
        .args(args)
        .env(WORKER_ENV, "1")
        .env("SOA_EMU_URL", trial.emulator.base_url())
        .env("SOA_EMU_TENANT", trial.emulator.tenant())
        .env("SOA_EMU_TOKEN", &trial.token)
        .env("SOA_RUN_DIR", &trial.run_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // Child::kill sends SIGKILL on Unix.
    let _ = child.kill();
    let _ = child.wait();
    true
}

/// Finishes the run in this process and checks the invariants. Returns a description of the
/// first violation, if any.
pub fn finish_and_check(trial: &Trial) -> Result<(), String> {
    let rt = runtime();
    let session = emulator_session(trial);
    let report = rt
        .block_on(session.resume(&trial.run_dir, &RunOptions::default()))
        .map_err(|e| format!("final resume failed: {e}"))?;
    if report.verified() != trial.ids.len() {
        return Err(format!(
            "{} of {} verified after the final resume: {:?}",
            report.verified(),
            trial.ids.len(),
            report
                .results
                .iter()
                .filter(|r| r.step == Step::Failed)
                .take(3)
                .collect::<Vec<_>>()
        ));
    }
    let folder = RunFolder {
        dir: trial.run_dir.clone(),
    };
    let store = BackupStore::open(&folder.backups()).map_err(|e| e.to_string())?;
    let (_, entries) = Journal::open(&folder.journal()).map_err(|e| e.to_string())?;
    let reached = progress_by_mailbox(&entries);
    let records = rt
        .block_on(trial.org.search_admin_audit_log(&AuditQuery {
            parameter: Some("IsExchangeCloudManaged".into()),
            ..AuditQuery::default()
        }))
        .map_err(|e| e.to_string())?;
    for id in &trial.ids {
        let flips = records
            .iter()
            .filter(|r| r.object.eq_ignore_ascii_case(id))
            .count();
        if flips != 1 {
            return Err(format!("{id} was flipped {flips} times"));
        }
        let mailbox = trial.org.mailbox(id).map_err(|e| e.to_string())?;
        if !mailbox.is_exchange_cloud_managed {
            return Err(format!("{id} is not cloud-managed"));
        }
        let backup = store
            .read(id)
            .map_err(|e| format!("{id}: backup unreadable: {e}"))?;
        if backup.content.mailbox.is_exchange_cloud_managed {
            return Err(format!("{id}: the backup was taken after the flip"));
        }
        if reached.get(&id.to_lowercase()) != Some(&Step::Verified) {
            return Err(format!(
                "{id}: the journal says {:?}, the organization says cloud-managed",
                reached.get(&id.to_lowercase())
            ));
        }
    }
    Ok(())
}

/// A pseudo-random kill delay in `[min, max)` from a seed (no RNG dependency needed here).
pub fn delay(seed: u64, min: Duration, max: Duration) -> Duration {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    let span = u64::try_from(max.saturating_sub(min).as_micros())
        .unwrap_or(u64::MAX)
        .max(1);
    min + Duration::from_micros(x % span)
}
