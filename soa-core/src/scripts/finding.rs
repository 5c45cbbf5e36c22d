//! What the auditor reports: rules, severities, locations and findings.

use std::fmt;

use serde::Serialize;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong by itself.
    Note,
    /// Review it: a risk, or something the auditor could not decide.
    Warning,
    /// The script writes where the authority is not, or breaks a safety rule.
    Error,
}

impl Severity {
    /// The SARIF `level` of the severity (`note`, `warning`, `error`).
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.sarif_level())
    }
}

/// The rules of the auditor. Their ids ([`Rule::id`]) are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "&'static str")]
pub enum Rule {
    /// An on-premises Exchange recipient cmdlet (`Set-RemoteMailbox`, `New-RemoteMailbox`, ...)
    /// that writes Exchange attributes in AD.
    OnPremRecipientCmdlet,
    /// An AD cmdlet (`Set-ADUser`, `Set-ADObject`) that writes Exchange attributes directly.
    AdExchangeAttributeWrite,
    /// The Exchange management snap-in or tools are loaded.
    ExchangeToolsLoad,
    /// An account is deleted or disabled: a cloud-managed mailbox goes with it.
    AccountLifecycle,
    /// `IsExchangeCloudManaged` or the tenant default is changed with no ticket or change
    /// reference nearby.
    UnticketedAuthorityFlip,
    /// The parameters come from a variable the auditor cannot see: review by hand.
    DynamicReview,
    /// A parameter has no Exchange Online equivalent, so the command is not rewritten.
    NoCloudEquivalent,
    /// The file has syntax errors; what the parser recovered was still audited.
    SyntaxError,
    /// The file could not be audited (binary, not UTF-8, too large).
    UnreadableFile,
}

impl Rule {
    /// Every rule, in id order.
    pub const ALL: [Rule; 9] = [
        Rule::OnPremRecipientCmdlet,
        Rule::AdExchangeAttributeWrite,
        Rule::ExchangeToolsLoad,
        Rule::AccountLifecycle,
        Rule::UnticketedAuthorityFlip,
        Rule::DynamicReview,
        Rule::NoCloudEquivalent,
        Rule::SyntaxError,
        Rule::UnreadableFile,
    ];

    /// The stable id (`SOA-PS001`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Rule::OnPremRecipientCmdlet => "SOA-PS001",
            Rule::AdExchangeAttributeWrite => "SOA-PS002",
            Rule::ExchangeToolsLoad => "SOA-PS003",
            Rule::AccountLifecycle => "SOA-PS004",
            Rule::UnticketedAuthorityFlip => "SOA-PS005",
            Rule::DynamicReview => "SOA-PS006",
            Rule::NoCloudEquivalent => "SOA-PS007",
            Rule::SyntaxError => "SOA-PS900",
            Rule::UnreadableFile => "SOA-PS901",
        }
    }

    /// A short kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::OnPremRecipientCmdlet => "on-prem-recipient-cmdlet",
            Rule::AdExchangeAttributeWrite => "ad-exchange-attribute-write",
            Rule::ExchangeToolsLoad => "exchange-tools-load",
            Rule::AccountLifecycle => "account-lifecycle",
            Rule::UnticketedAuthorityFlip => "unticketed-authority-flip",
            Rule::DynamicReview => "dynamic-review",
            Rule::NoCloudEquivalent => "no-cloud-equivalent",
            Rule::SyntaxError => "syntax-error",
            Rule::UnreadableFile => "unreadable-file",
        }
    }

    /// The severity of the rule's findings.
    pub fn severity(self) -> Severity {
        match self {
            Rule::OnPremRecipientCmdlet
            | Rule::AdExchangeAttributeWrite
            | Rule::UnticketedAuthorityFlip => Severity::Error,
            Rule::ExchangeToolsLoad
            | Rule::AccountLifecycle
            | Rule::DynamicReview
            | Rule::SyntaxError
            | Rule::UnreadableFile => Severity::Warning,
            Rule::NoCloudEquivalent => Severity::Note,
        }
    }

    /// One sentence on what the rule finds and why it matters.
    pub fn description(self) -> &'static str {
        match self {
            Rule::OnPremRecipientCmdlet => {
                "An on-premises Exchange recipient cmdlet writes Exchange attributes in AD; once a mailbox is cloud-managed (IsExchangeCloudManaged) they are mastered in Exchange Online, so the edit changes nothing that matters, and wins again after a rollback."
            }
            Rule::AdExchangeAttributeWrite => {
                "An AD cmdlet writes Exchange attributes directly; for a cloud-managed mailbox Exchange Online is the source of authority of these attributes."
            }
            Rule::ExchangeToolsLoad => {
                "The Exchange management snap-in or tools are loaded: the script depends on on-premises Exchange management, which the move of authority is meant to retire."
            }
            Rule::AccountLifecycle => {
                "An AD account is deleted or disabled; a cloud-managed mailbox is still tied to the synchronized user and is removed or blocked with it."
            }
            Rule::UnticketedAuthorityFlip => {
                "The source of authority is moved (IsExchangeCloudManaged or the tenant default ExchangeAttributesCloudManagedByDefault) with no ticket or change reference nearby."
            }
            Rule::DynamicReview => {
                "Dynamic: review. The parameters or attributes come from a value the auditor cannot resolve in this file."
            }
            Rule::NoCloudEquivalent => {
                "A parameter has no Exchange Online equivalent for a cloud-managed mailbox, so the command is not rewritten."
            }
            Rule::SyntaxError => {
                "The file has syntax errors; the regions the parser recovered were still audited."
            }
            Rule::UnreadableFile => {
                "The file could not be audited: binary, not valid UTF-8/UTF-16, or too large."
            }
        }
    }

    /// The rule with that id, if any.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }
}

impl From<Rule> for &'static str {
    fn from(rule: Rule) -> &'static str {
        rule.id()
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.id())
    }
}

/// Where a finding is: a file and a 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file, as given or as found by the walk.
    pub file: String,
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
    /// The last line of the region.
    pub end_line: usize,
    /// The column just after the region, from 1, in characters.
    pub end_column: usize,
}

/// One thing the auditor found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// The rule's severity.
    pub severity: Severity,
    /// What was found, in terms of the authority model.
    pub message: String,
    /// Where.
    pub location: Location,
    /// The command, when the finding is about one (`Set-RemoteMailbox`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The catalog attributes involved, by AD LDAP name where they have one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    /// The replacement command, when the finding has a safe rewrite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    /// The id of the finding's rule.
    pub fn rule_id(&self) -> &'static str {
        self.rule.id()
    }
}
