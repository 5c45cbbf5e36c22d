//! Reading an AD export on a second thread while the accounts are committed on the first.
//!
//! The reading thread reads records in batches and hands them over through a short queue, so
//! only a few batches are in memory at a time. When the committing thread falls behind (more
//! than [`AHEAD`] batches wait for it), the reading thread also examines the batches it sends
//! ([`Examiner`](super::run::Examiner)): the work is shared by both cores without changing
//! the report, since accounts are still committed in the export's order. Used batches go back
//! to the reading thread to be reused or dropped there: memory is best freed by the thread
//! that allocated it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use super::source::{AdCsvReader, AdEntries, AdEntry};
use crate::Result;

/// The number of AD records in a batch.
const BATCH: usize = 256;

/// How many batches may wait, not yet examined, before the reading thread examines the
/// batches it sends.
const AHEAD: usize = 2;

/// A batch of records, and what was found for them when the reading thread examined them.
struct Batch<T, E> {
    records: Vec<T>,
    examined: Option<Vec<E>>,
}

/// Reads records on a second thread with `read`; `examine` examines a batch (on either
/// thread); `add` commits each record, in order, on this thread, with what was found for it;
/// `committed` is told, on this thread, how many records each batch committed (for progress).
/// The first malformed record, or the first error of `committed`, is the error; nothing after
/// it is read.
pub(crate) fn in_batches<T: Send, E: Send>(
    read: impl FnOnce(&mut Batches<'_, T, E>) + Send,
    examine: &(dyn Fn(&[T]) -> Vec<E> + Sync),
    mut add: impl FnMut(&T, E),
    mut committed: impl FnMut(usize) -> Result<()>,
) -> Result<()> {
    let waiting = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (to_join, ready) = std::sync::mpsc::sync_channel::<Result<Batch<T, E>>>(4);
        let (to_reader, used) = std::sync::mpsc::channel::<Vec<T>>();
        let waiting = &waiting;
        scope.spawn(move || {
            read(&mut Batches {
                to_join,
                used,
                examine,
                waiting,
                failed: false,
            });
        });
        for batch in ready {
            let Batch { records, examined } = batch?;
            let examined = examined.unwrap_or_else(|| {
                waiting.fetch_sub(1, Ordering::Relaxed);
                examine(&records)
            });
            for (record, found) in records.iter().zip(examined) {
                add(record, found);
            }
            committed(records.len())?;
            let _ = to_reader.send(records);
        }
        Ok(())
    })
}

/// The reading side of [`in_batches`].
pub(crate) struct Batches<'s, T, E> {
    to_join: SyncSender<Result<Batch<T, E>>>,
    used: Receiver<Vec<T>>,
    examine: &'s (dyn Fn(&[T]) -> Vec<E> + Sync),
    /// Batches sent and not yet examined.
    waiting: &'s AtomicUsize,
    failed: bool,
}

impl<T, E> Batches<'_, T, E> {
    /// Sends a batch, examined here when the committing thread is behind; false when the
    /// reconciliation has stopped.
    fn send(&mut self, records: Vec<T>) -> bool {
        if self.failed {
            return false;
        }
        let examined = if self.waiting.load(Ordering::Relaxed) >= AHEAD {
            Some((self.examine)(&records))
        } else {
            self.waiting.fetch_add(1, Ordering::Relaxed);
            None
        };
        self.to_join.send(Ok(Batch { records, examined })).is_ok()
    }

    /// Sends the error that ends the reading.
    fn fail(&mut self, error: crate::Error) {
        self.failed = true;
        let _ = self.to_join.send(Err(error));
    }

    /// The batches the committing thread is done with.
    fn returned(&self) -> impl Iterator<Item = Vec<T>> + '_ {
        self.used.try_iter()
    }
}

/// Reads the rows of a CSV export (each with its line), reusing the records of used batches.
pub(crate) fn read_rows<E>(
    rows: &mut AdCsvReader,
    out: &mut Batches<'_, (u64, ::csv::StringRecord), E>,
) {
    let mut pool: Vec<::csv::StringRecord> = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let mut record = pool.pop().unwrap_or_default();
        match rows.read_row(&mut record) {
            None => break,
            Some(Ok(line)) => batch.push((line, record)),
            Some(Err(e)) => return out.fail(e),
        }
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if !out.send(full) {
                return;
            }
            for used in out.returned() {
                pool.extend(used.into_iter().map(|(_, record)| record));
            }
        }
    }
    if !batch.is_empty() {
        out.send(batch);
    }
}

/// Reads the entries of an export of any format, dropping used batches.
pub(crate) fn read_entries<E>(entries: AdEntries, out: &mut Batches<'_, AdEntry, E>) {
    let mut batch = Vec::with_capacity(BATCH);
    for entry in entries {
        match entry {
            Ok(entry) => batch.push(entry),
            Err(e) => return out.fail(e),
        }
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if !out.send(full) {
                return;
            }
            out.returned().for_each(drop);
        }
    }
    if !batch.is_empty() {
        out.send(batch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> u32 {
        u32::try_from(BATCH).unwrap()
    }

    /// Reads `0..n` in batches, failing at `fail` when given.
    fn numbers(n: u32, fail: Option<u32>) -> impl FnOnce(&mut Batches<'_, u32, u64>) + Send {
        move |out| {
            let mut batch = Vec::new();
            for i in 0..n {
                if Some(i) == fail {
                    return out.fail(crate::Error::invalid_input("numbers", format!("bad {i}")));
                }
                batch.push(i);
                if batch.len() == BATCH {
                    if !out.send(std::mem::take(&mut batch)) {
                        return;
                    }
                    out.returned().for_each(drop);
                }
            }
            if !batch.is_empty() {
                out.send(batch);
            }
        }
    }

    #[test]
    fn a_slow_committer_gets_batches_examined_by_the_reader_in_order() {
        let n = 20 * batch() + 7;
        let mut seen = Vec::new();
        let mut batches = Vec::new();
        let committer = std::thread::current().id();
        let examined_by_reader = AtomicUsize::new(0);
        in_batches(
            numbers(n, None),
            &|batch: &[u32]| {
                if std::thread::current().id() != committer {
                    examined_by_reader.fetch_add(batch.len(), Ordering::Relaxed);
                }
                batch.iter().map(|&i| u64::from(i) * 3).collect()
            },
            |&i, examined| {
                if i < 2 * batch() {
                    // Behind: the reader has time to queue batches, then examines them.
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                assert_eq!(
                    examined,
                    u64::from(i) * 3,
                    "what was found belongs to the record"
                );
                seen.push(i);
            },
            |n| {
                batches.push(n);
                Ok(())
            },
        )
        .unwrap();
        let examined_by_reader = examined_by_reader.into_inner();
        assert_eq!(seen, (0..n).collect::<Vec<_>>(), "every record, in order");
        assert_eq!(batches.len(), 21, "told once per batch");
        assert_eq!(batches.iter().sum::<usize>(), n as usize);
        assert!(examined_by_reader > 0, "the reader shared the work");
        assert!(
            examined_by_reader < n as usize,
            "the committer examined some"
        );
    }

    #[test]
    fn the_first_error_ends_the_run_and_nothing_after_it_is_read() {
        let mut last = None;
        let result = in_batches(
            numbers(10 * batch(), Some(3 * batch() + 5)),
            &|batch: &[u32]| batch.iter().map(|&i| u64::from(i)).collect(),
            |&i, _| last = Some(i),
            |_| Ok(()),
        );
        let error = result.map_or_else(|e| e.to_string(), |()| "no error".to_owned());
        assert!(error.contains("bad 773"), "{error}");
        assert!(last.is_some_and(|i| i < 3 * batch()), "{last:?}");
    }

    #[test]
    fn an_error_of_the_committed_hook_stops_the_reading() {
        let mut last = None;
        let mut calls = 0;
        let result = in_batches(
            numbers(50 * batch(), None),
            &|batch: &[u32]| batch.iter().map(|&i| u64::from(i)).collect(),
            |&i, _| last = Some(i),
            |_| {
                calls += 1;
                if calls == 2 {
                    Err(crate::Error::invalid_input("progress", "stop"))
                } else {
                    Ok(())
                }
            },
        );
        let error = result.map_or_else(|e| e.to_string(), |()| "no error".to_owned());
        assert!(error.contains("stop"), "{error}");
        assert_eq!(calls, 2);
        assert_eq!(
            last,
            Some(2 * batch() - 1),
            "nothing committed after the error"
        );
    }
}
