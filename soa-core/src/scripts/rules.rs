//! The rules: what each command does to the source of authority, as findings and safe edits.

use std::fmt::Write as _;

use tree_sitter::Node;

use super::finding::{Finding, Location, Rule};
use super::rewrite::Edit;
use super::syntax::{self, Command, text};
use crate::catalog::{Attribute, AttributeClass, Catalog};
use crate::pwsh;

/// On-premises Exchange cmdlets that write recipient attributes in AD.
const ON_PREM_RECIPIENT_CMDLETS: &[&str] = &[
    "Set-RemoteMailbox",
    "New-RemoteMailbox",
    "Enable-RemoteMailbox",
    "Disable-RemoteMailbox",
    "Set-MailUser",
    "New-MailUser",
    "Enable-MailUser",
    "Disable-MailUser",
];

/// AD cmdlets that write arbitrary attributes through `-Add`/`-Replace`/`-Remove`/`-Clear`.
const AD_WRITERS: &[&str] = &["Set-ADUser", "Set-ADObject"];

/// Cmdlets that delete an account or its mailbox user.
const DELETERS: &[&str] = &[
    "Remove-ADUser",
    "Remove-ADObject",
    "Remove-RemoteMailbox",
    "Remove-MailUser",
];

/// Cmdlets that disable an account.
const DISABLERS: &[&str] = &["Disable-ADAccount"];

/// Common parameters and `-Identity`: they exist on every cmdlet and carry no attribute.
const PASS_THROUGH: &[&str] = &[
    "Identity",
    "WhatIf",
    "Confirm",
    "ErrorAction",
    "ErrorVariable",
    "WarningAction",
    "WarningVariable",
    "InformationAction",
    "InformationVariable",
    "Verbose",
    "Debug",
    "OutVariable",
    "OutBuffer",
    "PipelineVariable",
];

/// The parameter of `Set-Mailbox` that moves the source of authority of one mailbox.
const FLIP_PARAMETER: &str = "IsExchangeCloudManaged";
/// The parameter of `Set-OrganizationConfig` that moves the tenant default.
const TENANT_FLIP_PARAMETER: &str = "ExchangeAttributesCloudManagedByDefault";

/// How many lines around a flip are searched for a ticket or change reference.
const TICKET_WINDOW: usize = 5;

fn is_one_of(name: &str, list: &[&str]) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// A parameter as the command receives it: written on the command line or splatted.
struct Effective<'t> {
    name: String,
    value: Option<Node<'t>>,
    value_text: Option<String>,
    at: Node<'t>,
}

/// The rules applied to one parsed file.
pub(crate) struct Auditor<'a, 't> {
    file: &'a str,
    source: &'a str,
    root: Node<'t>,
    assignments: Vec<syntax::Assignment<'t>>,
    /// The source in ASCII lower case (same byte offsets).
    lower: String,
    catalog: &'a Catalog,
    /// The findings, in the order the rules produced them.
    pub(crate) findings: Vec<Finding>,
    /// The safe edits the rules found.
    pub(crate) edits: Vec<Edit>,
}

impl<'a, 't> Auditor<'a, 't> {
    pub(crate) fn new(
        file: &'a str,
        source: &'a str,
        root: Node<'t>,
        catalog: &'a Catalog,
    ) -> Self {
        Auditor {
            file,
            source,
            root,
            assignments: Vec::new(),
            lower: source.to_ascii_lowercase(),
            catalog,
            findings: Vec::new(),
            edits: Vec::new(),
        }
    }

    /// The location of a node.
    pub(crate) fn location(&self, node: Node<'_>) -> Location {
        location(self.file, self.source, node)
    }

    fn push(&mut self, rule: Rule, at: Node<'_>, message: String, command: Option<&str>) -> usize {
        self.findings.push(Finding {
            rule,
            severity: rule.severity(),
            message,
            location: self.location(at),
            command: command.map(str::to_owned),
            attributes: Vec::new(),
            fix: None,
        });
        self.findings.len() - 1
    }

    /// Runs every rule over every command of the file.
    pub(crate) fn run(&mut self) {
        let (commands, assignments) = syntax::commands_and_assignments(self.root, self.source);
        self.assignments = assignments;
        for command in commands {
            self.command(&command);
        }
    }

    fn command(&mut self, command: &Command<'t>) {
        let name = command.name.clone();
        let params = self.effective(command);
        if let Some(p) = params.iter().find(|p| {
            p.name.eq_ignore_ascii_case(FLIP_PARAMETER)
                || p.name.eq_ignore_ascii_case(TENANT_FLIP_PARAMETER)
        }) {
            self.flip(command, p);
        }
        if is_one_of(&name, ON_PREM_RECIPIENT_CMDLETS) {
            self.recipient_cmdlet(command, &params);
        } else if is_one_of(&name, AD_WRITERS) {
            self.ad_write(command, &params);
        } else if is_one_of(&name, DELETERS) {
            let msg = format!(
                "{name} deletes the AD account; a cloud-managed mailbox is still tied to the synchronized user, so the next sync soft-deletes the mailbox with it. Convert or retain the mailbox in Exchange Online first."
            );
            self.push(Rule::AccountLifecycle, command.name_node, msg, Some(&name));
        } else if is_one_of(&name, DISABLERS) {
            let msg = format!(
                "{name} disables the AD account; the cloud-managed mailbox stays in Exchange Online, mastered there, and its owner is blocked. Decide the mailbox's fate (shared, retained, converted) in Exchange Online."
            );
            self.push(Rule::AccountLifecycle, command.name_node, msg, Some(&name));
        } else {
            self.tools_load(command);
        }
    }

    /// The parameters of a command, splats resolved where the hashtable literal is in the
    /// file; a splat that cannot be resolved is a "dynamic: review" finding.
    fn effective(&mut self, command: &Command<'t>) -> Vec<Effective<'t>> {
        let mut out: Vec<Effective<'t>> = command
            .parameters
            .iter()
            .map(|p| Effective {
                name: p.name.clone(),
                value: p
                    .value
                    .as_ref()
                    .and_then(|v| (v.nodes.len() == 1).then_some(v.first)),
                value_text: p.value.as_ref().map(|v| v.text(self.source).to_owned()),
                at: p.node,
            })
            .collect();
        for (variable, argument) in command.splats(self.source) {
            match self.hashtable_of(&variable, command.node.start_byte()) {
                Some(hash) => {
                    for entry in syntax::hash_entries(hash, self.source) {
                        out.push(Effective {
                            name: entry.key,
                            value: entry.value,
                            value_text: entry.value.map(|v| text(v, self.source).to_owned()),
                            at: entry.key_node,
                        });
                    }
                }
                None => {
                    if Self::interesting(&command.name) {
                        let msg = format!(
                            "dynamic: review. {} is called with @{variable}, whose hashtable is not built as a literal in this file, so the attributes it writes cannot be checked.",
                            command.name
                        );
                        self.push(
                            Rule::DynamicReview,
                            argument.first,
                            msg,
                            Some(&command.name),
                        );
                    }
                }
            }
        }
        out
    }

    fn interesting(name: &str) -> bool {
        is_one_of(name, ON_PREM_RECIPIENT_CMDLETS)
            || is_one_of(name, AD_WRITERS)
            || name.eq_ignore_ascii_case("Set-Mailbox")
            || name.eq_ignore_ascii_case("Set-OrganizationConfig")
    }

    /// The hashtable literal last assigned to `$variable` before `before` (or anywhere in the
    /// file when none comes before).
    fn hashtable_of(&self, variable: &str, before: usize) -> Option<Node<'t>> {
        if is_mutated(&self.lower, variable) {
            return None;
        }
        let wanted = format!("${}", variable.to_ascii_lowercase());
        let all: Vec<Node<'t>> = self
            .assignments
            .iter()
            .filter(|a| a.left == wanted)
            .filter_map(syntax::Assignment::hashtable)
            .collect();
        all.iter()
            .rev()
            .find(|n| n.start_byte() < before)
            .or_else(|| all.last())
            .copied()
    }

    fn recipient_cmdlet(&mut self, command: &Command<'t>, params: &[Effective<'t>]) {
        let name = &command.name;
        let mut exchange = Vec::new();
        let mut identity = Vec::new();
        let mut blocked = Vec::new();
        for p in params {
            if is_one_of(&p.name, PASS_THROUGH) {
                continue;
            }
            match self.catalog.by_parameter(&p.name) {
                Some(row) if row.class == AttributeClass::Identity => {
                    identity.push(label(row));
                    blocked.push((p, Some(row)));
                }
                Some(row) => exchange.push(label(row)),
                None => blocked.push((p, None)),
            }
        }
        let lower = name.to_ascii_lowercase();
        let what = if lower.starts_with("disable-") {
            "clears every Exchange attribute of the user in AD".to_owned()
        } else if lower.starts_with("enable-") || lower.starts_with("new-") {
            if exchange.is_empty() {
                "creates the user's Exchange attributes in AD (proxyAddresses, mailNickname, targetAddress)".to_owned()
            } else {
                format!(
                    "creates the user's Exchange attributes in AD, including {}",
                    exchange.join(", ")
                )
            }
        } else if exchange.is_empty() {
            "is an on-premises Exchange write".to_owned()
        } else {
            format!("writes {} in AD", exchange.join(", "))
        };
        let mut msg = format!(
            "{name} {what}. For a cloud-managed mailbox (IsExchangeCloudManaged) Exchange attributes are mastered in Exchange Online: this edit changes nothing that matters, and wins again after a rollback."
        );
        if !identity.is_empty() {
            let _ = write!(
                msg,
                " Identity attributes stay mastered in AD: {}.",
                identity.join(", ")
            );
        }
        let index = self.push(
            Rule::OnPremRecipientCmdlet,
            command.name_node,
            msg,
            Some(name),
        );
        self.findings[index].attributes = exchange.iter().map(|s| attribute_name(s)).collect();
        if !name.eq_ignore_ascii_case("Set-RemoteMailbox") {
            return;
        }
        // Set-RemoteMailbox -> Set-Mailbox, when every parameter has a cloud equivalent.
        for (p, row) in &blocked {
            let msg = match row {
                Some(row) => format!(
                    "-{} writes {}, an identity attribute that stays mastered in AD: keep it in an AD cmdlet (Set-ADUser); the command is not rewritten.",
                    p.name,
                    label(row)
                ),
                None => format!(
                    "-{} of {name} has no Exchange Online equivalent on Set-Mailbox; the command is not rewritten.",
                    p.name
                ),
            };
            self.push(Rule::NoCloudEquivalent, p.at, msg, Some(name));
        }
        if !blocked.is_empty() || !command.splats(self.source).is_empty() {
            return;
        }
        let start = syntax::start(command.name_node, self.source);
        let end = syntax::end(command.name_node, self.source);
        let fixed = format!(
            "Set-Mailbox{}",
            self.source
                .get(end..syntax::end(command.node, self.source))
                .unwrap_or("")
                .trim_end()
        );
        self.findings[index].fix = Some(fixed);
        self.edits.push(Edit {
            start,
            end,
            replacement: "Set-Mailbox".to_owned(),
        });
    }

    fn ad_write(&mut self, command: &Command<'t>, params: &[Effective<'t>]) {
        let name = &command.name;
        // (attribute row, the Set-Mailbox value to write, when it is literal)
        let mut writes: Vec<(&'a Attribute, Option<String>)> = Vec::new();
        let mut rewritable = command.splats(self.source).is_empty()
            && name.eq_ignore_ascii_case("Set-ADUser")
            && !is_piped(command.node);
        let unresolved = self.ad_attribute_writes(command, params, &mut writes, &mut rewritable);
        let exchange: Vec<&(&Attribute, Option<String>)> = writes
            .iter()
            .filter(|(row, _)| row.class == AttributeClass::Exchange)
            .collect();
        if exchange.is_empty() {
            return;
        }
        let labels: Vec<String> = exchange.iter().map(|(row, _)| label(row)).collect();
        let msg = format!(
            "{name} writes {} directly in AD. For a cloud-managed mailbox (IsExchangeCloudManaged) these are mastered in Exchange Online: the write changes nothing that matters, and wins again after a rollback.",
            labels.join(", ")
        );
        let index = self.push(
            Rule::AdExchangeAttributeWrite,
            command.name_node,
            msg,
            Some(name),
        );
        self.findings[index].attributes = exchange
            .iter()
            .map(|(row, _)| {
                row.ldap_name
                    .clone()
                    .unwrap_or_else(|| row.name().to_owned())
            })
            .collect();
        // The rewrite: every attribute written is an exchange attribute with a Set-Mailbox
        // parameter and a literal value, and the identity is explicit.
        let mut parameters: Vec<&str> = exchange
            .iter()
            .filter_map(|(row, _)| row.parameter.as_deref())
            .collect();
        parameters.sort_unstable();
        parameters.dedup();
        if !rewritable
            || unresolved
            || exchange.len() != writes.len()
            || parameters.len() != exchange.len()
        {
            return;
        }
        let Some(identity) = self.identity(command) else {
            return;
        };
        let mut fixed = format!("Set-Mailbox -Identity {identity}");
        for (row, value) in &exchange {
            let (Some(parameter), Some(value)) = (row.parameter.as_deref(), value.as_deref())
            else {
                return;
            };
            let _ = write!(fixed, " -{parameter} {value}");
        }
        let start = syntax::start(command.node, self.source);
        let end = start + text(command.node, self.source).trim_end().len();
        self.findings[index].fix = Some(fixed.clone());
        self.edits.push(Edit {
            start,
            end,
            replacement: fixed,
        });
    }

    /// The catalog attributes an AD write names, with the literal value it writes (for a
    /// rewrite); clears `rewritable` when something about the command rules a rewrite out.
    /// Returns whether some attributes could not be resolved (dynamic).
    fn ad_attribute_writes(
        &mut self,
        command: &Command<'t>,
        params: &[Effective<'t>],
        writes: &mut Vec<(&'a Attribute, Option<String>)>,
        rewritable: &mut bool,
    ) -> bool {
        let name = &command.name;
        let mut unresolved = false;
        for p in params {
            let op = p.name.to_ascii_lowercase();
            match op.as_str() {
                "add" | "replace" | "remove" => {
                    let hash = p.value.and_then(syntax::find_hashtable).or_else(|| {
                        let var = p.value_text.as_deref()?.trim().strip_prefix('$')?;
                        self.hashtable_of(var, command.node.start_byte())
                    });
                    let Some(hash) = hash else {
                        unresolved = true;
                        let msg = format!(
                            "dynamic: review. {name} -{} takes a hashtable that is not a literal in this file, so the attributes it writes cannot be checked against the catalog.",
                            p.name
                        );
                        self.push(Rule::DynamicReview, p.at, msg, Some(name));
                        continue;
                    };
                    if p.value.and_then(syntax::find_hashtable).is_none() {
                        *rewritable = false;
                    }
                    for entry in syntax::hash_entries(hash, self.source) {
                        if let Some(row) = self.catalog.by_ldap_name(&entry.key) {
                            let literal = entry
                                .value
                                .map(|v| text(v, self.source).trim().to_owned())
                                .filter(|v| syntax::is_literal_expression(v));
                            // -Add/-Remove of a multi-valued attribute is Set-Mailbox's
                            // @{Add=...}/@{Remove=...}; of a single-valued one it has no
                            // exact equivalent.
                            let value = match op.as_str() {
                                "replace" => literal,
                                _ if row.is_multi_valued() => literal.map(|v| {
                                    let verb = if op == "add" { "Add" } else { "Remove" };
                                    format!("@{{{verb}={v}}}")
                                }),
                                _ => None,
                            };
                            writes.push((row, value));
                        } else {
                            // An attribute the catalog does not know: a rewrite to
                            // Set-Mailbox would silently drop its write.
                            *rewritable = false;
                        }
                    }
                }
                "clear" => {
                    let list = p.value_text.clone().unwrap_or_default();
                    if list.trim_start().starts_with('$') {
                        unresolved = true;
                        let msg = format!(
                            "dynamic: review. {name} -Clear takes a list that is not a literal in this file."
                        );
                        self.push(Rule::DynamicReview, p.at, msg, Some(name));
                        continue;
                    }
                    for item in list.split(',') {
                        let item = item.trim();
                        let key = syntax::literal_value(item).unwrap_or_else(|| item.to_owned());
                        if let Some(row) = self.catalog.by_ldap_name(&key) {
                            writes.push((row, Some("$null".to_owned())));
                        } else if !key.is_empty() {
                            *rewritable = false;
                        }
                    }
                }
                "emailaddress" => {
                    if let Some(row) = self.catalog.by_ldap_name("mail") {
                        let value = p
                            .value_text
                            .clone()
                            .filter(|v| syntax::is_literal_expression(v));
                        writes.push((row, value));
                    }
                }
                "identity" => {}
                "instance" => {
                    *rewritable = false;
                    self.instance_writes(p, writes);
                }
                "enabled" => {
                    *rewritable = false;
                    if p.value_text
                        .as_deref()
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("$false"))
                    {
                        let msg = format!(
                            "{name} -Enabled $false disables the AD account; the cloud-managed mailbox stays in Exchange Online, mastered there, and its owner is blocked. Decide the mailbox's fate (shared, retained, converted) in Exchange Online."
                        );
                        self.push(Rule::AccountLifecycle, p.at, msg, Some(name));
                    }
                }
                _ => *rewritable = false,
            }
        }
        unresolved
    }

    /// The attributes `Set-ADUser -Instance $x` writes: the catalog properties the script
    /// assigns on `$x` (`$x.extensionAttribute1 = ...`).
    fn instance_writes(
        &self,
        p: &Effective<'t>,
        writes: &mut Vec<(&'a Attribute, Option<String>)>,
    ) {
        let Some(var) = p
            .value_text
            .as_deref()
            .and_then(|v| v.trim().strip_prefix('$'))
            .map(str::to_ascii_lowercase)
        else {
            return;
        };
        let prefix = format!("${var}.");
        for a in &self.assignments {
            if let Some(property) = a.left.strip_prefix(&prefix)
                && let Some(row) = self.catalog.by_ldap_name(property)
                && !writes.iter().any(|(w, _)| std::ptr::eq(*w, row))
            {
                writes.push((row, None));
            }
        }
    }

    /// The identity a command names, rendered for a rewrite: literals kept as written, bare
    /// words quoted, simple variables kept.
    fn identity(&self, command: &Command<'t>) -> Option<String> {
        let written = if let Some(p) = command.parameter("Identity") {
            p.value.as_ref()?.text(self.source).trim().to_owned()
        } else {
            if command.positional.len() != 1 {
                return None;
            }
            command.positional[0].text(self.source).trim().to_owned()
        };
        if written.starts_with('\'') || written.starts_with('"') || written.starts_with('$') {
            let simple = written.starts_with('$')
                && written[1..]
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
            return (simple || syntax::literal_value(&written).is_some()).then_some(written);
        }
        syntax::literal_value(&written).map(|v| pwsh::quote(&v))
    }

    fn flip(&mut self, command: &Command<'t>, p: &Effective<'t>) {
        if has_ticket_reference(
            self.source,
            syntax::start(command.node, self.source),
            syntax::end(command.node, self.source),
        ) {
            return;
        }
        let scope = if p.name.eq_ignore_ascii_case(TENANT_FLIP_PARAMETER) {
            "the tenant default for every new mailbox"
        } else {
            "a mailbox's source of authority"
        };
        let msg = format!(
            "{} -{} changes {scope} with no ticket or change reference within {TICKET_WINDOW} lines. Moving authority decides where every later Exchange edit sticks; record the change (a CHG/ticket id in a comment or a variable).",
            command.name, p.name
        );
        self.push(
            Rule::UnticketedAuthorityFlip,
            p.at,
            msg,
            Some(&command.name),
        );
    }

    fn tools_load(&mut self, command: &Command<'t>) {
        let name = command.name.to_ascii_lowercase();
        let args: String = command
            .positional
            .iter()
            .map(|a| a.text(self.source).to_ascii_lowercase())
            .chain(
                command
                    .parameters
                    .iter()
                    .filter_map(|p| p.value.as_ref())
                    .map(|v| v.text(self.source).to_ascii_lowercase()),
            )
            .collect::<Vec<_>>()
            .join(" ");
        let what = match name.as_str() {
            "add-pssnapin" if args.contains("exchange") || args.contains("recipientmanagement") => {
                Some("loads the Exchange management snap-in")
            }
            "import-module"
                if (args.contains("microsoft.exchange.management")
                    || args.contains("recipientmanagement")
                    || args.contains("remoteexchange"))
                    && !args.contains("exchangeonlinemanagement") =>
            {
                Some("imports the on-premises Exchange management tools")
            }
            "connect-exchangeserver" => Some("connects to an on-premises Exchange server"),
            "new-pssession"
                if args.contains("microsoft.exchange")
                    && !args.contains("outlook.office365.com")
                    && !args.contains("outlook.office.de") =>
            {
                Some("opens a remote session to an on-premises Exchange server")
            }
            _ if name.ends_with("remoteexchange.ps1") || name.ends_with("remoteexchange.ps1'") => {
                Some("dot-sources the Exchange Management Shell")
            }
            _ => None,
        };
        if let Some(what) = what {
            let msg = format!(
                "{} {what}: the script manages recipients through on-premises Exchange. Once authority moves to Exchange Online, move these commands to Exchange Online (Connect-ExchangeOnline) or to the Exchange Management Tools' recipient module only where AD still masters the attribute.",
                command.name
            );
            self.push(
                Rule::ExchangeToolsLoad,
                command.name_node,
                msg,
                Some(&command.name),
            );
        }
    }
}

/// Whether the script changes the hashtable in `$variable` after building it (`$v['k'] = ...`,
/// `$v.k = ...`, `$v.Add(...)`, `$v += ...`): then its literal is not what the command gets.
fn is_mutated(lower: &str, variable: &str) -> bool {
    let name = format!("${}", variable.to_ascii_lowercase());
    lower.match_indices(&name).any(|(at, _)| {
        let rest = &lower[at + name.len()..];
        let next = rest.chars().next();
        if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return false;
        }
        let rest = rest.trim_start();
        rest.starts_with('[')
            || rest.starts_with(".add(")
            || rest.starts_with(".remove(")
            || rest.starts_with("+=")
            || (rest.starts_with('.')
                && rest.find('=').is_some_and(|eq| {
                    let member = &rest[1..eq];
                    member
                        .trim()
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_')
                        && !rest[eq..].starts_with("==")
                }))
    })
}

/// Whether the command receives pipeline input (it is not the first in its pipeline).
fn is_piped(node: Node<'_>) -> bool {
    let mut previous = node.prev_sibling();
    while let Some(n) = previous {
        if n.kind() == "|" {
            return true;
        }
        previous = n.prev_sibling();
    }
    false
}

/// `displayName` for rows with an LDAP name, the catalog name otherwise, with the class.
fn label(row: &Attribute) -> String {
    match (&row.ldap_name, &row.parameter) {
        (Some(ldap), Some(param)) if !ldap.eq_ignore_ascii_case(param) => {
            format!("{ldap} ({param})")
        }
        _ => row.name().to_owned(),
    }
}

fn attribute_name(label: &str) -> String {
    label.split(' ').next().unwrap_or(label).to_owned()
}

/// Whether a ticket or change reference (`CHG0012345`, `ticket`, `change`, `INC...`,
/// `RITM...`) appears within [`TICKET_WINDOW`] lines before the command or one line after it.
pub(crate) fn has_ticket_reference(source: &str, start_byte: usize, end_byte: usize) -> bool {
    let bytes = source.as_bytes();
    let mut from = start_byte.min(bytes.len());
    let mut newlines = 0;
    while from > 0 {
        if bytes[from - 1] == b'\n' {
            newlines += 1;
            if newlines > TICKET_WINDOW {
                break;
            }
        }
        from -= 1;
    }
    let mut to = end_byte.min(bytes.len());
    let mut newlines = 0;
    while to < bytes.len() {
        if bytes[to] == b'\n' {
            newlines += 1;
            if newlines > 1 {
                break;
            }
        }
        to += 1;
    }
    bytes[from..to]
        .split(|c| !c.is_ascii_alphanumeric())
        .any(|word| {
            let w = word.to_ascii_lowercase();
            let numbered = |prefix: &[u8]| {
                w.strip_prefix(prefix)
                    .is_some_and(|rest| !rest.is_empty() && rest.iter().all(u8::is_ascii_digit))
            };
            w.starts_with(b"ticket")
                || w.starts_with(b"change")
                || w.starts_with(b"chg")
                || numbered(b"inc")
                || numbered(b"ritm")
                || numbered(b"cr")
        })
}

/// The location of a node in a file (1-based lines, 1-based character columns).
pub(crate) fn location(file: &str, source: &str, node: Node<'_>) -> Location {
    let start = node.start_position();
    let end = node.end_position();
    Location {
        file: file.to_owned(),
        line: start.row + 1,
        column: char_column(
            source,
            syntax::start(node, source),
            start.column - (node.start_byte() - syntax::start(node, source)),
        ),
        end_line: end.row + 1,
        end_column: char_column(
            source,
            syntax::end(node, source),
            end.column + (syntax::end(node, source) - node.end_byte()),
        ),
    }
}

fn char_column(source: &str, byte: usize, byte_column: usize) -> usize {
    let line_start = byte.saturating_sub(byte_column);
    source
        .get(line_start..byte)
        .map_or(byte_column, |s| s.chars().count())
        + 1
}
