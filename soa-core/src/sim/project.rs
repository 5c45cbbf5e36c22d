//! How the simulation's data looks through the cmdlets: `Get-Mailbox` and `Get-User` shapes,
//! and the attributes an on-premises `New-RemoteMailbox` writes.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::state::{Attrs, CloudUser, State};
use crate::catalog::{AttributeClass, Catalog};
use crate::model::{AttributeValue, Mailbox, RecipientTypeDetails, User};
use crate::{Error, Result};

/// Attributes the simulation keeps in dedicated fields rather than copying like the others:
/// the recipient type (the cloud's type differs from AD's `Remote...` type), its display type,
/// and the mailbox GUID.
pub(crate) const DERIVED: [&str; 3] = [
    "RecipientTypeDetails",
    "msExchRecipientDisplayType",
    "ExchangeGuid",
];

/// Whether `name` is one of [`DERIVED`].
pub(crate) fn is_derived(name: &str) -> bool {
    DERIVED.contains(&name)
}

/// Whether a recipient of this type is a mailbox (`Get-Mailbox` returns it).
pub(crate) fn is_mailbox(t: &RecipientTypeDetails) -> bool {
    matches!(
        t,
        RecipientTypeDetails::UserMailbox
            | RecipientTypeDetails::SharedMailbox
            | RecipientTypeDetails::RoomMailbox
            | RecipientTypeDetails::EquipmentMailbox
            | RecipientTypeDetails::LinkedMailbox
            | RecipientTypeDetails::SchedulingMailbox
            | RecipientTypeDetails::TeamMailbox
    )
}

/// The cloud type of an on-premises remote recipient type, and whether it needs a license
/// to become a mailbox.
pub(crate) fn cloud_type_of_remote(t: &RecipientTypeDetails) -> (RecipientTypeDetails, bool) {
    match t {
        RecipientTypeDetails::RemoteSharedMailbox => (RecipientTypeDetails::SharedMailbox, false),
        RecipientTypeDetails::RemoteRoomMailbox => (RecipientTypeDetails::RoomMailbox, false),
        RecipientTypeDetails::RemoteEquipmentMailbox => {
            (RecipientTypeDetails::EquipmentMailbox, false)
        }
        _ => (RecipientTypeDetails::UserMailbox, true),
    }
}

/// The on-premises remote type that mirrors a cloud mailbox type (what writeback puts in
/// `msExchRecipientTypeDetails`).
pub(crate) fn remote_type_of_cloud(t: &RecipientTypeDetails) -> RecipientTypeDetails {
    match t {
        RecipientTypeDetails::SharedMailbox => RecipientTypeDetails::RemoteSharedMailbox,
        RecipientTypeDetails::RoomMailbox => RecipientTypeDetails::RemoteRoomMailbox,
        RecipientTypeDetails::EquipmentMailbox => RecipientTypeDetails::RemoteEquipmentMailbox,
        _ => RecipientTypeDetails::RemoteUserMailbox,
    }
}

/// The tenant's routing domain: `contoso.com` → `contoso.mail.onmicrosoft.com`.
pub(crate) fn routing_domain(tenant: &str) -> String {
    let first = tenant.split('.').next().unwrap_or(tenant);
    format!("{first}.mail.onmicrosoft.com")
}

/// What `New-RemoteMailbox` writes to AD, where the caller did not give it.
pub(crate) fn provision_remote_mailbox(
    attributes: &mut Attrs,
    kind: &RecipientTypeDetails,
    local: &str,
    tenant: &str,
) {
    let primary = format!("{local}@{tenant}");
    attributes.insert(
        Arc::from("RecipientTypeDetails"),
        AttributeValue::String(kind.as_str().to_owned()),
    );
    attributes
        .entry(Arc::from("Alias"))
        .or_insert_with(|| AttributeValue::String(local.to_owned()));
    attributes
        .entry(Arc::from("EmailAddresses"))
        .or_insert_with(|| {
            AttributeValue::List(vec![
                format!("SMTP:{primary}"),
                format!("smtp:{local}@{}", routing_domain(tenant)),
            ])
        });
    attributes
        .entry(Arc::from("WindowsEmailAddress"))
        .or_insert_with(|| AttributeValue::String(primary));
}

/// Whether an AD account carries Exchange attributes (it was mail-enabled on-premises).
pub(crate) fn has_exchange_attributes(attributes: &Attrs, catalog: &Catalog) -> bool {
    attributes.keys().any(|name| {
        catalog
            .get(name)
            .is_some_and(|a| a.class == AttributeClass::Exchange)
    })
}

/// The primary SMTP address in a proxy address list.
pub(crate) fn primary_smtp(addresses: Option<&AttributeValue>) -> Option<String> {
    addresses?
        .to_strings()
        .into_iter()
        .find_map(|a| a.strip_prefix("SMTP:").map(str::to_owned))
}

/// A cloud user's mailbox as `Get-Mailbox` returns it; `None` when it has no mailbox.
pub(crate) fn mailbox(user: &CloudUser) -> Option<Mailbox> {
    let r = user.recipient.as_ref()?;
    if !is_mailbox(&r.recipient_type) {
        return None;
    }
    let mut m = Mailbox::default();
    for (name, value) in user.attributes.iter().chain(r.attributes.iter()) {
        // Attributes without a typed field on Mailbox are not part of this shape.
        let _ = m.set_property(name, value);
    }
    m.identity = Some(
        r.attributes
            .get("Alias")
            .map_or_else(|| user.user_principal_name.clone(), ToString::to_string),
    );
    m.name.clone_from(&m.display_name);
    m.user_principal_name = Some(user.user_principal_name.clone());
    m.primary_smtp_address = primary_smtp(r.attributes.get("EmailAddresses"));
    if m.windows_email_address.is_none() {
        m.windows_email_address.clone_from(&m.primary_smtp_address);
    }
    m.recipient_type_details = Some(r.recipient_type.clone());
    m.exchange_guid = Some(r.exchange_guid.clone());
    m.external_directory_object_id = Some(user.id.clone());
    m.guid = Some(user.id.clone());
    m.is_dir_synced = user.dir_synced();
    m.is_exchange_cloud_managed = r.cloud_managed;
    m.when_changed_utc = Some(user.when_changed);
    m.when_changed = Some(user.when_changed);
    m.when_created_utc = Some(user.when_created);
    m.when_created = Some(user.when_created);
    Some(m)
}

/// The mailbox for an identity, or [`Error::NotFound`].
pub(crate) fn find_mailbox(state: &State, identity: &str) -> Result<Mailbox> {
    state
        .find_cloud(identity)
        .and_then(|id| state.cloud_users.get(id))
        .and_then(mailbox)
        .ok_or_else(|| Error::NotFound {
            what: "mailbox",
            identity: identity.to_owned(),
        })
}

/// A cloud user as `Get-User` returns it.
pub(crate) fn user(u: &CloudUser, catalog: &Catalog) -> User {
    let mut map = Map::new();
    for (name, value) in &u.attributes {
        let property = catalog
            .get(name)
            .and_then(|a| a.exo_property.clone())
            .unwrap_or_else(|| name.to_string());
        map.insert(property, serde_json::to_value(value).unwrap_or(Value::Null));
    }
    map.insert(
        "Identity".into(),
        Value::String(u.user_principal_name.clone()),
    );
    map.insert(
        "UserPrincipalName".into(),
        Value::String(u.user_principal_name.clone()),
    );
    map.insert("IsDirSynced".into(), Value::Bool(u.dir_synced()));
    map.insert(
        "ExternalDirectoryObjectId".into(),
        Value::String(u.id.clone()),
    );
    map.insert("Guid".into(), Value::String(u.id.clone()));
    let kind = u
        .recipient
        .as_ref()
        .map_or("User", |r| r.recipient_type.as_str());
    map.insert(
        "RecipientTypeDetails".into(),
        Value::String(kind.to_owned()),
    );
    map.insert(
        "WhenChangedUTC".into(),
        Value::String(u.when_changed.to_rfc3339()),
    );
    // Every value above came from a typed source, so the shape always fits `User`; a value
    // that somehow does not is dropped rather than failing the read.
    serde_json::from_value(Value::Object(map.clone())).unwrap_or_else(|_| {
        map.retain(|k, _| {
            matches!(
                k.as_str(),
                "Identity" | "UserPrincipalName" | "IsDirSynced" | "ExternalDirectoryObjectId"
            )
        });
        serde_json::from_value(Value::Object(map)).unwrap_or_default()
    })
}
