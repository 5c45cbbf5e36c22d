//! Building responses: success pages, the error envelope, NUL bodies, and how each
//! [`Error`] of the simulated organization looks on the wire.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;
use serde_json::Value;

use crate::Error;
use crate::exo::wire::{ErrorBody, ErrorDetail, ErrorEnvelope, exceptions};

/// A response as the emulator builds it.
pub(super) type Resp = Response<Full<Bytes>>;

/// The content type of `InvokeCommand` answers.
const ODATA_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// The server named in "couldn't be found on '...'" texts.
pub(super) const SERVER: &str = "EXO-EMULATOR01.prod.outlook.com";

/// Error ids (the first part of `details[0].message`), one per exception class.
mod error_ids {
    pub(super) const NOT_FOUND: &str = "Ex6F9304";
    pub(super) const WRITE_SCOPE: &str = "Ex2C5E4A";
    pub(super) const TASK: &str = "ExB4D94A";
    pub(super) const INVALID_PARAMETER: &str = "Ex9C1D7B";
    pub(super) const TRANSIENT: &str = "Ex3F80A1";
    pub(super) const INTERNAL: &str = "ExA1B2C3";
}

/// PowerShell `ErrorCategory` numbers used in `details[0].code`.
mod category {
    pub(super) const NOT_SPECIFIED: &str = "0";
    pub(super) const INVALID_ARGUMENT: &str = "5";
    pub(super) const INVALID_OPERATION: &str = "7";
    pub(super) const OBJECT_NOT_FOUND: &str = "13";
    pub(super) const RESOURCE_UNAVAILABLE: &str = "21";
    pub(super) const WRITE_ERROR: &str = "23";
}

/// A header value made of `text`'s printable ASCII (anything else becomes `?`), so that no
/// input can break a header.
pub(super) fn header_value(text: &str) -> HeaderValue {
    let clean: String = text
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect();
    HeaderValue::from_str(&clean).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A response with `status`, `body` and a content type.
pub(super) fn raw(status: StatusCode, content_type: Option<&'static str>, body: Vec<u8>) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Some(ct) = content_type {
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    r
}

/// Adds a header (sanitized).
pub(super) fn with_header(mut r: Resp, name: &'static str, value: &str) -> Resp {
    r.headers_mut()
        .insert(HeaderName::from_static(name), header_value(value));
    r
}

fn to_json(value: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

/// A JSON answer of `InvokeCommand` (OData content type).
pub(super) fn odata(status: StatusCode, value: &impl Serialize) -> Resp {
    raw(status, Some(ODATA_JSON), to_json(value))
}

/// A plain JSON answer (the token endpoint's).
pub(super) fn json(status: StatusCode, value: &impl Serialize) -> Resp {
    raw(
        status,
        Some("application/json; charset=utf-8"),
        to_json(value),
    )
}

/// The error envelope with one detail (or none).
pub(super) fn envelope(
    status: StatusCode,
    code: &str,
    message: &str,
    detail: Option<ErrorDetail>,
    innererror: Option<Value>,
) -> Resp {
    odata(
        status,
        &ErrorEnvelope {
            error: ErrorBody {
                code: code.to_owned(),
                message: message.to_owned(),
                details: detail.into_iter().collect(),
                innererror,
            },
        },
    )
}

fn detail(category: &str, target: &str, error_id: &str, class: &str, text: &str) -> ErrorDetail {
    ErrorDetail {
        code: category.to_owned(),
        target: target.to_owned(),
        message: format!("{error_id}|{class}|{text}"),
    }
}

/// The short name of an exception class (`ManagementObjectNotFoundException`), as the
/// `x-ExceptionType` header gives it.
fn short(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

/// A cmdlet error: the envelope with `errorId|class|text` in `details[0]` and the class in
/// `x-ExceptionType`.
fn cmdlet_error(
    status: StatusCode,
    code: &str,
    category: &str,
    target: &str,
    error_id: &str,
    class: &str,
    text: &str,
) -> Resp {
    let r = envelope(
        status,
        code,
        "Error executing cmdlet",
        Some(detail(category, target, error_id, class, text)),
        None,
    );
    with_header(r, "x-exceptiontype", short(class))
}

/// `count` NUL bytes.
fn nul_bytes(count: usize) -> Vec<u8> {
    vec![0; count]
}

/// The `403` the service gives for a cmdlet it does not know (or that the caller cannot see):
/// NUL bytes labelled `Content-Encoding: gzip`, which they are not.
pub(super) fn nul_forbidden() -> Resp {
    let mut r = raw(
        StatusCode::FORBIDDEN,
        Some("application/json; charset=utf-8"),
        nul_bytes(16),
    );
    r.headers_mut()
        .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    r
}

/// The `403` of an RBAC denial: the reason in `x-ms-diagnostics`, a NUL-padded body.
pub(super) fn access_denied(reason: &str) -> Resp {
    let reason = reason.replace('"', "'");
    let r = raw(StatusCode::FORBIDDEN, None, nul_bytes(64));
    with_header(
        r,
        "x-ms-diagnostics",
        &format!("2000008;reason=\"{reason}\";error_category=\"insufficient_permissions\""),
    )
}

/// A parameter or request the emulator refuses (`400 BadRequest`, `System.ArgumentException`).
pub(super) fn bad_parameter(target: &str, text: &str) -> Resp {
    cmdlet_error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        category::INVALID_ARGUMENT,
        target,
        error_ids::INVALID_PARAMETER,
        exceptions::INVALID_PARAMETER,
        text,
    )
}

/// A body that is not an `InvokeCommand` request: `400` with the text in
/// `innererror.internalexception.message`, as OData failures have it.
pub(super) fn bad_body(text: &str) -> Resp {
    envelope(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        "The request body is not a valid InvokeCommand request.",
        None,
        Some(serde_json::json!({
            "internalexception": {"message": text},
            "type": "Microsoft.OData.ODataException",
        })),
    )
}

/// A transient Exchange failure (`DCOverloadedException`), as `500` or `503`.
pub(super) fn transient(status_503: bool, target: &str) -> Resp {
    let status = if status_503 {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    cmdlet_error(
        status,
        if status_503 {
            "ServiceUnavailable"
        } else {
            "InternalServerError"
        },
        category::RESOURCE_UNAVAILABLE,
        target,
        error_ids::TRANSIENT,
        exceptions::DC_OVERLOADED,
        "Active Directory response: The domain controller is overloaded and cannot serve the request right now. Try again later.",
    )
}

/// A server error that says nothing about whether the cmdlet ran (`500` or `503`).
pub(super) fn opaque_server_error(status_503: bool) -> Resp {
    if status_503 {
        envelope(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The service is temporarily unavailable. Please try again later.",
            None,
            None,
        )
    } else {
        envelope(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "An internal server error occurred. The operation might have completed.",
            None,
            None,
        )
    }
}

/// How an error of the simulated organization looks on the wire. `target` is the object the
/// call was about (its `-Identity`), if any.
pub(super) fn from_error(err: &Error, target: &str) -> Resp {
    match err {
        Error::NotFound { identity, .. } => cmdlet_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            category::OBJECT_NOT_FOUND,
            identity,
            error_ids::NOT_FOUND,
            exceptions::NOT_FOUND,
            &format!(
                "The operation couldn't be performed because object '{identity}' couldn't be found on '{SERVER}'."
            ),
        ),
        Error::AccessDenied { .. } => access_denied(&err.to_string()),
        Error::OutOfWriteScope {
            identity, message, ..
        } => cmdlet_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            category::WRITE_ERROR,
            identity,
            error_ids::WRITE_SCOPE,
            exceptions::WRITE_SCOPE,
            message,
        ),
        Error::Exchange { message, .. } => cmdlet_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            category::INVALID_OPERATION,
            target,
            error_ids::TASK,
            exceptions::TASK,
            message,
        ),
        e if e.is_bad_input() => bad_parameter(target, &e.to_string()),
        e => cmdlet_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            category::NOT_SPECIFIED,
            target,
            error_ids::INTERNAL,
            "System.Exception",
            &e.to_string(),
        ),
    }
}
