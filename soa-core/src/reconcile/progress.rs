//! How far a reconciliation has read: records and bytes of each side, reported to a callback
//! at a bounded rate.
//!
//! The bytes of a file are counted under its buffered reader ([`ReadCount::reader`]), one
//! addition per buffer filled, on whichever thread reads it; the thread that commits the
//! records looks at the count once per batch and calls the callback when enough was read since
//! the last event ([`Meter`]). The last event of each side has every record, and for a file
//! every byte: `bytes == total_bytes`.

use std::fs::File;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::Result;

/// Which side of the reconciliation is being read. The cloud side is read first (it is
/// indexed), then the directory side (it is streamed against the index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReconcilePhase {
    /// The mailboxes: a `Get-Mailbox | ConvertTo-Json` file, or Exchange Online listed live.
    Cloud,
    /// The AD accounts: an export (CSV, LDIF or JSON) or any stream of entries.
    Directory,
}

impl ReconcilePhase {
    /// The serde name (`cloud`, `directory`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReconcilePhase::Cloud => "cloud",
            ReconcilePhase::Directory => "directory",
        }
    }
}

/// How far the reading of one side has come, for a progress bar or a log.
///
/// Events come at a bounded rate (when [`BYTES_STEP`] more bytes or [`RECORDS_STEP`] more
/// records were read since the last one, checked once per batch of records), never per record.
/// Within a phase `records` and `bytes` never decrease; each phase ends with one event that has
/// all its records and, for a file, `bytes == total_bytes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileProgress {
    /// The side being read.
    pub phase: ReconcilePhase,
    /// Records of this side read so far: mailboxes in the cloud phase, AD accounts in the
    /// directory phase. The last event of a phase has the report's `cloud_records` or
    /// `ad_records`.
    pub records: u64,
    /// Bytes of this side's file read so far (0 when the side is not a file, such as the
    /// mailboxes of a live Exchange Online). The file is read ahead in buffers, so this may
    /// run ahead of `records` by a buffer.
    pub bytes: u64,
    /// The size of this side's file, when it is a file whose size is known.
    pub total_bytes: Option<u64>,
}

/// A progress callback. It is called on the thread that runs the reconciliation. A callback
/// that panics stops the reconciliation, which returns an [`Error::InvalidInput`] carrying the
/// panic's message (the panic is not swallowed, and no reading thread is left behind).
///
/// [`Error::InvalidInput`]: crate::Error::InvalidInput
pub type ReconcileProgressFn = Arc<dyn Fn(&ReconcileProgress) + Send + Sync>;

/// An event is due when this many more bytes were read since the last one.
pub const BYTES_STEP: u64 = 64 * 1024;

/// An event is due when this many more records were read since the last one.
pub const RECORDS_STEP: u64 = 1024;

/// The bytes read from a file so far, shared by the thread that reads it and the one that
/// reports, and the file's size when known.
#[derive(Debug, Clone)]
pub(crate) struct ReadCount {
    read: Arc<AtomicU64>,
    total: Option<u64>,
}

impl ReadCount {
    /// The count of `file`, nothing read yet; its size when it is a regular file.
    pub(crate) fn of(file: &File) -> Self {
        ReadCount {
            read: Arc::new(AtomicU64::new(0)),
            total: file
                .metadata()
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len()),
        }
    }

    /// `inner`, counting what is read from it into this count.
    pub(crate) fn reader<R: Read>(&self, inner: R) -> Counted<R> {
        Counted {
            inner,
            read: Arc::clone(&self.read),
        }
    }

    /// The bytes read so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// The size of the file, when known.
    pub(crate) fn total(&self) -> Option<u64> {
        self.total
    }
}

/// A reader that adds what it reads to a [`ReadCount`]. Placed under a buffered reader, it
/// counts once per buffer filled.
#[derive(Debug)]
pub(crate) struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The progress of one phase: counts the records, reads the bytes of the file (if any), and
/// calls the callback when an event is due. Without a callback it does nothing.
pub(crate) struct Meter {
    report: Option<ReconcileProgressFn>,
    read: Option<ReadCount>,
    current: ReconcileProgress,
    /// Records and bytes of the last event.
    last: (u64, u64),
}

impl Meter {
    /// The meter of `phase`, reading the file counted by `read` (none: not a file).
    pub(crate) fn new(
        report: Option<ReconcileProgressFn>,
        phase: ReconcilePhase,
        read: Option<ReadCount>,
    ) -> Self {
        let total_bytes = read.as_ref().and_then(ReadCount::total);
        Meter {
            report,
            read,
            current: ReconcileProgress {
                phase,
                records: 0,
                bytes: 0,
                total_bytes,
            },
            last: (0, 0),
        }
    }

    /// A meter that reports nothing.
    pub(crate) fn off() -> Self {
        Meter::new(None, ReconcilePhase::Directory, None)
    }

    /// `records` more records were read: reports when an event is due.
    pub(crate) fn add(&mut self, records: usize) -> Result<()> {
        if self.report.is_none() {
            return Ok(());
        }
        self.current.records += records as u64;
        self.update_bytes();
        let (records, bytes) = self.last;
        if self.current.records - records >= RECORDS_STEP
            || self.current.bytes - bytes >= BYTES_STEP
        {
            self.emit()?;
        }
        Ok(())
    }

    /// The phase is over: reports its last event.
    pub(crate) fn finish(&mut self) -> Result<()> {
        if self.report.is_none() {
            return Ok(());
        }
        self.update_bytes();
        self.emit()
    }

    fn update_bytes(&mut self) {
        if let Some(read) = &self.read {
            // Never backwards, whatever the count says.
            self.current.bytes = self.current.bytes.max(read.bytes());
        }
    }

    /// Calls the callback with the current event; a panic of the callback is the error.
    fn emit(&mut self) -> Result<()> {
        let Some(report) = &self.report else {
            return Ok(());
        };
        let event = &self.current;
        catch_unwind(AssertUnwindSafe(|| report(event))).map_err(|payload| {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            // The reconciliation stops here: no more events.
            self.report = None;
            crate::Error::invalid_input(
                "progress callback",
                format!(
                    "it panicked while reporting the {} phase ({message}); the reconciliation was stopped",
                    self.current.phase.as_str()
                ),
            )
        })?;
        self.last = (self.current.records, self.current.bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn recorder() -> (ReconcileProgressFn, Arc<Mutex<Vec<ReconcileProgress>>>) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        let f: ReconcileProgressFn = Arc::new(move |e: &ReconcileProgress| {
            sink.lock().unwrap().push(e.clone());
        });
        (f, events)
    }

    #[test]
    fn events_come_by_steps_and_end_with_everything() {
        let (f, events) = recorder();
        let mut meter = Meter::new(Some(f), ReconcilePhase::Cloud, None);
        for _ in 0..10 * RECORDS_STEP {
            meter.add(1).unwrap();
        }
        meter.add(3).unwrap();
        meter.finish().unwrap();
        let events = events.lock().unwrap();
        assert_eq!(events.len(), 11);
        assert_eq!(events[0].records, RECORDS_STEP);
        let last = events.last().unwrap();
        assert_eq!(last.records, 10 * RECORDS_STEP + 3);
        assert_eq!((last.bytes, last.total_bytes), (0, None));
        assert!(events.iter().all(|e| e.phase == ReconcilePhase::Cloud));
    }

    #[test]
    fn bytes_are_counted_under_the_buffer() {
        let (f, events) = recorder();
        let text = vec![b'x'; 300 * 1024];
        let count = ReadCount {
            read: Arc::new(AtomicU64::new(0)),
            total: Some(text.len() as u64),
        };
        let mut reader =
            std::io::BufReader::with_capacity(64 * 1024, count.reader(text.as_slice()));
        let mut meter = Meter::new(Some(f), ReconcilePhase::Directory, Some(count.clone()));
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = std::io::Read::by_ref(&mut reader)
                .take(1000)
                .read_to_end(&mut line)
                .unwrap();
            if n == 0 {
                break;
            }
            meter.add(1).unwrap();
        }
        meter.finish().unwrap();
        let events = events.lock().unwrap();
        assert!(events.len() >= 5, "{}", events.len());
        assert!(events.windows(2).all(|w| w[0].bytes <= w[1].bytes));
        let last = events.last().unwrap();
        assert_eq!(last.bytes, 300 * 1024);
        assert_eq!(last.total_bytes, Some(300 * 1024));
        assert_eq!(last.records, 308);
    }

    #[test]
    fn a_panicking_callback_is_an_error_and_silences_the_meter() {
        let f: ReconcileProgressFn = Arc::new(|_: &ReconcileProgress| panic!("bar broke"));
        let mut meter = Meter::new(Some(f), ReconcilePhase::Directory, None);
        let e = meter.finish().unwrap_err().to_string();
        assert!(
            e.contains("progress callback") && e.contains("bar broke") && e.contains("directory"),
            "{e}"
        );
        assert!(meter.finish().is_ok(), "no second call after the panic");
        let mut off = Meter::off();
        off.add(1 << 20).unwrap();
        off.finish().unwrap();
    }
}
