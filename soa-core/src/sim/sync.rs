//! The sync engines: an Entra Connect Sync cycle (AD → cloud) and a Cloud Sync writeback cycle
//! (cloud → AD), with the rules of `domain.md`.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::project::{self, cloud_type_of_remote, has_exchange_attributes, is_derived};
use super::state::{AdUser, Attrs, CloudUser, Recipient, State, SyncError};
use crate::catalog::{AttributeClass, Catalog};
use crate::model::{AttributeValue, RecipientTypeDetails, SyncVersion};

/// What one Entra Connect Sync cycle did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    /// When it ran (virtual time).
    pub time: DateTime<Utc>,
    /// AD accounts processed.
    pub processed: usize,
    /// Cloud users created (UPNs).
    pub created: Vec<String>,
    /// Cloud users deleted because their AD account is gone (UPNs).
    pub deleted: Vec<String>,
    /// Cloud users whose identity or Exchange attributes changed.
    pub updated: usize,
    /// Cloud Exchange values replaced by AD values, as `(UPN, attribute)`: what a rollback
    /// loses. Values that were empty in the cloud are not listed.
    pub overwritten: Vec<(String, String)>,
    /// Cloud-managed users whose AD Exchange values differ from the cloud's and were therefore
    /// not exported (the connector's `blockExchangeAttributesOnPremisesSync`), as UPNs. The
    /// difference may come from an on-premises edit that sync now drops, or from a cloud edit
    /// that is not (or not yet) written back: either way AD and the cloud disagree.
    pub blocked: Vec<String>,
    /// Users provisioned on-premises while the tenant default was on: created identity-only,
    /// without an Exchange Online recipient (UPNs).
    pub identity_only: Vec<String>,
    /// Export errors of this cycle.
    pub errors: Vec<SyncError>,
}

/// What one Cloud Sync writeback cycle did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WritebackReport {
    /// When it ran (virtual time).
    pub time: DateTime<Utc>,
    /// Whether writeback ran.
    pub ran: bool,
    /// Why it did not run, if it did not.
    pub reason: Option<String>,
    /// Values written to AD, as `(UPN, LDAP name)`.
    pub written: Vec<(String, String)>,
}

/// The error code Entra Connect Sync builds before 2.5.190.0 raise for cloud-managed users.
pub const EXCHANGE_MANAGED_ERROR: &str = "ExchangeManagedAttributesUpdateNotAllowed";

/// One Entra Connect Sync cycle.
pub(crate) fn sync_cycle(s: &mut State, catalog: &Catalog) -> SyncReport {
    let mut report = SyncReport {
        time: s.now,
        processed: s.ad_users.len(),
        ..SyncReport::default()
    };
    delete_orphans(s, &mut report);
    create_new_users(s, catalog, &mut report);

    let old_engine = s.connect_sync_version < SyncVersion::CONNECT_SYNC_MINIMUM;
    let default_on = s.cloud_managed_by_default;
    let now = s.now;
    let mut touched = Vec::new();
    let mut new_recipients = Vec::new();
    let State {
        ad_users,
        cloud_users,
        index,
        ..
    } = s;
    for ad in ad_users.values() {
        let Some(cloud) = index
            .anchor
            .get(&ad.object_guid)
            .and_then(|id| cloud_users.get_mut(id))
        else {
            continue;
        };
        let managed = cloud.recipient.as_ref().is_some_and(|r| r.cloud_managed);
        if managed && old_engine {
            report.errors.push(SyncError {
                object: ad.user_principal_name.clone(),
                code: EXCHANGE_MANAGED_ERROR.to_owned(),
                message: format!(
                    "Unable to update this object because the Exchange attributes of {} are managed in Exchange Online. Upgrade Entra Connect Sync to {} or later.",
                    ad.user_principal_name,
                    SyncVersion::CONNECT_SYNC_MINIMUM
                ),
                time: now,
            });
            continue;
        }
        let mut changed = sync_identity(ad, cloud, catalog);
        match &mut cloud.recipient {
            Some(r) if !r.cloud_managed => {
                changed |= sync_exchange(ad, r, catalog, &mut report.overwritten);
            }
            Some(r) if differs_on_premises(ad, r, catalog) => {
                report.blocked.push(ad.user_principal_name.clone());
            }
            None if !cloud.provisioning_blocked
                && !default_on
                && has_exchange_attributes(&ad.attributes, catalog) =>
            {
                new_recipients.push(cloud.id.clone());
            }
            Some(_) | None => {}
        }
        if changed {
            cloud.when_changed = now;
            touched.push(cloud.id.clone());
            report.updated += 1;
        }
    }
    for id in new_recipients {
        create_recipient_from_ad(s, catalog, &id);
        touched.push(id);
    }
    for id in touched {
        s.reindex_cloud(&id);
    }
    s.sync_errors.clone_from(&report.errors);
    report
}

fn delete_orphans(s: &mut State, report: &mut SyncReport) {
    let orphans: Vec<String> = s
        .cloud_users
        .values()
        .filter(|u| {
            u.source_anchor
                .as_ref()
                .is_some_and(|a| !s.ad_users.contains_key(a))
        })
        .map(|u| u.id.clone())
        .collect();
    for id in orphans {
        if let Some(u) = s.cloud_users.remove(&id) {
            report.deleted.push(u.user_principal_name);
            if let Some(a) = u.source_anchor {
                s.index.anchor.remove(&a);
            }
        }
        s.reindex_cloud(&id);
    }
}

fn create_new_users(s: &mut State, catalog: &Catalog, report: &mut SyncReport) {
    let new: Vec<String> = s
        .ad_users
        .keys()
        .filter(|g| !s.index.anchor.contains_key(*g))
        .cloned()
        .collect();
    for guid in new {
        let id = s.next_guid();
        let Some(ad) = s.ad_users.get(&guid) else {
            continue;
        };
        let provisioned = has_exchange_attributes(&ad.attributes, catalog);
        let blocked = provisioned && s.cloud_managed_by_default;
        if blocked {
            report.identity_only.push(ad.user_principal_name.clone());
        }
        let user = CloudUser {
            id: id.clone(),
            source_anchor: Some(guid.clone()),
            user_principal_name: ad.user_principal_name.clone(),
            licensed: false,
            attributes: class_values(&ad.attributes, catalog, AttributeClass::Identity),
            recipient: None,
            provisioning_blocked: blocked,
            when_changed: s.now,
            when_created: s.now,
        };
        report.created.push(user.user_principal_name.clone());
        s.cloud_users.insert(id.clone(), user);
        s.index.anchor.insert(guid, id.clone());
        if provisioned && !blocked {
            create_recipient_from_ad(s, catalog, &id);
        }
        s.reindex_cloud(&id);
    }
}

/// The values of one class of attributes (derived attributes left out).
fn class_values(attributes: &Attrs, catalog: &Catalog, class: AttributeClass) -> Attrs {
    attributes
        .iter()
        .filter(|(name, _)| !is_derived(name))
        .filter(|(name, _)| catalog.get(name).is_some_and(|a| a.class == class))
        .map(|(k, v)| (Arc::clone(k), v.clone()))
        .collect()
}

/// A recipient for a user mail-enabled on-premises: a mail user until licensed, or a
/// shared/resource mailbox at once.
fn create_recipient_from_ad(s: &mut State, catalog: &Catalog, id: &str) {
    let exchange_guid = s.next_guid();
    let Some(user) = s.cloud_users.get_mut(id) else {
        return;
    };
    let Some(ad) = user.source_anchor.as_ref().and_then(|a| s.ad_users.get(a)) else {
        return;
    };
    let remote = match ad.attributes.get("RecipientTypeDetails") {
        Some(AttributeValue::String(t)) => RecipientTypeDetails::parse(t).ok(),
        _ => None,
    };
    let (kind, needs_license) = remote.as_ref().map_or(
        (RecipientTypeDetails::UserMailbox, true),
        cloud_type_of_remote,
    );
    let recipient_type = if needs_license && !user.licensed {
        RecipientTypeDetails::MailUser
    } else {
        kind
    };
    user.recipient = Some(Recipient {
        recipient_type,
        exchange_guid,
        cloud_managed: false,
        attributes: class_values(&ad.attributes, catalog, AttributeClass::Exchange),
    });
    user.when_changed = s.now;
}

/// Copies identity attributes AD → cloud. Returns whether anything changed.
fn sync_identity(ad: &AdUser, cloud: &mut CloudUser, catalog: &Catalog) -> bool {
    let wanted = class_values(&ad.attributes, catalog, AttributeClass::Identity);
    let mut changed = false;
    if cloud.user_principal_name != ad.user_principal_name {
        cloud
            .user_principal_name
            .clone_from(&ad.user_principal_name);
        changed = true;
    }
    if cloud.attributes != wanted {
        cloud.attributes = wanted;
        changed = true;
    }
    changed
}

/// Copies Exchange attributes AD → cloud for a mailbox mastered on-premises, recording every
/// non-empty cloud value it replaces. Returns whether anything changed.
fn sync_exchange(
    ad: &AdUser,
    r: &mut Recipient,
    catalog: &Catalog,
    overwritten: &mut Vec<(String, String)>,
) -> bool {
    let wanted = class_values(&ad.attributes, catalog, AttributeClass::Exchange);
    let names: BTreeSet<Arc<str>> = wanted
        .keys()
        .chain(r.attributes.keys().filter(|n| {
            catalog
                .get(n)
                .is_some_and(|a| a.class == AttributeClass::Exchange)
                && !is_derived(n)
        }))
        .cloned()
        .collect();
    let mut changed = false;
    for name in names {
        let Some(attr) = catalog.get(&name) else {
            continue;
        };
        let new = wanted.get(&name).cloned().unwrap_or_default();
        let old = r.attributes.get(&name).cloned().unwrap_or_default();
        if new.equivalent(&old, attr.value_kind) && new == old {
            continue;
        }
        if !old.is_empty() && !new.equivalent(&old, attr.value_kind) {
            overwritten.push((ad.user_principal_name.clone(), name.to_string()));
        }
        if new.is_empty() {
            r.attributes.remove(&name);
        } else {
            r.attributes.insert(name, new);
        }
        changed = true;
    }
    changed
}

/// Whether AD's Exchange values differ from a cloud-managed mailbox's (on-premises edits the
/// sync engine now drops, or cloud values AD does not have).
fn differs_on_premises(ad: &AdUser, r: &Recipient, catalog: &Catalog) -> bool {
    let differs = |name: &Arc<str>| {
        !is_derived(name)
            && catalog.get(name).is_some_and(|a| {
                a.class == AttributeClass::Exchange
                    && !ad
                        .attributes
                        .get(name)
                        .unwrap_or(&AttributeValue::Null)
                        .equivalent(
                            r.attributes.get(name).unwrap_or(&AttributeValue::Null),
                            a.value_kind,
                        )
            })
    };
    ad.attributes.keys().any(differs) || r.attributes.keys().any(differs)
}

/// Assigns a license: see [`super::SimulatedOrg::assign_license`].
pub(crate) fn license(s: &mut State, id: &str) -> crate::Result<()> {
    let default_on = s.cloud_managed_by_default;
    let tenant = s.tenant.clone();
    let exchange_guid = s.next_guid();
    let now = s.now;
    let Some(user) = s.cloud_users.get_mut(id) else {
        return Ok(());
    };
    if user.provisioning_blocked {
        return Err(crate::Error::Exchange {
            cmdlet: "Set-MgUserLicense".to_owned(),
            message: format!(
                "{} was provisioned on-premises while ExchangeAttributesCloudManagedByDefault was on and has no Exchange Online recipient; a license does not create one. Contact Microsoft Support.",
                user.user_principal_name
            ),
        });
    }
    user.licensed = true;
    match &mut user.recipient {
        Some(r) if r.recipient_type == RecipientTypeDetails::MailUser => {
            r.recipient_type = RecipientTypeDetails::UserMailbox;
        }
        Some(_) => {}
        None => {
            let local = user
                .user_principal_name
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned();
            let mut attributes = Attrs::new();
            attributes.insert(Arc::from("Alias"), AttributeValue::String(local.clone()));
            attributes.insert(
                Arc::from("EmailAddresses"),
                AttributeValue::List(vec![
                    format!("SMTP:{}", user.user_principal_name),
                    format!("smtp:{local}@{}", project::routing_domain(&tenant)),
                ]),
            );
            user.recipient = Some(Recipient {
                recipient_type: RecipientTypeDetails::UserMailbox,
                exchange_guid,
                cloud_managed: user.source_anchor.is_some() && default_on,
                attributes,
            });
        }
    }
    user.when_changed = now;
    s.reindex_cloud(id);
    Ok(())
}

/// One Cloud Sync writeback cycle.
pub(crate) fn writeback_cycle(s: &mut State, catalog: &Catalog) -> WritebackReport {
    let mut report = WritebackReport {
        time: s.now,
        ..WritebackReport::default()
    };
    let agent = match &s.cloud_sync {
        None => {
            report.reason = Some("no Entra Cloud Sync provisioning agent is installed".into());
            return report;
        }
        Some(a) if !a.writeback_enabled => {
            report.reason =
                Some("the \"EXO to AD attribute sync\" configuration is not enabled".into());
            return report;
        }
        Some(a) if a.version < SyncVersion::CLOUD_SYNC_WRITEBACK_MINIMUM => {
            report.reason = Some(format!(
                "the provisioning agent {} is older than {}, the minimum for Exchange attribute writeback",
                a.version,
                SyncVersion::CLOUD_SYNC_WRITEBACK_MINIMUM
            ));
            return report;
        }
        Some(a) => a.clone(),
    };
    let managed = s
        .cloud_users
        .values()
        .filter(|u| u.dir_synced() && u.recipient.as_ref().is_some_and(|r| r.cloud_managed))
        .count() as u64;
    if managed > agent.capacity {
        report.reason = Some(format!(
            "{managed} cloud-managed mailboxes exceed the writeback capacity of {}",
            agent.capacity
        ));
        return report;
    }
    report.ran = true;
    let now = s.now;
    let attrs: Vec<_> = catalog
        .writeback_attributes()
        .filter(|a| agent.mail_writeback || a.name() != "WindowsEmailAddress")
        .filter(|a| a.name() != "msExchRecipientDisplayType")
        .collect();
    let State {
        ad_users,
        cloud_users,
        ..
    } = s;
    for u in cloud_users.values() {
        let (Some(anchor), Some(r)) = (&u.source_anchor, &u.recipient) else {
            continue;
        };
        if !r.cloud_managed {
            continue;
        }
        let Some(ad) = ad_users.get_mut(anchor) else {
            continue;
        };
        for attr in &attrs {
            let name = attr.name();
            let cloud_value = if name == "RecipientTypeDetails" {
                AttributeValue::String(
                    project::remote_type_of_cloud(&r.recipient_type)
                        .as_str()
                        .to_owned(),
                )
            } else if name == "WindowsEmailAddress" {
                r.attributes.get(name).cloned().unwrap_or_else(|| {
                    project::primary_smtp(r.attributes.get("EmailAddresses"))
                        .map_or(AttributeValue::Null, AttributeValue::String)
                })
            } else {
                r.attributes.get(name).cloned().unwrap_or_default()
            };
            let ad_value = ad.attributes.get(name).cloned().unwrap_or_default();
            if cloud_value.equivalent(&ad_value, attr.value_kind) {
                continue;
            }
            if cloud_value.is_empty() {
                ad.attributes.remove(name);
            } else {
                ad.attributes.insert(Arc::from(name), cloud_value);
            }
            ad.when_changed = now;
            report.written.push((
                u.user_principal_name.clone(),
                attr.ldap_name.clone().unwrap_or_else(|| name.to_owned()),
            ));
        }
    }
    report
}
