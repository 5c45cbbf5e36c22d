//! `soa_mailbox_pager`: a lazy listing of mailboxes over a backend, read one page at a time.
//! It wraps the core's owned stream (`MailboxPager<'static>`) and the runtime it is polled on.

use std::ffi::c_char;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use soa_core::exo::MailboxPager;
use soa_core::model::Mailbox;
use tokio::runtime::Runtime;

use crate::ffi::{Failure, Out, boundary, free_boxed, ref_arg};
use crate::status::soa_status;

/// A lazy listing of mailboxes; each `soa_mailbox_pager_next` reads one page. It keeps what it
/// lists alive on its own (the organization, or the client and its runtime), so it may outlive
/// the backend it was made from. Safe to use from several threads: concurrent calls of
/// `soa_mailbox_pager_next` on one pager are serialized (one waits while the other reads its
/// page), so every mailbox is handed out exactly once. Release with `soa_mailbox_pager_free`.
pub struct soa_mailbox_pager {
    listing: Mutex<Listing>,
    runtime: Arc<Runtime>,
}

/// What a pager has left to hand out.
struct Listing {
    stream: MailboxPager<'static>,
    /// An error met after the mailboxes of the last page handed out: it comes next.
    pending: Option<soa_core::Error>,
    done: bool,
}

impl soa_mailbox_pager {
    /// A pager over `stream`, polled on `runtime`.
    pub(crate) fn new(stream: MailboxPager<'static>, runtime: Arc<Runtime>) -> Self {
        soa_mailbox_pager {
            listing: Mutex::new(Listing {
                stream,
                pending: None,
                done: false,
            }),
            runtime,
        }
    }

    /// The next page of at most `size` mailboxes; empty after the last.
    fn next_page(&self, size: usize) -> Result<Vec<Mailbox>, Failure> {
        // Refuse a nested call before waiting for the lock another call on this thread holds.
        crate::ffi::refuse_nesting()?;
        let mut listing = self.listing.lock().map_err(|_| {
            Failure::Status(
                soa_status::Panic,
                "the pager is unusable: an earlier call on it panicked".to_owned(),
            )
        })?;
        if let Some(e) = listing.pending.take() {
            listing.done = true;
            return Err(e.into());
        }
        if listing.done {
            return Ok(Vec::new());
        }
        let stream = &mut listing.stream;
        let (page, failure) = crate::ffi::block_on(&self.runtime, async {
            let mut page = Vec::with_capacity(size.min(1000));
            while page.len() < size {
                match stream.next().await {
                    Some(Ok(mailbox)) => page.push(mailbox),
                    Some(Err(e)) => return (page, Some(Err(e))),
                    None => return (page, Some(Ok(()))),
                }
            }
            (page, None)
        })?;
        match failure {
            None => Ok(page),
            Some(Ok(())) => {
                listing.done = true;
                Ok(page)
            }
            Some(Err(e)) if page.is_empty() => {
                listing.done = true;
                Err(e.into())
            }
            // Hand out what was read; the error comes with the next call.
            Some(Err(e)) => {
                listing.pending = Some(e);
                Ok(page)
            }
        }
    }
}

/// Reads the next page of at most `page_size` mailboxes (0 counts as 1) as a JSON array to
/// `*out_json`; after the last page it writes `[]`. Over the REST client, the first call sends
/// the first request, and an error met in the middle of a page comes after the mailboxes read
/// before it, with the next call; after an error the listing is over.
///
/// Concurrent calls on one pager, from several threads, are serialized: each waits for the one
/// before it, and every mailbox comes in exactly one page.
#[unsafe(no_mangle)]
pub extern "C" fn soa_mailbox_pager_next(
    pager: *const soa_mailbox_pager,
    page_size: u32,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let pager = ref_arg(pager, "pager")?;
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
