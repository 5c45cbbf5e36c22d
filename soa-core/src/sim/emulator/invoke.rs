//! `POST /adminapi/beta/{tenant}/InvokeCommand`: authentication, faults, and the cmdlets,
//! served by the simulated organization acting as the token's principal.

use std::collections::BTreeSet;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::auth::{self, Bearer};
use super::faults::{Dice, FaultKind, retry_after};
use super::opath;
use super::params::{self, Params, no_such_parameter};
use super::respond;
use super::server::{Inner, Outcome, RequestInfo};
use super::stats::UNKNOWN_CMDLET;
use crate::exo::wire::{AdminAuditLogEntry, InvokeRequest, ResponsePage, roles};
use crate::exo::{AuditQuery, ExchangeOnline, MailboxChanges, MailboxFilter};
use crate::model::RecipientTypeDetails;
use crate::sim::SimulatedOrg;
use crate::{Error, Result};

/// The cmdlets the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmdlet {
    GetMailbox,
    GetUser,
    SetMailbox,
    GetOrganizationConfig,
    SetOrganizationConfig,
    GetManagementRole,
    GetManagementRoleAssignment,
    SearchAdminAuditLog,
}

impl Cmdlet {
    const ALL: [Cmdlet; 8] = [
        Cmdlet::GetMailbox,
        Cmdlet::GetUser,
        Cmdlet::SetMailbox,
        Cmdlet::GetOrganizationConfig,
        Cmdlet::SetOrganizationConfig,
        Cmdlet::GetManagementRole,
        Cmdlet::GetManagementRoleAssignment,
        Cmdlet::SearchAdminAuditLog,
    ];

    fn name(self) -> &'static str {
        match self {
            Cmdlet::GetMailbox => "Get-Mailbox",
            Cmdlet::GetUser => "Get-User",
            Cmdlet::SetMailbox => "Set-Mailbox",
            Cmdlet::GetOrganizationConfig => "Get-OrganizationConfig",
            Cmdlet::SetOrganizationConfig => "Set-OrganizationConfig",
            Cmdlet::GetManagementRole => roles::GET_ROLE,
            Cmdlet::GetManagementRoleAssignment => roles::GET_ASSIGNMENT,
            Cmdlet::SearchAdminAuditLog => "Search-AdminAuditLog",
        }
    }

    fn parse(name: &str) -> Option<Cmdlet> {
        let name = name.trim();
        Cmdlet::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    fn is_write(self) -> bool {
        matches!(self, Cmdlet::SetMailbox | Cmdlet::SetOrganizationConfig)
    }
}

/// A cmdlet's successful answer.
#[derive(Default)]
struct Answer {
    value: Vec<Value>,
    next: Option<String>,
    warnings: Vec<String>,
    page_size_applied: Option<usize>,
}

/// `odata.maxpagesize=N` from a `Prefer` header, when N is within 1..=1000.
fn preferred_page_size(prefer: Option<&str>) -> Option<usize> {
    prefer?
        .split([',', ';'])
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("odata.maxpagesize"))
        .and_then(|(_, v)| v.trim().trim_matches('"').parse::<usize>().ok())
        .filter(|n| (1..=1000).contains(n))
}

/// The decoded query parameters of the request URL.
fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.into_owned())
}

/// The query without `$skiptoken`, raw (so `$select` survives as sent).
fn query_without_skiptoken(query: Option<&str>) -> Vec<&str> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let key = p.split('=').next().unwrap_or_default();
            let decoded: String = form_urlencoded::parse(key.as_bytes())
                .map(|(k, _)| k.into_owned())
                .next()
                .unwrap_or_default();
            !decoded.eq_ignore_ascii_case("$skiptoken")
        })
        .collect()
}

/// FNV-1a, to tie a skip token to the selection it pages through.
fn fingerprint(selection: Option<&MailboxFilter>) -> u64 {
    let text = selection
        .and_then(|f| serde_json::to_string(f).ok())
        .unwrap_or_else(|| "nothing".to_owned());
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn encode_skiptoken(fp: u64, after: &str) -> String {
    format!("{fp:016x}{}", URL_SAFE_NO_PAD.encode(after))
}

fn decode_skiptoken(token: &str, fp: u64) -> Result<String> {
    let bad = |reason: &str| Error::invalid_input("$skiptoken", reason.to_owned());
    let (hex, rest) = (token.get(..16), token.get(16..));
    let (Some(hex), Some(rest)) = (hex, rest) else {
        return Err(bad("not a skip token this service issued"));
    };
    let given =
        u64::from_str_radix(hex, 16).map_err(|_| bad("not a skip token this service issued"))?;
    if given != fp {
        return Err(bad(
            "the skip token belongs to another query: POST the same body to @odata.nextLink",
        ));
    }
    URL_SAFE_NO_PAD
        .decode(rest)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| bad("not a skip token this service issued"))
}

/// Adds the `...@odata.type` siblings the service puts next to typed properties (clients must
/// skip them).
fn annotate(v: &mut Value) {
    let Value::Object(m) = v else { return };
    let mut add = Vec::new();
    for (key, kind) in [
        ("Guid", "#Guid"),
        ("ExchangeGuid", "#Guid"),
        ("ExternalDirectoryObjectId", "#Guid"),
        ("WhenChangedUTC", "#DateTime"),
        ("WhenCreatedUTC", "#DateTime"),
    ] {
        if m.get(key).is_some_and(|v| !v.is_null()) {
            add.push((format!("{key}@odata.type"), kind));
        }
    }
    for (k, kind) in add {
        m.insert(k, Value::String(kind.to_owned()));
    }
}

/// Keeps only the `$select`ed properties (and their annotations).
fn select(value: &mut [Value], selected: &[String]) {
    for v in value {
        if let Value::Object(m) = v {
            m.retain(|k, _| {
                let base = k.split('@').next().unwrap_or(k);
                selected.iter().any(|s| s.eq_ignore_ascii_case(base))
            });
        }
    }
}

fn to_json(what: &str, value: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::json(what.to_owned(), e))
}

/// The principal's view of the request, and where it came from.
struct Call<'a> {
    inner: &'a Inner,
    org: SimulatedOrg,
    params: Params<'a>,
    req: &'a RequestInfo,
    tenant: &'a str,
    skiptoken: Option<String>,
}

impl Call<'_> {
    /// `http://host:port` as the client addressed us.
    fn origin(&self) -> String {
        let valid = |h: &&str| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        };
        match self.req.host.as_deref().filter(valid) {
            Some(host) => format!("http://{host}"),
            None => self.inner.base_url.clone(),
        }
    }

    fn no_paging(&self, cmdlet: Cmdlet) -> Result<()> {
        if self.skiptoken.is_some() {
            return Err(Error::invalid_input(
                "$skiptoken",
                format!(
                    "{} with these parameters returns a single page",
                    cmdlet.name()
                ),
            ));
        }
        Ok(())
    }

    async fn run(&self, cmdlet: Cmdlet) -> Result<Answer> {
        if cmdlet != Cmdlet::GetMailbox {
            self.no_paging(cmdlet)?;
        }
        match cmdlet {
            Cmdlet::GetMailbox => self.get_mailbox().await,
            Cmdlet::GetUser => {
                self.params.only(&["Identity"])?;
                let identity = self.params.required_string("Get-User", "Identity")?;
                let user = self.org.get_user(&identity).await?;
                let mut v = to_json("user", &user)?;
                annotate(&mut v);
                Ok(Answer {
                    value: vec![v],
                    ..Answer::default()
                })
            }
            Cmdlet::SetMailbox => self.set_mailbox().await,
            Cmdlet::GetOrganizationConfig => {
                self.params.only(&[])?;
                let config = self.org.get_organization_config().await?;
                let mut v = to_json("organization config", &config)?;
                if let (Value::Object(m), Some(name)) = (&mut v, config.name) {
                    m.insert("Identity".into(), Value::String(name));
                }
                Ok(Answer {
                    value: vec![v],
                    ..Answer::default()
                })
            }
            Cmdlet::SetOrganizationConfig => self.set_organization_config().await,
            Cmdlet::GetManagementRole => self.get_management_role().await,
            Cmdlet::GetManagementRoleAssignment => self.get_management_role_assignment(),
            Cmdlet::SearchAdminAuditLog => self.search_admin_audit_log().await,
        }
    }

    async fn get_mailbox(&self) -> Result<Answer> {
        let p = &self.params;
        p.only(&["Identity", "Filter", "RecipientTypeDetails", "ResultSize"])?;
        if let Some(size) = p.string("ResultSize")? {
            let ok = size.trim().eq_ignore_ascii_case("unlimited")
                || size.trim().parse::<u64>().is_ok_and(|n| n > 0);
            if !ok {
                return Err(Error::invalid_input(
                    "parameter ResultSize",
                    format!("{size:?} is neither Unlimited nor a positive number"),
                ));
            }
        }
        let types = p
            .strings("RecipientTypeDetails", true)?
            .map(|names| {
                names
                    .iter()
                    .map(|n| opath::parse_type(n))
                    .collect::<Result<Vec<RecipientTypeDetails>>>()
            })
            .transpose()?;
        let filter = p.string("Filter")?;
        let selection = opath::selection(filter.as_deref(), types.as_deref())?;
        if let Some(identity) = p.string("Identity")? {
            self.no_paging(Cmdlet::GetMailbox)?;
            let mailbox = self.org.get_mailbox(&identity).await?;
            if !selection.as_ref().is_some_and(|f| f.matches(&mailbox)) {
                return Err(Error::NotFound {
                    what: "mailbox",
                    identity,
                });
            }
            let mut v = to_json("mailbox", &mailbox)?;
            annotate(&mut v);
            return Ok(Answer {
                value: vec![v],
                ..Answer::default()
            });
        }
        // The listing: the same check as `list_mailboxes`, then one page.
        self.org.authorize("Get-Mailbox", "ResultSize")?;
        let fp = fingerprint(selection.as_ref());
        let after = self
            .skiptoken
            .as_deref()
            .map(|t| decode_skiptoken(t, fp))
            .transpose()?;
        let preferred = preferred_page_size(self.req.prefer.as_deref());
        let size = preferred
            .unwrap_or(1000)
            .min(self.inner.max_page_size)
            .max(1);
        let page = match &selection {
            Some(filter) => self.org.mailbox_page(filter, after.as_deref(), size),
            None => crate::sim::MailboxPage::default(),
        };
        let mut value = Vec::with_capacity(page.mailboxes.len());
        for m in &page.mailboxes {
            let mut v = to_json("mailbox", m)?;
            annotate(&mut v);
            value.push(v);
        }
        let next = page.next.map(|after| {
            let mut query = query_without_skiptoken(self.req.query.as_deref());
            let token = format!("$skiptoken={}", encode_skiptoken(fp, &after));
            query.push(&token);
            format!("{}{}?{}", self.origin(), self.req.path, query.join("&"))
        });
        Ok(Answer {
            value,
            next,
            warnings: Vec::new(),
            page_size_applied: preferred.map(|_| size),
        })
    }

    fn audit_len(&self) -> usize {
        self.inner.org.read().audit.len()
    }

    fn unchanged(identity: &str) -> String {
        format!(
            "The command completed successfully but no settings of '{identity}' have been modified."
        )
    }

    async fn set_mailbox(&self) -> Result<Answer> {
        let p = &self.params;
        let identity = p.required_string("Set-Mailbox", "Identity")?;
        let others: Vec<(&str, &Value)> = p
            .entries()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("Identity"))
            .collect();
        let before = self.audit_len();
        if let Some((_, v)) = others
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("IsExchangeCloudManaged"))
        {
            if others.len() > 1 {
                return Err(Error::invalid_input(
                    "Set-Mailbox parameters",
                    "IsExchangeCloudManaged is changed in a call of its own, never together with other parameters",
                ));
            }
            let value = params::as_bool("IsExchangeCloudManaged", v)?;
            self.org.set_cloud_managed(&identity, value).await?;
        } else {
            let catalog = self.org.catalog();
            let mut changes = MailboxChanges::default();
            let mut seen = BTreeSet::new();
            for (k, v) in others {
                let attr = catalog
                    .by_parameter(k)
                    .ok_or_else(|| no_such_parameter(k))?;
                let name = attr.name().to_owned();
                if !seen.insert(name.clone()) {
                    return Err(Error::invalid_input(
                        format!("parameter {k}"),
                        format!(
                            "Cannot bind parameter because parameter '{k}' is specified more than once."
                        ),
                    ));
                }
                if let Some((add, remove)) = params::hashtable(k, v)? {
                    if !add.is_empty() {
                        changes.add.insert(name.clone(), add);
                    }
                    if !remove.is_empty() {
                        changes.remove.insert(name, remove);
                    }
                } else {
                    changes.set.insert(name, params::attribute_value(k, v)?);
                }
            }
            self.org.set_mailbox(&identity, &changes).await?;
        }
        let warnings = if self.audit_len() == before {
            vec![Self::unchanged(&identity)]
        } else {
            Vec::new()
        };
        Ok(Answer {
            warnings,
            ..Answer::default()
        })
    }

    async fn set_organization_config(&self) -> Result<Answer> {
        const CLOUD: &str = "ExchangeAttributesCloudManagedByDefault";
        const SERVER: &str = "ExchangeAttributesServerManagedByDefault";
        let p = &self.params;
        p.only(&[CLOUD, SERVER])?;
        let switch = |name: &str| -> Result<bool> {
            match p.bool(name)? {
                None => Ok(false),
                Some(true) => Ok(true),
                Some(false) => Err(Error::invalid_input(
                    format!("parameter {name}"),
                    "a switch: send true to set it, or leave it out",
                )),
            }
        };
        let enabled = match (switch(CLOUD)?, switch(SERVER)?) {
            (true, false) => true,
            (false, true) => false,
            (true, true) => {
                return Err(Error::invalid_input(
                    "Set-OrganizationConfig parameters",
                    format!("-{CLOUD} and -{SERVER} exclude each other"),
                ));
            }
            (false, false) => {
                return Err(Error::invalid_input(
                    "Set-OrganizationConfig parameters",
                    format!("the emulator serves -{CLOUD} and -{SERVER} only; give one of them"),
                ));
            }
        };
        let before = self.audit_len();
        self.org.set_cloud_managed_by_default(enabled).await?;
        let warnings = if self.audit_len() == before {
            vec![Self::unchanged(self.tenant)]
        } else {
            Vec::new()
        };
        Ok(Answer {
            warnings,
            ..Answer::default()
        })
    }

    /// Roles granting `-Cmdlet` with every one of `-CmdletParameters` (derived from the role
    /// assignments: a role nobody holds is not listed), or a role by `-Identity`, or all.
    async fn get_management_role(&self) -> Result<Answer> {
        let p = &self.params;
        p.only(&["Cmdlet", "CmdletParameters", "Identity"])?;
        let names: Vec<String> = if let Some(cmdlet) = p.string("Cmdlet")? {
            let parameters = p
                .strings("CmdletParameters", true)?
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| vec!["*".to_owned()]);
            let mut names: Option<BTreeSet<String>> = None;
            for parameter in &parameters {
                let found: BTreeSet<String> = self
                    .org
                    .role_assignments(&cmdlet, parameter)
                    .await?
                    .into_iter()
                    .map(|a| a.role)
                    .collect();
                names = Some(match names {
                    None => found,
                    Some(n) => n.intersection(&found).cloned().collect(),
                });
            }
            names.unwrap_or_default().into_iter().collect()
        } else {
            self.org.authorize(roles::GET_ROLE, "Identity")?;
            let s = self.inner.org.read();
            match p.string("Identity")? {
                Some(id) => {
                    let name = s
                        .roles
                        .keys()
                        .find(|r| r.eq_ignore_ascii_case(&id))
                        .cloned()
                        .ok_or(Error::NotFound {
                            what: "management role",
                            identity: id,
                        })?;
                    vec![name]
                }
                None => s.roles.keys().cloned().collect(),
            }
        };
        let value = names
            .into_iter()
            .map(|n| json!({"Name": n, "Identity": n}))
            .collect();
        Ok(Answer {
            value,
            ..Answer::default()
        })
    }

    /// The assignments of `-Role` (all when absent), optionally of `-RoleAssignee` only.
    fn get_management_role_assignment(&self) -> Result<Answer> {
        let p = &self.params;
        p.only(&["Role", "RoleAssignee"])?;
        // The same check as `role_assignments`.
        self.org.authorize(roles::GET_ASSIGNMENT, "Identity")?;
        let role = p.string("Role")?;
        let assignee = p.string("RoleAssignee")?;
        let s = self.inner.org.read();
        if let Some(r) = &role
            && !s.roles.keys().any(|k| k.eq_ignore_ascii_case(r))
        {
            return Err(Error::NotFound {
                what: "management role",
                identity: r.clone(),
            });
        }
        let mut value = Vec::new();
        for (principal, held) in &s.principals {
            if assignee
                .as_deref()
                .is_some_and(|a| !a.eq_ignore_ascii_case(principal))
            {
                continue;
            }
            for r in held {
                if role
                    .as_deref()
                    .is_none_or(|want| want.eq_ignore_ascii_case(r))
                {
                    value.push(json!({
                        "Name": format!("{r}-{principal}"),
                        "Role": r,
                        "RoleAssignee": principal,
                        "RoleAssigneeName": principal,
                        "RoleAssigneeType": "User",
                        "Enabled": true,
                    }));
                }
            }
        }
        Ok(Answer {
            value,
            ..Answer::default()
        })
    }

    async fn search_admin_audit_log(&self) -> Result<Answer> {
        let p = &self.params;
        p.only(&[
            "StartDate",
            "EndDate",
            "Cmdlets",
            "ObjectIds",
            "Parameters",
            "UserIds",
            "ResultSize",
            "IsSuccess",
        ])?;
        let objects = p.strings("ObjectIds", false)?.unwrap_or_default();
        let parameters = p.strings("Parameters", true)?.unwrap_or_default();
        let users = p.strings("UserIds", false)?.unwrap_or_default();
        let single = |v: &[String]| (v.len() == 1).then(|| v[0].clone());
        let query = AuditQuery {
            start: p.date("StartDate")?,
            end: p.date("EndDate")?,
            cmdlets: p.strings("Cmdlets", true)?.unwrap_or_default(),
            object: single(&objects),
            parameter: single(&parameters),
            caller: single(&users),
        };
        let limit = match p.string("ResultSize")? {
            None => 1000,
            Some(n) => n
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=250_000).contains(n))
                .ok_or_else(|| {
                    Error::invalid_input(
                        "parameter ResultSize",
                        format!("{n:?} is not a number between 1 and 250000"),
                    )
                })?,
        };
        let success = p.bool("IsSuccess")?;
        let any = |list: &[String], value: &str| {
            list.is_empty() || list.iter().any(|x| x.eq_ignore_ascii_case(value))
        };
        let records = self.org.search_admin_audit_log(&query).await?;
        let value = records
            .iter()
            .filter(|r| any(&objects, &r.object) && any(&users, &r.caller))
            .filter(|r| {
                parameters.is_empty()
                    || r.parameters
                        .keys()
                        .any(|k| parameters.iter().any(|x| x.eq_ignore_ascii_case(k)))
            })
            .filter(|r| success.is_none_or(|s| s == r.succeeded))
            .take(limit)
            .map(|r| to_json("audit entry", &AdminAuditLogEntry::from(r)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Answer {
            value,
            ..Answer::default()
        })
    }
}

impl Inner {
    fn count_fault(&self, kind: FaultKind) {
        self.stats(|s| s.count_fault(kind));
    }

    /// Serves one `InvokeCommand` request.
    pub(super) async fn invoke(&self, req: &RequestInfo, tenant: &str, body: &[u8]) -> Outcome {
        self.stats(|s| s.invoke_requests += 1);
        let faults = self.faults();
        let authorization_uri =
            format!("{}/{}/oauth2/v2.0/authorize", self.base_url, self.tenant_id);
        let token = auth::bearer(req.authorization.as_deref());
        let checked = token.map(|t| self.check_token(t, faults.claims_challenge));
        let principal = match checked {
            Some(Bearer::Valid(p)) if self.is_tenant(tenant) => p,
            Some(Bearer::Challenge) => {
                self.count_fault(FaultKind::ClaimsChallenge);
                return Outcome::Respond(auth::claims_challenge(&authorization_uri));
            }
            _ => {
                self.stats(|s| s.unauthorized += 1);
                return Outcome::Respond(auth::unauthorized(&authorization_uri, token.is_some()));
            }
        };

        let request: InvokeRequest = match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => {
                self.stats(|s| s.count_cmdlet(UNKNOWN_CMDLET));
                return Outcome::Respond(respond::bad_body(&e.to_string()));
            }
        };
        let cmdlet = Cmdlet::parse(&request.cmdlet_input.cmdlet_name);
        self.stats(|s| s.count_cmdlet(cmdlet.map_or(UNKNOWN_CMDLET, Cmdlet::name)));
        self.invoke_as(&principal, cmdlet, &request, req, tenant)
            .await
    }

    /// Serves an authenticated request: throttle, faults, the cmdlet.
    async fn invoke_as(
        &self,
        principal: &str,
        cmdlet: Option<Cmdlet>,
        request: &InvokeRequest,
        req: &RequestInfo,
        tenant: &str,
    ) -> Outcome {
        let faults = self.faults();
        if let Err(wait) = self.take_throttle_token(Instant::now()) {
            self.count_fault(FaultKind::Throttled);
            let r = respond::envelope(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "You have reached the maximum number of concurrent requests per tenant. Please wait and try again.",
                None,
                None,
            );
            return Outcome::Respond(respond::with_header(r, "retry-after", &retry_after(wait)));
        }
        let Some(cmdlet) = cmdlet else {
            return Outcome::Respond(respond::nul_forbidden());
        };

        let parameters: &Map<String, Value> = &request.cmdlet_input.parameters;
        let params = Params::new(parameters);
        let target = params
            .get("Identity")
            .and_then(|v| params::as_string("Identity", v).ok())
            .unwrap_or_default();

        let dice = Dice::roll(self.seed, self.next_fault_sequence());
        if dice.drop_before(&faults) {
            self.count_fault(FaultKind::DroppedBefore);
            return Outcome::Drop;
        }
        if dice.unavailable(&faults) {
            self.count_fault(FaultKind::Unavailable);
            return Outcome::Respond(respond::opaque_server_error(true));
        }
        if dice.nul_forbidden(&faults) {
            self.count_fault(FaultKind::NulForbidden);
            return Outcome::Respond(respond::nul_forbidden());
        }
        if dice.transient(&faults) {
            self.count_fault(FaultKind::TransientError);
            return Outcome::Respond(respond::transient(dice.server_error_503, &target));
        }

        let call = Call {
            inner: self,
            org: self.org.as_principal(principal),
            params,
            req,
            tenant,
            skiptoken: query_param(req.query.as_deref(), "$skiptoken"),
        };
        let result = call.run(cmdlet).await;

        if result.is_ok() && cmdlet.is_write() && dice.applied_but_error(&faults) {
            self.count_fault(FaultKind::AppliedButError);
            return Outcome::Respond(respond::opaque_server_error(dice.server_error_503));
        }
        if dice.drop_after_apply(&faults) {
            self.count_fault(FaultKind::DroppedAfterApply);
            return Outcome::Drop;
        }
        match result {
            Err(e) => Outcome::Respond(respond::from_error(&e, &target)),
            Ok(mut answer) => {
                if let Some(selected) = query_param(req.query.as_deref(), "$select") {
                    let selected: Vec<String> = selected
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect();
                    select(&mut answer.value, &selected);
                }
                let page = ResponsePage {
                    context: Some(format!(
                        "{}/adminapi/beta/{tenant}/$metadata#Collection(Exchange.GenericHashTable)",
                        call.origin()
                    )),
                    value: answer.value,
                    next_link: answer.next,
                    warnings: answer.warnings,
                };
                let r = respond::odata(StatusCode::OK, &page);
                Outcome::Respond(match answer.page_size_applied {
                    Some(n) => respond::with_header(
                        r,
                        "preference-applied",
                        &format!("odata.maxpagesize={n}"),
                    ),
                    None => r,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefer_header_and_skiptokens() {
        assert_eq!(preferred_page_size(Some("odata.maxpagesize=50")), Some(50));
        assert_eq!(
            preferred_page_size(Some("odata.continue-on-error; odata.maxpagesize = 7")),
            Some(7)
        );
        assert_eq!(preferred_page_size(Some("odata.maxpagesize=0")), None);
        assert_eq!(preferred_page_size(Some("odata.maxpagesize=5000")), None);
        assert_eq!(preferred_page_size(None), None);
        let f = MailboxFilter::default();
        let fp = fingerprint(Some(&f));
        let t = encode_skiptoken(fp, "abc-123");
        assert_eq!(decode_skiptoken(&t, fp).unwrap(), "abc-123");
        assert!(decode_skiptoken(&t, fp ^ 1).is_err());
        assert!(decode_skiptoken("short", fp).is_err());
        assert!(decode_skiptoken(&format!("{fp:016x}!!!"), fp).is_err());
        assert_eq!(
            query_without_skiptoken(Some("%24skiptoken=x&$select=A,B&$skiptoken=y")),
            vec!["$select=A,B"]
        );
        assert_eq!(Cmdlet::parse(" get-mailbox "), Some(Cmdlet::GetMailbox));
        assert_eq!(Cmdlet::parse("Remove-Mailbox"), None);
    }
}
