//! `soa_mailbox_pager`: a lazy listing of mailboxes over either backend — the simulated
//! organization (`soa_sim_list_mailboxes`) or a tenant through the REST client
//! (`soa_client_list_mailboxes`).

use std::ffi::c_char;
use std::sync::Arc;

use futures_util::StreamExt;
use soa_core::exo::rest::ExoClient;
use soa_core::exo::{ExchangeOnline, MailboxFilter};
use soa_core::model::Mailbox;
use soa_core::sim::SimulatedOrg;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::ffi::{Failure, Out, boundary, free_boxed};
use crate::status::soa_status;

/// A lazy listing of mailboxes; each `soa_mailbox_pager_next` reads one page. It keeps what it
/// lists alive on its own (the organization, or the client and its runtime), so it may outlive
/// the handle it was made from. Use it from one thread at a time. Release with
/// `soa_mailbox_pager_free`.
pub struct soa_mailbox_pager {
    source: Source,
}

enum Source {
    /// Pages of the simulated organization, by cursor.
    Simulated {
        org: SimulatedOrg,
        filter: MailboxFilter,
        cursor: Option<String>,
        done: bool,
    },
    /// The REST client's stream, driven by a task on the client's runtime.
    Rest(RestListing),
}

/// How many mailboxes the REST listing's task may read ahead of the caller (it fetches one
/// gateway page at a time, so at most one page is in memory besides these).
const READ_AHEAD: usize = 64;

/// A `Get-Mailbox` listing through the REST client. The core's stream borrows the client, so a
/// task that owns both runs it and hands the mailboxes over a bounded channel; the task starts
/// at the first `soa_mailbox_pager_next`, so nothing is sent before.
struct RestListing {
    runtime: Arc<Runtime>,
    client: ExoClient,
    filter: Option<MailboxFilter>,
    receiver: Option<mpsc::Receiver<soa_core::Result<Mailbox>>>,
    task: Option<JoinHandle<()>>,
    /// An error met after the mailboxes of the last page handed out: it comes next.
    pending: Option<soa_core::Error>,
    done: bool,
}

impl soa_mailbox_pager {
    /// A listing of the simulated organization.
    pub(crate) fn simulated(org: SimulatedOrg, filter: MailboxFilter) -> Self {
        soa_mailbox_pager {
            source: Source::Simulated {
                org,
                filter,
                cursor: None,
                done: false,
            },
        }
    }

    /// A listing through the REST client; nothing is sent until the first page is asked for.
    pub(crate) fn rest(runtime: Arc<Runtime>, client: ExoClient, filter: MailboxFilter) -> Self {
        soa_mailbox_pager {
            source: Source::Rest(RestListing {
                runtime,
                client,
                filter: Some(filter),
                receiver: None,
                task: None,
                pending: None,
                done: false,
            }),
        }
    }

    /// The next page of at most `size` mailboxes; empty after the last.
    fn next_page(&mut self, size: usize) -> Result<Vec<Mailbox>, Failure> {
        match &mut self.source {
            Source::Simulated {
                org,
                filter,
                cursor,
                done,
            } => {
                if *done {
                    return Ok(Vec::new());
                }
                let page = org.mailbox_page(filter, cursor.as_deref(), size);
                *done = page.next.is_none();
                *cursor = page.next;
                Ok(page.mailboxes)
            }
            Source::Rest(listing) => listing.next_page(size),
        }
    }
}

impl RestListing {
    fn next_page(&mut self, size: usize) -> Result<Vec<Mailbox>, Failure> {
        if let Some(e) = self.pending.take() {
            self.done = true;
            return Err(e.into());
        }
        if self.done {
            return Ok(Vec::new());
        }
        if self.receiver.is_none() {
            // Refuse a nested call before anything is started.
            crate::ffi::block_on(&self.runtime, async {})?;
            let (sender, receiver) = mpsc::channel(READ_AHEAD);
            let client = self.client.clone();
            let filter = self.filter.take().unwrap_or_default();
            self.task = Some(self.runtime.spawn(async move {
                let mut stream = client.list_mailboxes(filter);
                while let Some(item) = stream.next().await {
                    let failed = item.is_err();
                    // The receiver is gone when the pager was released: stop reading.
                    if sender.send(item).await.is_err() || failed {
                        break;
                    }
                }
            }));
            self.receiver = Some(receiver);
        }
        let Some(receiver) = self.receiver.as_mut() else {
            return Ok(Vec::new());
        };
        let (page, end) = crate::ffi::block_on(&self.runtime, async {
            let mut page = Vec::with_capacity(size.min(1000));
            while page.len() < size {
                match receiver.recv().await {
                    Some(Ok(mailbox)) => page.push(mailbox),
                    Some(Err(e)) => return (page, Some(Err(e))),
                    None => return (page, Some(Ok(()))),
                }
            }
            (page, None)
        })?;
        match end {
            None => Ok(page),
            Some(Ok(())) => {
                self.done = true;
                Ok(page)
            }
            Some(Err(e)) if page.is_empty() => {
                self.done = true;
                Err(e.into())
            }
            // Hand out what was read; the error comes with the next call.
            Some(Err(e)) => {
                self.pending = Some(e);
                Ok(page)
            }
        }
    }
}

impl Drop for RestListing {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Reads the next page of at most `page_size` mailboxes (0 counts as 1) as a JSON array to
/// `*out_json`; after the last page it writes `[]`. Over the REST client, the first call sends
/// the first request, and an error met in the middle of a page comes after the mailboxes read
/// before it, with the next call; after an error the listing is over.
#[unsafe(no_mangle)]
pub extern "C" fn soa_mailbox_pager_next(
    pager: *mut soa_mailbox_pager,
    page_size: u32,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        // SAFETY: a non-NULL pager came from this library and is used by one thread at a time
        // (ABI contract).
        let pager = unsafe { pager.as_mut() }.ok_or(Failure::Null("pager"))?;
        let out = Out::new(out_json, "out_json")?;
        let size = usize::try_from(page_size.max(1)).unwrap_or(1000);
        let page = pager.next_page(size)?;
        out.write_json(&page)
    })
}

/// Releases a pager (over the REST client, stops its reading). NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn soa_mailbox_pager_free(pager: *mut soa_mailbox_pager) {
    free_boxed(pager);
}
