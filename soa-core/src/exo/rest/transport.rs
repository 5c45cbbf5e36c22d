//! The HTTP layer: one reqwest client per endpoint, raw response bytes, gzip only when the
//! bytes really are gzip, and transport errors that never carry a URL.

use std::io::Read;
use std::time::Duration;

use reqwest::header::HeaderMap;
use url::Url;

use super::cloud::is_loopback;
use crate::{Error, Result};

/// The `User-Agent` of every request.
pub(crate) const USER_AGENT: &str = concat!("exchange-soa/", env!("CARGO_PKG_VERSION"));

/// The most a gzip body may inflate to (a guard against compression bombs).
const MAX_INFLATED: u64 = 1 << 30;

/// A response as read: status, headers and the body's bytes (inflated when they were gzip).
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// The URL that answered (after redirects).
    pub(crate) url: Url,
}

/// A request that got no response.
#[derive(Debug)]
pub(crate) struct SendFailure {
    pub(crate) error: Error,
    /// The connection was never made, so the request certainly did not reach the service.
    pub(crate) not_sent: bool,
}

/// A reqwest client for `url`'s host: no redirects followed automatically, no automatic
/// decompression (see [`decode_body`]), https only unless the host is loopback, and no proxy
/// for loopback hosts.
pub(crate) fn build_http_client(
    url: &Url,
    timeout: Duration,
    pool: usize,
) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(30)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .pool_max_idle_per_host(pool.max(1));
    if is_loopback(url) {
        builder = builder.no_proxy();
    } else {
        builder = builder.https_only(true);
    }
    builder.build().map_err(|e| Error::Transport {
        host: host_of(url),
        message: format!("cannot set up the HTTP client: {}", chain(&e.without_url())),
    })
}

/// `host[:port]` of a URL: what errors name instead of the URL.
pub(crate) fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => "(no host)".to_owned(),
    }
}

/// A reqwest error as [`Error::Transport`], without the URL, with the causes.
pub(crate) fn transport_error(host: &str, error: reqwest::Error) -> Error {
    let error = error.without_url();
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "the response was cut off"
    } else {
        "the request failed"
    };
    Error::Transport {
        host: host.to_owned(),
        message: format!("{kind}: {}", chain(&error)),
    }
}

/// An error and its sources, joined with `: ` (repeats left out).
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// A header as text, if present and visible ASCII.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The body to read. Gzip is inflated only when the bytes start with the gzip magic number and
/// inflate cleanly, whatever `Content-Encoding` says: the gateway labels NUL-byte error bodies
/// `gzip`, so the label is not trusted. Anything else is returned as it came (a success body
/// that is not JSON then fails to parse, loudly).
pub(crate) fn decode_body(bytes: &[u8]) -> Vec<u8> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let inflated = flate2::read::MultiGzDecoder::new(bytes)
            .take(MAX_INFLATED)
            .read_to_end(&mut out);
        if inflated.is_ok() {
            return out;
        }
    }
    bytes.to_vec()
}

/// The body with NUL bytes and surrounding whitespace removed: empty means "no body".
pub(crate) fn meaningful(body: &[u8]) -> &[u8] {
    let is_blank = |b: &u8| *b == 0 || b.is_ascii_whitespace();
    let start = body.iter().position(|b| !is_blank(b)).unwrap_or(body.len());
    let end = body
        .iter()
        .rposition(|b| !is_blank(b))
        .map_or(start, |e| e + 1);
    &body[start..end]
}

/// The start of a body as text for an error message (at most 300 characters, one line).
pub(crate) fn snippet(body: &[u8]) -> String {
    let body = meaningful(body);
    if body.is_empty() {
        return "(empty body)".to_owned();
    }
    let text = String::from_utf8_lossy(body);
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    if text.chars().count() > 300 {
        format!("{one_line}…")
    } else {
        one_line
    }
}

/// The timeout of one `cmdlet` request: `default`, or longer for the cmdlets the gateway gives
/// more time (their server timeout plus a minute, as the Exchange Online module does).
pub(crate) fn cmdlet_timeout(cmdlet: &str, default: Duration) -> Duration {
    let server = [
        ("Get-DistributionGroupMember", 3600),
        ("Update-DistributionGroupMember", 3600),
        ("Set-UnifiedGroup", 3600),
        ("Import-TransportRuleCollection", 3600),
        ("Set-OrganizationConfig", 1800),
        ("Update-RoleGroupMember", 1800),
    ]
    .iter()
    .find(|(c, _)| c.eq_ignore_ascii_case(cmdlet))
    .map(|(_, secs)| Duration::from_secs(secs + 60));
    server.map_or(default, |s| s.max(default))
}

/// The largest response body the client reads (before any gzip inflate, whose output is capped
/// on its own): a page of 1,000 mailboxes is a few megabytes, so 256 MiB is far beyond any
/// honest answer and stops a hostile or broken server from exhausting memory.
pub(crate) const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;

/// Reads a response body of at most `limit` bytes: a declared `Content-Length` above it is
/// refused before reading, and a body that grows past it is cut off with an error.
pub(crate) async fn read_body_limited(
    mut response: reqwest::Response,
    host: &str,
    limit: usize,
) -> Result<Vec<u8>> {
    let too_large = |what: String| Error::Transport {
        host: host.to_owned(),
        message: format!("{what}: more than the {limit} bytes a response may have; not read"),
    };
    if let Some(declared) = response.content_length()
        && declared > limit as u64
    {
        return Err(too_large(format!("the response declares {declared} bytes")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(host, e))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large("the response body".to_owned()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Sends a POST (or, after a `303 See Other`, a GET without the body, as HTTP prescribes: a
/// replayed POST could apply a change twice) and reads the whole body.
pub(crate) async fn post(
    http: &reqwest::Client,
    url: &Url,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    timeout: Duration,
) -> std::result::Result<RawResponse, SendFailure> {
    let host = host_of(url);
    let request = match body {
        Some(body) => http.post(url.clone()).body(body),
        None => http.get(url.clone()),
    };
    let response = request
        .timeout(timeout)
        .headers(headers)
        .send()
        .await
        .map_err(|e| SendFailure {
            not_sent: e.is_connect(),
            error: transport_error(&host, e),
        })?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = read_body_limited(response, &host, MAX_RESPONSE_BYTES)
        .await
        .map_err(|error| SendFailure {
            not_sent: false,
            error,
        })?;
    let body = decode_body(&bytes);
    Ok(RawResponse {
        status,
        headers,
        body,
        url: url.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_is_inflated_only_when_it_is_gzip() {
        let nul = vec![0u8; 16];
        assert_eq!(decode_body(&nul), nul);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(br#"{"value":[]}"#).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(decode_body(&gz), br#"{"value":[]}"#);
        let broken = [0x1f, 0x8b, 1, 2, 3];
        assert_eq!(decode_body(&broken), broken);
    }

    #[test]
    fn long_cmdlets_get_longer_timeouts() {
        let d = Duration::from_secs(960);
        assert_eq!(cmdlet_timeout("Get-Mailbox", d), d);
        assert_eq!(
            cmdlet_timeout("set-organizationconfig", d),
            Duration::from_secs(1860)
        );
        assert_eq!(
            cmdlet_timeout("Set-OrganizationConfig", Duration::from_secs(9999)),
            Duration::from_secs(9999)
        );
    }

    #[test]
    fn meaningful_strips_nul_and_space() {
        assert_eq!(meaningful(b"\0\0 \n"), b"");
        assert_eq!(meaningful(b"\0{\"a\":1}\0\0"), b"{\"a\":1}");
        assert_eq!(snippet(b"\0\0"), "(empty body)");
        assert_eq!(snippet(b"<html>\nbad</html>"), "<html> bad</html>");
    }
}
