//! Durable file writes: write a temporary file beside the target, fsync it, rename it into
//! place, and fsync the folder, so that a crash leaves either the old file or the new one.

use std::fs::{self, File};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::{Error, Result};

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// Writes `bytes` to `path` atomically and durably.
///
/// The temporary file has an unpredictable name and is created exclusively (`O_EXCL`: an
/// existing file or a symbolic link planted under that name makes the create fail rather than
/// be followed); a few names are tried before giving up.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (mut f, tmp) = create_temp(dir, &name)?;
    let result = (|| {
        f.write_all(bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("sync", &tmp))?;
        injected_delay();
        fs::rename(&tmp, path).map_err(io("replace", path))?;
        // Make the rename itself durable.
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates a new, exclusive temporary file beside `name` in `dir`.
fn create_temp(dir: &Path, name: &str) -> Result<(File, PathBuf)> {
    let mut last = None;
    for _ in 0..8 {
        let tmp = dir.join(format!(".{name}.{:016x}.tmp", random_u64()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some((tmp, e)),
            Err(e) => return Err(io("create", &tmp)(e)),
        }
    }
    let (tmp, e) = last.unwrap_or_else(|| {
        (
            dir.join(name),
            std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        )
    });
    Err(io("create", &tmp)(e))
}

/// 64 unpredictable bits for temporary names: the standard library's randomly seeded hasher,
/// mixed with the time and a counter (no cryptographic strength is needed: the exclusive
/// create is what makes the name safe).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// Syncs a folder, so that files created or renamed in it survive a crash. Opening a folder is
/// not possible everywhere (Windows); where it is not, there is nothing more to do.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Syncs the folder holding `path` (after `path` was created in it).
pub(crate) fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent);
    }
}

/// Appends `line` (with a newline) to an append-only log file and syncs it to disk before
/// returning; `path` names the file in errors. A write that fails part-way is cut off again, so
/// that the next line never glues onto a fragment.
pub(crate) fn append_line_synced(file: &Mutex<File>, path: &Path, line: &str) -> Result<()> {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
    let before = file.metadata().map(|m| m.len()).ok();
    if let Err(e) = file.write_all(&bytes) {
        if let Some(len) = before {
            let _ = file.set_len(len);
            let _ = file.seek(std::io::SeekFrom::Start(len));
        }
        return Err(io("append to", path)(e));
    }
    file.sync_data().map_err(io("sync", path))?;
    injected_delay();
    Ok(())
}

/// Runs a blocking file operation (a write and its fsync) on one of the library's file-writer
/// threads and waits for it without blocking the executor that polls the future: on a
/// current-thread runtime (the C ABI's), HTTP requests in flight keep completing while a disk
/// syncs. Works under any executor, or none.
///
/// The writer threads are started on first use and live as long as the process. A panic in
/// `work` is caught on the writer thread and reported as an error.
pub(crate) async fn unblock<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let (answer, result) = futures_channel::oneshot::channel();
    writers().submit(Box::new(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        // The waiting side may be gone (a cancelled run): nothing to tell then.
        let _ = answer.send(outcome.ok());
    }));
    match result.await {
        Ok(Some(outcome)) => outcome,
        Ok(None) | Err(_) => Err(Error::invalid_input(
            what,
            "the file writer stopped before it finished (a panic in the writer thread)",
        )),
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// How many file-writer threads run: enough for the runs' concurrent mailboxes to sync their
/// own files at once (fsyncs of different files proceed in parallel on most file systems).
const WRITERS: usize = 8;

struct Writers {
    jobs: Mutex<std::sync::mpsc::Sender<Job>>,
}

impl Writers {
    fn submit(&self, job: Job) {
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job);
        if let Err(std::sync::mpsc::SendError(job)) = sent {
            // No writer left (cannot happen while the process lives): do it here.
            job();
        }
    }
}

fn writers() -> &'static Writers {
    static WRITERS_POOL: std::sync::OnceLock<Writers> = std::sync::OnceLock::new();
    WRITERS_POOL.get_or_init(|| {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(Mutex::new(queue));
        for n in 0..WRITERS {
            let queue = std::sync::Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("soa-file-writer-{n}"))
                .spawn(move || {
                    loop {
                        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                });
            // A thread that cannot start leaves the others; with none, submit runs jobs inline.
            drop(spawned);
        }
        Writers {
            jobs: Mutex::new(jobs),
        }
    })
}

/// The delay added to every fsync, in microseconds: 0 but in tests that prove file syncs run
/// off the executor ([`crate::test_hooks::set_fsync_delay`]).
static FSYNC_DELAY_MICROS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(crate) fn set_fsync_delay(delay: std::time::Duration) {
    let micros = u64::try_from(delay.as_micros()).unwrap_or(u64::MAX);
    FSYNC_DELAY_MICROS.store(micros, std::sync::atomic::Ordering::SeqCst);
}

/// Sleeps for the injected fsync delay, if any.
fn injected_delay() {
    let micros = FSYNC_DELAY_MICROS.load(std::sync::atomic::Ordering::SeqCst);
    if micros > 0 {
        std::thread::sleep(std::time::Duration::from_micros(micros));
    }
}
