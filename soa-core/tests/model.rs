//! Tests of `soa_core::model`: proxy and SMTP addresses, versions, recipient types, and the
//! `Get-Mailbox` / `Get-User` JSON shapes of PowerShell 7 and Windows PowerShell 5.1.

#![allow(clippy::unwrap_used, clippy::too_many_lines)]

use std::cmp::Ordering;
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use soa_core::model::{
    AttributeValue, Mailbox, ProxyAddress, ProxyAddresses, ProxyPrefix, RecipientTypeDetails,
    SmtpAddress, SyncVersion, User,
};
use soa_core::{Error, ErrorKind};

const PS7_MAILBOXES: &str = include_str!("fixtures/get-mailbox-ps7.json");
const PS51_MAILBOXES: &str = include_str!("fixtures/get-mailbox-ps51.json");
const PS7_USERS: &str = include_str!("fixtures/get-user-ps7.json");

/// Asserts that `err` has `kind` and that its message contains every needle.
fn assert_error(err: &Error, kind: ErrorKind, needles: &[&str]) {
    assert_eq!(err.kind(), kind, "wrong kind for: {err}");
    let msg = err.to_string();
    for needle in needles {
        assert!(
            msg.contains(needle),
            "message {msg:?} does not contain {needle:?}"
        );
    }
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// Proxy addresses

#[test]
fn proxy_without_colon_is_rejected() {
    let err = ProxyAddress::parse("contoso.com").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"contoso.com\"", "no ':'"],
    );
    let err = "john@contoso.com".parse::<ProxyAddress>().unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"john@contoso.com\"", "smtp:john@contoso.com"],
    );
}

#[test]
fn proxy_with_empty_address_is_rejected() {
    let err = ProxyAddress::parse("smtp:").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"smtp:\"", "empty address"],
    );
    let err = ProxyAddress::parse(":john@contoso.com").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\":john@contoso.com\"", "empty address type prefix"],
    );
}

#[test]
fn proxy_with_space_in_smtp_address_is_rejected() {
    let err = ProxyAddress::parse("SMTP:john doe@contoso.com").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"SMTP:john doe@contoso.com\"", "whitespace", "a space"],
    );
    let err = ProxyAddress::parse("SMTP:john@contoso.com ").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"SMTP:john@contoso.com \"", "whitespace"],
    );
    let err = ProxyAddress::parse("SMTP: john@contoso.com").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"SMTP: john@contoso.com\"", "whitespace"],
    );
}

#[test]
fn proxy_with_unicode_local_part_is_rejected() {
    let err = ProxyAddress::parse("SMTP:jöhn@contoso.com").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"SMTP:jöhn@contoso.com\"", "non-ASCII", "local part"],
    );
}

#[test]
fn proxy_with_idn_domain_is_accepted() {
    let p = ProxyAddress::parse("smtp:jane@bücher.example").unwrap();
    assert_eq!(p.smtp().unwrap().domain(), "bücher.example");
}

#[test]
fn proxy_with_missing_local_part_or_domain_is_rejected() {
    let err = ProxyAddress::parse("SMTP:@contoso.com").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"SMTP:@contoso.com\"", "local part", "empty"],
    );
    let err = ProxyAddress::parse("SMTP:john@").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"SMTP:john@\"", "domain", "empty"],
    );
}

#[test]
fn x500_without_leading_slash_is_rejected() {
    let err = ProxyAddress::parse("X500:o=foo").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"X500:o=foo\"", "'/'"],
    );
}

#[test]
fn proxy_prefix_must_be_short_alphanumeric() {
    let err = ProxyAddress::parse("SMTP-1:john@contoso.com").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"SMTP-1:john@contoso.com\"", "letters and digits"],
    );
    let err = ProxyAddress::parse("LOTUSNOTES:john").unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["\"LOTUSNOTES:john\"", "longer than 9"],
    );
}

#[test]
fn proxy_prefix_types_and_primary_flag() {
    let cases: [(&str, ProxyPrefix, bool); 8] = [
        ("SMTP:john@contoso.com", ProxyPrefix::Smtp, true),
        ("smtp:john@contoso.com", ProxyPrefix::Smtp, false),
        (
            "X500:/o=Contoso/cn=Recipients/cn=john",
            ProxyPrefix::X500,
            true,
        ),
        (
            "X400:c=US;a= ;p=Contoso;o=Exchange;s=Doe;g=John;",
            ProxyPrefix::X400,
            true,
        ),
        ("sip:john@contoso.com", ProxyPrefix::Sip, false),
        (
            "EUM:4711;phone-context=DialPlan.contoso.com",
            ProxyPrefix::Eum,
            true,
        ),
        (
            "NOTES:John Doe/Contoso",
            ProxyPrefix::Custom("NOTES".to_owned()),
            true,
        ),
        (
            "spo:SPO_1@SPO_2",
            ProxyPrefix::Custom("SPO".to_owned()),
            false,
        ),
    ];
    for (text, prefix, primary) in cases {
        let p: ProxyAddress = text.parse().unwrap();
        assert_eq!(p.prefix(), &prefix, "{text}");
        assert_eq!(p.is_primary(), primary, "{text}");
        assert_eq!(p.as_str(), text);
        assert_eq!(p.to_string(), text);
        assert_eq!(
            p.address(),
            text.split_once(':').unwrap().1,
            "address of {text}"
        );
        assert_eq!(p.smtp().is_some(), prefix == ProxyPrefix::Smtp);
    }
    assert_eq!(ProxyPrefix::Custom("NOTES".to_owned()).to_string(), "NOTES");
    assert_eq!("x500".parse::<ProxyPrefix>().unwrap(), ProxyPrefix::X500);
}

#[test]
fn same_target_ignores_case_and_primary_flag() {
    let a = ProxyAddress::parse("SMTP:A@x.com").unwrap();
    let b = ProxyAddress::parse("smtp:a@X.com").unwrap();
    let c = ProxyAddress::parse("sip:a@x.com").unwrap();
    assert!(a.same_target(&b));
    assert!(!a.same_target(&c));
    assert_ne!(a, b, "== compares the exact text");
}

#[test]
fn two_primaries_are_rejected() {
    let err =
        ProxyAddresses::parse(["SMTP:john@contoso.com", "SMTP:j.doe@contoso.com"]).unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &[
            "two primary SMTP addresses",
            "SMTP:john@contoso.com",
            "SMTP:j.doe@contoso.com",
        ],
    );
}

#[test]
fn missing_primary_is_rejected() {
    let err = ProxyAddresses::parse(["smtp:john@contoso.com", "X500:/o=Contoso"]).unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["no primary SMTP address", "smtp:john@contoso.com"],
    );
    let err = ProxyAddresses::parse(Vec::<String>::new()).unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["no primary", "empty"],
    );
    // An upper-case X500 entry is not a primary SMTP address.
    assert!(ProxyAddresses::parse(["X500:/o=Contoso"]).is_err());
}

#[test]
fn duplicates_differing_only_by_case_are_rejected() {
    let err = ProxyAddresses::parse(["SMTP:A@x.com", "smtp:a@X.com"]).unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["duplicate", "SMTP:A@x.com", "smtp:a@X.com"],
    );
    let err = ProxyAddresses::parse(["SMTP:b@x.com", "smtp:a@x.com", "smtp:A@x.com"]).unwrap_err();
    assert_error(
        &err,
        ErrorKind::InvalidProxyAddress,
        &["duplicate", "\"smtp:a@x.com\"", "\"smtp:A@x.com\""],
    );
}

#[test]
fn a_bad_entry_in_a_set_names_the_entry() {
    let err = ProxyAddresses::parse(["SMTP:a@x.com", "X500:o=foo"]).unwrap_err();
    assert_error(&err, ErrorKind::InvalidProxyAddress, &["\"X500:o=foo\""]);
}

#[test]
fn proxy_set_operations() {
    let a = ProxyAddresses::parse([
        "SMTP:alice@contoso.com",
        "smtp:alice.wong@contoso.com",
        "X500:/o=Contoso/cn=alice",
    ])
    .unwrap();
    assert_eq!(a.len(), 3);
    assert!(!a.is_empty());
    assert_eq!(a.primary_smtp().as_str(), "SMTP:alice@contoso.com");
    assert!(a.contains("SMTP:ALICE.WONG@contoso.com"));
    assert!(a.contains("alice@CONTOSO.com"));
    assert!(!a.contains("bob@contoso.com"));

    let reordered = ProxyAddresses::parse([
        "x500:/O=contoso/cn=ALICE",
        "smtp:Alice.Wong@Contoso.com",
        "SMTP:Alice@Contoso.com",
    ])
    .unwrap();
    // x500 vs X500: the primary flag is significant in set_eq.
    assert!(!a.set_eq(&reordered));
    let reordered = ProxyAddresses::parse([
        "X500:/O=contoso/cn=ALICE",
        "smtp:Alice.Wong@Contoso.com",
        "SMTP:Alice@Contoso.com",
    ])
    .unwrap();
    assert!(a.set_eq(&reordered));
    assert_ne!(a, reordered);

    let b = ProxyAddresses::parse([
        "smtp:alice@contoso.com",
        "SMTP:alice.wong@contoso.com",
        "X500:/o=Contoso/cn=alice",
        "SIP:alice@contoso.com",
    ])
    .unwrap();
    let (added, removed) = a.diff(&b);
    let added: Vec<&str> = added.iter().map(|p| p.as_str()).collect();
    let removed: Vec<&str> = removed.iter().map(|p| p.as_str()).collect();
    assert_eq!(
        added,
        [
            "smtp:alice@contoso.com",
            "SMTP:alice.wong@contoso.com",
            "SIP:alice@contoso.com"
        ]
    );
    assert_eq!(
        removed,
        ["SMTP:alice@contoso.com", "smtp:alice.wong@contoso.com"]
    );

    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(
        json,
        r#"["SMTP:alice@contoso.com","smtp:alice.wong@contoso.com","X500:/o=Contoso/cn=alice"]"#
    );
    assert_eq!(serde_json::from_str::<ProxyAddresses>(&json).unwrap(), a);
    let err = serde_json::from_str::<ProxyAddresses>(r#"["smtp:a@x.com"]"#).unwrap_err();
    assert!(err.to_string().contains("no primary SMTP address"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// SMTP addresses

#[test]
fn smtp_addresses() {
    let a: SmtpAddress = "John.Doe@Contoso.com".parse().unwrap();
    let b: SmtpAddress = "john.doe@contoso.COM".parse().unwrap();
    assert_eq!(a, b);
    assert_eq!(a.as_str(), "John.Doe@Contoso.com");
    assert_eq!(a.to_string(), "John.Doe@Contoso.com");
    assert_eq!(a.local_part(), "John.Doe");
    assert_eq!(a.domain(), "Contoso.com");
    let set: HashSet<SmtpAddress> = [a.clone(), b].into_iter().collect();
    assert_eq!(set.len(), 1);

    for (bad, needle) in [
        ("", "empty"),
        ("john doe@contoso.com", "whitespace"),
        ("john\t@contoso.com", "a tab"),
        ("jöhn@contoso.com", "non-ASCII"),
        ("\"john doe\"@contoso.com", "whitespace"),
        ("\"john\"@contoso.com", "quoted"),
        ("john..doe@contoso.com", "consecutive dots"),
        ("john@localhost", "single label"),
        ("john@contoso-.com", "hyphen"),
    ] {
        let err = SmtpAddress::parse(bad).unwrap_err();
        assert_error(
            &err,
            ErrorKind::InvalidSmtpAddress,
            &[&format!("{bad:?}"), needle],
        );
    }
    assert_eq!(
        serde_json::from_str::<SmtpAddress>(r#""a@b.example""#).unwrap(),
        SmtpAddress::parse("A@B.example").unwrap()
    );
    assert!(serde_json::from_str::<SmtpAddress>(r#""a b@c.example""#).is_err());
}

// ---------------------------------------------------------------------------------------------
// Versions

#[test]
fn version_errors() {
    let cases: [(&str, &[&str]); 8] = [
        (
            "2.5",
            &[
                "\"2.5\"",
                "expected four numeric parts like 2.5.190.0, found 2",
            ],
        ),
        (
            "2.5.190.0.1",
            &["\"2.5.190.0.1\"", "expected four numeric parts", "found 5"],
        ),
        (
            "v2.5.190.0",
            &["\"v2.5.190.0\"", "part 1 \"v2\" is not a number"],
        ),
        (
            "2.5.-1.0",
            &["\"2.5.-1.0\"", "part 3 \"-1\" is not a number"],
        ),
        ("", &["\"\"", "empty"]),
        ("   ", &["empty"]),
        ("2..190.0", &["part 2 is empty"]),
        (
            "4294967296.0.0.0",
            &["\"4294967296.0.0.0\"", "part 1 \"4294967296\"", "too large"],
        ),
    ];
    for (input, needles) in cases {
        let err = SyncVersion::parse(input).unwrap_err();
        assert_error(&err, ErrorKind::InvalidVersion, needles);
    }
    assert!("+2.5.190.0".parse::<SyncVersion>().is_err());
    assert!("2.5.190.0 beta".parse::<SyncVersion>().is_err());
}

#[test]
fn version_trims_whitespace() {
    let v: SyncVersion = "  2.5.190.0 \n".parse().unwrap();
    assert_eq!(v, SyncVersion::CONNECT_SYNC_MINIMUM);
    assert_eq!(v.parts(), [2, 5, 190, 0]);
    assert_eq!(v.to_string(), "2.5.190.0");
    let v: SyncVersion = "\t1.1.1107.0\r\n".parse().unwrap();
    assert_eq!(v, SyncVersion::CLOUD_SYNC_WRITEBACK_MINIMUM);
    assert_eq!(
        "4294967295.0.0.1".parse::<SyncVersion>().unwrap().parts(),
        [u32::MAX, 0, 0, 1]
    );
}

#[test]
fn version_ordering_is_numeric() {
    assert!(SyncVersion::CONNECT_SYNC_MINIMUM > SyncVersion::CONNECT_SYNC_KNOWN_BAD);
    assert_eq!(
        SyncVersion::CONNECT_SYNC_KNOWN_BAD,
        SyncVersion::new(2, 5, 79, 0)
    );
    assert_eq!(
        SyncVersion::CLOUD_SYNC_WRITEBACK_MINIMUM.to_string(),
        "1.1.1107.0"
    );
    let v = |s: &str| s.parse::<SyncVersion>().unwrap();
    assert!(v("2.5.190.0") > v("2.5.79.0"));
    assert!(v("10.0.0.0") > v("9.99.99.99"));
    assert!(v("2.5.190.1") > v("2.5.190.0"));
    assert!(v("2.4.999.0") < v("2.5.0.0"));
    let mut list = [
        v("2.5.190.0"),
        v("1.1.1107.0"),
        v("2.5.79.0"),
        v("2.5.76.0"),
    ];
    list.sort();
    let sorted: Vec<String> = list.iter().map(ToString::to_string).collect();
    assert_eq!(sorted, ["1.1.1107.0", "2.5.76.0", "2.5.79.0", "2.5.190.0"]);
    assert_eq!(
        serde_json::to_string(&v("2.5.190.0")).unwrap(),
        r#""2.5.190.0""#
    );
    assert_eq!(
        serde_json::from_str::<SyncVersion>(r#"" 2.5.190.0 ""#).unwrap(),
        SyncVersion::CONNECT_SYNC_MINIMUM
    );
}

// ---------------------------------------------------------------------------------------------
// Recipient types

#[test]
fn recipient_type_parsing() {
    assert_eq!(
        "usermailbox".parse::<RecipientTypeDetails>().unwrap(),
        RecipientTypeDetails::UserMailbox
    );
    assert_eq!(
        "  SharedMailbox\n".parse::<RecipientTypeDetails>().unwrap(),
        RecipientTypeDetails::SharedMailbox
    );
    assert_eq!(
        "REMOTEUSERMAILBOX".parse::<RecipientTypeDetails>().unwrap(),
        RecipientTypeDetails::RemoteUserMailbox
    );
    assert_eq!(
        "MailUniversalDistributionGroup"
            .parse::<RecipientTypeDetails>()
            .unwrap()
            .to_string(),
        "MailUniversalDistributionGroup"
    );
    let other: RecipientTypeDetails = "AuxAuditLogMailbox".parse().unwrap();
    assert_eq!(
        other,
        RecipientTypeDetails::Other("AuxAuditLogMailbox".to_owned())
    );
    assert_eq!(other.to_string(), "AuxAuditLogMailbox");
    assert!(!other.is_eligible());
    assert!(other.ineligibility_reason().is_some());

    for empty in ["", "   "] {
        let err = empty.parse::<RecipientTypeDetails>().unwrap_err();
        assert_error(
            &err,
            ErrorKind::InvalidRecipientType,
            &[&format!("{empty:?}"), "empty"],
        );
    }
}

#[test]
fn recipient_type_eligibility() {
    let eligible: Vec<RecipientTypeDetails> = RecipientTypeDetails::ELIGIBLE.to_vec();
    assert_eq!(
        eligible,
        [
            RecipientTypeDetails::UserMailbox,
            RecipientTypeDetails::SharedMailbox,
            RecipientTypeDetails::RoomMailbox,
            RecipientTypeDetails::EquipmentMailbox
        ]
    );
    for r in &eligible {
        assert!(r.is_eligible());
        assert_eq!(r.ineligibility_reason(), None);
    }
    let names = [
        "LinkedMailbox",
        "SchedulingMailbox",
        "TeamMailbox",
        "GroupMailbox",
        "DiscoveryMailbox",
        "PublicFolderMailbox",
        "ArbitrationMailbox",
        "MailUser",
        "GuestMailUser",
        "User",
        "DisabledUser",
        "LinkedUser",
        "RemoteUserMailbox",
        "RemoteSharedMailbox",
        "RemoteRoomMailbox",
        "RemoteEquipmentMailbox",
        "MailContact",
        "MailUniversalDistributionGroup",
        "MailUniversalSecurityGroup",
        "MailNonUniversalGroup",
        "DynamicDistributionGroup",
        "RoomList",
    ];
    for name in names {
        let r: RecipientTypeDetails = name.parse().unwrap();
        assert!(
            !matches!(r, RecipientTypeDetails::Other(_)),
            "{name} should be a named variant"
        );
        assert_eq!(r.to_string(), name);
        assert!(!r.is_eligible(), "{name}");
        assert!(r.ineligibility_reason().is_some(), "{name}");
    }
    let mail_user = RecipientTypeDetails::MailUser
        .ineligibility_reason()
        .unwrap();
    assert!(mail_user.contains("Set-Mailbox"), "{mail_user}");
    let group = RecipientTypeDetails::MailUniversalSecurityGroup
        .ineligibility_reason()
        .unwrap();
    assert!(group.contains("Group SOA"), "{group}");
    let contact = RecipientTypeDetails::MailContact
        .ineligibility_reason()
        .unwrap();
    assert!(contact.contains("Contact SOA"), "{contact}");
}

#[test]
fn recipient_type_serde_forms() {
    let r = |json: &str| serde_json::from_str::<RecipientTypeDetails>(json).unwrap();
    assert_eq!(r(r#""RoomMailbox""#), RecipientTypeDetails::RoomMailbox);
    assert_eq!(
        r(r#"{"Value": "UserMailbox"}"#),
        RecipientTypeDetails::UserMailbox
    );
    assert_eq!(
        r(r#"{"value": "SharedMailbox", "Count": 1}"#),
        RecipientTypeDetails::SharedMailbox
    );
    assert_eq!(r("1"), RecipientTypeDetails::UserMailbox);
    assert_eq!(r("2147483648"), RecipientTypeDetails::RemoteUserMailbox);
    assert_eq!(r("3"), RecipientTypeDetails::Other("3".to_owned()));
    assert_eq!(
        serde_json::to_string(&RecipientTypeDetails::EquipmentMailbox).unwrap(),
        r#""EquipmentMailbox""#
    );
    assert!(serde_json::from_str::<RecipientTypeDetails>(r#""""#).is_err());
    assert!(serde_json::from_str::<RecipientTypeDetails>("{}").is_err());
}

// ---------------------------------------------------------------------------------------------
// Mailbox and User JSON

#[test]
fn mailboxes_from_powershell_7() {
    let mailboxes: Vec<Mailbox> = serde_json::from_str(PS7_MAILBOXES).unwrap();
    assert_eq!(mailboxes.len(), 3);

    let alice = &mailboxes[0];
    assert_eq!(alice.identity.as_deref(), Some("Alice Wong"));
    assert_eq!(alice.alias.as_deref(), Some("alice"));
    assert_eq!(
        alice.user_principal_name.as_deref(),
        Some("alice@contoso.com")
    );
    assert_eq!(
        alice.recipient_type_details,
        Some(RecipientTypeDetails::UserMailbox)
    );
    assert!(alice.is_dir_synced);
    assert!(alice.is_exchange_cloud_managed);
    assert!(alice.litigation_hold_enabled);
    assert!(!alice.hidden_from_address_lists_enabled);
    assert_eq!(alice.forwarding_smtp_address, None);
    assert_eq!(alice.custom_attribute(1), Some("Finance"));
    assert_eq!(alice.custom_attribute(2), None, "\"\" reads as None");
    assert_eq!(alice.custom_attribute(15), Some("EMEA"));
    assert_eq!(alice.custom_attribute(0), None);
    assert_eq!(alice.custom_attribute(16), None);
    assert_eq!(
        alice.extension_custom_attribute(1),
        ["CostCenter-4711", "Project-Apollo"]
    );
    assert!(alice.extension_custom_attribute(2).is_empty());
    assert!(alice.extension_custom_attribute(6).is_empty());
    assert_eq!(
        alice.external_directory_object_id.as_deref(),
        Some("8e2c4f61-3a7d-4b19-b5e2-0d9f6c1a7b38")
    );
    assert_eq!(
        alice.when_changed,
        Some(utc("2025-10-01T10:34:56.1234567Z")),
        "offset +02:00 converted to UTC, 7 fractional digits kept"
    );
    assert_eq!(alice.when_changed, alice.when_changed_utc);
    assert_eq!(alice.when_created_utc, Some(utc("2021-03-09T15:20:00Z")));
    assert_eq!(
        alice.last_changed_utc(),
        Some(utc("2025-10-01T10:34:56.1234567Z"))
    );

    let proxies = alice.proxy_addresses().unwrap();
    assert_eq!(proxies.len(), 7);
    assert_eq!(proxies.primary_smtp().as_str(), "SMTP:alice@contoso.com");
    assert_eq!(proxies.to_strings(), alice.email_addresses);
    assert_eq!(
        alice.primary_smtp().unwrap().unwrap(),
        proxies.primary_smtp().smtp().unwrap()
    );

    assert_eq!(
        alice.property("customattribute1"),
        Some(AttributeValue::String("Finance".to_owned()))
    );
    assert_eq!(
        alice.property("CustomAttribute2"),
        Some(AttributeValue::Null)
    );
    assert_eq!(alice.property("CustomAttribute16"), None);
    assert_eq!(alice.property("CustomAttribute01"), None);
    assert_eq!(
        alice.property("ExtensionCustomAttribute1"),
        Some(AttributeValue::List(strings(&[
            "CostCenter-4711",
            "Project-Apollo"
        ])))
    );
    assert_eq!(
        alice.property("IsExchangeCloudManaged"),
        Some(AttributeValue::Bool(true))
    );
    assert_eq!(
        alice.property("RECIPIENTTYPEDETAILS"),
        Some(AttributeValue::String("UserMailbox".to_owned()))
    );
    assert_eq!(
        alice.property("WhenChangedUTC"),
        Some(AttributeValue::String(
            "2025-10-01T10:34:56.123456700Z".to_owned()
        ))
    );
    assert_eq!(
        alice.property("ForwardingAddress"),
        Some(AttributeValue::Null)
    );
    match alice.property("EmailAddresses") {
        Some(AttributeValue::List(l)) => assert_eq!(l.len(), 7),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(alice.property("Database"), None, "not a typed field");
    assert_eq!(alice.property("NoSuchProperty"), None);

    let shared = &mailboxes[1];
    assert_eq!(
        shared.recipient_type_details,
        Some(RecipientTypeDetails::SharedMailbox)
    );
    assert!(!shared.is_exchange_cloud_managed);
    assert!(shared.hidden_from_address_lists_enabled);
    assert!(shared.deliver_to_mailbox_and_forward);
    assert_eq!(
        shared.forwarding_smtp_address.as_deref(),
        Some("smtp:ap-inbox@fabrikam.com")
    );
    assert_eq!(
        shared.display_name.as_deref(),
        Some("Finance – Accounts Payable")
    );
    assert_eq!(
        shared.proxy_addresses().unwrap().primary_smtp().address(),
        "Finance-AP@contoso.com"
    );
    assert!(shared.custom_attributes.iter().all(Option::is_none));

    let room = &mailboxes[2];
    assert_eq!(
        room.recipient_type_details,
        Some(RecipientTypeDetails::RoomMailbox)
    );
    assert_eq!(room.when_changed_utc, None);
    assert_eq!(
        room.when_changed,
        Some(utc("2025-11-20T16:45:30.5Z")),
        "no offset: read as UTC"
    );
    assert_eq!(room.last_changed_utc(), room.when_changed);
    assert_eq!(room.extension_custom_attribute(3), ["Projector"]);
    assert_eq!(room.custom_attribute(2), Some("Building B"));
}

#[test]
fn mailboxes_from_windows_powershell_5_1() {
    let mailboxes: Vec<Mailbox> = serde_json::from_str(PS51_MAILBOXES).unwrap();
    assert_eq!(mailboxes.len(), 2);

    let sean = &mailboxes[0];
    assert_eq!(sean.display_name.as_deref(), Some("O'Brien, Sean"));
    assert_eq!(
        sean.recipient_type_details,
        Some(RecipientTypeDetails::UserMailbox)
    );
    assert!(sean.is_dir_synced);
    assert!(!sean.is_exchange_cloud_managed);
    assert_eq!(sean.when_changed_utc, Some(utc("2025-10-01T10:34:56.123Z")));
    assert_eq!(sean.when_created, Some(utc("2021-03-09T15:20:00Z")));
    assert_eq!(
        sean.last_changed_utc(),
        Some(utc("2025-10-01T10:34:56.123Z"))
    );
    assert_eq!(sean.custom_attribute(1), Some("Sales"));
    assert!(sean.extension_custom_attribute(1).is_empty());
    assert_eq!(
        sean.extension_custom_attribute(2),
        ["Tier-1"],
        "a single string is a one-element list"
    );
    assert!(
        sean.extension_custom_attribute(3).is_empty(),
        "null is an empty list"
    );
    let proxies = sean.proxy_addresses().unwrap();
    assert_eq!(
        proxies.primary_smtp().as_str(),
        "SMTP:Sean.OBrien@contoso.com"
    );
    assert!(proxies.contains("sean.obrien@contoso.com"));

    let beamer = &mailboxes[1];
    assert_eq!(
        beamer.recipient_type_details,
        Some(RecipientTypeDetails::EquipmentMailbox)
    );
    assert!(beamer.is_exchange_cloud_managed);
    assert_eq!(beamer.when_changed_utc, Some(utc("2025-10-14T07:02:11Z")));
}

#[test]
fn mailbox_quirks_and_defaults() {
    let m: Mailbox = serde_json::from_str(
        r#"{
            "RecipientTypeDetails": {"Value": "SharedMailbox"},
            "EmailAddresses": {"value": ["SMTP:a@contoso.com", null, ""], "Count": 1},
            "IsDirSynced": "True",
            "IsExchangeCloudManaged": null,
            "CustomAttribute3": "",
            "CustomAttribute4": null,
            "CustomAttribute5": "x",
            "ExtensionCustomAttribute5": "only",
            "Guid": {"Guid": "e1c3a5f7-9b2d-4e68-8a0c-3f5b7d9e1a46"},
            "WhenChanged": {"value": "\/Date(1700000000000)\/", "DisplayHint": 2, "DateTime": "Tuesday, November 14, 2023 11:13:20 PM"},
            "WhenChangedUTC": "",
            "SomethingNew": {"nested": [1, 2, 3]}
        }"#,
    )
    .unwrap();
    assert_eq!(
        m.recipient_type_details,
        Some(RecipientTypeDetails::SharedMailbox)
    );
    assert_eq!(m.email_addresses, ["SMTP:a@contoso.com"]);
    assert!(m.is_dir_synced);
    assert!(!m.is_exchange_cloud_managed);
    assert_eq!(m.custom_attribute(3), None);
    assert_eq!(m.custom_attribute(4), None);
    assert_eq!(m.custom_attribute(5), Some("x"));
    assert_eq!(m.extension_custom_attribute(5), ["only"]);
    assert_eq!(
        m.guid.as_deref(),
        Some("e1c3a5f7-9b2d-4e68-8a0c-3f5b7d9e1a46")
    );
    assert_eq!(m.when_changed, Some(utc("2023-11-14T22:13:20Z")));
    assert_eq!(m.when_changed_utc, None);
    assert_eq!(m.last_changed_utc(), Some(utc("2023-11-14T22:13:20Z")));

    let empty: Mailbox = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, Mailbox::default());
    assert_eq!(
        empty.recipient_type_details, None,
        "a missing type is not guessed"
    );
    assert!(empty.proxy_addresses().is_err());
    assert_eq!(empty.primary_smtp().unwrap(), None);

    let m: Mailbox = serde_json::from_str(r#"{"RecipientTypeDetails": ""}"#).unwrap();
    assert_eq!(m.recipient_type_details, None);
    let m: Mailbox = serde_json::from_str(r#"{"RecipientTypeDetails": 4}"#).unwrap();
    assert_eq!(
        m.recipient_type_details,
        Some(RecipientTypeDetails::SharedMailbox)
    );
}

#[test]
fn mailbox_bad_values_are_reported() {
    let err = serde_json::from_str::<Mailbox>(r#"{"WhenChanged": "01.10.2025 12:34"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("01.10.2025 12:34"), "{err}");
    assert!(err.contains("/Date("), "{err}");

    let err = serde_json::from_str::<Mailbox>(r#"{"WhenChanged": 1700000000000}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("/Date("), "{err}");

    let err = serde_json::from_str::<Mailbox>(r#"{"IsExchangeCloudManaged": "yes"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"yes\""), "{err}");

    let err = serde_json::from_str::<Mailbox>(r#"{"EmailAddresses": [["SMTP:a@x.com"]]}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("string"), "{err}");
}

#[test]
fn mailbox_serializes_to_get_mailbox_names_and_back() {
    let mailboxes: Vec<Mailbox> = serde_json::from_str(PS7_MAILBOXES).unwrap();
    for m in &mailboxes {
        let json = serde_json::to_value(m).unwrap();
        let obj = json.as_object().unwrap();
        for key in [
            "Identity",
            "UserPrincipalName",
            "EmailAddresses",
            "RecipientTypeDetails",
            "IsExchangeCloudManaged",
            "CustomAttribute1",
            "CustomAttribute15",
            "ExtensionCustomAttribute5",
            "WhenChangedUTC",
            "WhenCreatedUTC",
        ] {
            assert!(obj.contains_key(key), "missing {key} in {json}");
        }
        let back: Mailbox = serde_json::from_value(json).unwrap();
        assert_eq!(&back, m);
    }
    let json = serde_json::to_value(&mailboxes[0]).unwrap();
    assert_eq!(json["CustomAttribute1"], "Finance");
    assert_eq!(json["WhenChangedUTC"], "2025-10-01T10:34:56.123456700Z");
}

#[test]
fn users_from_powershell_7() {
    let users: Vec<User> = serde_json::from_str(PS7_USERS).unwrap();
    assert_eq!(users.len(), 2);

    let alice = &users[0];
    assert_eq!(
        alice.user_principal_name.as_deref(),
        Some("alice@contoso.com")
    );
    assert_eq!(alice.first_name.as_deref(), Some("Alice"));
    assert_eq!(alice.department.as_deref(), Some("Finance"));
    assert_eq!(alice.street_address.as_deref(), Some("Friedrichstraße 100"));
    assert_eq!(alice.initials, None);
    assert!(alice.is_dir_synced);
    assert_eq!(
        alice.recipient_type_details,
        Some(RecipientTypeDetails::UserMailbox)
    );
    assert_eq!(
        alice.last_changed_utc(),
        Some(utc("2025-10-01T10:34:56.1234567Z"))
    );
    assert_eq!(
        alice.property("department"),
        Some(AttributeValue::String("Finance".to_owned()))
    );
    assert_eq!(
        alice.property("CountryOrRegion"),
        Some(AttributeValue::String("Germany".to_owned()))
    );
    assert_eq!(alice.property("Notes"), Some(AttributeValue::Null));
    assert_eq!(
        alice.property("IsDirSynced"),
        Some(AttributeValue::Bool(true))
    );
    assert_eq!(alice.property("SKUAssigned"), None);

    let guest = &users[1];
    assert!(!guest.is_dir_synced);
    assert_eq!(guest.title, None);
    assert_eq!(
        guest.recipient_type_details,
        Some(RecipientTypeDetails::GuestMailUser)
    );
    assert!(!guest.recipient_type_details.as_ref().unwrap().is_eligible());
    assert_eq!(guest.when_changed, Some(utc("2025-09-30T08:00:00Z")));
    assert_eq!(guest.last_changed_utc(), Some(utc("2025-09-30T06:00:00Z")));

    let back: User = serde_json::from_value(serde_json::to_value(alice).unwrap()).unwrap();
    assert_eq!(&back, alice);
}

// ---------------------------------------------------------------------------------------------
// Property tests

fn atom() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,8}"
}

fn smtp_address() -> impl Strategy<Value = String> {
    let local = prop::collection::vec(atom(), 1..=3).prop_map(|atoms| atoms.join("."));
    let label = prop_oneof![
        9 => "[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?",
        1 => Just("bücher".to_owned()),
    ];
    let domain = prop::collection::vec(label, 2..=3).prop_map(|labels| labels.join("."));
    (local, domain).prop_map(|(l, d)| format!("{l}@{d}"))
}

fn case_of(upper: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![Just(upper.to_owned()), Just(upper.to_ascii_lowercase())]
}

fn secondary_entry() -> impl Strategy<Value = String> {
    let reserved = ["SMTP", "X500", "X400", "SIP", "EUM"];
    prop_oneof![
        3 => smtp_address().prop_map(|a| format!("smtp:{a}")),
        2 => (case_of("X500"), "[0-9a-f]{32}", "[A-Za-z]([A-Za-z .]{0,10}[A-Za-z])?").prop_map(
            |(p, id, name)| format!(
                "{p}:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={id}-{name}"
            )
        ),
        1 => (case_of("X400"), "[A-Za-z]{1,10}").prop_map(|(p, s)| format!("{p}:c=US;a= ;p=Contoso;o=Exchange;s={s};")),
        1 => (case_of("SIP"), smtp_address()).prop_map(|(p, a)| format!("{p}:{a}")),
        1 => (case_of("EUM"), "[0-9]{3,6}").prop_map(|(p, n)| format!("{p}:{n};phone-context=DialPlan.contoso.com")),
        1 => ("[A-Za-z][A-Za-z0-9]{0,8}", "[A-Za-z0-9_/@.=-]([A-Za-z0-9_/@.= -]{0,18}[A-Za-z0-9_/@.=-])?")
            .prop_filter("reserved prefix", move |(p, _)| !reserved.iter().any(|r| r.eq_ignore_ascii_case(p)))
            .prop_map(|(p, a)| format!("{p}:{a}")),
    ]
}

/// A valid proxy address list: one primary SMTP address plus distinct secondary entries, in
/// random order.
fn proxy_list() -> impl Strategy<Value = Vec<String>> {
    (
        smtp_address(),
        prop::collection::vec(secondary_entry(), 0..8),
    )
        .prop_map(|(primary, rest)| {
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for entry in std::iter::once(format!("SMTP:{primary}")).chain(rest) {
                let (prefix, address) = entry.split_once(':').unwrap();
                let key = (prefix.to_ascii_uppercase(), address.to_ascii_lowercase());
                if seen.insert(key) {
                    out.push(entry);
                }
            }
            out
        })
        .prop_shuffle()
}

/// Four version parts: either anything, or small numbers so that equal prefixes are common.
fn version_parts() -> impl Strategy<Value = [u32; 4]> {
    prop_oneof![
        any::<[u32; 4]>(),
        (0_u32..3, 0_u32..3, 0_u32..4, 0_u32..2).prop_map(|(a, b, c, d)| [a, b, c, d]),
    ]
}

proptest! {
    #[test]
    fn proxy_addresses_round_trip(list in proxy_list()) {
        let parsed = ProxyAddresses::parse(&list);
        prop_assert!(parsed.is_ok(), "{:?}: {:?}", list, parsed.err());
        let parsed = parsed.unwrap();
        prop_assert_eq!(&parsed.to_strings(), &list);
        let again = ProxyAddresses::parse(parsed.to_strings()).unwrap();
        prop_assert_eq!(&again, &parsed);
        prop_assert_eq!(parsed.len(), list.len());
        prop_assert!(parsed.primary_smtp().as_str().starts_with("SMTP:"));
        for (p, s) in parsed.iter().zip(&list) {
            prop_assert_eq!(p.as_str(), s.as_str());
            prop_assert_eq!(&p.to_string(), s);
            prop_assert!(parsed.contains(s));
        }
        let mut reversed = list.clone();
        reversed.reverse();
        let reversed = ProxyAddresses::parse(&reversed).unwrap();
        prop_assert!(parsed.set_eq(&reversed));
        let (added, removed) = parsed.diff(&reversed);
        prop_assert!(added.is_empty() && removed.is_empty());
        let json = serde_json::to_string(&parsed).unwrap();
        prop_assert_eq!(serde_json::from_str::<ProxyAddresses>(&json).unwrap(), parsed);
    }

    #[test]
    fn sync_version_display_parse_round_trip(parts in any::<[u32; 4]>()) {
        let [a, b, c, d] = parts;
        let v = SyncVersion::new(a, b, c, d);
        prop_assert_eq!(v.parts(), parts);
        let text = v.to_string();
        prop_assert_eq!(&text, &format!("{a}.{b}.{c}.{d}"));
        prop_assert_eq!(text.parse::<SyncVersion>().unwrap(), v);
        prop_assert_eq!(format!(" \t{text}\r\n").parse::<SyncVersion>().unwrap(), v);
    }

    #[test]
    fn sync_version_order_matches_tuple_order(x in version_parts(), y in version_parts()) {
        let vx = SyncVersion::from(x);
        let vy = SyncVersion::from(y);
        let expected: Ordering = (x[0], x[1], x[2], x[3]).cmp(&(y[0], y[1], y[2], y[3]));
        prop_assert_eq!(vx.cmp(&vy), expected);
        prop_assert_eq!(vx == vy, expected == Ordering::Equal);
    }
}

#[test]
fn a_long_proxy_list_is_checked_for_duplicates_in_linear_time() {
    // 100,000 entries: the earlier pairwise check made five billion comparisons here.
    let mut items = vec![ProxyAddress::parse("SMTP:primary@contoso.com").unwrap()];
    for i in 0..100_000 {
        items.push(ProxyAddress::parse(&format!("smtp:alias{i}@contoso.com")).unwrap());
    }
    let list = ProxyAddresses::from_vec(items.clone()).unwrap();
    assert_eq!(list.primary_smtp().to_string(), "SMTP:primary@contoso.com");
    // A duplicate at the very end, in other case, is still found and named.
    items.push(ProxyAddress::parse("smtp:ALIAS7@Contoso.com").unwrap());
    let err = ProxyAddresses::from_vec(items).unwrap_err();
    assert!(err.to_string().contains("alias7@contoso.com"), "{err}");
}
