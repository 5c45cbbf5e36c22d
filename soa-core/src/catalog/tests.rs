#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

/// Every attribute named in domain.md §2 (2.2 to 2.5), by the name the catalog knows it by,
/// with the class domain.md gives it.
const DOMAIN_IDENTITY: &[&str] = &[
    // §2.4
    "displayName",
    "givenName",
    "sn",
    "title",
    "department",
    "telephoneNumber",
    "streetAddress",
    "l",
    "st",
    "postalCode",
    "c",
    "co",
    "userPrincipalName",
    "manager",
    "usageLocation",
    // §2.5, likely identity
    "accountEnabled",
    "cn",
    "company",
    "countryCode",
    "facsimileTelephoneNumber",
    "homePhone",
    "info",
    "initials",
    "mobile",
    // E1 spells it otherFacsimileTelephone; the LDAP name is otherFacsimileTelephoneNumber.
    "otherFacsimileTelephoneNumber",
    "otherHomePhone",
    "otherTelephone",
    "pager",
    "physicalDeliveryOfficeName",
    "telephoneAssistant",
    "thumbnailPhoto",
    "wWWHomePage",
    "objectSID",
    "pwdLastSet",
    // sourceAnchor: mS-DS-ConsistencyGuid in AD, onPremisesImmutableId in Graph.
    "mS-DS-ConsistencyGuid",
    "onPremisesImmutableId",
];

const DOMAIN_EXCHANGE: &[&str] = &[
    // §2.1 / §2.2 / §2.3
    "proxyAddresses",
    "EmailAddresses",
    "mail",
    "WindowsEmailAddress",
    "mailNickname",
    "Alias",
    "msExchHideFromAddressLists",
    "HiddenFromAddressListsEnabled",
    "msExchRecipientTypeDetails",
    "RecipientTypeDetails",
    "msExchRecipientDisplayType",
    "altRecipient",
    // §2.5, likely exchange
    "authOrig",
    "unauthOrig",
    "dLMemRejectPerms",
    "dLMemSubmitPerms",
    "legacyExchangeDN",
    "msDS-HABSeniorityIndex",
    "msDS-PhoneticDisplayName",
    "msExchArchiveGUID",
    "msExchArchiveName",
    "msExchAssistantName",
    "msExchAuditAdmin",
    "msExchAuditDelegate",
    "msExchAuditDelegateAdmin",
    "msExchAuditOwner",
    "msExchBlockedSendersHash",
    "msExchBypassAudit",
    "msExchDelegateListLink",
    "msExchELCExpirySuspensionStart",
    "msExchELCExpirySuspensionEnd",
    "msExchELCMailboxFlags",
    "msExchEnableModeration",
    "msExchImmutableID",
    "msExchLitigationHoldDate",
    "msExchLitigationHoldOwner",
    "msExchMailboxAuditEnable",
    "msExchMailboxAuditLogAgeLimit",
    "msExchMailboxGuid",
    "msExchModeratedByLink",
    "msExchModerationFlags",
    "msExchRemoteRecipientType",
    "msExchRequireAuthToSendTo",
    "msExchResourceCapacity",
    "msExchResourceDisplay",
    "msExchResourceMetaData",
    "msExchResourceSearchProperties",
    "msExchRetentionComment",
    "msExchRetentionURL",
    "msExchSafeRecipientsHash",
    "msExchSafeSendersHash",
    "msExchSenderHintTranslations",
    "msExchTeamMailboxExpiration",
    "msExchTeamMailboxOwners",
    "msExchTeamMailboxSharePointUrl",
    "msExchUserHoldPolicies",
    "publicDelegates",
    "targetAddress",
    "userCertificate",
    "userSMIMECertificates",
    "ForwardingAddress",
    "AcceptMessagesOnlyFrom",
];

const E1_NOTE: &str = "classification inferred from the Entra Connect attribute list (E1); the Learn table (L1) was not consulted";

#[test]
fn builtin_table_loads_and_is_versioned() {
    let catalog = Catalog::builtin();
    assert!(catalog.len() > 100, "only {} rows", catalog.len());
    assert!(!catalog.is_empty());
    assert!(catalog.version().is_some());
    // The same text loads again through the public constructor, with the same rows.
    let again = Catalog::from_json(BUILTIN_JSON, BUILTIN_ORIGIN).unwrap();
    assert_eq!(again.rows, catalog.rows);
}

#[test]
fn every_attribute_of_domain_md_is_a_row_of_its_class() {
    let catalog = Catalog::builtin();
    for (names, class) in [
        (DOMAIN_IDENTITY, AttributeClass::Identity),
        (DOMAIN_EXCHANGE, AttributeClass::Exchange),
    ] {
        for name in names {
            let row = catalog
                .get(name)
                .unwrap_or_else(|| panic!("{name} is missing"));
            assert_eq!(row.class, class, "{name}");
        }
    }
    for n in 1..=15 {
        let row = catalog.get(&format!("extensionAttribute{n}")).unwrap();
        assert_eq!(
            row.exo_property.as_deref(),
            Some(&*format!("CustomAttribute{n}"))
        );
        assert_eq!(
            row.graph_name.as_deref(),
            Some(&*format!(
                "onPremisesExtensionAttributes.extensionAttribute{n}"
            ))
        );
    }
    for n in 1..=5 {
        let row = catalog
            .get(&format!("msExchExtensionCustomAttribute{n}"))
            .unwrap();
        assert_eq!(
            row.parameter.as_deref(),
            Some(&*format!("ExtensionCustomAttribute{n}"))
        );
        assert_eq!(row.value_kind, ValueKind::MultiString);
    }
}

#[test]
fn cloud_only_rows_named_in_the_brief_are_unconfirmed_with_a_note() {
    let catalog = Catalog::builtin();
    for name in [
        "ForwardingSmtpAddress",
        "DeliverToMailboxAndForward",
        "RetentionPolicy",
        "LitigationHoldDuration",
        "SingleItemRecoveryEnabled",
    ] {
        let row = catalog.get(name).unwrap();
        assert_eq!(row.class, AttributeClass::CloudOnly, "{name}");
        assert!(!row.confirmed, "{name}");
        assert!(!row.writeback, "{name}");
        assert!(
            row.note
                .as_deref()
                .is_some_and(|n| n.contains("unconfirmed")),
            "{name}"
        );
    }
    assert!(
        catalog
            .iter()
            .filter(|r| r.class == AttributeClass::CloudOnly)
            .all(|r| !r.confirmed && r.ldap_name.is_none())
    );
}

#[test]
fn confirmed_rows_are_the_writeback_set_and_the_named_identity_attributes() {
    let catalog = Catalog::builtin();
    let confirmed_identity: Vec<&str> = catalog
        .iter()
        .filter(|r| r.confirmed && r.class == AttributeClass::Identity)
        .filter_map(|r| r.ldap_name.as_deref())
        .collect();
    assert_eq!(
        confirmed_identity,
        [
            "displayName",
            "givenName",
            "sn",
            "department",
            "telephoneNumber",
            "streetAddress",
            "l",
            "st",
            "postalCode",
            "c",
            "co"
        ]
    );
    // Every confirmed exchange row is in the writeback set, which is wholly confirmed.
    for row in catalog
        .iter()
        .filter(|r| r.class == AttributeClass::Exchange)
    {
        assert_eq!(row.confirmed, row.writeback, "{}", row.name());
    }
    // Every confirmed row cites a Microsoft source.
    for row in catalog.iter().filter(|r| r.confirmed) {
        assert!(
            row.sources.iter().any(|s| s.starts_with('J')),
            "{} cites {:?}",
            row.name(),
            row.sources
        );
    }
}

#[test]
fn rows_of_the_tentative_split_carry_the_e1_note() {
    let catalog = Catalog::builtin();
    for name in [
        "authOrig",
        "msExchAssistantName",
        "cn",
        "company",
        "legacyExchangeDN",
        "wWWHomePage",
    ] {
        let row = catalog.get(name).unwrap();
        assert!(!row.confirmed, "{name}");
        assert!(row.sources.iter().any(|s| s == "E1"), "{name}");
        assert!(
            row.note.as_deref().is_some_and(|n| n.starts_with(E1_NOTE)),
            "{name}: {:?}",
            row.note
        );
    }
}

#[test]
fn value_kinds_of_key_rows() {
    let catalog = Catalog::builtin();
    for (name, kind) in [
        ("proxyAddresses", ValueKind::ProxyAddresses),
        ("mail", ValueKind::SmtpAddress),
        ("msExchHideFromAddressLists", ValueKind::Boolean),
        ("msExchMailboxGuid", ValueKind::Guid),
        ("manager", ValueKind::DnReference),
        ("altRecipient", ValueKind::DnReference),
        ("authOrig", ValueKind::MultiDnReference),
        ("ExtensionCustomAttribute3", ValueKind::MultiString),
        ("thumbnailPhoto", ValueKind::Binary),
        ("userCertificate", ValueKind::Binary),
        ("msExchLitigationHoldDate", ValueKind::DateTime),
        ("countryCode", ValueKind::Integer),
    ] {
        assert_eq!(catalog.get(name).unwrap().value_kind, kind, "{name}");
    }
}

#[test]
fn set_user_only_identity_rows_have_no_parameter() {
    let catalog = Catalog::builtin();
    for name in [
        "title",
        "department",
        "manager",
        "givenName",
        "telephoneNumber",
    ] {
        let row = catalog.get(name).unwrap();
        assert_eq!(row.parameter, None, "{name}");
        assert!(
            row.note
                .as_deref()
                .is_some_and(|n| n.contains("Set-User -")),
            "{name}"
        );
    }
}

#[test]
fn template_rows_need_a_placeholder_and_a_sane_range() {
    let no_placeholder = r#"{"attributes": [
        {"range": [1, 3], "ldap_name": "x", "value_kind": "string", "class": "exchange"}]}"#;
    let err = Catalog::from_json(no_placeholder, "t.json").unwrap_err();
    assert!(err.to_string().contains("row 1 (\"x\")"), "{err}");
    assert!(err.to_string().contains("no name contains {n}"), "{err}");

    let no_range = r#"{"attributes": [
        {"ldap_name": "x{n}", "value_kind": "string", "class": "exchange"}]}"#;
    let err = Catalog::from_json(no_range, "t.json").unwrap_err();
    assert!(err.to_string().contains("no \"range\""), "{err}");

    let backwards = r#"{"attributes": [
        {"range": [3, 1], "ldap_name": "x{n}", "value_kind": "string", "class": "exchange"}]}"#;
    let err = Catalog::from_json(backwards, "t.json").unwrap_err();
    assert!(err.to_string().contains("range [3, 1]"), "{err}");

    let ok = r#"{"attributes": [
        {"range": [2, 4], "ldap_name": "x{n}", "exo_property": "X{n}", "value_kind": "string",
         "class": "exchange", "note": "number {n}"}]}"#;
    let catalog = Catalog::from_json(ok, "t.json").unwrap();
    assert_eq!(catalog.len(), 3);
    assert_eq!(catalog.get("X3").unwrap().note.as_deref(), Some("number 3"));
    assert!(catalog.get("x1").is_none());
}

#[test]
fn unknown_source_keys_are_rejected_when_the_table_has_a_legend() {
    let text = r#"{"source_keys": {"E1": "Entra Connect list"}, "attributes": [
        {"ldap_name": "a", "value_kind": "string", "class": "identity", "sources": ["E1"]},
        {"ldap_name": "b", "value_kind": "string", "class": "identity", "sources": ["E9"]}]}"#;
    let err = Catalog::from_json(text, "legend.json").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("legend.json") && msg.contains("row 2 (\"b\")") && msg.contains("\"E9\""),
        "{msg}"
    );
}

#[test]
fn unknown_fields_in_a_table_row_are_rejected() {
    let text = r#"[{"ldap_name": "a", "value_kind": "string", "clas": "identity"}]"#;
    let err = Catalog::from_json(text, "typo.json").unwrap_err();
    assert!(matches!(err, Error::InvalidCatalog { .. }), "{err:?}");
    assert!(err.to_string().contains("`clas`"), "{err}");
}

#[test]
fn names_with_spaces_or_empty_are_rejected() {
    for name in ["", " ", " padded"] {
        let text = format!(
            r#"[{{"ldap_name": "ok", "exo_property": {name:?}, "value_kind": "string", "class": "identity"}}]"#
        );
        let err = Catalog::from_json(&text, "names.json").unwrap_err();
        assert!(err.to_string().contains("exo_property"), "{err}");
    }
}

#[test]
fn enum_names_parse_leniently_and_display_canonically() {
    assert_eq!(
        "Cloud-Only".parse::<AttributeClass>().unwrap(),
        AttributeClass::CloudOnly
    );
    assert_eq!(
        " EXCHANGE ".parse::<AttributeClass>().unwrap(),
        AttributeClass::Exchange
    );
    assert_eq!(AttributeClass::CloudOnly.to_string(), "cloud_only");
    assert_eq!(
        "multi_dn_reference".parse::<ValueKind>().unwrap(),
        ValueKind::MultiDnReference
    );
    assert_eq!(ValueKind::ProxyAddresses.to_string(), "proxy_addresses");
    assert_eq!("GA".parse::<WritebackPhase>().unwrap(), WritebackPhase::Ga);

    let err = "cloud".parse::<AttributeClass>().unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
    assert_eq!(
        err.to_string(),
        "invalid attribute class \"cloud\": expected identity, exchange or cloud_only"
    );
}

#[test]
fn serde_round_trips_every_enum_value() {
    for class in <AttributeClass as attribute::Named>::ALL {
        let text = serde_json::to_string(class).unwrap();
        assert_eq!(text, format!("\"{class}\""));
        assert_eq!(
            serde_json::from_str::<AttributeClass>(&text).unwrap(),
            *class
        );
    }
    for kind in <ValueKind as attribute::Named>::ALL {
        let text = serde_json::to_string(kind).unwrap();
        assert_eq!(text, format!("\"{kind}\""));
        assert_eq!(serde_json::from_str::<ValueKind>(&text).unwrap(), *kind);
    }
    for phase in <WritebackPhase as attribute::Named>::ALL {
        let text = serde_json::to_string(phase).unwrap();
        assert_eq!(
            serde_json::from_str::<WritebackPhase>(&text).unwrap(),
            *phase
        );
    }
    let err = serde_json::from_str::<ValueKind>("\"text\"").unwrap_err();
    assert!(
        err.to_string().contains("unknown value kind \"text\""),
        "{err}"
    );
}

#[test]
fn attribute_helpers() {
    let row = Catalog::builtin().get("extensionAttribute7").unwrap();
    assert_eq!(row.name(), "CustomAttribute7");
    assert_eq!(
        row.names().collect::<Vec<_>>(),
        [
            "extensionAttribute7",
            "CustomAttribute7",
            "CustomAttribute7",
            "onPremisesExtensionAttributes.extensionAttribute7"
        ]
    );
    assert!(!row.is_multi_valued());
    assert_eq!(
        row.writeback_date(),
        chrono::NaiveDate::from_ymd_opt(2026, 5, 15)
    );

    let ldap_only = Catalog::builtin().get("targetAddress").unwrap();
    assert_eq!(ldap_only.name(), "targetAddress");
    let graph_only = Catalog::builtin().get("accountEnabled").unwrap();
    assert_eq!(graph_only.name(), "accountEnabled");

    let nameless = Attribute {
        ldap_name: None,
        exo_property: None,
        parameter: None,
        graph_name: None,
        value_kind: ValueKind::String,
        class: AttributeClass::Identity,
        writeback: false,
        writeback_since: None,
        confirmed: false,
        sources: Vec::new(),
        note: None,
    };
    assert_eq!(nameless.name(), "");
    assert_eq!(nameless.writeback_date(), None);
}

#[test]
fn names_that_would_reach_generated_commands_unquoted_are_rejected() {
    let hostile = [
        (
            "parameter",
            "CustomAttribute1 'x'; Remove-Item C:\\\\ -Recurse; #",
        ),
        ("parameter", "Custom-Attribute"),
        ("exo_property", "Prop$(calc)"),
        ("ldap_name", "mail\\ndn: cn=admin"),
        ("ldap_name", "mail:"),
        ("ldap_name", "1mail"),
        ("graph_name", "a..b"),
        ("graph_name", "a.b c"),
    ];
    for (field, name) in hostile {
        let text = format!(
            r#"[{{"ldap_name": "ok", "{field}": "{name}", "value_kind": "string", "class": "identity"}}]"#
        );
        let text = if field == "ldap_name" {
            text.replacen(r#""ldap_name": "ok", "#, "", 1)
        } else {
            text
        };
        let err = Catalog::from_json(&text, "hostile.json").unwrap_err();
        assert!(
            matches!(err, Error::InvalidCatalog { .. }) && err.to_string().contains(field),
            "{field} {name:?}: {err}"
        );
    }
    // Overrides go through the same checks.
    let err = Catalog::builtin()
        .with_override_json(
            r#"{"attributes": [{"ldap_name": "msDS-cloudExtensionAttribute1", "parameter": "X;calc", "value_kind": "string", "class": "exchange"}]}"#,
            "override.json",
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("is not a PowerShell parameter"),
        "{err}"
    );
    // Well-formed names of every field pass.
    Catalog::from_json(
        r#"[{"ldap_name": "msDS-x1", "exo_property": "Prop_1", "parameter": "Prop_1", "graph_name": "a.b_c", "value_kind": "string", "class": "identity"}]"#,
        "ok.json",
    )
    .unwrap();
}
