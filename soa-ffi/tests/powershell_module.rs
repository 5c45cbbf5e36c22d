//! Static checks of the ExchangeSoa PowerShell module (`powershell/ExchangeSoa`), for machines
//! without a PowerShell host.
//!
//! The manifest and the script module are parsed with tree-sitter-powershell: neither may hold a
//! syntax error; the manifest's `FunctionsToExport` and the module's functions must agree; every
//! exported function must use an approved verb (PowerShell 7's `Get-Verb`) and the `Soa` noun
//! prefix, and declare `SupportsShouldProcess` when its verb changes state (and, for this module,
//! when it changes the simulated organization whatever its verb). A function that supports
//! `-WhatIf`/`-Confirm` must state its `ConfirmImpact`, call `$PSCmdlet.ShouldProcess`, and not
//! declare `-WhatIf` or `-Confirm` itself. The P/Invoke declarations of `SoaNative.cs` are checked
//! against the exports of this crate. The checkers are also run on broken snippets, to prove they
//! catch what they are meant to.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use tree_sitter::{Node, Parser, Tree};

/// The verbs `Get-Verb` lists in PowerShell 7, by group (Windows PowerShell 5.1 lacks `Build`
/// and `Deploy`).
const APPROVED_VERBS: &str = concat!(
    // Common
    "Add Clear Close Copy Enter Exit Find Format Get Hide Join Lock Move New Open Optimize Pop ",
    "Push Redo Remove Rename Reset Resize Search Select Set Show Skip Split Step Switch Undo ",
    "Unlock Watch ",
    // Communications
    "Connect Disconnect Read Receive Send Write ",
    // Data
    "Backup Checkpoint Compare Compress Convert ConvertFrom ConvertTo Dismount Edit Expand ",
    "Export Group Import Initialize Limit Merge Mount Out Publish Restore Save Sync Unpublish ",
    "Update ",
    // Diagnostic
    "Debug Measure Ping Repair Resolve Test Trace ",
    // Lifecycle
    "Approve Assert Build Complete Confirm Deny Deploy Disable Enable Install Invoke Register ",
    "Request Restart Resume Start Stop Submit Suspend Uninstall Unregister Wait ",
    // Security
    "Block Grant Protect Revoke Unblock Unprotect ",
    // Other
    "Use",
);

fn approved_verbs() -> Vec<&'static str> {
    APPROVED_VERBS.split_whitespace().collect()
}

/// Verbs whose commands change state and so must support `-WhatIf`/`-Confirm`
/// (PSScriptAnalyzer's UseShouldProcessForStateChangingFunctions).
const STATE_CHANGING_VERBS: &[&str] = &[
    "New", "Set", "Remove", "Start", "Stop", "Restart", "Reset", "Update",
];

/// The values `ConfirmImpact` takes (`System.Management.Automation.ConfirmImpact`).
const CONFIRM_IMPACTS: &[&str] = &["None", "Low", "Medium", "High"];

/// The common parameters that `SupportsShouldProcess` adds; a function must not declare them.
const SHOULD_PROCESS_PARAMETERS: &[&str] = &["WhatIf", "Confirm"];

/// The common parameters of every advanced function (`about_CommonParameters`).
const COMMON_PARAMETERS: &[&str] = &[
    "Verbose",
    "Debug",
    "ErrorAction",
    "ErrorVariable",
    "WarningAction",
    "WarningVariable",
    "InformationAction",
    "InformationVariable",
    "ProgressAction",
    "OutVariable",
    "OutBuffer",
    "PipelineVariable",
];

/// The noun prefix of every exported command.
const NOUN_PREFIX: &str = "Soa";

fn module_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("powershell/ExchangeSoa")
}

fn read_module_file(name: &str) -> String {
    let path = module_dir().join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn parse(source: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("the PowerShell grammar loads");
    parser
        .parse(source, None)
        .expect("the parser returns a tree")
}

fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// Every node of the tree, in document order.
fn descendants(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = vec![node];
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        out.extend(descendants(child));
    }
    out
}

/// The direct children of `node` of a kind.
fn children_of_kind<'t>(node: Node<'t>, kind: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .filter(|c| c.kind() == kind)
        .collect()
}

/// The ERROR and MISSING nodes of a parse, as `line:column: what` (1-based).
fn syntax_problems(source: &str) -> Vec<String> {
    let tree = parse(source);
    descendants(tree.root_node())
        .into_iter()
        .filter(|n| n.is_error() || n.is_missing())
        .map(|n| {
            let at = n.start_position();
            let what = if n.is_missing() {
                format!("missing {}", n.kind())
            } else {
                let snippet: String = text(n, source).chars().take(40).collect();
                format!("syntax error near {snippet:?}")
            };
            format!("{}:{}: {what}", at.row + 1, at.column + 1)
        })
        .collect()
}

/// The text of a string literal without its quotes.
fn unquote(literal: &str) -> String {
    let trimmed = literal.trim();
    for quote in ['\'', '"'] {
        if let Some(inner) = trimmed
            .strip_prefix(quote)
            .and_then(|s| s.strip_suffix(quote))
        {
            return inner.to_owned();
        }
    }
    trimmed.to_owned()
}

/// The string literals under `node`, unquoted.
fn strings_under(node: Node<'_>, source: &str) -> Vec<String> {
    descendants(node)
        .into_iter()
        .filter(|n| n.kind() == "string_literal")
        .map(|n| unquote(text(n, source)))
        .collect()
}

/// A parameter of a function's `param()` block.
#[derive(Debug)]
struct ParameterDef {
    /// The name without `$`.
    name: String,
    /// The names of its attributes (`Parameter`, `PSTypeName`, `ValidateSet`, ...); type
    /// constraints such as `[string]` are not attributes.
    attributes: Vec<String>,
    /// The names given by its `[Alias(...)]` attribute.
    aliases: Vec<String>,
}

/// A function defined with `function Name { ... }`.
#[derive(Debug)]
struct FunctionDef {
    name: String,
    /// Has `[CmdletBinding()]` or a `[Parameter()]` attribute.
    advanced: bool,
    /// `[CmdletBinding(SupportsShouldProcess)]` (or `= $true`).
    supports_should_process: bool,
    /// `[CmdletBinding(ConfirmImpact = '...')]`, unquoted.
    confirm_impact: Option<String>,
    /// Calls `$PSCmdlet.ShouldProcess(` outside comments.
    calls_should_process: bool,
    /// The parameters of its `param()` block.
    parameters: Vec<ParameterDef>,
}

impl FunctionDef {
    fn parameter(&self, name: &str) -> Option<&ParameterDef> {
        self.parameters
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Whether `-name` binds to a parameter: one of its own (by name or alias) or a common
    /// parameter (`-WhatIf`/`-Confirm` only with SupportsShouldProcess). Prefixes are not
    /// accepted: scripts spell parameters out.
    fn accepts(&self, name: &str) -> bool {
        self.parameters.iter().any(|p| {
            p.name.eq_ignore_ascii_case(name)
                || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        }) || (self.advanced
            && COMMON_PARAMETERS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name)))
            || (self.supports_should_process
                && SHOULD_PROCESS_PARAMETERS
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(name)))
    }
}

fn attribute_name(attribute: Node<'_>, source: &str) -> Option<String> {
    children_of_kind(attribute, "attribute_name")
        .first()
        .map(|n| text(*n, source).trim().to_owned())
}

fn is_attribute(attribute: Node<'_>, source: &str, name: &str) -> bool {
    attribute_name(attribute, source).is_some_and(|n| {
        n.eq_ignore_ascii_case(name) || n.eq_ignore_ascii_case(&format!("{name}Attribute"))
    })
}

/// Whether a `[CmdletBinding(...)]` attribute turns SupportsShouldProcess on.
fn declares_should_process(cmdlet_binding: Node<'_>, source: &str) -> bool {
    descendants(cmdlet_binding)
        .into_iter()
        .filter(|n| n.kind() == "attribute_argument")
        .any(|argument| {
            let mut cursor = argument.walk();
            let parts: Vec<Node<'_>> = argument.named_children(&mut cursor).collect();
            match parts.as_slice() {
                [name] => text(*name, source).eq_ignore_ascii_case("SupportsShouldProcess"),
                [name, value] => {
                    text(*name, source).eq_ignore_ascii_case("SupportsShouldProcess")
                        && text(*value, source).trim().eq_ignore_ascii_case("$true")
                }
                _ => false,
            }
        })
}

/// The value of a named `[CmdletBinding(Name = value)]` argument, unquoted.
fn binding_argument(cmdlet_binding: Node<'_>, source: &str, key: &str) -> Option<String> {
    descendants(cmdlet_binding)
        .into_iter()
        .filter(|n| n.kind() == "attribute_argument")
        .find_map(|argument| {
            let mut cursor = argument.walk();
            let parts: Vec<Node<'_>> = argument.named_children(&mut cursor).collect();
            match parts.as_slice() {
                [name, value] if text(*name, source).eq_ignore_ascii_case(key) => {
                    Some(unquote(text(*value, source)))
                }
                _ => None,
            }
        })
}

/// The parameters declared in a `param_block`.
fn parameters_of(param_block: Node<'_>, source: &str) -> Vec<ParameterDef> {
    children_of_kind(param_block, "parameter_list")
        .into_iter()
        .flat_map(|list| children_of_kind(list, "script_parameter"))
        .filter_map(|parameter| {
            let name = children_of_kind(parameter, "variable")
                .first()
                .map(|v| text(*v, source).trim().trim_start_matches('$').to_owned())?;
            let attribute_nodes: Vec<Node<'_>> = children_of_kind(parameter, "attribute_list")
                .into_iter()
                .flat_map(|list| children_of_kind(list, "attribute"))
                .collect();
            let attributes = attribute_nodes
                .iter()
                .filter_map(|a| attribute_name(*a, source))
                .collect();
            let aliases = attribute_nodes
                .iter()
                .filter(|a| is_attribute(**a, source, "Alias"))
                .flat_map(|a| strings_under(*a, source))
                .collect();
            Some(ParameterDef {
                name,
                attributes,
                aliases,
            })
        })
        .collect()
}

/// The source of `node` with its comments blanked out.
fn code_without_comments(node: Node<'_>, source: &str) -> String {
    let range = node.byte_range();
    let mut code = source[range.clone()].to_owned();
    for comment in descendants(node)
        .into_iter()
        .filter(|n| n.kind() == "comment")
    {
        let r = comment.byte_range();
        let blank = " ".repeat(r.len());
        code.replace_range(r.start - range.start..r.end - range.start, &blank);
    }
    code
}

fn functions(source: &str) -> Vec<FunctionDef> {
    let tree = parse(source);
    descendants(tree.root_node())
        .into_iter()
        .filter(|n| n.kind() == "function_statement")
        .filter_map(|function| {
            let name = children_of_kind(function, "function_name")
                .first()
                .map(|n| text(*n, source).trim().to_owned())?;
            let param_blocks: Vec<Node<'_>> = children_of_kind(function, "script_block")
                .into_iter()
                .flat_map(|block| children_of_kind(block, "param_block"))
                .collect();
            let attributes: Vec<Node<'_>> = param_blocks
                .iter()
                .flat_map(|b| descendants(*b))
                .filter(|n| n.kind() == "attribute")
                .collect();
            let cmdlet_binding = attributes
                .iter()
                .find(|a| is_attribute(**a, source, "CmdletBinding"));
            let advanced = cmdlet_binding.is_some()
                || attributes
                    .iter()
                    .any(|a| is_attribute(*a, source, "Parameter"));
            let supports_should_process =
                cmdlet_binding.is_some_and(|a| declares_should_process(*a, source));
            let confirm_impact =
                cmdlet_binding.and_then(|a| binding_argument(*a, source, "ConfirmImpact"));
            let calls_should_process = code_without_comments(function, source)
                .to_ascii_lowercase()
                .contains("$pscmdlet.shouldprocess(");
            let parameters = param_blocks
                .iter()
                .flat_map(|b| parameters_of(*b, source))
                .collect();
            Some(FunctionDef {
                name,
                advanced,
                supports_should_process,
                confirm_impact,
                calls_should_process,
                parameters,
            })
        })
        .collect()
}

/// The entries of a hashtable literal: key and value node.
fn hash_entries<'t>(hash: Node<'t>, source: &str) -> Vec<(String, Node<'t>)> {
    children_of_kind(hash, "hash_literal_body")
        .into_iter()
        .flat_map(|body| children_of_kind(body, "hash_entry"))
        .filter_map(|entry| {
            let key = children_of_kind(entry, "key_expression")
                .first()
                .map(|k| unquote(text(*k, source)))?;
            let mut cursor = entry.walk();
            let value = entry
                .named_children(&mut cursor)
                .find(|c| c.kind() != "key_expression")?;
            Some((key, value))
        })
        .collect()
}

fn first_hash(node: Node<'_>) -> Option<Node<'_>> {
    descendants(node)
        .into_iter()
        .find(|n| n.kind() == "hash_literal_expression")
}

fn entry<'t>(hash: Node<'t>, source: &str, key: &str) -> Option<Node<'t>> {
    hash_entries(hash, source)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// A module manifest, parsed.
struct Manifest {
    source: String,
    tree: Tree,
}

impl Manifest {
    fn new(source: &str) -> Manifest {
        Manifest {
            source: source.to_owned(),
            tree: parse(source),
        }
    }

    /// The manifest's hashtable; `None` when it holds none.
    fn root(&self) -> Option<Node<'_>> {
        first_hash(self.tree.root_node())
    }

    /// The strings of a top-level key (`None` when the key is absent).
    fn list(&self, key: &str) -> Option<Vec<String>> {
        entry(self.root()?, &self.source, key).map(|v| strings_under(v, &self.source))
    }

    fn string(&self, key: &str) -> Option<String> {
        self.list(key).and_then(|l| l.into_iter().next())
    }

    /// The strings of `PrivateData.PSData.<key>`.
    fn ps_data(&self, key: &str) -> Option<Vec<String>> {
        let private = entry(self.root()?, &self.source, "PrivateData").and_then(first_hash)?;
        let ps_data = entry(private, &self.source, "PSData").and_then(first_hash)?;
        entry(ps_data, &self.source, key).map(|v| strings_under(v, &self.source))
    }
}

/// The names given to `Export-ModuleMember` in a script module.
fn export_module_member(source: &str) -> Option<Vec<String>> {
    let tree = parse(source);
    let commands: Vec<Node<'_>> = descendants(tree.root_node())
        .into_iter()
        .filter(|n| n.kind() == "command")
        .filter(|n| {
            n.child_by_field_name("command_name")
                .is_some_and(|c| text(c, source).eq_ignore_ascii_case("Export-ModuleMember"))
        })
        .collect();
    if commands.is_empty() {
        return None;
    }
    Some(
        commands
            .into_iter()
            .flat_map(|c| strings_under(c, source))
            .collect(),
    )
}

fn verb_and_noun(name: &str) -> Option<(&str, &str)> {
    name.split_once('-')
}

fn lower_set(names: &[String]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_ascii_lowercase()).collect()
}

/// What is wrong with a function's `-WhatIf`/`-Confirm` support.
fn should_process_problems(f: &FunctionDef) -> Vec<String> {
    let mut problems = Vec::new();
    for common in SHOULD_PROCESS_PARAMETERS {
        if f.parameter(common).is_some() {
            problems.push(format!(
                "{} declares -{common} itself; SupportsShouldProcess provides it",
                f.name
            ));
        }
    }
    if let Some(impact) = &f.confirm_impact
        && !CONFIRM_IMPACTS
            .iter()
            .any(|i| i.eq_ignore_ascii_case(impact))
    {
        problems.push(format!(
            "{} has ConfirmImpact {impact:?}, not one of {CONFIRM_IMPACTS:?}",
            f.name
        ));
    }
    if !f.supports_should_process {
        return problems;
    }
    if f.confirm_impact.is_none() {
        problems.push(format!(
            "{} supports ShouldProcess but does not state its ConfirmImpact",
            f.name
        ));
    }
    if !f.calls_should_process {
        problems.push(format!(
            "{} supports ShouldProcess but never calls $PSCmdlet.ShouldProcess, so -WhatIf does nothing",
            f.name
        ));
    }
    problems
}

/// Everything wrong with a module, as messages; empty when it passes.
fn module_problems(script: &str, manifest_text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for p in syntax_problems(script) {
        problems.push(format!("psm1 {p}"));
    }
    for p in syntax_problems(manifest_text) {
        problems.push(format!("psd1 {p}"));
    }
    let defined = functions(script);
    let manifest = Manifest::new(manifest_text);
    if manifest.root().is_none() {
        problems.push("the manifest is not a hashtable literal".to_owned());
        return problems;
    }
    let Some(exported) = manifest.list("FunctionsToExport") else {
        problems.push("the manifest has no FunctionsToExport".to_owned());
        return problems;
    };
    let exported_lower = lower_set(&exported);

    for name in &exported {
        if name.contains('*') {
            problems.push(format!("FunctionsToExport uses a wildcard: {name}"));
        }
        match defined.iter().find(|f| f.name.eq_ignore_ascii_case(name)) {
            None => problems.push(format!(
                "{name} is in FunctionsToExport but the psm1 defines no such function"
            )),
            Some(f) if !f.advanced => problems.push(format!(
                "{name} is exported but is not an advanced function ([CmdletBinding()])"
            )),
            Some(_) => {}
        }
        match verb_and_noun(name) {
            None => problems.push(format!("{name} is not Verb-Noun")),
            Some((verb, noun)) => {
                if !approved_verbs().contains(&verb) {
                    problems.push(format!("{name} uses the unapproved verb {verb}"));
                }
                if !noun.starts_with(NOUN_PREFIX) || noun.len() == NOUN_PREFIX.len() {
                    problems.push(format!(
                        "{name}: the noun does not start with {NOUN_PREFIX}"
                    ));
                }
            }
        }
    }
    for f in &defined {
        let Some((verb, noun)) = verb_and_noun(&f.name) else {
            continue;
        };
        if f.advanced
            && noun.starts_with(NOUN_PREFIX)
            && !exported_lower.contains(&f.name.to_ascii_lowercase())
        {
            problems.push(format!(
                "{} is an advanced function with the {NOUN_PREFIX} noun but is not in FunctionsToExport",
                f.name
            ));
        }
        let changes_state = STATE_CHANGING_VERBS
            .iter()
            .any(|v| v.eq_ignore_ascii_case(verb));
        if changes_state && !f.supports_should_process {
            problems.push(format!(
                "{} changes state ({verb}) but does not declare [CmdletBinding(SupportsShouldProcess)]",
                f.name
            ));
        }
    }
    for f in &defined {
        problems.extend(should_process_problems(f));
    }
    if let Some(members) = export_module_member(script)
        && lower_set(&members) != exported_lower
    {
        problems.push(format!(
            "Export-ModuleMember in the psm1 ({members:?}) differs from FunctionsToExport ({exported:?})"
        ));
    }
    for key in ["CmdletsToExport", "AliasesToExport", "VariablesToExport"] {
        match manifest.list(key) {
            Some(list) if list.is_empty() => {}
            Some(list) => problems.push(format!("{key} should be @() but is {list:?}")),
            None => problems.push(format!("the manifest has no {key} (it should be @())")),
        }
    }
    problems
}

// --- the real module -----------------------------------------------------------------------------

#[test]
fn psm1_parses_without_errors() {
    let problems = syntax_problems(&read_module_file("ExchangeSoa.psm1"));
    assert!(problems.is_empty(), "ExchangeSoa.script: {problems:#?}");
}

#[test]
fn psd1_parses_without_errors() {
    let problems = syntax_problems(&read_module_file("ExchangeSoa.psd1"));
    assert!(problems.is_empty(), "ExchangeSoa.psd1: {problems:#?}");
}

#[test]
fn module_passes_every_check() {
    let problems = module_problems(
        &read_module_file("ExchangeSoa.psm1"),
        &read_module_file("ExchangeSoa.psd1"),
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn exports_are_the_expected_cmdlets() {
    let manifest = Manifest::new(&read_module_file("ExchangeSoa.psd1"));
    let exported = manifest
        .list("FunctionsToExport")
        .expect("FunctionsToExport");
    for name in [
        "Get-SoaAttribute",
        "Get-SoaAuthority",
        "Test-SoaEdit",
        "Get-SoaRollbackLoss",
        "Test-SoaProxyAddress",
        "Test-SoaPrerequisite",
        "Test-SoaMailbox",
        "ConvertTo-SoaSyncVersion",
        "Compare-SoaSyncVersion",
        "New-SoaSimulatedOrg",
        "Import-SoaSimulatedOrg",
        "Export-SoaSimulatedOrg",
        "Connect-SoaSimulatedOrg",
        "Add-SoaSimulatedPrincipal",
        "Get-SoaSimulatedRoleAssignment",
        "Invoke-SoaSyncCycle",
        "Invoke-SoaWritebackCycle",
        "Step-SoaSimulatedClock",
        "Get-SoaSimulatedMailbox",
        "New-SoaSimulatedMailbox",
        "Set-SoaSimulatedMailbox",
        "Set-SoaCloudManaged",
        "Get-SoaSimulatedUser",
        "New-SoaSimulatedAdUser",
        "Get-SoaSimulatedAdUser",
        "Set-SoaSimulatedAdUser",
        "Remove-SoaSimulatedAdUser",
        "Add-SoaSimulatedLicense",
        "Set-SoaSimulatedSyncEngine",
        "Get-SoaSimulatedOrgConfig",
        "Set-SoaSimulatedOrgConfig",
        "Search-SoaSimulatedAuditLog",
        "Get-SoaSimulatedSyncError",
        "Get-SoaSimulatedOrgSummary",
        "Connect-SoaTenant",
        "Disconnect-SoaTenant",
        "Get-SoaMailbox",
        "Set-SoaMailbox",
        "Get-SoaUser",
        "Get-SoaOrgConfig",
        "Get-SoaRoleAssignment",
        "Search-SoaAuditLog",
        "Start-SoaEmulator",
        "Stop-SoaEmulator",
        "New-SoaEmulatorToken",
        "Set-SoaEmulatorFault",
        "Get-SoaEmulatorStatistic",
        "New-SoaTransferPlan",
        "Start-SoaTransfer",
        "Resume-SoaTransfer",
        "Undo-SoaTransfer",
        "Restore-SoaBackup",
        "Enable-SoaCloudManagedByDefault",
        "Disable-SoaCloudManagedByDefault",
        "Get-SoaRbacReport",
        "Compare-SoaDirectory",
        "Export-SoaWritebackPlan",
        "Test-SoaScript",
    ] {
        assert!(exported.iter().any(|e| e == name), "{name} is not exported");
    }
    let defined = functions(&read_module_file("ExchangeSoa.psm1"));
    let private: Vec<&str> = defined
        .iter()
        .filter(|f| !exported.contains(&f.name))
        .map(|f| f.name.as_str())
        .collect();
    assert!(
        !private.is_empty(),
        "the function finder found no private helper at all: {defined:?}"
    );
}

/// Exported cmdlets that change the simulated organization (or write a file) although their verb
/// is not one of [`STATE_CHANGING_VERBS`]: they must support `-WhatIf`/`-Confirm` too.
const STATE_CHANGING_OTHER_VERBS: &[&str] = &[
    "Export-SoaSimulatedOrg",
    "Add-SoaSimulatedPrincipal",
    "Invoke-SoaSyncCycle",
    "Invoke-SoaWritebackCycle",
    "Step-SoaSimulatedClock",
    "Add-SoaSimulatedLicense",
    "Resume-SoaTransfer",
    "Undo-SoaTransfer",
    "Restore-SoaBackup",
    "Enable-SoaCloudManagedByDefault",
    "Disable-SoaCloudManagedByDefault",
    "Export-SoaWritebackPlan",
    "Test-SoaScript",
];

/// Exported cmdlets whose effect is hard to undo: `ConfirmImpact = 'High'` and a `-Force`.
const HIGH_IMPACT: &[&str] = &[
    "Set-SoaCloudManaged",
    "Remove-SoaSimulatedAdUser",
    "Set-SoaSimulatedOrgConfig",
    "Start-SoaTransfer",
    "Resume-SoaTransfer",
    "Undo-SoaTransfer",
    "Restore-SoaBackup",
    "Enable-SoaCloudManagedByDefault",
    "Disable-SoaCloudManagedByDefault",
];

/// Exported cmdlets with a read-only verb that write files when a switch asks for it, and so
/// support `-WhatIf` for that part: `Test-SoaScript -Fix` writes the rewritten scripts.
const READ_ONLY_VERB_EXCEPTIONS: &[&str] = &["Test-SoaScript"];

/// Verbs of commands that only read: they must not offer `-WhatIf`.
const READ_ONLY_VERBS: &[&str] = &[
    "Get",
    "Test",
    "Search",
    "ConvertTo",
    "Compare",
    "Import",
    "Connect",
];

fn exported_functions() -> Vec<FunctionDef> {
    let manifest = Manifest::new(&read_module_file("ExchangeSoa.psd1"));
    let exported = lower_set(
        &manifest
            .list("FunctionsToExport")
            .expect("FunctionsToExport"),
    );
    functions(&read_module_file("ExchangeSoa.psm1"))
        .into_iter()
        .filter(|f| exported.contains(&f.name.to_ascii_lowercase()))
        .collect()
}

fn exported_function(name: &str) -> FunctionDef {
    exported_functions()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name} is not an exported function"))
}

#[test]
fn simulation_cmdlets_that_change_state_support_should_process() {
    for name in STATE_CHANGING_OTHER_VERBS {
        let f = exported_function(name);
        assert!(
            f.supports_should_process,
            "{name} changes state but does not declare SupportsShouldProcess"
        );
    }
    let changing: Vec<String> = exported_functions()
        .into_iter()
        .filter(|f| f.supports_should_process)
        .map(|f| f.name)
        .collect();
    for name in [
        "New-SoaSimulatedOrg",
        "Set-SoaSimulatedMailbox",
        "Set-SoaCloudManaged",
        "New-SoaSimulatedAdUser",
        "Set-SoaSimulatedAdUser",
        "Remove-SoaSimulatedAdUser",
        "New-SoaSimulatedMailbox",
        "Set-SoaSimulatedSyncEngine",
        "Set-SoaSimulatedOrgConfig",
    ] {
        assert!(changing.iter().any(|c| c == name), "{name}: {changing:?}");
    }
}

#[test]
fn high_impact_cmdlets_ask_for_confirmation() {
    for name in HIGH_IMPACT {
        let f = exported_function(name);
        assert_eq!(
            f.confirm_impact.as_deref(),
            Some("High"),
            "{name}: ConfirmImpact"
        );
        assert!(f.parameter("Force").is_some(), "{name} has no -Force");
    }
    let flip = exported_function("Set-SoaCloudManaged");
    for parameter in ["Org", "Identity", "Enabled", "PassThru"] {
        assert!(
            flip.parameter(parameter).is_some(),
            "Set-SoaCloudManaged has no -{parameter}: {:?}",
            flip.parameters
        );
    }
}

#[test]
fn read_only_cmdlets_do_not_offer_whatif() {
    for f in exported_functions() {
        let (verb, _) = verb_and_noun(&f.name).expect("Verb-Noun");
        if READ_ONLY_VERBS.contains(&verb) && !READ_ONLY_VERB_EXCEPTIONS.contains(&f.name.as_str())
        {
            assert!(
                !f.supports_should_process,
                "{} only reads but declares SupportsShouldProcess",
                f.name
            );
        }
    }
}

#[test]
fn org_parameters_are_typed_and_present() {
    let mut with_org = 0;
    for f in exported_functions() {
        let Some(org) = f.parameter("Org") else {
            let takes_org = f.name.contains("Simulated")
                || f.name.ends_with("SoaSyncCycle")
                || f.name.ends_with("SoaWritebackCycle")
                || f.name == "Set-SoaCloudManaged";
            assert!(
                !takes_org || f.name == "New-SoaSimulatedOrg" || f.name == "Import-SoaSimulatedOrg",
                "{} works on a simulated organization but has no -Org",
                f.name
            );
            continue;
        };
        with_org += 1;
        assert!(
            org.attributes
                .iter()
                .any(|a| a.eq_ignore_ascii_case("PSTypeName")),
            "{}: -Org should be [PSTypeName('ExchangeSoa.SimulatedOrg')], has {:?}",
            f.name,
            org.attributes
        );
    }
    assert!(with_org >= 20, "only {with_org} cmdlets take -Org");
}

#[test]
fn manifest_fields() {
    let manifest = Manifest::new(&read_module_file("ExchangeSoa.psd1"));
    assert_eq!(
        manifest.string("ModuleVersion").as_deref(),
        Some(env!("CARGO_PKG_VERSION")),
        "ModuleVersion follows the crate version"
    );
    assert_eq!(
        manifest.string("RootModule").as_deref(),
        Some("ExchangeSoa.psm1")
    );
    assert_eq!(manifest.string("PowerShellVersion").as_deref(), Some("7.2"));
    assert_eq!(
        manifest.list("CompatiblePSEditions"),
        Some(vec!["Core".to_owned()])
    );
    let guid = manifest.string("GUID").expect("GUID");
    assert_eq!(guid.len(), 36, "GUID {guid:?}");
    for file in manifest.list("FormatsToProcess").unwrap_or_default() {
        assert!(
            module_dir().join(&file).is_file(),
            "FormatsToProcess names {file}, which is not in the module folder"
        );
    }
    let tags = manifest.ps_data("Tags").expect("PrivateData.PSData.Tags");
    assert!(!tags.is_empty(), "no tags");
    assert!(
        tags.iter().all(|t| !t.contains(' ')),
        "a tag holds a space: {tags:?}"
    );
    let uri = manifest
        .ps_data("ProjectUri")
        .expect("PrivateData.PSData.ProjectUri");
    assert!(uri.iter().all(|u| u.starts_with("https://")), "{uri:?}");
    let notes = manifest
        .ps_data("ReleaseNotes")
        .expect("PrivateData.PSData.ReleaseNotes");
    assert!(notes.iter().any(|n| !n.is_empty()), "empty release notes");
}

#[test]
fn format_views_name_types_the_module_emits() {
    let script = read_module_file("ExchangeSoa.psm1");
    let format = read_module_file("ExchangeSoa.format.ps1xml");
    let mut views = 0;
    for piece in format.split("<TypeName>").skip(1) {
        let type_name = piece
            .split("</TypeName>")
            .next()
            .expect("a closed TypeName");
        views += 1;
        assert!(
            script.contains(&format!("PSTypeName = '{type_name}'"))
                || script.contains(&format!("'{type_name}'")),
            "the format file has a view for {type_name}, which the module never emits"
        );
    }
    assert!(views > 0, "the format file has no view");
}

/// Exported cmdlets that work on "an Exchange Online": each takes `-Org` (the simulation) or
/// `-Connection` (a tenant, through the REST client), in two parameter sets.
const EXCHANGE_CMDLETS: &[&str] = &[
    "Get-SoaMailbox",
    "Set-SoaMailbox",
    "Get-SoaUser",
    "Get-SoaOrgConfig",
    "Get-SoaRoleAssignment",
    "Search-SoaAuditLog",
    "Set-SoaCloudManaged",
    "New-SoaTransferPlan",
    "Start-SoaTransfer",
    "Resume-SoaTransfer",
    "Undo-SoaTransfer",
    "Restore-SoaBackup",
    "Enable-SoaCloudManagedByDefault",
    "Disable-SoaCloudManagedByDefault",
    "Get-SoaRbacReport",
];

#[test]
fn exchange_cmdlets_take_a_connection_or_an_org() {
    for name in EXCHANGE_CMDLETS {
        let f = exported_function(name);
        for (parameter, type_name) in [
            ("Org", "ExchangeSoa.SimulatedOrg"),
            ("Connection", "ExchangeSoa.Connection"),
        ] {
            let p = f
                .parameter(parameter)
                .unwrap_or_else(|| panic!("{name} has no -{parameter}"));
            assert!(
                p.attributes.iter().any(|a| a == "PSTypeName"),
                "{name}: -{parameter} should be [PSTypeName('{type_name}')]"
            );
        }
    }
    // Every exported -Connection is typed, whatever the cmdlet.
    let mut with_connection = 0;
    for f in exported_functions() {
        if let Some(p) = f.parameter("Connection") {
            with_connection += 1;
            assert!(
                p.attributes.iter().any(|a| a == "PSTypeName"),
                "{}: -Connection should be [PSTypeName('ExchangeSoa.Connection')]",
                f.name
            );
        }
    }
    assert!(
        with_connection > EXCHANGE_CMDLETS.len(),
        "{with_connection}"
    );
    // Exchange cmdlets that read AD for a connection take -Directory, typed as an organization.
    for name in [
        "New-SoaTransferPlan",
        "Start-SoaTransfer",
        "Resume-SoaTransfer",
        "Undo-SoaTransfer",
    ] {
        let f = exported_function(name);
        let p = f
            .parameter("Directory")
            .unwrap_or_else(|| panic!("{name} has no -Directory"));
        assert!(p.attributes.iter().any(|a| a == "PSTypeName"), "{name}");
    }
    let connect = exported_function("Connect-SoaTenant");
    for parameter in [
        "Tenant",
        "ClientId",
        "ClientSecret",
        "CertificatePath",
        "KeyPath",
        "AccessToken",
        "Cloud",
        "ExchangeUrl",
        "LoginUrl",
    ] {
        assert!(
            connect.parameter(parameter).is_some(),
            "Connect-SoaTenant has no -{parameter}"
        );
    }
    assert!(
        !connect.supports_should_process,
        "Connect-SoaTenant changes nothing"
    );
    let undo = exported_function("Undo-SoaTransfer");
    for parameter in ["AcknowledgeLoss", "ExportPath", "Identity"] {
        assert!(
            undo.parameter(parameter).is_some(),
            "Undo-SoaTransfer -{parameter}"
        );
    }
}

#[test]
fn start_soa_transfer_reports_progress_from_the_callback() {
    let script = read_module_file("ExchangeSoa.psm1");
    let start = functions(&script)
        .into_iter()
        .find(|f| f.name == "Start-SoaTransfer")
        .expect("Start-SoaTransfer");
    assert_eq!(start.confirm_impact.as_deref(), Some("High"));
    // The handler is a delegate made from a script block that calls Write-Progress.
    let handler = script
        .split("function Get-TransferProgressHandler")
        .nth(1)
        .and_then(|rest| rest.split("\nfunction ").next())
        .expect("Get-TransferProgressHandler");
    assert!(handler.contains("Write-Progress"), "{handler}");
    assert!(handler.contains("[System.Action[string]]"), "{handler}");
    let body = script
        .split("function Start-SoaTransfer")
        .nth(1)
        .and_then(|rest| rest.split("\nfunction ").next())
        .expect("Start-SoaTransfer body");
    assert!(body.contains("Get-TransferProgressHandler"));
    assert!(body.contains("-Completed"), "the progress bar is closed");
    assert!(body.contains("[ExchangeSoa.Api]::RunTransfer("));
}

/// The body of an exported function of the psm1, up to the next function.
fn function_body(script: &str, name: &str) -> String {
    script
        .split(&format!("function {name} {{"))
        .nth(1)
        .and_then(|rest| rest.split("\nfunction ").next())
        .unwrap_or_else(|| panic!("no function {name}"))
        .to_owned()
}

#[test]
fn reconciliation_cmdlets_have_their_parameters() {
    let compare = exported_function("Compare-SoaDirectory");
    for parameter in [
        "AdPath",
        "AdFormat",
        "CloudPath",
        "Org",
        "Connection",
        "WritebackEnabled",
        "Attribute",
        "HtmlReport",
        "JsonReport",
        "CsvReport",
        "PassThru",
    ] {
        assert!(
            compare.parameter(parameter).is_some(),
            "Compare-SoaDirectory has no -{parameter}"
        );
    }
    for (parameter, type_name) in [
        ("Org", "ExchangeSoa.SimulatedOrg"),
        ("Connection", "ExchangeSoa.Connection"),
    ] {
        let p = compare.parameter(parameter).expect("checked above");
        assert!(
            p.attributes.iter().any(|a| a == "PSTypeName"),
            "Compare-SoaDirectory: -{parameter} should be [PSTypeName('{type_name}')]"
        );
    }
    assert!(
        !compare.supports_should_process,
        "Compare-SoaDirectory changes nothing"
    );
    let script = read_module_file("ExchangeSoa.psm1");
    let body = function_body(&script, "Compare-SoaDirectory");
    for call in [
        "[ExchangeSoa.Api]::ReconcileFiles(",
        "[ExchangeSoa.Api]::ReconcileLive(",
        "[ExchangeSoa.Api]::SaveReconcileReportHtml(",
        "[ExchangeSoa.Api]::SaveReconcileReportJson(",
        "[ExchangeSoa.Api]::SaveReconcileReportCsv(",
        "ConvertTo-ReconcileReportObject",
    ] {
        assert!(
            body.contains(call),
            "Compare-SoaDirectory never calls {call}"
        );
    }
    assert!(script.contains("PSTypeName          = 'ExchangeSoa.Difference'"));

    let export = exported_function("Export-SoaWritebackPlan");
    for parameter in [
        "Report",
        "ReportPath",
        "Class",
        "Attribute",
        "Mailbox",
        "LdifPath",
        "ScriptPath",
    ] {
        assert!(
            export.parameter(parameter).is_some(),
            "Export-SoaWritebackPlan has no -{parameter}"
        );
    }
    assert!(
        export
            .parameter("Report")
            .is_some_and(|p| p.attributes.iter().any(|a| a == "PSTypeName")),
        "-Report should be [PSTypeName('ExchangeSoa.ReconcileReport')]"
    );
    assert!(export.supports_should_process && export.calls_should_process);
    let body = function_body(&script, "Export-SoaWritebackPlan");
    assert!(
        body.contains("'NoPlanPath'"),
        "at least one path is required"
    );
    // The plan is counted before ShouldProcess and written only after it.
    let asked = body
        .find("$PSCmdlet.ShouldProcess(")
        .expect("ShouldProcess");
    let written = body
        .rfind(
            "[ExchangeSoa.Api]::SaveWritebackPlan($handle, $selectionJson, $ldifFile, $scriptFile)",
        )
        .expect("the plan is written");
    assert!(
        asked < written,
        "the plan is written before ShouldProcess is asked"
    );
}

#[test]
fn test_soa_script_writes_only_with_fix_and_should_process() {
    let f = exported_function("Test-SoaScript");
    for parameter in [
        "Path",
        "Fix",
        "OutputPath",
        "InPlace",
        "Format",
        "MaxFileBytes",
    ] {
        assert!(
            f.parameter(parameter).is_some(),
            "Test-SoaScript has no -{parameter}"
        );
    }
    assert!(f.supports_should_process && f.calls_should_process);
    let script = read_module_file("ExchangeSoa.psm1");
    let body = function_body(&script, "Test-SoaScript");
    for format in ["'Object'", "'Text'", "'Json'", "'Sarif'"] {
        assert!(
            body.contains(format),
            "Test-SoaScript -Format lacks {format}"
        );
    }
    for call in [
        "[ExchangeSoa.Api]::AuditScripts(",
        "[ExchangeSoa.Api]::AuditScriptsText(",
        "[ExchangeSoa.Api]::AuditScriptsSarif(",
    ] {
        assert!(body.contains(call), "Test-SoaScript never calls {call}");
    }
    let asked = body
        .find("$PSCmdlet.ShouldProcess(")
        .expect("ShouldProcess");
    let fixed = body
        .find("[ExchangeSoa.Api]::FixScripts(")
        .expect("FixScripts");
    assert!(
        asked < fixed,
        "the rewrites are written before ShouldProcess is asked"
    );
    assert!(
        body.contains("if ($Fix)"),
        "the rewrites are written only with -Fix"
    );
    assert!(
        body.contains("'FixWithoutTarget'") && body.contains("'TargetWithoutFix'"),
        "-Fix needs -OutputPath or -InPlace, and they need -Fix"
    );
    assert!(
        f.parameter("OutputPath").is_some() && f.parameter("InPlace").is_some(),
        "-OutputPath and -InPlace are parameters"
    );
    assert!(script.contains("PSTypeName = 'ExchangeSoa.ScriptFinding'"));
}

// --- the PowerShell example ------------------------------------------------------------------------

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/powershell/pilot.ps1")
}

/// Each `Verb-Soa...` command a script calls: its name, the `-Parameter`s it is given and the
/// hashtables splatted into it (`@name`), with their 1-based line.
struct CommandUse {
    name: String,
    parameters: Vec<String>,
    splats: Vec<String>,
    line: usize,
}

fn soa_commands(source: &str) -> Vec<CommandUse> {
    let tree = parse(source);
    descendants(tree.root_node())
        .into_iter()
        .filter(|n| n.kind() == "command")
        .filter_map(|command| {
            let name = text(command.child_by_field_name("command_name")?, source).trim();
            if !name.contains("-Soa") {
                return None;
            }
            let elements = command.child_by_field_name("command_elements");
            let direct = |kind: &str| -> Vec<String> {
                elements
                    .map(|e| descendants(e))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|n| n.kind() == kind)
                    // Only this command's own elements, not those of a nested command.
                    .filter(|n| {
                        let mut up = n.parent();
                        while let Some(p) = up {
                            if p.kind() == "command" {
                                return p.id() == command.id();
                            }
                            up = p.parent();
                        }
                        false
                    })
                    .map(|n| text(n, source).trim().to_owned())
                    .collect()
            };
            let parameters = direct("command_parameter")
                .into_iter()
                .map(|p| p.trim_start_matches('-').trim_end_matches(':').to_owned())
                .collect();
            let splats = direct("variable")
                .into_iter()
                .filter_map(|v| v.strip_prefix('@').map(str::to_owned))
                .collect();
            Some(CommandUse {
                name: name.to_owned(),
                parameters,
                splats,
                line: command.start_position().row + 1,
            })
        })
        .collect()
}

/// The keys of every hashtable literal assigned to `$name` in a script, by name.
fn hashtable_assignments(source: &str) -> Vec<(String, Vec<String>)> {
    let tree = parse(source);
    descendants(tree.root_node())
        .into_iter()
        .filter(|n| n.kind() == "assignment_expression")
        .filter_map(|a| {
            let mut cursor = a.walk();
            let left = a
                .named_children(&mut cursor)
                .find(|c| c.kind() == "left_assignment_expression")?;
            let name = text(left, source).trim().strip_prefix('$')?.to_owned();
            let value = a.child_by_field_name("value")?;
            // Only `$x = @{...}` itself, not a hashtable somewhere inside a pipeline.
            let hash = first_hash(value)?;
            let literal = text(value, source).trim();
            if !literal.starts_with("@{") {
                return None;
            }
            let keys = hash_entries(hash, source)
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            Some((name, keys))
        })
        .collect()
}

/// Checks that an example parses and calls only exported cmdlets with parameters they have
/// (given directly or splatted); returns the cmdlets it calls and every use.
fn check_example(path: &Path) -> (BTreeSet<String>, Vec<CommandUse>) {
    let source =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let problems = syntax_problems(&source);
    assert!(problems.is_empty(), "{}: {problems:#?}", path.display());

    let exported = exported_functions();
    let splats = hashtable_assignments(&source);
    let uses = soa_commands(&source);
    let mut called = BTreeSet::new();
    let mut wrong = Vec::new();
    for u in &uses {
        let Some(f) = exported
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(&u.name))
        else {
            wrong.push(format!(
                "line {}: {} is not exported by the module",
                u.line, u.name
            ));
            continue;
        };
        called.insert(f.name.clone());
        for p in &u.parameters {
            if !f.accepts(p) {
                wrong.push(format!("line {}: {} has no -{p}", u.line, u.name));
            }
        }
        for splat in &u.splats {
            let keys: Vec<&String> = splats
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(splat))
                .flat_map(|(_, k)| k)
                .collect();
            if keys.is_empty() {
                wrong.push(format!(
                    "line {}: @{splat} is not a hashtable of the script",
                    u.line
                ));
            }
            for key in keys {
                if !f.accepts(key) {
                    wrong.push(format!(
                        "line {}: {} has no -{key} (splatted from @{splat})",
                        u.line, u.name
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}: {wrong:#?}", path.display());
    (called, uses)
}

#[test]
fn pilot_example_parses_and_calls_only_exported_cmdlets() {
    let (called, uses) = check_example(&example_path());
    // The main job: a simulated organization, a plan, -WhatIf then the real run, a rollback.
    for name in [
        "New-SoaSimulatedOrg",
        "New-SoaTransferPlan",
        "Start-SoaTransfer",
        "Undo-SoaTransfer",
        "Connect-SoaTenant",
        "Start-SoaEmulator",
    ] {
        assert!(
            called.contains(name),
            "pilot.ps1 never calls {name}: {called:?}"
        );
    }
    let starts: Vec<&CommandUse> = uses
        .iter()
        .filter(|u| u.name == "Start-SoaTransfer")
        .collect();
    assert!(
        starts
            .iter()
            .any(|u| u.parameters.iter().any(|p| p == "WhatIf")),
        "pilot.ps1 never runs Start-SoaTransfer -WhatIf"
    );
    assert!(
        starts
            .iter()
            .any(|u| u.parameters.iter().all(|p| p != "WhatIf")),
        "pilot.ps1 never runs Start-SoaTransfer for real"
    );
}

#[test]
fn reconcile_and_audit_examples_parse_and_call_only_exported_cmdlets() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/powershell");
    let (called, uses) = check_example(&dir.join("reconcile.ps1"));
    for name in [
        "Compare-SoaDirectory",
        "Export-SoaWritebackPlan",
        "New-SoaSimulatedOrg",
    ] {
        assert!(
            called.contains(name),
            "reconcile.ps1 never calls {name}: {called:?}"
        );
    }
    let exports: Vec<&CommandUse> = uses
        .iter()
        .filter(|u| u.name == "Export-SoaWritebackPlan")
        .collect();
    assert!(
        exports
            .iter()
            .any(|u| u.parameters.iter().any(|p| p == "WhatIf")),
        "reconcile.ps1 never shows the plan with -WhatIf first"
    );
    let (called, uses) = check_example(&dir.join("audit-scripts.ps1"));
    assert!(called.contains("Test-SoaScript"), "{called:?}");
    let fixes: Vec<&CommandUse> = uses
        .iter()
        .filter(|u| u.name == "Test-SoaScript" && u.parameters.iter().any(|p| p == "Fix"))
        .collect();
    assert!(
        fixes
            .iter()
            .any(|u| u.parameters.iter().any(|p| p == "WhatIf")),
        "audit-scripts.ps1 never runs -Fix with -WhatIf first"
    );
    assert!(
        fixes
            .iter()
            .all(|u| u.parameters.iter().any(|p| p == "OutputPath")
                && u.parameters.iter().all(|p| p != "InPlace")),
        "audit-scripts.ps1 writes its rewrites as copies, never in place"
    );
    for format in ["Sarif", "Text"] {
        assert!(
            source_mentions(&dir.join("audit-scripts.ps1"), &format!("-Format {format}")),
            "audit-scripts.ps1 never writes the {format} report"
        );
    }
}

fn source_mentions(path: &Path, needle: &str) -> bool {
    fs::read_to_string(path).is_ok_and(|s| s.contains(needle))
}

#[test]
fn the_example_checker_catches_mistakes() {
    let exported = exported_functions();
    let check = |source: &str| -> Vec<String> {
        let splats = hashtable_assignments(source);
        let mut wrong = Vec::new();
        for u in soa_commands(source) {
            let Some(f) = exported.iter().find(|f| f.name == u.name) else {
                wrong.push(format!("{} is not exported", u.name));
                continue;
            };
            for p in &u.parameters {
                if !f.accepts(p) {
                    wrong.push(format!("{} has no -{p}", u.name));
                }
            }
            for splat in &u.splats {
                for (_, keys) in splats.iter().filter(|(n, _)| n == splat) {
                    for key in keys {
                        if !f.accepts(key) {
                            wrong.push(format!("{} has no -{key}", u.name));
                        }
                    }
                }
            }
        }
        wrong
    };
    assert!(check("$p = New-SoaTransferPlan -Org $o -Ticket T -Verbose -WhatIf\n").is_empty());
    assert!(
        check("Get-SoaMailbox -Org $o -UserPrincipalName a\n").is_empty(),
        "an alias"
    );
    assert_eq!(
        check("Start-SoaTransfer -Org $o -Plan $p -Tiket T\n"),
        ["Start-SoaTransfer has no -Tiket"]
    );
    assert_eq!(
        check("Get-SoaRbacReport -Org $o -WhatIf\n"),
        ["Get-SoaRbacReport has no -WhatIf"],
        "-WhatIf only with SupportsShouldProcess"
    );
    assert_eq!(
        check("$t = @{ Org = $o; Conection = $c }\nGet-SoaOrgConfig @t\n"),
        ["Get-SoaOrgConfig has no -Conection"]
    );
    assert_eq!(
        check("Invoke-SoaMagic -Org $o\n"),
        ["Invoke-SoaMagic is not exported"]
    );
    // A nested command's parameters belong to it, not to the outer one.
    assert!(check("Get-SoaMailbox -Org (Get-SoaOrgConfig -Org $o) -PageSize 5\n").is_empty());
}

// --- the P/Invoke layer against the exports ------------------------------------------------------

/// The functions this crate exports: `pub extern "C" fn NAME(` in src/.
fn rust_exports() -> BTreeSet<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut names = BTreeSet::new();
    for entry in fs::read_dir(&src).expect("read src/") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let code = fs::read_to_string(&path).expect("read a source file");
        for piece in code.split("pub extern \"C\" fn ").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    names
}

/// The functions `SoaNative.cs` declares in `class Native`: `static extern TYPE NAME(`.
fn csharp_declarations() -> BTreeSet<String> {
    let code = read_module_file("SoaNative.cs");
    let native = code
        .split("public static class Native")
        .nth(1)
        .and_then(|rest| rest.split("public static class NativeLoader").next())
        .expect("SoaNative.cs has class Native followed by class NativeLoader");
    native
        .split("static extern ")
        .skip(1)
        .filter_map(|piece| {
            let head = piece.split('(').next()?;
            head.split_whitespace().last().map(str::to_owned)
        })
        .collect()
}

#[test]
fn csharp_declares_every_export() {
    let exports = rust_exports();
    assert!(exports.len() > 10, "found only {exports:?}");
    let declared = csharp_declarations();
    let missing: Vec<_> = exports.difference(&declared).collect();
    let stale: Vec<_> = declared.difference(&exports).collect();
    assert!(
        missing.is_empty(),
        "exports not declared in SoaNative.cs: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "SoaNative.cs declares functions that are not exported: {stale:?}"
    );
}

/// `Name = value,` pairs of the enum whose declaration line contains `header`.
fn enum_values(code: &str, header: &str) -> Vec<(String, i64)> {
    let body = code
        .split(header)
        .nth(1)
        .and_then(|rest| rest.split('{').nth(1))
        .and_then(|rest| rest.split('}').next())
        .unwrap_or_else(|| panic!("no enum {header}"));
    body.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && !l.starts_with("///") && !l.starts_with('#'))
        .filter_map(|l| {
            let (name, value) = l.trim_end_matches(',').split_once('=')?;
            Some((name.trim().to_owned(), value.trim().parse().ok()?))
        })
        .collect()
}

#[test]
fn csharp_status_values_match_the_rust_enum() {
    let rust = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/status.rs"))
        .expect("read src/status.rs");
    let rust_values = enum_values(&rust, "pub enum soa_status");
    let csharp_values = enum_values(&read_module_file("SoaNative.cs"), "public enum SoaStatus");
    assert!(rust_values.len() > 5, "parsed {rust_values:?}");
    assert_eq!(csharp_values, rust_values);
}

// --- the checkers catch what they should ---------------------------------------------------------

const GOOD_PSD1: &str = "@{
    RootModule = 'Test.script'
    ModuleVersion = '0.1.0'
    FunctionsToExport = @('Get-SoaThing')
    CmdletsToExport = @()
    AliasesToExport = @()
    VariablesToExport = @()
}";

const GOOD_PSM1: &str = "function Get-SoaThing {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] [string] $Name)
    process { $Name }
}
function helper {
    param([string] $Text)
    $Text
}
";

#[test]
fn a_good_snippet_passes() {
    let problems = module_problems(GOOD_PSM1, GOOD_PSD1);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn syntax_errors_are_detected() {
    let broken = [
        // An unclosed function body.
        "function Get-SoaThing {\n    [CmdletBinding()]\n    param([string] $Name)\n    process { $Name }\n",
        // An unclosed param block.
        "function Get-SoaThing {\n    [CmdletBinding()]\n    param([string] $Name\n    process { $Name }\n}\n",
        // An unterminated string.
        "function Get-SoaThing {\n    'unterminated\n}\n",
        // An unclosed hashtable in a manifest.
        "@{\n    RootModule = 'Test.psm1'\n    FunctionsToExport = @('Get-SoaThing'\n",
        // An operator without its right-hand side.
        "$x = 1 +\n",
    ];
    for snippet in broken {
        assert!(
            !syntax_problems(snippet).is_empty(),
            "a syntax error went unnoticed in:\n{snippet}"
        );
    }
    let problems = module_problems(broken[0], GOOD_PSD1);
    assert!(
        problems.iter().any(|p| p.starts_with("psm1 ")),
        "module_problems ignores a broken script: {problems:#?}"
    );
    let problems = module_problems(GOOD_PSM1, broken[3]);
    assert!(
        problems.iter().any(|p| p.starts_with("psd1 ")),
        "module_problems ignores a broken psd1: {problems:#?}"
    );
}

fn assert_flags(script: &str, manifest_text: &str, expected: &str) {
    let problems = module_problems(script, manifest_text);
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "expected a problem containing {expected:?}, got {problems:#?}"
    );
}

#[test]
fn an_export_without_a_definition_is_flagged() {
    let manifest_text =
        GOOD_PSD1.replace("@('Get-SoaThing')", "@('Get-SoaThing', 'Get-SoaMissing')");
    assert_flags(
        GOOD_PSM1,
        &manifest_text,
        "Get-SoaMissing is in FunctionsToExport",
    );
}

#[test]
fn an_unexported_soa_function_is_flagged() {
    let script = format!(
        "{GOOD_PSM1}function Get-SoaHidden {{\n    [CmdletBinding()]\n    param()\n    'x'\n}}\n"
    );
    assert_flags(&script, GOOD_PSD1, "Get-SoaHidden is an advanced function");
}

#[test]
fn an_unapproved_verb_is_flagged() {
    let script = GOOD_PSM1.replace("Get-SoaThing", "Fetch-SoaThing");
    let manifest_text = GOOD_PSD1.replace("Get-SoaThing", "Fetch-SoaThing");
    assert_flags(&script, &manifest_text, "unapproved verb Fetch");
}

#[test]
fn a_noun_without_the_prefix_is_flagged() {
    let script = GOOD_PSM1.replace("Get-SoaThing", "Get-Thing");
    let manifest_text = GOOD_PSD1.replace("Get-SoaThing", "Get-Thing");
    assert_flags(&script, &manifest_text, "does not start with Soa");
}

#[test]
fn a_state_changing_verb_needs_should_process() {
    let script = GOOD_PSM1.replace("Get-SoaThing", "Set-SoaThing");
    let manifest_text = GOOD_PSD1.replace("Get-SoaThing", "Set-SoaThing");
    assert_flags(&script, &manifest_text, "Set-SoaThing changes state");

    let off = script.replace(
        "[CmdletBinding()]",
        "[CmdletBinding(SupportsShouldProcess = $false)]",
    );
    assert_flags(&off, &manifest_text, "Set-SoaThing changes state");

    let script = script.replace(
        "process { $Name }",
        "process { if ($PSCmdlet.ShouldProcess($Name, 'Set')) { $Name } }",
    );
    for on in [
        "[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]",
        "[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]",
        "[CmdletBinding(ConfirmImpact = 'Low', SupportsShouldProcess)]",
    ] {
        let script = script.replace("[CmdletBinding()]", on);
        let problems = module_problems(&script, &manifest_text);
        assert!(problems.is_empty(), "{on}: {problems:#?}");
    }
}

/// A `Set-SoaThing` that supports ShouldProcess properly.
const SET_PSM1: &str = "function Set-SoaThing {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('Soa.Thing')]
        [psobject] $Thing,
        [switch] $Force
    )
    process {
        if ($PSCmdlet.ShouldProcess($Thing, 'Set')) { $Thing }
    }
}
";

fn set_psd1() -> String {
    GOOD_PSD1.replace("Get-SoaThing", "Set-SoaThing")
}

#[test]
fn a_good_should_process_snippet_passes_and_is_read_right() {
    let problems = module_problems(SET_PSM1, &set_psd1());
    assert!(problems.is_empty(), "{problems:#?}");
    let f = functions(SET_PSM1).pop().expect("one function");
    assert!(f.supports_should_process && f.calls_should_process);
    assert_eq!(f.confirm_impact.as_deref(), Some("Medium"));
    let names: Vec<&str> = f.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Thing", "Force"]);
    assert_eq!(
        f.parameter("thing").expect("Thing").attributes,
        ["Parameter", "PSTypeName"]
    );
}

#[test]
fn should_process_without_confirm_impact_is_flagged() {
    let script = SET_PSM1.replace(", ConfirmImpact = 'Medium'", "");
    assert_flags(&script, &set_psd1(), "does not state its ConfirmImpact");
}

#[test]
fn a_bad_confirm_impact_is_flagged() {
    let script = SET_PSM1.replace("'Medium'", "'Severe'");
    assert_flags(&script, &set_psd1(), "ConfirmImpact \"Severe\"");
}

#[test]
fn should_process_without_a_call_is_flagged() {
    let script = SET_PSM1.replace(
        "if ($PSCmdlet.ShouldProcess($Thing, 'Set')) { $Thing }",
        "# $PSCmdlet.ShouldProcess($Thing, 'Set') is not called here\n        $Thing",
    );
    assert_flags(&script, &set_psd1(), "never calls $PSCmdlet.ShouldProcess");
}

#[test]
fn declaring_whatif_or_confirm_is_flagged() {
    for common in SHOULD_PROCESS_PARAMETERS {
        let script = SET_PSM1.replace("[switch] $Force", &format!("[switch] ${common}"));
        assert_flags(&script, &set_psd1(), &format!("declares -{common} itself"));
    }
}

#[test]
fn a_simple_function_export_is_flagged() {
    let script = "function Get-SoaThing {\n    param([string] $Name)\n    $Name\n}\n";
    assert_flags(script, GOOD_PSD1, "is not an advanced function");
}

#[test]
fn wildcard_exports_and_non_empty_lists_are_flagged() {
    let manifest_text = GOOD_PSD1.replace("AliasesToExport = @()", "AliasesToExport = '*'");
    assert_flags(GOOD_PSM1, &manifest_text, "AliasesToExport should be @()");
    let manifest_text = GOOD_PSD1.replace("@('Get-SoaThing')", "@('Get-SoaThing', 'Get-*')");
    assert_flags(GOOD_PSM1, &manifest_text, "uses a wildcard");
    let manifest_text = GOOD_PSD1.replace("    VariablesToExport = @()\n", "");
    assert_flags(GOOD_PSM1, &manifest_text, "no VariablesToExport");
}

#[test]
fn export_module_member_must_match_the_manifest() {
    let script = format!("{GOOD_PSM1}Export-ModuleMember -Function @('Get-SoaThing', 'helper')\n");
    assert_flags(&script, GOOD_PSD1, "Export-ModuleMember");
    let script = format!("{GOOD_PSM1}Export-ModuleMember -Function 'Get-SoaThing'\n");
    let problems = module_problems(&script, GOOD_PSD1);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_verb_list_is_powershell_7s() {
    let verbs = approved_verbs();
    assert_eq!(verbs.len(), 100);
    let unique: BTreeSet<&str> = verbs.iter().copied().collect();
    assert_eq!(unique.len(), verbs.len(), "a verb is listed twice");
    for verb in STATE_CHANGING_VERBS {
        assert!(verbs.contains(verb), "{verb}");
    }
}

/// The README's PowerShell blocks (the quick start, and the reconciliation and script audit
/// section): they parse, and every `Verb-Soa...` command they call is exported and given only
/// parameters it has (no PowerShell host runs here, so this is how the README is kept true).
#[test]
fn readme_quick_start_calls_only_exported_cmdlets() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
        .unwrap_or_else(|e| panic!("cannot read README.md: {e}"));
    let mut blocks: Vec<&str> = Vec::new();
    for heading in [
        "## Quick start: PowerShell",
        "## Reconciliation and script audits",
    ] {
        let section = readme
            .split(heading)
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .unwrap_or_else(|| panic!("README.md has no section {heading:?}"));
        let found: Vec<&str> = section
            .split("```powershell\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .collect();
        assert!(!found.is_empty(), "no powershell block under {heading:?}");
        blocks.extend(found);
    }
    assert!(!blocks.is_empty(), "no powershell block in the quick start");
    let exported = exported_functions();
    let mut calls = 0;
    for block in blocks {
        let problems = syntax_problems(block);
        assert!(problems.is_empty(), "README quick start: {problems:#?}");
        for u in soa_commands(block) {
            calls += 1;
            let f = exported
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(&u.name))
                .unwrap_or_else(|| panic!("README calls {}, which is not exported", u.name));
            for p in &u.parameters {
                assert!(f.accepts(p), "README: {} has no -{p}", u.name);
            }
        }
    }
    assert!(
        calls >= 4,
        "the quick start calls the module ({calls} calls)"
    );
}
