//! The on-premises side as the workflow reads it: an account's `whenChanged` and its
//! attributes, from Active Directory (or an export of it).
//!
//! The transfer workflow uses it for the sync-cycle-plus-24-hours rule and for rollback loss
//! analysis. The simulated organization implements it; so will the AD sources of the
//! reconciliation (CSV, LDIF, JSON exports).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::clock::Clock;
use crate::model::AttributeValue;
use crate::preflight::SyncEnvironment;

/// One AD account as the workflow needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdRecord {
    /// `whenChanged`.
    pub when_changed: Option<DateTime<Utc>>,
    /// Every attribute the account holds, by LDAP name (a complete read: an attribute that is
    /// absent is empty in AD).
    pub attributes: BTreeMap<String, AttributeValue>,
}

/// Read access to on-premises AD.
#[async_trait]
pub trait OnPremisesDirectory: Send + Sync {
    /// The account for `identity` (UPN, sAMAccountName or objectGUID); `Ok(None)` when there is
    /// no such account.
    async fn ad_record(&self, identity: &str) -> Result<Option<AdRecord>>;

    /// The sync engines serving this directory, when the directory knows them (a simulated
    /// organization does; AD itself does not record the Connect Sync version).
    async fn sync_environment(&self) -> Result<Option<SyncEnvironment>> {
        Ok(None)
    }

    /// The directory's own clock, when it keeps one (a simulated organization's virtual time);
    /// a [`Session`](crate::session::Session) with this directory reads the time from it.
    fn clock(&self) -> Option<Arc<dyn Clock>> {
        None
    }
}

#[cfg(feature = "sim")]
#[async_trait]
impl OnPremisesDirectory for crate::sim::SimulatedOrg {
    async fn sync_environment(&self) -> Result<Option<SyncEnvironment>> {
        let agent = self.cloud_sync_agent();
        Ok(Some(SyncEnvironment {
            connect_sync_version: Some(self.connect_sync_version()),
            cloud_sync_agent_version: agent.as_ref().map(|a| a.version),
            writeback_wanted: agent.is_some(),
        }))
    }

    fn clock(&self) -> Option<Arc<dyn Clock>> {
        Some(crate::exo::ExchangeOnline::clock(self))
    }

    async fn ad_record(&self, identity: &str) -> Result<Option<AdRecord>> {
        match self.ad_user(identity) {
            Ok(user) => Ok(Some(AdRecord {
                when_changed: Some(user.when_changed),
                attributes: self.ad_attributes(identity)?,
            })),
            Err(crate::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
