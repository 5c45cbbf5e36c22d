//! Reading the gateway's failures (`exo-rest` notes §1.5) into [`crate::Error`], and deciding
//! which of them are worth a retry.
//!
//! | what comes back | error |
//! |---|---|
//! | `401` (after the one claims-challenge retry) | [`Error::Auth`] |
//! | the write-scope text ("out of the current user's write scope") or `ADScopeException` | [`Error::OutOfWriteScope`] |
//! | `404` with an error body, or `ManagementObjectNotFoundException` (also in a `400`) | [`Error::NotFound`] |
//! | `403` (reason from `x-ms-diagnostics`; the body is NUL bytes, maybe labelled gzip) | [`Error::AccessDenied`] |
//! | `429` after the last retry | [`Error::Throttled`] |
//! | `System.ArgumentException` and parameter-binding failures | [`Error::InvalidInput`] |
//! | any other cmdlet error with a message | [`Error::Exchange`] |
//! | anything else (no body, a body that is not JSON, a bare status) | [`Error::Http`] |

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;

use super::retry::{RetryPolicy, parse_retry_after};
use super::transport::{RawResponse, SendFailure, header_str, meaningful, snippet};
use crate::exo::wire::{self, ErrorEnvelope, TRANSIENT_EXCEPTIONS};
use crate::{Error, Result};

/// The text Exchange Online puts in a write-scope refusal.
const WRITE_SCOPE_TEXT: &str = "out of the current user's write scope";
/// The throttling text some tenants get, whatever the status (ExoHelper retries it).
const CONCURRENCY_TEXT: &str = "maximum number of concurrent requests";

/// What a failed call was about, for the error it becomes.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallContext {
    /// The cmdlet.
    pub(crate) cmdlet: String,
    /// Its `-Identity`, if any.
    pub(crate) identity: Option<String>,
    /// The parameters sent besides `Identity`, joined with `, `.
    pub(crate) parameters: String,
    /// Who calls (the delegated UPN, or a description of the app).
    pub(crate) caller: String,
}

/// Whether a failed request may have changed something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Certainly not applied: the connection was never made, the request was throttled or its
    /// token refused.
    NotApplied,
    /// The request may have been applied (a 5xx, a timeout, a connection cut mid-way).
    Unknown,
}

/// A failed attempt, classified.
#[derive(Debug)]
pub(crate) struct Failure {
    /// What to report if no retry follows.
    pub(crate) error: Error,
    /// Whether the retry policy may retry it.
    pub(crate) retryable: bool,
    /// The server's wait hint.
    pub(crate) hint: Option<Duration>,
    /// Whether it may have been applied.
    pub(crate) outcome: Outcome,
}

impl Failure {
    /// A request that got no response.
    pub(crate) fn from_send(f: SendFailure) -> Self {
        Failure {
            error: f.error,
            retryable: true,
            hint: None,
            outcome: if f.not_sent {
                Outcome::NotApplied
            } else {
                Outcome::Unknown
            },
        }
    }

    /// A failure to get a token: connection problems are retried, refusals are not.
    pub(crate) fn from_credential(error: Error) -> Self {
        Failure {
            retryable: matches!(error, Error::Transport { .. }),
            error,
            hint: None,
            outcome: Outcome::NotApplied,
        }
    }

    /// A failure that no retry can fix.
    pub(crate) fn fatal(error: Error) -> Self {
        Failure {
            error,
            retryable: false,
            hint: None,
            outcome: Outcome::NotApplied,
        }
    }
}

/// What the body and headers of an error response say.
struct Reading {
    /// `error.code`.
    code: Option<String>,
    /// `details[0].message` split.
    exception_class: Option<String>,
    /// The human text: the detail's, else `innererror.internalexception.message`, else
    /// `error.message`.
    text: Option<String>,
    /// `details[0].target`.
    target: Option<String>,
    /// The raw `details[0].message` (to look for transient exception names).
    raw_detail: String,
    /// Whether the body was the JSON error envelope.
    envelope: bool,
    /// The reason in `x-ms-diagnostics`.
    diagnostics: Option<String>,
    /// `x-ExceptionType`.
    exception_header: Option<String>,
    /// The body as text, for messages (`(empty body)` when there is none).
    snippet: String,
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn read(headers: &HeaderMap, body: &[u8]) -> Reading {
    let body = meaningful(body);
    let envelope: Option<ErrorEnvelope> = serde_json::from_slice(body).ok();
    let diagnostics = header_str(headers, "x-ms-diagnostics").map(diagnostics_reason);
    let exception_header = header_str(headers, "x-exceptiontype").and_then(non_empty);
    let mut r = Reading {
        code: None,
        exception_class: None,
        text: None,
        target: None,
        raw_detail: String::new(),
        envelope: envelope.is_some(),
        diagnostics,
        exception_header,
        snippet: snippet(body),
    };
    if let Some(e) = envelope {
        r.code = non_empty(&e.error.code);
        if let Some(d) = e.error.details.first() {
            let split = wire::split_error_message(&d.message);
            r.exception_class = split.exception_class;
            r.text = non_empty(&split.text);
            r.target = non_empty(&d.target);
            r.raw_detail.clone_from(&d.message);
        }
        if r.text.is_none() {
            r.text = e
                .error
                .innererror
                .as_ref()
                .and_then(|i| i.pointer("/internalexception/message"))
                .and_then(serde_json::Value::as_str)
                .and_then(non_empty);
        }
        if r.text.is_none() {
            r.text = non_empty(&e.error.message);
        }
    }
    r
}

/// The `reason="..."` of an `x-ms-diagnostics` value (`2000008;reason="...";error_category=...`),
/// or the whole value.
fn diagnostics_reason(value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    if let Some(i) = lower.find("reason=") {
        let rest = &value[i + "reason=".len()..];
        let reason = match rest.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next().unwrap_or(quoted),
            None => rest.split(';').next().unwrap_or(rest),
        };
        return reason.trim().to_owned();
    }
    value.trim().to_owned()
}

/// `... holds no role that grants <cmdlet> -<parameter>` with the principal quoted before it:
/// the simulated organization's denial, which the emulator passes on in `x-ms-diagnostics`.
fn parse_denial(reason: &str) -> Option<(String, String, String)> {
    let (before, after) = reason.split_once(" holds no role that grants ")?;
    let principal = before
        .rsplit(':')
        .next()?
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_owned();
    let (cmdlet, parameter) = after.trim().split_once(" -")?;
    Some((
        principal,
        cmdlet.trim().to_owned(),
        parameter.trim().trim_end_matches('.').to_owned(),
    ))
}

/// `The action 'Set-Mailbox', 'CustomAttribute1', can't be performed ...`: the parameter.
fn write_scope_parameter(text: &str) -> Option<String> {
    let rest = text.split_once("The action '")?.1;
    let rest = rest.split_once("', '")?.1;
    let parameter = rest.split_once('\'')?.0;
    non_empty(parameter)
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

fn what_for(cmdlet: &str) -> &'static str {
    let noun = cmdlet.split_once('-').map_or(cmdlet, |(_, n)| n);
    match noun.to_ascii_lowercase().as_str() {
        "mailbox" => "mailbox",
        "user" => "user",
        "organizationconfig" => "organization configuration",
        "managementrole" => "management role",
        _ => "object",
    }
}

/// Classifies a response whose status is not 2xx.
pub(crate) fn classify(ctx: &CallContext, response: &RawResponse, now: DateTime<Utc>) -> Failure {
    let status = response.status;
    let r = read(&response.headers, &response.body);
    let all_text = format!(
        "{} {} {}",
        r.raw_detail,
        r.text.as_deref().unwrap_or(""),
        r.snippet
    );
    let transient = TRANSIENT_EXCEPTIONS.iter().any(|name| {
        r.raw_detail.contains(name)
            || r.exception_header
                .as_deref()
                .is_some_and(|h| h.contains(name))
    });
    let concurrency = contains_ci(&all_text, CONCURRENCY_TEXT);
    let retryable = RetryPolicy::is_retryable_status(status) || transient || concurrency;
    let hint = if retryable {
        parse_retry_after(
            header_str(&response.headers, "retry-after"),
            header_str(&response.headers, "retry-after-ms")
                .or_else(|| header_str(&response.headers, "x-ms-retry-after-ms")),
            now,
        )
    } else {
        None
    };
    let outcome = if status == 429 || status == 401 || concurrency {
        Outcome::NotApplied
    } else {
        Outcome::Unknown
    };
    let error = to_error(ctx, status, &r, hint, concurrency, &all_text);
    Failure {
        error,
        retryable,
        hint,
        outcome,
    }
}

#[allow(clippy::too_many_lines)]
fn to_error(
    ctx: &CallContext,
    status: u16,
    r: &Reading,
    hint: Option<Duration>,
    throttling_text: bool,
    all_text: &str,
) -> Error {
    let class = r
        .exception_class
        .as_deref()
        .or(r.exception_header.as_deref())
        .unwrap_or("");
    let text = r.text.clone().unwrap_or_default();
    let shown = || {
        r.text
            .clone()
            .or_else(|| r.diagnostics.clone())
            .unwrap_or_else(|| r.snippet.clone())
    };
    if status == 401 {
        return Error::Auth {
            message: format!(
                "Exchange Online refused the access token (HTTP 401): {}",
                shown()
            ),
        };
    }
    if contains_ci(all_text, WRITE_SCOPE_TEXT) || class.ends_with("ADScopeException") {
        let identity = r
            .target
            .clone()
            .or_else(|| ctx.identity.clone())
            .unwrap_or_default();
        return Error::OutOfWriteScope {
            identity,
            cmdlet: ctx.cmdlet.clone(),
            parameter: write_scope_parameter(&text).unwrap_or_else(|| ctx.parameters.clone()),
            message: shown(),
        };
    }
    let not_found_class =
        class.contains("ManagementObjectNotFound") || all_text.contains("ManagementObjectNotFound");
    if (status == 404 && r.envelope) || not_found_class {
        let (what, identity) = match (&r.target, &ctx.identity) {
            (Some(t), Some(i)) if !t.eq_ignore_ascii_case(i) => ("object", t.clone()),
            (_, Some(i)) => (what_for(&ctx.cmdlet), i.clone()),
            (Some(t), None) => ("object", t.clone()),
            (None, None) => ("object", String::new()),
        };
        return Error::NotFound { what, identity };
    }
    if status == 403 {
        if let Some((principal, cmdlet, parameter)) =
            r.diagnostics.as_deref().and_then(parse_denial)
        {
            return Error::AccessDenied {
                principal,
                cmdlet,
                parameter,
            };
        }
        let parameter = if ctx.parameters.is_empty() {
            "Identity".to_owned()
        } else {
            ctx.parameters.clone()
        };
        let reason = r
            .diagnostics
            .clone()
            .or_else(|| r.text.clone())
            .unwrap_or_else(|| {
                "no reason given (an empty or NUL body: the cmdlet may not exist, or the caller's roles do not include it)".to_owned()
            });
        return Error::AccessDenied {
            principal: ctx.caller.clone(),
            cmdlet: ctx.cmdlet.clone(),
            parameter: format!("{parameter} (the service says: {reason})"),
        };
    }
    if status == 429 || throttling_text {
        return Error::Throttled {
            retry_after_secs: hint.map(|h| h.as_secs_f64()),
            message: format!("HTTP {status} for {}: {}", ctx.cmdlet, shown()),
        };
    }
    if status == 503 && hint.is_some() && r.text.is_none() {
        return Error::Throttled {
            retry_after_secs: hint.map(|h| h.as_secs_f64()),
            message: format!("HTTP 503 for {}: {}", ctx.cmdlet, shown()),
        };
    }
    if class.ends_with("ArgumentException")
        || class.contains("ParameterBinding")
        || class.contains("ArgumentTransformation")
    {
        return Error::InvalidInput {
            what: format!("parameters of {}", ctx.cmdlet),
            reason: text,
        };
    }
    if !class.is_empty() && !text.is_empty() {
        return Error::Exchange {
            cmdlet: ctx.cmdlet.clone(),
            message: text,
        };
    }
    Error::Http {
        status,
        code: r.code.clone().or_else(|| r.exception_header.clone()),
        message: shown(),
    }
}

/// The claims of a `401`'s `WWW-Authenticate: Bearer ..., claims="<base64>"`, decoded to JSON
/// text (or as given when it is not base64).
pub(crate) fn claims_challenge(headers: &HeaderMap) -> Option<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    for value in headers.get_all("www-authenticate") {
        let Ok(text) = value.to_str() else { continue };
        let Some(i) = text.find("claims=\"") else {
            continue;
        };
        let rest = &text[i + "claims=\"".len()..];
        let Some(encoded) = rest.split('"').next().filter(|s| !s.is_empty()) else {
            continue;
        };
        let decoded = STANDARD
            .decode(encoded)
            .ok()
            .or_else(|| URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')).ok())
            .and_then(|b| String::from_utf8(b).ok());
        return Some(decoded.unwrap_or_else(|| encoded.to_owned()));
    }
    None
}

/// A 2xx page that carries non-terminating errors (`@adminapi.errors`): the first one's text.
pub(crate) fn partial_failure(ctx: &CallContext, errors: &[serde_json::Value]) -> Result<()> {
    let Some(first) = errors.first() else {
        return Ok(());
    };
    let text = first
        .get("message")
        .or_else(|| first.get("Message"))
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| first.to_string(), |m| wire::split_error_message(m).text);
    Err(Error::Exchange {
        cmdlet: ctx.cmdlet.clone(),
        message: if errors.len() > 1 {
            format!("{text} (and {} more errors)", errors.len() - 1)
        } else {
            text
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn ctx() -> CallContext {
        CallContext {
            cmdlet: "Set-Mailbox".into(),
            identity: Some("ann@contoso.com".into()),
            parameters: "CustomAttribute1".into(),
            caller: "app".into(),
        }
    }

    fn response(status: u16, headers: &[(&'static str, &str)], body: &[u8]) -> RawResponse {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        RawResponse {
            status,
            headers: h,
            body: body.to_vec(),
            url: url::Url::parse("https://outlook.office365.com/").unwrap(),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-11-27T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn denial_texts_parse() {
        assert_eq!(
            parse_denial(
                "access denied: 'bob@x' holds no role that grants Set-Mailbox -IsExchangeCloudManaged"
            ),
            Some((
                "bob@x".into(),
                "Set-Mailbox".into(),
                "IsExchangeCloudManaged".into()
            ))
        );
        assert_eq!(
            diagnostics_reason("2000008;reason=\"The user isn't allowed\";error_category=\"x\""),
            "The user isn't allowed"
        );
        assert_eq!(
            write_scope_parameter(
                "... The action 'Set-Mailbox', 'CustomAttribute1', can't be performed"
            ),
            Some("CustomAttribute1".into())
        );
    }

    #[test]
    fn statuses_and_texts_map_to_kinds() {
        let nf = br#"{"error":{"code":"BadRequest","message":"Error executing cmdlet","details":[{"code":"13","target":"ann@contoso.com","message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'ann@contoso.com' couldn't be found."}]}}"#;
        let f = classify(&ctx(), &response(400, &[], nf), now());
        assert!(
            matches!(
                f.error,
                Error::NotFound {
                    what: "mailbox",
                    ..
                }
            ),
            "{:?}",
            f.error
        );
        assert!(!f.retryable);

        let f = classify(&ctx(), &response(404, &[], b""), now());
        assert!(matches!(f.error, Error::Http { status: 404, .. }));

        let f = classify(&ctx(), &response(503, &[("retry-after", "2")], b""), now());
        assert!(f.retryable);
        assert_eq!(f.hint, Some(Duration::from_secs(2)));
        assert_eq!(f.outcome, Outcome::Unknown);

        let t = br#"{"error":{"code":"InternalServerError","details":[{"message":"Ex1|Microsoft.Exchange.Data.Directory.DCOverloadedException|busy"}]}}"#;
        let f = classify(&ctx(), &response(500, &[], t), now());
        assert!(f.retryable);
        assert!(matches!(f.error, Error::Exchange { .. }));

        let f = classify(&ctx(), &response(400, &[], b"You have reached the maximum number of concurrent requests per tenant. Please wait and try again"), now());
        assert!(f.retryable);
        assert_eq!(f.outcome, Outcome::NotApplied);
        assert!(matches!(f.error, Error::Throttled { .. }));

        let f = classify(
            &ctx(),
            &response(502, &[], b"<html>bad gateway</html>"),
            now(),
        );
        assert!(matches!(f.error, Error::Http { status: 502, .. }));
    }

    #[test]
    fn claims_are_decoded() {
        let mut h = HeaderMap::new();
        h.insert(
            "www-authenticate",
            HeaderValue::from_static(
                "Bearer realm=\"\", error=\"insufficient_claims\", claims=\"eyJhIjoxfQ==\"",
            ),
        );
        assert_eq!(claims_challenge(&h).as_deref(), Some("{\"a\":1}"));
        assert_eq!(claims_challenge(&HeaderMap::new()), None);
    }
}
