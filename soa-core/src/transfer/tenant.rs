//! The tenant-wide default, behind the preflight's hard gate.

use crate::exo::ExchangeOnline;
use crate::preflight::{Requirements, TenantState, check_tenant};
use crate::{Error, Result};

/// Turns `ExchangeAttributesCloudManagedByDefault` on, unless the preflight refuses it: while
/// mailboxes, mail users or remote mailboxes are still created on-premises, new synced recipients
/// would end up identity-only with no Exchange Online recipient. Reads the setting back.
pub async fn enable_cloud_managed_by_default(
    exo: &dyn ExchangeOnline,
    tenant: &TenantState,
    requirements: &Requirements,
) -> Result<()> {
    let proposed = TenantState {
        cloud_managed_by_default: true,
        ..tenant.clone()
    };
    if let Some(f) = check_tenant(&proposed, 0, requirements)
        .into_iter()
        .find(crate::preflight::Finding::blocks)
    {
        return Err(Error::Refused {
            operation: "turn on ExchangeAttributesCloudManagedByDefault".to_owned(),
            reason: format!("{} Fix: {}", f.message, f.fix),
        });
    }
    set_and_verify(exo, true).await
}

/// Turns the tenant-wide default off (`ExchangeAttributesServerManagedByDefault`). This applies
/// to future objects only: it does not repair users created while it was on.
pub async fn disable_cloud_managed_by_default(exo: &dyn ExchangeOnline) -> Result<()> {
    set_and_verify(exo, false).await
}

async fn set_and_verify(exo: &dyn ExchangeOnline, enabled: bool) -> Result<()> {
    let sent = exo.set_cloud_managed_by_default(enabled).await;
    let now = exo
        .get_organization_config()
        .await?
        .block_exchange_provisioning_from_on_prem_enabled;
    if now == enabled {
        return Ok(());
    }
    Err(match sent {
        Err(e) => e,
        Ok(()) => Error::Exchange {
            cmdlet: "Set-OrganizationConfig".to_owned(),
            message: "the call reported success but the setting reads unchanged".to_owned(),
        },
    })
}
