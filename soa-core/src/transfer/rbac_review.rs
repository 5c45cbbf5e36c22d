//! Who can flip mailboxes, and how to confine that right to a dedicated role group.

use serde::{Deserialize, Serialize};

use crate::exo::{ExchangeOnline, RoleAssignment};
use crate::{Result, pwsh};

/// The RBAC review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RbacReport {
    /// The assignments that carry `Set-Mailbox -IsExchangeCloudManaged`.
    pub assignments: Vec<RoleAssignment>,
    /// Commands that create a dedicated role and role group carrying only that right.
    pub commands: Vec<String>,
    /// What is not known for certain.
    pub caveats: Vec<String>,
}

/// Escapes PowerShell's wildcard characters (`*`, `?`, `[`, `]`) with a backtick, so that a
/// role group named `Ops*` cannot widen `Get-ManagementRoleEntry 'Ops* Role\*'` to every role
/// whose name starts with `Ops` (whose entries the pipeline then removes).
fn escape_wildcards(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '`') {
            out.push('`');
        }
        out.push(c);
    }
    out
}

/// Reports who holds `Set-Mailbox -IsExchangeCloudManaged` and produces the commands that
/// confine it to a dedicated role group named `group`.
pub async fn rbac_review(exo: &dyn ExchangeOnline, group: &str) -> Result<RbacReport> {
    let assignments = exo
        .role_assignments("Set-Mailbox", "IsExchangeCloudManaged")
        .await?;
    let role = pwsh::quote(&format!("{group} Role"));
    let entry = pwsh::quote(&format!("{} Role\\Set-Mailbox", escape_wildcards(group)));
    let commands = vec![
        format!("New-ManagementRole -Name {role} -Parent 'Mail Recipients'"),
        format!(
            "Get-ManagementRoleEntry {} | Where-Object Name -ne 'Set-Mailbox' | Remove-ManagementRoleEntry -Confirm:$false",
            pwsh::quote(&format!("{} Role\\*", escape_wildcards(group)))
        ),
        format!("Set-ManagementRoleEntry {entry} -Parameters Identity,IsExchangeCloudManaged"),
        format!(
            "New-RoleGroup -Name {} -Roles {role} -Description 'Transfers the source of authority of Exchange attributes (IsExchangeCloudManaged)'",
            pwsh::quote(group)
        ),
    ];
    Ok(RbacReport {
        assignments,
        commands,
        caveats: vec![
            "Which built-in management role entry carries -IsExchangeCloudManaged is not documented; prove the new role on one pilot mailbox (the transfer verifies every flip by reading it back).".to_owned(),
            "Entra roles (Exchange Administrator, Global Administrator) also carry the right and are not confined by Exchange role groups.".to_owned(),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::escape_wildcards;

    #[test]
    fn wildcards_in_group_names_match_only_themselves() {
        assert_eq!(escape_wildcards("Ops*"), "Ops`*");
        assert_eq!(escape_wildcards("a?[b]`c"), "a`?`[b`]``c");
        assert_eq!(escape_wildcards("SOA Flippers"), "SOA Flippers");
    }
}
