//! The on-premises side as the workflow reads it: an account's `whenChanged` and its
//! attributes, from Active Directory (or an export of it).
//!
//! The transfer workflow uses it for the sync-cycle-plus-24-hours rule and for rollback loss
//! analysis. The simulated organization implements it; so will the AD sources of the
//! reconciliation (CSV, LDIF, JSON exports).

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::model::AttributeValue;

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
}

#[async_trait]
impl OnPremisesDirectory for crate::sim::SimulatedOrg {
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
