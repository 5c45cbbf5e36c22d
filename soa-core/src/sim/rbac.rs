//! Role-based access control: which roles grant which cmdlet parameters, and who holds them.

use std::collections::BTreeMap;

use super::state::{Role, State};
use crate::exo::RoleAssignment;
use crate::{Error, Result};

/// The roles every simulated organization starts with. `Exchange Administrator` and
/// `Global Administrator` are Entra roles; the others are Exchange Online role groups.
pub(crate) fn builtin_roles() -> BTreeMap<String, Role> {
    let all = || Role {
        grants: BTreeMap::from([("*".to_owned(), vec!["*".to_owned()])]),
    };
    let grants = |pairs: &[&str]| Role {
        grants: pairs
            .iter()
            .map(|c| ((*c).to_owned(), vec!["*".to_owned()]))
            .collect(),
    };
    BTreeMap::from([
        ("Exchange Administrator".to_owned(), all()),
        ("Global Administrator".to_owned(), all()),
        ("Organization Management".to_owned(), all()),
        (
            "Recipient Management".to_owned(),
            grants(&["Get-*", "Set-Mailbox", "Search-AdminAuditLog"]),
        ),
        (
            "View-Only Organization Management".to_owned(),
            grants(&["Get-*", "Search-AdminAuditLog"]),
        ),
    ])
}

fn cmdlet_matches(pattern: &str, cmdlet: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => cmdlet
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix)),
        None => pattern.eq_ignore_ascii_case(cmdlet),
    }
}

fn grants(role: &Role, cmdlet: &str, parameter: &str) -> bool {
    role.grants.iter().any(|(c, params)| {
        cmdlet_matches(c, cmdlet)
            && params
                .iter()
                .any(|p| p == "*" || p.eq_ignore_ascii_case(parameter))
    })
}

/// Checks that `principal` holds a role granting `cmdlet -parameter`.
pub(crate) fn check(state: &State, principal: &str, cmdlet: &str, parameter: &str) -> Result<()> {
    let allowed = state
        .principals
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(principal))
        .is_some_and(|(_, roles)| {
            roles.iter().any(|r| {
                state
                    .roles
                    .get(r)
                    .is_some_and(|role| grants(role, cmdlet, parameter))
            })
        });
    if allowed {
        Ok(())
    } else {
        Err(Error::AccessDenied {
            principal: principal.to_owned(),
            cmdlet: cmdlet.to_owned(),
            parameter: parameter.to_owned(),
        })
    }
}

/// The assignments that grant `cmdlet -parameter`.
pub(crate) fn assignments(state: &State, cmdlet: &str, parameter: &str) -> Vec<RoleAssignment> {
    let mut out = Vec::new();
    for (principal, roles) in &state.principals {
        for r in roles {
            if state
                .roles
                .get(r)
                .is_some_and(|role| grants(role, cmdlet, parameter))
            {
                out.push(RoleAssignment {
                    role: r.clone(),
                    assignee: principal.clone(),
                });
            }
        }
    }
    out
}
