//! Who masters an attribute of a mailbox, where an edit must be made, and what a rollback loses.
//!
//! Everything here follows from two inputs: the attribute's [`AttributeClass`] in the
//! [`Catalog`] and the mailbox's [`MailboxState`]:
//!
//! | class | not dir-synced | dir-synced, flag false | dir-synced, flag true |
//! |---|---|---|---|
//! | identity | Entra ID | on-premises AD | on-premises AD |
//! | exchange | Exchange Online | on-premises AD | Exchange Online |
//! | cloud-only | Exchange Online | Exchange Online | Exchange Online |
//!
//! An exchange-class edit made in Exchange Online reaches AD only for the attributes that Entra
//! Cloud Sync writes back (and only where writeback is configured); the others stay in the cloud.
//! When the flag goes back to false, the next sync overwrites the cloud's exchange-class values
//! with AD's ([`rollback_loss`] lists them).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::{Attribute, AttributeClass, Catalog, ValueKind};
use crate::model::{AttributeValue, Mailbox, ProxyAddresses, RecipientTypeDetails, SmtpAddress};
use crate::{Error, Result, pwsh};

/// Where an attribute is mastered: the only place an edit to it sticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// On-premises Active Directory (edited with `Set-ADUser`, or `Set-RemoteMailbox` from the
    /// Exchange management tools); Entra Connect Sync carries the value to the cloud.
    OnPremisesAd,
    /// Exchange Online (`Set-Mailbox`, the Exchange admin center).
    ExchangeOnline,
    /// Entra ID, for the identity attributes of a cloud-only user.
    EntraId,
}

impl Authority {
    /// The serde name: `on_premises_ad`, `exchange_online`, `entra_id`.
    pub fn as_str(self) -> &'static str {
        match self {
            Authority::OnPremisesAd => "on_premises_ad",
            Authority::ExchangeOnline => "exchange_online",
            Authority::EntraId => "entra_id",
        }
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Authority::OnPremisesAd => "on-premises Active Directory",
            Authority::ExchangeOnline => "Exchange Online",
            Authority::EntraId => "Entra ID",
        })
    }
}

/// The facts about a mailbox that decide who masters its attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxState {
    /// `IsDirSynced`: the user object is synchronized from on-premises AD.
    pub dir_synced: bool,
    /// `IsExchangeCloudManaged`: the Exchange attributes are mastered in Exchange Online.
    pub cloud_managed: bool,
    /// `RecipientTypeDetails`, when known.
    pub recipient_type: Option<RecipientTypeDetails>,
}

impl MailboxState {
    /// A dir-synced mailbox whose Exchange attributes are still mastered on-premises.
    pub fn synced() -> Self {
        MailboxState {
            dir_synced: true,
            cloud_managed: false,
            recipient_type: Some(RecipientTypeDetails::UserMailbox),
        }
    }

    /// A dir-synced mailbox whose Exchange attributes are mastered in Exchange Online.
    pub fn cloud_managed() -> Self {
        MailboxState {
            cloud_managed: true,
            ..MailboxState::synced()
        }
    }

    /// A cloud-only mailbox (not synchronized from AD).
    pub fn cloud_only() -> Self {
        MailboxState {
            dir_synced: false,
            cloud_managed: false,
            recipient_type: Some(RecipientTypeDetails::UserMailbox),
        }
    }

    /// The state of a mailbox read from Exchange Online.
    pub fn from_mailbox(mailbox: &Mailbox) -> Self {
        MailboxState {
            dir_synced: mailbox.is_dir_synced,
            cloud_managed: mailbox.is_exchange_cloud_managed,
            recipient_type: mailbox.recipient_type_details.clone(),
        }
    }

    /// Whether the Exchange attributes are in effect mastered in the cloud: the flag is set on
    /// a dir-synced object. (A cloud-only object is mastered in the cloud anyway.)
    pub fn exchange_in_cloud(&self) -> bool {
        !self.dir_synced || self.cloud_managed
    }
}

/// Who masters `attribute` for a mailbox in `state`.
pub fn master(state: &MailboxState, attribute: &Attribute) -> Authority {
    match attribute.class {
        AttributeClass::Identity if state.dir_synced => Authority::OnPremisesAd,
        AttributeClass::Identity => Authority::EntraId,
        AttributeClass::Exchange if state.exchange_in_cloud() => Authority::ExchangeOnline,
        AttributeClass::Exchange => Authority::OnPremisesAd,
        AttributeClass::CloudOnly => Authority::ExchangeOnline,
    }
}

/// Where an admin wants to make an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditLocation {
    /// Exchange Online: `Set-Mailbox`, the Exchange or Microsoft 365 admin center.
    ExchangeOnline,
    /// The on-premises Exchange management tools: `Set-RemoteMailbox`.
    OnPremisesExchange,
    /// Active Directory directly: `Set-ADUser`, ADSI Edit, an HR or identity tool.
    ActiveDirectory,
}

impl EditLocation {
    fn is_on_premises(self) -> bool {
        !matches!(self, EditLocation::ExchangeOnline)
    }

    /// The serde name: `exchange_online`, `on_premises_exchange`, `active_directory`.
    pub fn as_str(self) -> &'static str {
        match self {
            EditLocation::ExchangeOnline => "exchange_online",
            EditLocation::OnPremisesExchange => "on_premises_exchange",
            EditLocation::ActiveDirectory => "active_directory",
        }
    }
}

impl std::str::FromStr for EditLocation {
    type Err = Error;

    /// Parses the serde name, ignoring case, `-` for `_`, and the PowerShell-style spelling
    /// without separators (`ActiveDirectory`).
    fn from_str(s: &str) -> Result<Self> {
        let key: String = s
            .trim()
            .chars()
            .filter(|c| *c != '_' && *c != '-' && *c != ' ')
            .collect::<String>()
            .to_ascii_lowercase();
        match key.as_str() {
            "exchangeonline" => Ok(EditLocation::ExchangeOnline),
            "onpremisesexchange" => Ok(EditLocation::OnPremisesExchange),
            "activedirectory" => Ok(EditLocation::ActiveDirectory),
            _ => Err(Error::invalid_input(
                "edit location",
                format!(
                    "{s:?} is not one of exchange_online, on_premises_exchange, active_directory"
                ),
            )),
        }
    }
}

/// An edit an admin is about to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedEdit {
    /// The attribute, by any of its names (`extensionAttribute1`, `CustomAttribute1`, ...).
    pub attribute: String,
    /// The new value (`null` clears the attribute).
    #[serde(default)]
    pub value: AttributeValue,
    /// Where the admin wants to make the edit.
    pub location: EditLocation,
    /// The mailbox's identity, used in the suggested command (a placeholder when absent).
    #[serde(default)]
    pub identity: Option<String>,
}

/// Whether (and how) on-premises AD will hold the new value after the edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdVisibility {
    /// The edit is made in AD itself.
    Direct,
    /// Entra Cloud Sync writes the value back to AD (about every 20 minutes), if the "EXO to AD
    /// attribute sync" configuration is in place.
    Writeback,
    /// The value stays in the cloud: AD and everything that reads it keep the old value.
    Never,
    /// There is no AD object (a cloud-only mailbox).
    NoAdObject,
}

impl AdVisibility {
    /// The serde name: `direct`, `writeback`, `never`, `no_ad_object`.
    pub fn as_str(self) -> &'static str {
        match self {
            AdVisibility::Direct => "direct",
            AdVisibility::Writeback => "writeback",
            AdVisibility::Never => "never",
            AdVisibility::NoAdObject => "no_ad_object",
        }
    }
}

/// The verdict on a [`ProposedEdit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditDecision {
    /// The attribute's canonical name (see [`Attribute::name`]).
    pub attribute: String,
    /// The attribute's class.
    pub class: AttributeClass,
    /// Whether the edit, made where the admin proposed, will stick.
    pub allowed: bool,
    /// Where the attribute is mastered for this mailbox.
    pub authority: Authority,
    /// The command that makes the edit at the authority, with the value safely quoted; `None`
    /// when the catalog knows no cmdlet parameter or LDAP name for it there.
    pub tool: Option<String>,
    /// Whether AD will see the new value.
    pub ad_visibility: AdVisibility,
    /// Whether the attribute is in the writeback set (see [`Attribute::writeback`]).
    pub written_back: bool,
    /// Why, in terms an admin can act on.
    pub reason: String,
}

/// Decides whether `edit` will stick for a mailbox in `state`, where it must be made instead,
/// and whether AD will see it.
///
/// The value is validated for the attribute's kind first (proxy address syntax and the
/// single-primary rule, SMTP syntax, Booleans, integers); an invalid value is an error, not a
/// decision.
pub fn decide_edit(
    catalog: &Catalog,
    state: &MailboxState,
    edit: &ProposedEdit,
) -> Result<EditDecision> {
    let attribute = catalog.lookup(&edit.attribute)?;
    validate_value(attribute, &edit.value)?;
    let identity = edit.identity.as_deref().unwrap_or("<identity>");
    let authority = master(state, attribute);
    let tool = command_at(authority, attribute, identity, &edit.value);
    let on_prem = edit.location.is_on_premises();
    let name = attribute.name();

    let (allowed, ad_visibility, reason) = match (attribute.class, authority) {
        (_, Authority::EntraId) => (
            !on_prem,
            AdVisibility::NoAdObject,
            format!(
                "The user is not synchronized from AD (cloud-only), so {name} is mastered in Entra ID; an on-premises edit does not reach it."
            ),
        ),
        (AttributeClass::Identity, _) => identity_verdict(name, on_prem),
        (AttributeClass::CloudOnly, _) => (
            !on_prem,
            if state.dir_synced {
                AdVisibility::Never
            } else {
                AdVisibility::NoAdObject
            },
            format!(
                "{name} is a cloud-only mailbox setting: it never came from AD, so it is edited in Exchange Online and is not written back."
            ),
        ),
        (AttributeClass::Exchange, Authority::OnPremisesAd) => on_premises_verdict(name, on_prem),
        (AttributeClass::Exchange, Authority::ExchangeOnline) => {
            cloud_verdict(name, attribute.writeback, state, on_prem)
        }
    };

    Ok(EditDecision {
        attribute: name.to_owned(),
        class: attribute.class,
        allowed,
        authority,
        tool,
        ad_visibility,
        written_back: attribute.writeback,
        reason,
    })
}

type Verdict = (bool, AdVisibility, String);

/// An identity attribute of a dir-synced user: AD, whatever the flag says.
fn identity_verdict(name: &str, on_prem: bool) -> Verdict {
    let reason = if on_prem {
        format!(
            "{name} is an identity attribute: it is mastered in on-premises AD whatever IsExchangeCloudManaged says, and Entra Connect Sync carries the edit to the cloud."
        )
    } else {
        format!(
            "{name} is an identity attribute of a dir-synced user: it stays mastered in on-premises AD even after IsExchangeCloudManaged is set to true. Edit it in AD."
        )
    };
    (on_prem, AdVisibility::Direct, reason)
}

/// An Exchange attribute of a dir-synced mailbox that is not cloud-managed.
fn on_premises_verdict(name: &str, on_prem: bool) -> Verdict {
    let reason = if on_prem {
        format!(
            "The mailbox is dir-synced and not cloud-managed (IsExchangeCloudManaged is false), so {name} is mastered in on-premises AD; the next sync cycle carries the edit to Exchange Online."
        )
    } else {
        format!(
            "The mailbox is dir-synced and not cloud-managed, so Exchange Online refuses the edit (\"...out of the current user's write scope ... the object is being synchronized from your on-premises organization\"). Edit {name} on-premises, or transfer the mailbox's source of authority first (Set-Mailbox -IsExchangeCloudManaged $true)."
        )
    };
    (on_prem, AdVisibility::Direct, reason)
}

/// An Exchange attribute mastered in Exchange Online (cloud-managed, or cloud-only mailbox).
fn cloud_verdict(name: &str, written_back: bool, state: &MailboxState, on_prem: bool) -> Verdict {
    let visibility = if !state.dir_synced {
        AdVisibility::NoAdObject
    } else if written_back {
        AdVisibility::Writeback
    } else {
        AdVisibility::Never
    };
    let ad_part = match visibility {
        AdVisibility::Writeback => {
            " Entra Cloud Sync writes it back to AD (about every 20 minutes) where the \"EXO to AD attribute sync\" configuration is in place."
        }
        AdVisibility::Never => {
            " It is not in the writeback set: AD, and every application that reads AD, keep the old value."
        }
        AdVisibility::Direct | AdVisibility::NoAdObject => "",
    };
    let reason = if on_prem {
        format!(
            "The mailbox is cloud-managed (IsExchangeCloudManaged is true), so {name} is mastered in Exchange Online: an on-premises edit succeeds in AD but sync drops it, and it would win again after a rollback. Edit it in Exchange Online.{ad_part}"
        )
    } else if state.dir_synced {
        format!("The mailbox is cloud-managed, so {name} is mastered in Exchange Online.{ad_part}")
    } else {
        format!(
            "The mailbox is cloud-only (not dir-synced), so {name} is mastered in Exchange Online."
        )
    };
    (!on_prem, visibility, reason)
}

/// Checks that `value` fits the attribute's value kind.
pub(crate) fn validate_value(attribute: &Attribute, value: &AttributeValue) -> Result<()> {
    let what = || format!("value for {}", attribute.name());
    match (attribute.value_kind, value) {
        (_, AttributeValue::Null) => Ok(()),
        (ValueKind::ProxyAddresses, v) => ProxyAddresses::parse(v.to_strings()).map(drop),
        // Exchange Online shows some address properties (ForwardingSmtpAddress) with an
        // `smtp:` prefix; both forms are accepted.
        (ValueKind::SmtpAddress, AttributeValue::String(s)) => {
            let bare = s
                .get(..5)
                .filter(|p| p.eq_ignore_ascii_case("smtp:"))
                .map_or(s.as_str(), |_| &s[5..]);
            bare.parse::<SmtpAddress>().map(drop)
        }
        (ValueKind::Boolean, v) => v
            .as_bool()
            .map(drop)
            .ok_or_else(|| Error::invalid_input(what(), format!("{v} is not a Boolean"))),
        (ValueKind::Integer, AttributeValue::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(drop)
            .map_err(|_| Error::invalid_input(what(), format!("{s:?} is not an integer"))),
        (kind, AttributeValue::List(items)) if !kind.is_multi_valued() => {
            Err(Error::invalid_input(
                what(),
                format!(
                    "the attribute is single-valued but {} values were given",
                    items.len()
                ),
            ))
        }
        (ValueKind::Integer | ValueKind::SmtpAddress, v)
            if !matches!(v, AttributeValue::Integer(_)) =>
        {
            Err(Error::invalid_input(
                what(),
                format!("{v} is not a valid {:?} value", attribute.value_kind),
            ))
        }
        _ => Ok(()),
    }
}

/// The command that sets `attribute` to `value` at `authority`, with every value quoted.
fn command_at(
    authority: Authority,
    attribute: &Attribute,
    identity: &str,
    value: &AttributeValue,
) -> Option<String> {
    let id = pwsh::quote(identity);
    match authority {
        Authority::ExchangeOnline => attribute.parameter.as_ref().map(|p| {
            format!(
                "Set-Mailbox -Identity {id} -{p} {}",
                set_value(attribute, value)
            )
        }),
        Authority::OnPremisesAd if attribute.class == AttributeClass::Exchange => {
            match (&attribute.parameter, &attribute.ldap_name) {
                (Some(p), _) => Some(format!(
                    "Set-RemoteMailbox -Identity {id} -{p} {}",
                    set_value(attribute, value)
                )),
                (None, Some(ldap)) => Some(ad_command(&id, ldap, value)),
                (None, None) => None,
            }
        }
        Authority::OnPremisesAd => attribute
            .ldap_name
            .as_ref()
            .map(|ldap| ad_command(&id, ldap, value)),
        Authority::EntraId => attribute.graph_name.as_ref().map(|g| {
            format!(
                "Update-MgUser -UserId {id} -BodyParameter {}",
                pwsh::hashtable_entry(g, value)
            )
        }),
    }
}

fn set_value(attribute: &Attribute, value: &AttributeValue) -> String {
    match value {
        AttributeValue::Null => "$null".to_owned(),
        v if attribute.is_multi_valued() => pwsh::array(&v.to_strings()),
        v => pwsh::literal(v),
    }
}

fn ad_command(id: &str, ldap: &str, value: &AttributeValue) -> String {
    if value.is_empty() {
        format!("Set-ADUser -Identity {id} -Clear {}", pwsh::key(ldap))
    } else {
        format!(
            "Set-ADUser -Identity {id} -Replace {}",
            pwsh::hashtable_entry(ldap, value)
        )
    }
}

/// One cloud value that the next sync cycle will overwrite after a rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossEntry {
    /// The attribute's canonical name.
    pub attribute: String,
    /// Its LDAP name, if any.
    pub ldap_name: Option<String>,
    /// The value in Exchange Online now, which will be lost.
    pub cloud_value: AttributeValue,
    /// The AD value that will replace it (`null` when AD holds none, or when it was not
    /// supplied: see [`LossEntry::ad_supplied`]).
    pub ad_value: AttributeValue,
    /// Whether the caller supplied AD's value. When not, the cloud value is overwritten by
    /// whatever AD holds, which cannot be shown.
    pub ad_supplied: bool,
    /// Whether the attribute is in the writeback set: if writeback is running, waiting for its
    /// next cycle before rolling back would carry the cloud value to AD instead of losing it.
    pub written_back: bool,
}

/// What rolling a mailbox back (`IsExchangeCloudManaged` to false) would lose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackLoss {
    /// Whether a rollback applies at all: only a dir-synced, cloud-managed mailbox has one.
    pub applies: bool,
    /// The cloud values the next sync would overwrite, sorted by attribute name.
    pub entries: Vec<LossEntry>,
    /// A one-line summary for people.
    pub summary: String,
}

impl RollbackLoss {
    /// Whether the rollback would lose nothing.
    pub fn is_lossless(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Lists the cloud values that the next sync cycle overwrites with AD values if the mailbox's
/// flag is set back to false.
///
/// `cloud` and `ad` map attribute names (any catalog name: LDAP, Exchange property, parameter or
/// Graph) to values. Only exchange-class attributes are considered: identity attributes are
/// mastered in AD anyway, and cloud-only settings never came from AD; exchange attributes without
/// an LDAP name are derived from others and skipped. Values are compared by
/// kind (see [`AttributeValue::equivalent`]). An attribute absent from `ad` is reported when the
/// cloud holds a value for it, with `ad_supplied: false`.
///
/// Errors on a name the catalog does not know, or on two names for the same attribute in one
/// map.
pub fn rollback_loss(
    catalog: &Catalog,
    state: &MailboxState,
    cloud: &BTreeMap<String, AttributeValue>,
    ad: &BTreeMap<String, AttributeValue>,
) -> Result<RollbackLoss> {
    let cloud = resolve(catalog, cloud, "cloud values")?;
    let ad = resolve(catalog, ad, "AD values")?;
    if !(state.dir_synced && state.cloud_managed) {
        let why = if state.dir_synced {
            "the mailbox is not cloud-managed: its Exchange attributes already come from AD"
        } else {
            "the mailbox is not dir-synced: there is no AD object to roll back to"
        };
        return Ok(RollbackLoss {
            applies: false,
            entries: Vec::new(),
            summary: format!("No rollback applies: {why}."),
        });
    }

    let entries: Vec<LossEntry> = cloud
        .values()
        // Only what sync carries from AD can be overwritten: an exchange-class attribute
        // without an LDAP name (PrimarySmtpAddress, derived from EmailAddresses) follows the
        // attribute it derives from.
        .filter(|(attr, _)| attr.class == AttributeClass::Exchange && attr.ldap_name.is_some())
        .filter_map(|&(attr, cloud_value)| {
            let ad_value = ad.get(attr.name()).map(|&(_, v)| v.clone());
            let lost = match &ad_value {
                Some(a) => !cloud_value.equivalent(a, attr.value_kind),
                None => !cloud_value.is_empty(),
            };
            lost.then(|| LossEntry {
                attribute: attr.name().to_owned(),
                ldap_name: attr.ldap_name.clone(),
                cloud_value: cloud_value.clone(),
                ad_supplied: ad_value.is_some(),
                ad_value: ad_value.unwrap_or_default(),
                written_back: attr.writeback,
            })
        })
        .collect();
    let summary = if entries.is_empty() {
        "Rollback loses nothing: every cloud Exchange value matches AD.".to_owned()
    } else {
        let names: Vec<&str> = entries.iter().map(|e| e.attribute.as_str()).collect();
        format!(
            "Rollback overwrites {} cloud value(s) with AD values at the next sync: {}. Export them first.",
            entries.len(),
            names.join(", ")
        )
    };
    Ok(RollbackLoss {
        applies: true,
        entries,
        summary,
    })
}

/// The Exchange-class values of a mailbox as `Get-Mailbox` shows them, keyed by Exchange Online
/// property name: the cloud side of [`rollback_loss`]. Values the sync engine does not carry from
/// AD (the recipient type, the mailbox GUID, derived properties without an LDAP name) are left
/// out, and so are empty values.
pub fn mailbox_exchange_values(
    catalog: &Catalog,
    mailbox: &Mailbox,
) -> BTreeMap<String, AttributeValue> {
    catalog
        .iter()
        .filter(|a| a.class == AttributeClass::Exchange && a.ldap_name.is_some())
        .filter_map(|a| {
            let property = a.exo_property.as_deref()?;
            if matches!(property, "RecipientTypeDetails" | "ExchangeGuid") {
                return None;
            }
            let value = mailbox.property(property)?;
            (!value.is_empty()).then(|| (property.to_owned(), value))
        })
        .collect()
}

/// [`rollback_loss`] for a mailbox read from Exchange Online and a *complete* read of its AD
/// account (any catalog names, typically the LDAP names of `Get-ADUser -Properties *`): an
/// Exchange attribute missing from `ad` is taken as empty in AD, not as unknown.
pub fn rollback_loss_for_mailbox(
    catalog: &Catalog,
    mailbox: &Mailbox,
    ad: &BTreeMap<String, AttributeValue>,
) -> Result<RollbackLoss> {
    let present: std::collections::BTreeSet<&str> = ad
        .keys()
        .filter_map(|k| catalog.get(k))
        .map(Attribute::name)
        .collect();
    let mut complete = ad.clone();
    for a in catalog
        .iter()
        .filter(|a| a.class == AttributeClass::Exchange)
    {
        if let Some(ldap) = &a.ldap_name
            && !present.contains(a.name())
        {
            complete.insert(ldap.clone(), AttributeValue::Null);
        }
    }
    rollback_loss(
        catalog,
        &MailboxState::from_mailbox(mailbox),
        &mailbox_exchange_values(catalog, mailbox),
        &complete,
    )
}

/// Attribute values keyed by the attribute's canonical name.
type Resolved<'c, 'v> = BTreeMap<&'c str, (&'c Attribute, &'v AttributeValue)>;

/// Resolves names to catalog rows, refusing two names for one attribute.
fn resolve<'c, 'v>(
    catalog: &'c Catalog,
    values: &'v BTreeMap<String, AttributeValue>,
    what: &str,
) -> Result<Resolved<'c, 'v>> {
    let mut out = Resolved::new();
    let mut given: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, value) in values {
        let attr = catalog.lookup(name)?;
        if let Some(first) = given.insert(attr.name(), name) {
            return Err(Error::invalid_input(
                what,
                format!(
                    "{first:?} and {name:?} name the same attribute ({})",
                    attr.name()
                ),
            ));
        }
        out.insert(attr.name(), (attr, value));
    }
    Ok(out)
}
