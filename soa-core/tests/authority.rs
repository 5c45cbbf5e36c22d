//! Authority rules: who masters an attribute, edit decisions, rollback loss.

use std::collections::BTreeMap;

use soa_core::ErrorKind;
use soa_core::authority::{
    AdVisibility, Authority, EditLocation, MailboxState, ProposedEdit, decide_edit, master,
    rollback_loss,
};
use soa_core::catalog::Catalog;
use soa_core::model::{AttributeValue, RecipientTypeDetails};

fn catalog() -> &'static Catalog {
    Catalog::builtin()
}

fn edit(attribute: &str, value: impl Into<AttributeValue>, location: EditLocation) -> ProposedEdit {
    ProposedEdit {
        attribute: attribute.to_owned(),
        value: value.into(),
        location,
        identity: Some("alice@contoso.com".to_owned()),
    }
}

fn values(pairs: &[(&str, AttributeValue)]) -> BTreeMap<String, AttributeValue> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[test]
fn master_follows_class_and_state() {
    let c = catalog();
    let proxy = c.lookup("proxyAddresses").unwrap();
    let display = c.lookup("displayName").unwrap();
    let forwarding = c.lookup("ForwardingSmtpAddress").unwrap();
    let synced = MailboxState::synced();
    let managed = MailboxState::cloud_managed();
    let cloud = MailboxState::cloud_only();

    assert_eq!(master(&synced, proxy), Authority::OnPremisesAd);
    assert_eq!(master(&managed, proxy), Authority::ExchangeOnline);
    assert_eq!(master(&cloud, proxy), Authority::ExchangeOnline);
    assert_eq!(master(&synced, display), Authority::OnPremisesAd);
    assert_eq!(master(&managed, display), Authority::OnPremisesAd);
    assert_eq!(master(&cloud, display), Authority::EntraId);
    assert_eq!(master(&synced, forwarding), Authority::ExchangeOnline);
    assert_eq!(master(&managed, forwarding), Authority::ExchangeOnline);
}

#[test]
fn ad_edit_of_cloud_managed_mailbox_is_refused_with_the_exchange_command() {
    let d = decide_edit(
        catalog(),
        &MailboxState::cloud_managed(),
        &edit(
            "extensionAttribute1",
            "Finance",
            EditLocation::ActiveDirectory,
        ),
    )
    .unwrap();
    assert!(!d.allowed);
    assert_eq!(d.authority, Authority::ExchangeOnline);
    assert_eq!(d.attribute, "CustomAttribute1");
    assert_eq!(
        d.tool.as_deref(),
        Some("Set-Mailbox -Identity 'alice@contoso.com' -CustomAttribute1 'Finance'")
    );
    assert_eq!(d.ad_visibility, AdVisibility::Writeback);
    assert!(d.written_back);
    assert!(d.reason.contains("sync drops it"), "{}", d.reason);
}

#[test]
fn cloud_edit_of_synced_mailbox_is_refused_with_the_write_scope_error() {
    let d = decide_edit(
        catalog(),
        &MailboxState::synced(),
        &edit("CustomAttribute2", "x", EditLocation::ExchangeOnline),
    )
    .unwrap();
    assert!(!d.allowed);
    assert_eq!(d.authority, Authority::OnPremisesAd);
    assert!(d.reason.contains("write scope"), "{}", d.reason);
    assert_eq!(
        d.tool.as_deref(),
        Some("Set-RemoteMailbox -Identity 'alice@contoso.com' -CustomAttribute2 'x'")
    );
}

#[test]
fn identity_attributes_stay_in_ad_after_the_flip() {
    let d = decide_edit(
        catalog(),
        &MailboxState::cloud_managed(),
        &edit("DisplayName", "Alice A.", EditLocation::ExchangeOnline),
    )
    .unwrap();
    assert!(!d.allowed);
    assert_eq!(d.authority, Authority::OnPremisesAd);
    assert_eq!(d.ad_visibility, AdVisibility::Direct);
    assert_eq!(
        d.tool.as_deref(),
        Some("Set-ADUser -Identity 'alice@contoso.com' -Replace @{displayName='Alice A.'}")
    );
    assert!(d.reason.contains("identity attribute"), "{}", d.reason);

    let in_ad = decide_edit(
        catalog(),
        &MailboxState::cloud_managed(),
        &edit("displayname", "Alice A.", EditLocation::ActiveDirectory),
    )
    .unwrap();
    assert!(in_ad.allowed);
}

#[test]
fn hidden_from_gal_is_cloud_editable_but_never_written_back() {
    let d = decide_edit(
        catalog(),
        &MailboxState::cloud_managed(),
        &edit(
            "msExchHideFromAddressLists",
            true,
            EditLocation::ExchangeOnline,
        ),
    )
    .unwrap();
    assert!(d.allowed);
    assert!(!d.written_back);
    assert_eq!(d.ad_visibility, AdVisibility::Never);
    assert_eq!(
        d.tool.as_deref(),
        Some("Set-Mailbox -Identity 'alice@contoso.com' -HiddenFromAddressListsEnabled $true")
    );
    assert!(
        d.reason.contains("not in the writeback set"),
        "{}",
        d.reason
    );
}

#[test]
fn cloud_only_settings_are_refused_on_premises() {
    let d = decide_edit(
        catalog(),
        &MailboxState::synced(),
        &edit(
            "ForwardingSmtpAddress",
            "x@fabrikam.com",
            EditLocation::OnPremisesExchange,
        ),
    )
    .unwrap();
    assert!(!d.allowed);
    assert_eq!(d.authority, Authority::ExchangeOnline);
}

#[test]
fn cloud_only_mailbox_has_no_ad_object() {
    let d = decide_edit(
        catalog(),
        &MailboxState::cloud_only(),
        &edit("CustomAttribute3", "x", EditLocation::ExchangeOnline),
    )
    .unwrap();
    assert!(d.allowed);
    assert_eq!(d.ad_visibility, AdVisibility::NoAdObject);
    let id = decide_edit(
        catalog(),
        &MailboxState::cloud_only(),
        &edit("department", "Sales", EditLocation::ActiveDirectory),
    )
    .unwrap();
    assert!(!id.allowed);
    assert_eq!(id.authority, Authority::EntraId);
}

#[test]
fn values_are_quoted_so_they_cannot_become_code() {
    let hostile = "x'; Remove-Item -Recurse C:\\ ; '$(whoami)";
    let d = decide_edit(
        catalog(),
        &MailboxState::synced(),
        &ProposedEdit {
            identity: Some("o'brien@contoso.com".into()),
            ..edit(
                "extensionAttribute4",
                hostile,
                EditLocation::ActiveDirectory,
            )
        },
    )
    .unwrap();
    let tool = d.tool.unwrap();
    assert_eq!(
        tool,
        "Set-RemoteMailbox -Identity 'o''brien@contoso.com' -CustomAttribute4 'x''; Remove-Item -Recurse C:\\ ; ''$(whoami)'"
    );
}

#[test]
fn clearing_an_identity_attribute_uses_clear() {
    let d = decide_edit(
        catalog(),
        &MailboxState::synced(),
        &edit("title", AttributeValue::Null, EditLocation::ActiveDirectory),
    )
    .unwrap();
    assert_eq!(
        d.tool.as_deref(),
        Some("Set-ADUser -Identity 'alice@contoso.com' -Clear title")
    );
}

#[test]
fn multi_valued_values_render_as_arrays() {
    let d = decide_edit(
        catalog(),
        &MailboxState::cloud_managed(),
        &edit(
            "proxyAddresses",
            vec![
                "SMTP:alice@contoso.com".to_owned(),
                "smtp:a@contoso.com".to_owned(),
            ],
            EditLocation::ExchangeOnline,
        ),
    )
    .unwrap();
    assert!(d.allowed);
    assert_eq!(
        d.tool.as_deref(),
        Some(
            "Set-Mailbox -Identity 'alice@contoso.com' -EmailAddresses @('SMTP:alice@contoso.com','smtp:a@contoso.com')"
        )
    );
}

#[test]
fn invalid_values_are_errors_not_decisions() {
    let two_primaries = edit(
        "EmailAddresses",
        vec![
            "SMTP:a@contoso.com".to_owned(),
            "SMTP:b@contoso.com".to_owned(),
        ],
        EditLocation::ExchangeOnline,
    );
    let err = decide_edit(catalog(), &MailboxState::cloud_managed(), &two_primaries).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidProxyAddress);

    let not_bool = edit(
        "HiddenFromAddressListsEnabled",
        "maybe",
        EditLocation::ExchangeOnline,
    );
    let err = decide_edit(catalog(), &MailboxState::cloud_managed(), &not_bool).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("maybe"), "{err}");

    let list_for_single = edit(
        "CustomAttribute1",
        vec!["a".to_owned(), "b".to_owned()],
        EditLocation::ExchangeOnline,
    );
    let err = decide_edit(catalog(), &MailboxState::cloud_managed(), &list_for_single).unwrap_err();
    assert!(err.to_string().contains("single-valued"), "{err}");

    let unknown = edit("noSuchThing", "x", EditLocation::ExchangeOnline);
    let err = decide_edit(catalog(), &MailboxState::cloud_managed(), &unknown).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownAttribute);
    assert!(err.to_string().contains("noSuchThing"));
}

#[test]
fn rollback_loss_lists_differing_exchange_values_only() {
    let cloud = values(&[
        ("CustomAttribute1", "cloud-edit".into()),
        ("CustomAttribute2", "same".into()),
        ("HiddenFromAddressListsEnabled", true.into()),
        (
            "EmailAddresses",
            vec![
                "SMTP:alice@contoso.com".to_owned(),
                "smtp:new@contoso.com".to_owned(),
            ]
            .into(),
        ),
        ("DisplayName", "Alice (cloud)".into()),
        ("ForwardingSmtpAddress", "smtp:x@fabrikam.com".into()),
        ("CustomAttribute9", "only in cloud".into()),
    ]);
    let ad = values(&[
        ("extensionAttribute1", "ad-value".into()),
        ("extensionAttribute2", "same".into()),
        ("msExchHideFromAddressLists", "FALSE".into()),
        (
            "proxyAddresses",
            vec!["SMTP:ALICE@contoso.com".to_owned()].into(),
        ),
        ("displayName", "Alice".into()),
    ]);
    let loss = rollback_loss(catalog(), &MailboxState::cloud_managed(), &cloud, &ad).unwrap();
    assert!(loss.applies);
    let names: Vec<&str> = loss.entries.iter().map(|e| e.attribute.as_str()).collect();
    assert_eq!(
        names,
        [
            "CustomAttribute1",
            "CustomAttribute9",
            "EmailAddresses",
            "HiddenFromAddressListsEnabled"
        ]
    );
    let ca9 = &loss.entries[1];
    assert!(!ca9.ad_supplied);
    assert_eq!(ca9.ad_value, AttributeValue::Null);
    assert!(ca9.written_back);
    let hidden = &loss.entries[3];
    assert!(!hidden.written_back);
    assert!(loss.summary.contains("4 cloud value"), "{}", loss.summary);
}

#[test]
fn rollback_of_a_synced_mailbox_does_not_apply() {
    let cloud = values(&[("CustomAttribute1", "x".into())]);
    let loss = rollback_loss(catalog(), &MailboxState::synced(), &cloud, &BTreeMap::new()).unwrap();
    assert!(!loss.applies);
    assert!(loss.is_lossless());
}

#[test]
fn rollback_refuses_two_names_for_one_attribute() {
    let cloud = values(&[
        ("mail", "a@contoso.com".into()),
        ("WindowsEmailAddress", "b@contoso.com".into()),
    ]);
    let err = rollback_loss(
        catalog(),
        &MailboxState::cloud_managed(),
        &cloud,
        &BTreeMap::new(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("same attribute"), "{err}");
}

#[test]
fn mailbox_state_serde_shape() {
    let s: MailboxState = serde_json::from_str(
        r#"{"dir_synced":true,"cloud_managed":true,"recipient_type":"sharedmailbox"}"#,
    )
    .unwrap();
    assert_eq!(s.recipient_type, Some(RecipientTypeDetails::SharedMailbox));
    assert!(s.exchange_in_cloud());
}
