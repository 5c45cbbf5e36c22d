//! Regression tests for the inputs the fuzz targets (`soa-core/fuzz`) found to break a promise
//! of the library: each calls the same public function the target calls, on the input the
//! fuzzer wrote, and asserts the promised behaviour (an error rather than a panic, or rather
//! than a silent wrong answer).
#![cfg(feature = "rest")]

use std::io::Cursor;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use soa_core::catalog::Catalog;
use soa_core::exo::rest::parse_retry_after;
use soa_core::reconcile::source::{AdFormat, AdLdifReader, CloudJsonReader};
use soa_core::reconcile::{ReconcileOptions, reconcile, reconcile_files};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
        .expect("a valid date")
        .with_timezone(&Utc)
}

/// A folder of this test binary for the files `reconcile_files` reads.
fn folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "soa-fuzz-regressions-{}-{test}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    dir
}

const LDIF: &str = "dn: CN=Alice Wong,OU=Staff,DC=contoso,DC=com\n\
userPrincipalName: alice@contoso.com\n\
mail: alice@contoso.com\n\
extensionAttribute1: Sales\n";

/// Target `rest_error`, input `1.5\n1e300\n`: a `retry-after-ms` value that is a finite
/// number of milliseconds too large for a `Duration` panicked in
/// `Duration::from_secs_f64` (the `Retry-After` seconds are capped; the milliseconds were
/// not). A server's header must never crash the client.
#[test]
fn a_huge_retry_after_ms_is_no_panic() {
    for ms in ["1e300", "1.8e22", "1.7976931348623157e308"] {
        let hint = parse_retry_after(Some("1.5"), Some(ms), now());
        assert!(
            hint.is_none_or(|d| d > Duration::ZERO),
            "retry-after-ms {ms} read as no wait: {hint:?}"
        );
        let hint = parse_retry_after(None, Some(ms), now());
        assert!(hint.is_none_or(|d| d > Duration::ZERO), "{ms}: {hint:?}");
    }
}

/// Target `cloud_json`, input `EF 00 00 5B 5D`: the element scanner took any byte 0xEF for
/// the start of a UTF-8 byte-order mark and skipped the two bytes after it unchecked, so a
/// file that is not JSON read as an empty export (and `EF 00 00` before an object as a valid
/// one).
#[test]
fn a_false_byte_order_mark_is_an_error() {
    for bytes in [
        &b"\xEF\x00\x00[]"[..],
        b"\xEF\xBB\x00[]",
        b"\xEF\x00\xBF{\"Identity\":\"x\"}",
    ] {
        let items: Vec<_> = CloudJsonReader::new(Cursor::new(bytes), "mailboxes.json").collect();
        assert!(
            items.iter().any(Result::is_err),
            "{bytes:?} read as {} mailboxes and no error",
            items.len()
        );
    }
    // A real mark is still skipped.
    let items: Vec<_> =
        CloudJsonReader::new(Cursor::new(&b"\xEF\xBB\xBF[]"[..]), "mailboxes.json").collect();
    assert!(items.is_empty());
}

/// Target `cloud_json`, input `[\n`: an array opened and never closed (a truncated export) read
/// as an empty export, with no error, by `CloudJsonReader` and by `reconcile_files`.
#[test]
fn an_unclosed_array_is_an_error() {
    for bytes in [&b"[\n"[..], b"[", b"\xEF\xBB\xBF[ \r\n\t"] {
        let items: Vec<_> = CloudJsonReader::new(Cursor::new(bytes), "mailboxes.json").collect();
        assert!(
            items.iter().any(Result::is_err),
            "{bytes:?} read as {} mailboxes and no error",
            items.len()
        );
    }
    let dir = folder("unclosed");
    let ad = dir.join("users.ldf");
    let mailboxes = dir.join("mailboxes.json");
    std::fs::write(&ad, LDIF).expect("writable");
    std::fs::write(&mailboxes, b"[\n").expect("writable");
    let options = ReconcileOptions {
        now: Some(now()),
        ..ReconcileOptions::default()
    };
    let report = reconcile_files(
        Catalog::builtin(),
        &ad,
        Some(AdFormat::Ldif),
        &mailboxes,
        &options,
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        report.is_err(),
        "a truncated mailbox export reconciled as an empty one"
    );
}

/// Target `cloud_json`: a mailbox export holding bytes that are not UTF-8 inside a property
/// the reconciliation does not compare (`OrganizationId`) was accepted by `reconcile_files`,
/// whose loader skips such values unparsed, while `CloudJsonReader` (which the loader promises
/// to agree with, errors included) refuses the file as not JSON.
#[test]
fn invalid_utf8_in_a_skipped_property_fails_like_the_reader() {
    let cloud: &[u8] =
        b"[{\"Identity\":\"Alice Wong\",\"UserPrincipalName\":\"alice@contoso.com\",\
\"PrimarySmtpAddress\":\"alice@contoso.com\",\"EmailAddresses\":[\"SMTP:alice@contoso.com\"],\
\"RecipientTypeDetails\":\"UserMailbox\",\"IsDirSynced\":true,\"CustomAttribute1\":\"Finance\",\
\"OrganizationId\":\"Microsof\x82 Exchange Hosted Organizations\"}]";
    let dir = folder("utf8");
    let ad = dir.join("users.ldf");
    let mailboxes = dir.join("mailboxes.json");
    std::fs::write(&ad, LDIF).expect("writable");
    std::fs::write(&mailboxes, cloud).expect("writable");
    let catalog = Catalog::builtin();
    let options = ReconcileOptions {
        now: Some(now()),
        ..ReconcileOptions::default()
    };
    let by_reader = reconcile(
        catalog,
        AdLdifReader::new(Cursor::new(LDIF), "users.ldf", catalog.clone()),
        CloudJsonReader::new(Cursor::new(cloud), "mailboxes.json"),
        &options,
    );
    let by_loader = reconcile_files(catalog, &ad, Some(AdFormat::Ldif), &mailboxes, &options);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        by_reader.is_err(),
        "the reader accepted bytes that are not UTF-8"
    );
    assert!(
        by_loader.is_err(),
        "reconcile_files accepted a mailbox export that CloudJsonReader refuses: {:?}",
        by_reader.err()
    );
}

/// Target `ad_ldif`: an entry whose `dn:` line has no name read as an account without a DN,
/// which the reader promises never to give.
#[test]
fn an_entry_with_an_empty_dn_is_an_error() {
    let text = "dn: CN=A,DC=contoso,DC=com\nuserPrincipalName: a@contoso.com\n\n\
dn:\nextensionAttribute2: HH\n";
    let entries: Vec<_> =
        AdLdifReader::new(Cursor::new(text), "users.ldf", Catalog::builtin().clone()).collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries[0].is_ok());
    let err = entries[1].as_ref().unwrap_err();
    assert!(
        err.to_string().contains("line 4") && err.to_string().contains("empty DN"),
        "{err}"
    );
}

/// Target `ad_ldif`: a second `dn:` line inside one entry (two entries without the empty line
/// between them) took the entry's DN away.
#[test]
fn a_second_dn_line_in_one_entry_is_an_error() {
    for text in [
        "version: 1\ndn: CN=A\n# Exported by ldifde\ndn: \n",
        "dn: CN=A,DC=contoso,DC=com\ndn: CN=B,DC=contoso,DC=com\n",
        "dn: CN=A,DC=contoso,DC=com\ndistinguishedName:\n",
    ] {
        let entries: Vec<_> =
            AdLdifReader::new(Cursor::new(text), "users.ldf", Catalog::builtin().clone()).collect();
        assert!(
            entries.iter().any(Result::is_err),
            "{text:?} read as {entries:?}"
        );
        assert!(
            entries
                .iter()
                .flatten()
                .all(|e| e.distinguished_name.is_some()),
            "{text:?}: an entry without a DN"
        );
    }
}
