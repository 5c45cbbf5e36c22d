//! Paging (`exo-rest` notes §1.7): the same body POSTed to each `@odata.nextLink`, lazily.
//!
//! - A nextLink is followed only when it is same-origin with the URL that served the page (the
//!   endpoint, or a trusted regional host it redirected to); anything else is an error.
//! - The page count is capped ([`super::ClientOptions::max_pages`]); reaching the cap is an
//!   error, never a silent end.
//! - After a nextLink, an error, an empty body or a body that is not JSON is an error, never the
//!   end of the list.

use std::sync::Arc;

use futures_util::{StreamExt, stream};
use serde_json::Value;
use url::Url;

use super::client::{Call, ExoClient, ValuePager};
use super::errors;
use super::transport::{RawResponse, host_of, meaningful};
use crate::exo::wire::ResponsePage;
use crate::{Error, Result};

/// Where a listing stands.
enum PageState {
    /// Nothing sent yet.
    Start,
    /// The next page's URL and number (1-based).
    Next(Url, u32),
    /// The last page read could not be continued: this error comes next.
    Failed(Error),
    /// Finished (or failed).
    Done,
}

/// A page's objects and where the next page is: `Err` when the page names a next page that
/// must not be followed (its objects are still good, and come first).
pub(crate) struct Page {
    pub(crate) values: Vec<Value>,
    pub(crate) next: Result<Option<Url>>,
}

impl ExoClient {
    /// Fetches page `number` of `call` from `url`.
    pub(crate) async fn page(&self, call: &Call, url: &Url, number: u32) -> Result<Page> {
        let cap = self.inner.options.max_pages;
        if number > cap {
            return Err(Error::invalid_input(
                "ClientOptions::max_pages",
                format!(
                    "{} has more than {cap} pages of {} objects; raise max_pages to read it all",
                    call.cmdlet, self.inner.options.page_size
                ),
            ));
        }
        let response = self.execute(call, url).await?;
        read_page(call, &response, number)
    }

    /// Page 1 only: for calls that return one object (or none).
    pub(crate) async fn first_page(&self, call: &Call) -> Result<Vec<Value>> {
        let url = self.inner.endpoint.clone();
        Ok(self.page(call, &url, 1).await?.values)
    }

    /// Every object of every page.
    pub(crate) async fn collect(&self, call: Call) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut url = self.inner.endpoint.clone();
        let mut number = 1;
        loop {
            let page = self.page(&call, &url, number).await?;
            out.extend(page.values);
            match page.next? {
                Some(next) => {
                    url = next;
                    number += 1;
                }
                None => return Ok(out),
            }
        }
    }

    /// Every object of every page, as a lazy stream: nothing is sent until it is polled. After
    /// an error the stream ends.
    pub(crate) fn values(&self, call: Call) -> ValuePager<'static> {
        let call = Arc::new(call);
        let client = self.clone();
        let pages = stream::unfold(PageState::Start, move |state| {
            let call = Arc::clone(&call);
            let client = client.clone();
            async move {
                let (url, number) = match state {
                    PageState::Start => (client.inner.endpoint.clone(), 1),
                    PageState::Next(url, number) => (url, number),
                    PageState::Failed(e) => return Some((Err(e), PageState::Done)),
                    PageState::Done => return None,
                };
                match client.page(&call, &url, number).await {
                    Ok(page) => {
                        let next = match page.next {
                            Ok(Some(u)) => PageState::Next(u, number + 1),
                            Ok(None) => PageState::Done,
                            Err(e) => PageState::Failed(e),
                        };
                        Some((Ok(page.values), next))
                    }
                    Err(e) => Some((Err(e), PageState::Done)),
                }
            }
        });
        Box::pin(pages.flat_map(|page| {
            stream::iter(match page {
                Ok(values) => values.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(e) => vec![Err(e)],
            })
        }))
    }
}

/// Reads a 2xx response as page `number`.
fn read_page(call: &Call, response: &RawResponse, number: u32) -> Result<Page> {
    let body = meaningful(&response.body);
    if body.is_empty() {
        if number == 1 {
            return Ok(Page {
                values: Vec::new(),
                next: Ok(None),
            });
        }
        return Err(Error::Http {
            status: response.status,
            code: None,
            message: format!(
                "page {number} of {} came back empty after an @odata.nextLink: the listing is incomplete",
                call.cmdlet
            ),
        });
    }
    let page: ResponsePage = serde_json::from_slice(body)
        .map_err(|e| Error::json(format!("page {number} of the {} response", call.cmdlet), e))?;
    if contains(body, b"\"@adminapi.errors\"") {
        let raw: Value = serde_json::from_slice(body).map_err(|e| {
            Error::json(format!("page {number} of the {} response", call.cmdlet), e)
        })?;
        if let Some(Value::Array(errs)) = raw.get("@adminapi.errors") {
            errors::partial_failure(&call.context, errs)?;
        }
    }
    let next = match page.next_link.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(link) => next_url(call, &response.url, link).map(Some),
    };
    Ok(Page {
        values: page.value,
        next,
    })
}

/// A nextLink resolved against the page's URL, refused unless same-origin with it.
fn next_url(call: &Call, current: &Url, link: &str) -> Result<Url> {
    let next = current.join(link).map_err(|e| Error::Http {
        status: 200,
        code: None,
        message: format!("{}: the @odata.nextLink is not a URL ({e})", call.cmdlet),
    })?;
    if next.origin() != current.origin() {
        return Err(Error::Http {
            status: 200,
            code: None,
            message: format!(
                "{}: refused to follow an @odata.nextLink to {}, which is not the gateway's origin ({})",
                call.cmdlet,
                host_of(&next),
                host_of(current)
            ),
        });
    }
    if next == *current {
        return Err(Error::Http {
            status: 200,
            code: None,
            message: format!(
                "{}: the @odata.nextLink points at the page itself",
                call.cmdlet
            ),
        });
    }
    Ok(next)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
