//! Restoring a backup: in the cloud for a cloud-managed mailbox, or as on-premises commands for
//! one mastered in AD.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::backup::Backup;
use crate::authority::mailbox_exchange_values;
use crate::catalog::Catalog;
use crate::exo::{ExchangeOnline, MailboxChanges};
use crate::model::AttributeValue;
use crate::{Error, Result, pwsh};

/// What a cloud restore changed (or would change, in a dry run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreReport {
    /// The mailbox.
    pub identity: String,
    /// The values set (by Exchange Online property name).
    pub changes: MailboxChanges,
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// Attributes restored and read back equal.
    pub verified: bool,
}

/// Re-applies a backup's Exchange values in Exchange Online, for a mailbox that is
/// cloud-managed now. Only values that differ and that `Set-Mailbox` can set are sent; the
/// result is read back and compared.
pub async fn restore_in_cloud(
    exo: &dyn ExchangeOnline,
    catalog: &Catalog,
    backup: &Backup,
    dry_run: bool,
) -> Result<RestoreReport> {
    let identity = &backup.content.identity;
    let current = exo.get_mailbox(identity).await?;
    if current.is_dir_synced && !current.is_exchange_cloud_managed {
        return Err(Error::Refused {
            operation: format!("restore {identity} in the cloud"),
            reason: "its Exchange attributes are mastered on-premises: use the on-premises restore script instead".to_owned(),
        });
    }
    let wanted = mailbox_exchange_values(catalog, &backup.content.mailbox);
    let now = mailbox_exchange_values(catalog, &current);
    let mut changes = MailboxChanges::default();
    for attr in catalog {
        let Some(property) = attr.exo_property.as_deref() else {
            continue;
        };
        if attr.parameter.is_none() {
            continue;
        }
        let want = wanted.get(property).cloned().unwrap_or_default();
        let have = now.get(property).cloned().unwrap_or_default();
        if !want.equivalent(&have, attr.value_kind)
            && (wanted.contains_key(property) || now.contains_key(property))
        {
            changes.set.insert(property.to_owned(), want);
        }
    }
    if dry_run || changes.is_empty() {
        return Ok(RestoreReport {
            identity: identity.clone(),
            verified: changes.is_empty(),
            changes,
            dry_run,
        });
    }
    exo.set_mailbox(identity, &changes).await?;
    let after = mailbox_exchange_values(catalog, &exo.get_mailbox(identity).await?);
    let verified = changes.set.iter().all(|(p, v)| {
        let kind = catalog.get(p).map(|a| a.value_kind);
        kind.is_some_and(|k| v.equivalent(after.get(p).unwrap_or(&AttributeValue::Null), k))
    });
    Ok(RestoreReport {
        identity: identity.clone(),
        changes,
        dry_run,
        verified,
    })
}

/// A PowerShell script that restores a backup's Exchange values on-premises, for a mailbox
/// mastered in AD: one `Set-ADUser -Replace` (and `-Clear` for empty values) per attribute, every
/// value a single-quoted literal. Dry by nature: the admin reviews and runs it.
pub fn restore_script(catalog: &Catalog, backup: &Backup) -> String {
    let c = &backup.content;
    let values = mailbox_exchange_values(catalog, &c.mailbox);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# exchange-soa restore of {} from run {}",
        pwsh::comment(&c.identity),
        pwsh::comment(&c.run_id)
    );
    let _ = writeln!(
        out,
        "# backup taken {} (checksum {})",
        c.taken_at.to_rfc3339(),
        pwsh::comment(&backup.checksum)
    );
    let _ = writeln!(
        out,
        "# Review before running. Requires the ActiveDirectory module."
    );
    let id = pwsh::quote(&c.identity);
    for attr in catalog {
        let (Some(property), Some(ldap)) =
            (attr.exo_property.as_deref(), attr.ldap_name.as_deref())
        else {
            continue;
        };
        if attr.class != crate::catalog::AttributeClass::Exchange {
            continue;
        }
        match values.get(property) {
            Some(v) if !v.is_empty() => {
                let _ = writeln!(
                    out,
                    "Set-ADUser -Identity {id} -Replace {}",
                    pwsh::hashtable_entry(ldap, v)
                );
            }
            _ => {}
        }
    }
    out
}
