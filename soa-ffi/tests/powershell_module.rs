//! Static checks of the ExchangeSoa PowerShell module (`powershell/ExchangeSoa`), for machines
//! without a PowerShell host.
//!
//! The module is laid out as community modules are: `Public/` (one exported function per file,
//! named after it), `Private/` (one helper per file) and a short psm1 that dot-sources them. Every
//! script, the manifest, the examples and the README's PowerShell blocks are parsed with
//! tree-sitter-powershell: none may hold a syntax error; the manifest's `FunctionsToExport` and the
//! files of `Public/` must agree; every exported function must use an approved verb (PowerShell 7's
//! `Get-Verb`) and the `Soa` noun prefix, and declare `SupportsShouldProcess` when its verb changes
//! state (and, for this module, when it changes the simulated organization whatever its verb). A
//! function that supports `-WhatIf`/`-Confirm` must state its `ConfirmImpact`, call
//! `$PSCmdlet.ShouldProcess`, and not declare `-WhatIf` or `-Confirm` itself.
//!
//! The functions of `Public/` hold no logic: no string literal naming a file or folder, no
//! arithmetic, no branch other than on the parameter set, `ShouldProcess`/`ShouldContinue` or an
//! absent argument; file names, counts and layouts come from the library. Every Exchange Online
//! cmdlet and workflow takes `-Session`; only simulation controls take a simulated organization.
//! No script uses syntax Windows PowerShell 5.1 lacks. The members of the C# layer the module
//! calls exist in `SoaNative.cs` with the handle types the module passes, and the P/Invoke
//! declarations of `SoaNative.cs` are checked against the exports of this crate. The checkers are
//! also run on broken snippets, to prove they catch what they are meant to.

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

/// The `.ps1` files of a folder of the module (`Public` or `Private`), sorted by name, with their
/// text: the psm1 dot-sources them in this order.
fn module_folder(folder: &str) -> Vec<(PathBuf, String)> {
    let dir = module_dir().join(folder);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "ps1"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let source = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            (path, source)
        })
        .collect()
}

/// Every script file of the module: the psm1, then `Private/`, then `Public/`.
fn module_script_files() -> Vec<(PathBuf, String)> {
    let mut files = vec![(
        module_dir().join("ExchangeSoa.psm1"),
        read_module_file("ExchangeSoa.psm1"),
    )];
    files.extend(module_folder("Private"));
    files.extend(module_folder("Public"));
    files
}

/// The module's script as PowerShell sees it once the psm1 has dot-sourced its folders: every
/// script file, one after the other.
fn module_script() -> String {
    module_script_files()
        .into_iter()
        .map(|(_, source)| source)
        .collect::<Vec<_>>()
        .join("\n")
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
    /// The type its `[PSTypeName(...)]` attribute requires, if any.
    type_name: Option<String>,
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
            let type_name = attribute_nodes
                .iter()
                .filter(|a| is_attribute(**a, source, "PSTypeName"))
                .flat_map(|a| strings_under(*a, source))
                .next();
            Some(ParameterDef {
                name,
                attributes,
                aliases,
                type_name,
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
fn every_script_file_parses_without_errors() {
    let files = module_script_files();
    assert!(files.len() > 20, "found only {} script files", files.len());
    for (path, source) in files {
        let problems = syntax_problems(&source);
        assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
    }
}

#[test]
fn psd1_parses_without_errors() {
    let problems = syntax_problems(&read_module_file("ExchangeSoa.psd1"));
    assert!(problems.is_empty(), "ExchangeSoa.psd1: {problems:#?}");
}

#[test]
fn module_passes_every_check() {
    let problems = module_problems(&module_script(), &read_module_file("ExchangeSoa.psd1"));
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The top-level functions a script file defines (not those nested in another function).
fn top_level_function_names(source: &str) -> Vec<String> {
    let tree = parse(source);
    descendants(tree.root_node())
        .into_iter()
        .filter(|n| n.kind() == "function_statement")
        .filter(|n| {
            let mut up = n.parent();
            while let Some(p) = up {
                if p.kind() == "function_statement" {
                    return false;
                }
                up = p.parent();
            }
            true
        })
        .filter_map(|f| {
            children_of_kind(f, "function_name")
                .first()
                .map(|n| text(*n, source).trim().to_owned())
        })
        .collect()
}

/// What is wrong with the community layout: one function per file of `Public/` and `Private/`,
/// named after its file; `FunctionsToExport` lists exactly the `Public/` functions; the psm1
/// defines no function and dot-sources `Private/` before `Public/`.
fn layout_problems(
    psm1: &str,
    manifest_text: &str,
    public: &[(String, String)],
    private: &[(String, String)],
) -> Vec<String> {
    let mut problems = Vec::new();
    for (folder, files) in [("Public", public), ("Private", private)] {
        for (file, source) in files {
            let stem = file.strip_suffix(".ps1").unwrap_or(file);
            let names = top_level_function_names(source);
            if names.len() != 1 || !names[0].eq_ignore_ascii_case(stem) {
                problems.push(format!(
                    "{folder}/{file} should define exactly one function, {stem}, but defines {names:?}"
                ));
            }
            if code_outside_functions(source) {
                problems.push(format!(
                    "{folder}/{file} runs code outside its function (dot-sourcing would run it)"
                ));
            }
        }
    }
    let public_names: BTreeSet<String> = public
        .iter()
        .map(|(f, _)| f.trim_end_matches(".ps1").to_ascii_lowercase())
        .collect();
    let exported = lower_set(
        &Manifest::new(manifest_text)
            .list("FunctionsToExport")
            .unwrap_or_default(),
    );
    for name in public_names.difference(&exported) {
        problems.push(format!("Public/{name}.ps1 is not in FunctionsToExport"));
    }
    for name in exported.difference(&public_names) {
        problems.push(format!(
            "{name} is in FunctionsToExport but Public/ has no such file"
        ));
    }
    let defined = top_level_function_names(psm1);
    if !defined.is_empty() {
        problems.push(format!(
            "the psm1 defines functions ({defined:?}); they belong in Public/ or Private/"
        ));
    }
    let code = code_without_comments(parse(psm1).root_node(), psm1);
    match (code.find("'Private'"), code.find("'Public'")) {
        (Some(private), Some(public)) if private < public => {}
        _ => problems.push("the psm1 does not name 'Private' then 'Public'".to_owned()),
    }
    if !code.contains(". $file.FullName") {
        problems.push("the psm1 does not dot-source its files (. $file.FullName)".to_owned());
    }
    problems
}

/// Whether a script file holds anything but comments and function definitions at its top level.
fn code_outside_functions(source: &str) -> bool {
    let tree = parse(source);
    descendants(tree.root_node()).into_iter().any(|n| {
        n.kind() == "pipeline"
            && !{
                let mut up = n.parent();
                let mut inside = false;
                while let Some(p) = up {
                    if p.kind() == "function_statement" {
                        inside = true;
                        break;
                    }
                    up = p.parent();
                }
                inside
            }
    })
}

fn named_files(files: Vec<(PathBuf, String)>) -> Vec<(String, String)> {
    files
        .into_iter()
        .map(|(path, source)| {
            let name = path
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            (name, source)
        })
        .collect()
}

#[test]
fn module_follows_the_community_layout() {
    let public = named_files(module_folder("Public"));
    let private = named_files(module_folder("Private"));
    assert!(public.len() > 30, "{} public files", public.len());
    assert!(!private.is_empty(), "no private helper");
    let problems = layout_problems(
        &read_module_file("ExchangeSoa.psm1"),
        &read_module_file("ExchangeSoa.psd1"),
        &public,
        &private,
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_private_helper_is_used() {
    let files = named_files(module_script_files());
    for (file, _) in named_files(module_folder("Private")) {
        let name = file.trim_end_matches(".ps1");
        let callers: Vec<&String> = files
            .iter()
            .filter(|(other, source)| *other != file && source.contains(name))
            .map(|(other, _)| other)
            .collect();
        assert!(
            !callers.is_empty(),
            "Private/{file}: {name} is called nowhere"
        );
    }
}

#[test]
fn the_layout_checker_catches_mistakes() {
    let psm1 = "foreach ($folder in @('Private', 'Public')) {\n    foreach ($file in @(Get-ChildItem $folder)) { . $file.FullName }\n}\n";
    let good_public = vec![(
        "Get-SoaThing.ps1".to_owned(),
        GOOD_PSM1
            .split("function helper")
            .next()
            .expect("the cmdlet")
            .to_owned(),
    )];
    let good_private = vec![(
        "helper.ps1".to_owned(),
        "function helper {\n    param([string] $Text)\n    $Text\n}\n".to_owned(),
    )];
    assert!(layout_problems(psm1, GOOD_PSD1, &good_public, &good_private).is_empty());

    let check = |psm1: &str,
                 psd1: &str,
                 public: &[(String, String)],
                 private: &[(String, String)],
                 expected: &str| {
        let problems = layout_problems(psm1, psd1, public, private);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "expected {expected:?}, got {problems:#?}"
        );
    };
    // Two functions in one file; a file named after another function; code run at load.
    let two = vec![("Get-SoaThing.ps1".to_owned(), GOOD_PSM1.to_owned())];
    check(
        psm1,
        GOOD_PSD1,
        &two,
        &good_private,
        "should define exactly one function",
    );
    let misnamed = vec![("Get-SoaOther.ps1".to_owned(), good_public[0].1.clone())];
    check(
        psm1,
        GOOD_PSD1,
        &misnamed,
        &good_private,
        "should define exactly one function",
    );
    let loose = vec![(
        "helper.ps1".to_owned(),
        format!("{}$x = 1\n", good_private[0].1),
    )];
    check(
        psm1,
        GOOD_PSD1,
        &good_public,
        &loose,
        "runs code outside its function",
    );
    // The manifest and Public/ disagree, both ways.
    let more = GOOD_PSD1.replace("@('Get-SoaThing')", "@('Get-SoaThing', 'Get-SoaExtra')");
    check(
        psm1,
        &more,
        &good_public,
        &good_private,
        "Public/ has no such file",
    );
    let fewer = GOOD_PSD1.replace("@('Get-SoaThing')", "@()");
    check(
        psm1,
        &fewer,
        &good_public,
        &good_private,
        "is not in FunctionsToExport",
    );
    // The psm1 defines a function, or loads Public/ first, or does not dot-source.
    check(
        &format!("{psm1}function helper {{ 1 }}\n"),
        GOOD_PSD1,
        &good_public,
        &good_private,
        "the psm1 defines functions",
    );
    check(
        &psm1.replace("'Private', 'Public'", "'Public', 'Private'"),
        GOOD_PSD1,
        &good_public,
        &good_private,
        "'Private' then 'Public'",
    );
    check(
        &psm1.replace(". $file.FullName", "$file.FullName"),
        GOOD_PSD1,
        &good_public,
        &good_private,
        "does not dot-source",
    );
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
        "Invoke-SoaSyncCycle",
        "Invoke-SoaWritebackCycle",
        "Step-SoaSimulatedClock",
        "New-SoaSimulatedMailbox",
        "Set-SoaCloudManaged",
        "New-SoaSimulatedAdUser",
        "Get-SoaSimulatedAdUser",
        "Set-SoaSimulatedAdUser",
        "Remove-SoaSimulatedAdUser",
        "Add-SoaSimulatedLicense",
        "Set-SoaSimulatedSyncEngine",
        "Get-SoaSimulatedSyncError",
        "Get-SoaSimulatedOrgSummary",
        "New-SoaSession",
        "New-SoaDirectory",
        "Get-SoaPreflight",
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
    // The simulation's duplicates of Exchange Online operations are gone: -Session does both.
    for name in [
        "Get-SoaSimulatedMailbox",
        "Set-SoaSimulatedMailbox",
        "Get-SoaSimulatedUser",
        "Get-SoaSimulatedOrgConfig",
        "Set-SoaSimulatedOrgConfig",
        "Search-SoaSimulatedAuditLog",
        "Get-SoaSimulatedRoleAssignment",
    ] {
        assert!(
            !exported.iter().any(|e| e == name),
            "{name} is still exported"
        );
    }
    let defined = functions(&module_script());
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
    functions(&module_script())
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
        "New-SoaSession",
        "Set-SoaCloudManaged",
        "New-SoaSimulatedAdUser",
        "Set-SoaSimulatedAdUser",
        "Remove-SoaSimulatedAdUser",
        "New-SoaSimulatedMailbox",
        "Set-SoaSimulatedSyncEngine",
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
    for parameter in ["Session", "Identity", "Enabled", "PassThru"] {
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

/// Exported functions that may take a simulated organization itself: its simulation controls (the
/// `*-SoaSimulated*` cmdlets, sync and writeback cycles, the emulator) and the two that make a
/// session or a directory of one. Everything else works on a session.
fn takes_a_simulated_org(name: &str) -> bool {
    name.contains("-SoaSimulated")
        || [
            "Invoke-SoaSyncCycle",
            "Invoke-SoaWritebackCycle",
            "Start-SoaEmulator",
            "New-SoaSession",
            "New-SoaDirectory",
        ]
        .contains(&name)
}

#[test]
fn only_simulation_controls_take_a_simulated_org() {
    let mut with_org = 0;
    for f in exported_functions() {
        for p in &f.parameters {
            let typed_org = p
                .type_name
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("ExchangeSoa.SimulatedOrg"));
            if typed_org {
                with_org += 1;
                assert!(
                    takes_a_simulated_org(&f.name),
                    "{} -{} is typed ExchangeSoa.SimulatedOrg; only simulation controls take one",
                    f.name,
                    p.name
                );
                assert_eq!(
                    p.name, "Org",
                    "{}: a simulated organization is -Org",
                    f.name
                );
            }
            if p.name.eq_ignore_ascii_case("Org") {
                assert!(
                    typed_org,
                    "{}: -Org should be [PSTypeName('ExchangeSoa.SimulatedOrg')]",
                    f.name
                );
            }
        }
        let simulation = f.name.contains("Simulated")
            || f.name.ends_with("SoaSyncCycle")
            || f.name.ends_with("SoaWritebackCycle");
        assert!(
            !simulation
                || f.parameter("Org").is_some()
                || f.name == "New-SoaSimulatedOrg"
                || f.name == "Import-SoaSimulatedOrg",
            "{} works on a simulated organization but has no -Org",
            f.name
        );
    }
    assert!(with_org >= 15, "only {with_org} cmdlets take -Org");
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
    assert_eq!(manifest.string("PowerShellVersion").as_deref(), Some("5.1"));
    assert_eq!(
        manifest.list("CompatiblePSEditions"),
        Some(vec!["Desktop".to_owned(), "Core".to_owned()])
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
    let script = module_script();
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

/// Exported cmdlets that work on "an Exchange Online" (the simulation or a tenant alike) or run a
/// workflow: each takes `-Session`.
const SESSION_CMDLETS: &[&str] = &[
    "Get-SoaMailbox",
    "Set-SoaMailbox",
    "Get-SoaUser",
    "Get-SoaOrgConfig",
    "Get-SoaRoleAssignment",
    "Search-SoaAuditLog",
    "Set-SoaCloudManaged",
    "Get-SoaPreflight",
    "New-SoaTransferPlan",
    "Start-SoaTransfer",
    "Resume-SoaTransfer",
    "Undo-SoaTransfer",
    "Restore-SoaBackup",
    "Enable-SoaCloudManagedByDefault",
    "Disable-SoaCloudManagedByDefault",
    "Get-SoaRbacReport",
    "Compare-SoaDirectory",
];

#[test]
fn session_cmdlets_take_a_session_and_nothing_else() {
    for name in SESSION_CMDLETS {
        let f = exported_function(name);
        let p = f
            .parameter("Session")
            .unwrap_or_else(|| panic!("{name} has no -Session"));
        assert_eq!(
            p.type_name.as_deref(),
            Some("ExchangeSoa.Session"),
            "{name}: -Session should be [PSTypeName('ExchangeSoa.Session')]"
        );
        // The session decides the backend, the directory, the catalog and the actor.
        for gone in ["Org", "Connection", "Directory", "Actor"] {
            assert!(f.parameter(gone).is_none(), "{name} still takes -{gone}");
        }
    }
    // Every exported -Session is typed, and only New-SoaSession makes one.
    let mut with_session = 0;
    for f in exported_functions() {
        if let Some(p) = f.parameter("Session") {
            with_session += 1;
            assert_eq!(
                p.type_name.as_deref(),
                Some("ExchangeSoa.Session"),
                "{}",
                f.name
            );
        }
        if let Some(p) = f.parameter("Connection") {
            assert_eq!(
                p.type_name.as_deref(),
                Some("ExchangeSoa.Connection"),
                "{}",
                f.name
            );
        }
    }
    assert_eq!(with_session, SESSION_CMDLETS.len(), "cmdlets with -Session");
}

#[test]
fn new_soa_session_connect_and_undo_take_their_parameters() {
    let new = exported_function("New-SoaSession");
    for (parameter, type_name) in [
        ("Org", Some("ExchangeSoa.SimulatedOrg")),
        ("Connection", Some("ExchangeSoa.Connection")),
        ("Directory", Some("ExchangeSoa.Directory")),
        ("Catalog", None),
        ("Actor", None),
    ] {
        let p = new
            .parameter(parameter)
            .unwrap_or_else(|| panic!("New-SoaSession has no -{parameter}"));
        assert_eq!(
            p.type_name.as_deref(),
            type_name,
            "New-SoaSession -{parameter}"
        );
    }
    assert!(
        new.accepts("Client"),
        "New-SoaSession -Client (the connection)"
    );
    let script = module_script();
    let body = function_body(&script, "New-SoaSession");
    for call in [
        "[ExchangeSoa.Api]::NewSession(",
        "[ExchangeSoa.Api]::BackendFromSim(",
        "[ExchangeSoa.Api]::BackendFromClient(",
        "[ExchangeSoa.Api]::DirectoryFromSim(",
    ] {
        assert!(body.contains(call), "New-SoaSession never calls {call}");
    }
    let directory = exported_function("New-SoaDirectory");
    assert_eq!(
        directory
            .parameter("Org")
            .and_then(|p| p.type_name.as_deref()),
        Some("ExchangeSoa.SimulatedOrg")
    );

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
    for parameter in ["AcknowledgeLoss", "ExportPath", "Identity", "RunDirectory"] {
        assert!(
            undo.parameter(parameter).is_some(),
            "Undo-SoaTransfer -{parameter}"
        );
    }
}

/// The run layout and file names come from the library: the functions ask it
/// (`Api.RunFolder`, `Api.DefaultRunFolder`, `Api.RollbackLossPath`, `Api.PlanCounts`) rather
/// than spell them.
#[test]
fn layout_and_counts_come_from_the_library() {
    let script = module_script();
    for call in [
        "[ExchangeSoa.Api]::RunFolder(",
        "[ExchangeSoa.Api]::DefaultRunFolder(",
        "[ExchangeSoa.Api]::RollbackLossPath(",
        "[ExchangeSoa.Api]::PlanCounts(",
    ] {
        assert!(script.contains(call), "the module never calls {call}");
    }
    for gone in [
        "ConvertTo-SafeFileName",
        "'audit.jsonl'",
        "'journal.jsonl'",
        "'plan.json'",
        "'soa-runs'",
        "\"rollback-loss-",
    ] {
        assert!(!script.contains(gone), "the module still spells {gone}");
    }
}

#[test]
fn start_soa_transfer_reports_progress_from_the_callback() {
    let script = module_script();
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
        "Session",
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
    assert_eq!(
        compare
            .parameter("Session")
            .and_then(|p| p.type_name.as_deref()),
        Some("ExchangeSoa.Session")
    );
    assert!(
        !compare.supports_should_process,
        "Compare-SoaDirectory changes nothing"
    );
    let script = module_script();
    let body = function_body(&script, "Compare-SoaDirectory");
    for call in [
        "[ExchangeSoa.Api]::ReconcileFiles(",
        "[ExchangeSoa.Api]::ReconcileLive(",
        "Save-ReconcileReport",
        "Get-ReconcileProgressHandler",
        "ConvertTo-ReconcileReportObject",
    ] {
        assert!(
            body.contains(call),
            "Compare-SoaDirectory never calls {call}"
        );
    }
    let save = function_body(&script, "Save-ReconcileReport");
    for call in [
        "[ExchangeSoa.Api]::SaveReconcileReportHtml(",
        "[ExchangeSoa.Api]::SaveReconcileReportJson(",
        "[ExchangeSoa.Api]::SaveReconcileReportCsv(",
    ] {
        assert!(
            save.contains(call),
            "Save-ReconcileReport never calls {call}"
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
    let script = module_script();
    let body = function_body(&script, "Test-SoaScript");
    for format in ["'Object'", "'Text'", "'Json'", "'Sarif'"] {
        assert!(
            body.contains(format),
            "Test-SoaScript -Format lacks {format}"
        );
    }
    assert!(
        body.contains("Invoke-ScriptAudit"),
        "Test-SoaScript never audits"
    );
    let audit = function_body(&script, "Invoke-ScriptAudit");
    for call in [
        "[ExchangeSoa.Api]::AuditScripts(",
        "[ExchangeSoa.Api]::AuditScriptsText(",
        "[ExchangeSoa.Api]::AuditScriptsSarif(",
    ] {
        assert!(
            audit.contains(call),
            "Invoke-ScriptAudit never calls {call}"
        );
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

// --- Public/ holds no logic -------------------------------------------------------------------------

/// File extensions that name a file when a string literal ends with them.
const FILE_EXTENSIONS: &[&str] = &[
    "json", "jsonl", "ndjson", "csv", "ldif", "ldf", "ps1", "psm1", "psd1", "ps1xml", "html",
    "htm", "txt", "log", "sarif", "xml", "pem", "key", "dll", "so", "dylib", "bak", "md", "yaml",
    "yml", "zip",
];

/// Folder names of the run layout, which only the core may spell.
const LAYOUT_NAMES: &[&str] = &["backups", "soa-runs", "runs", "journal", "audit", "plan"];

/// Whether a string literal's text names a file or a folder: a path separator in a word, a
/// wildcard or a file extension at its end, or a folder name of the run layout.
fn names_a_file(literal: &str) -> bool {
    let text = literal.trim();
    let word = !text.is_empty() && !text.chars().any(char::is_whitespace);
    let extension = text.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
    });
    (word && (text.contains('/') || text.contains('\\')))
        || text.starts_with("*.")
        || extension
        || LAYOUT_NAMES.contains(&text)
}

/// The node itself, or the single named child it wraps, down to the first node that is not a
/// one-child wrapper.
fn unwrap_single(node: Node<'_>) -> Node<'_> {
    let mut current = node;
    loop {
        if current.kind() == "string_literal" {
            return current;
        }
        let mut cursor = current.walk();
        let named: Vec<Node<'_>> = current.named_children(&mut cursor).collect();
        match named.as_slice() {
            [only] if current.child_count() == 1 => current = *only,
            _ => return current,
        }
    }
}

fn is_string(node: Node<'_>) -> bool {
    unwrap_single(node).kind() == "string_literal"
}

/// The anonymous (operator) children of a node, as text.
fn operators<'s>(node: Node<'_>, source: &'s str) -> Vec<&'s str> {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .filter(|c| !c.is_named())
        .map(|c| text(c, source).trim())
        .collect()
}

/// Splits a condition at its top-level `-and`/`-or`/`-xor` and strips `-not`, `!` and the parentheses
/// around it, down to the tests it is made of.
fn condition_atoms(condition: &str) -> Vec<String> {
    let mut text = condition.trim().to_owned();
    loop {
        let lower = text.to_ascii_lowercase();
        if let Some(rest) = lower
            .strip_prefix("-not ")
            .or_else(|| lower.strip_prefix('!'))
        {
            let shorter = text[text.len() - rest.len()..].trim().to_owned();
            text = shorter;
            continue;
        }
        if text.starts_with('(')
            && text.ends_with(')')
            && closing_paren(&text, 0) == Some(text.len() - 1)
        {
            let inner = text[1..text.len() - 1].trim().to_owned();
            text = inner;
            continue;
        }
        break;
    }
    let parts = split_top_level(&text, &["-and", "-or", "-xor"]);
    if parts.len() > 1 {
        return parts.iter().flat_map(|p| condition_atoms(p)).collect();
    }
    vec![text]
}

/// The index of the parenthesis closing the one at `open`, outside quotes.
fn closing_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` split at the word operators `ops` outside parentheses, brackets and quotes.
fn split_top_level(text: &str, ops: &[&str]) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                _ if depth == 0 && (i == 0 || bytes[i - 1].is_ascii_whitespace()) => {
                    if let Some(op) = ops.iter().find(|op| {
                        lower[i..].starts_with(*op)
                            && bytes.get(i + op.len()).is_none_or(u8::is_ascii_whitespace)
                    }) {
                        parts.push(text[start..i].trim().to_owned());
                        i += op.len();
                        start = i;
                        continue;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    parts.push(text[start..].trim().to_owned());
    parts
}

/// Whether one test of a condition is one a `Public/` function may branch on: the parameter set,
/// `ShouldProcess`/`ShouldContinue`, whether an argument is `$null` or was given at all, or a
/// switch parameter (present or absent).
fn allowed_test(atom: &str, switches: &[String]) -> bool {
    let lower: String = atom
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let simple_variable = |v: &str| {
        v.strip_prefix('$').is_some_and(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    if lower.starts_with("$pscmdlet.parametersetname ") || lower == "$pscmdlet.parametersetname" {
        return true;
    }
    for call in [
        "$pscmdlet.shouldprocess(",
        "$pscmdlet.shouldcontinue(",
        "$psboundparameters.containskey(",
    ] {
        if lower.starts_with(call) && closing_paren(&lower, call.len() - 1) == Some(lower.len() - 1)
        {
            return true;
        }
    }
    let words: Vec<&str> = lower.split(' ').collect();
    match words.as_slice() {
        ["$null", "-eq" | "-ne", v] | [v, "-eq" | "-ne", "$null"] => simple_variable(v),
        [v] => v
            .strip_prefix('$')
            .is_some_and(|name| switches.iter().any(|s| s.eq_ignore_ascii_case(name))),
        _ => false,
    }
}

/// The names of a function's `[switch]` parameters.
fn switch_parameters(function: Node<'_>, source: &str) -> Vec<String> {
    descendants(function)
        .into_iter()
        .filter(|n| n.kind() == "script_parameter")
        .filter(|p| {
            descendants(*p).into_iter().any(|n| {
                n.kind() == "type_literal"
                    && text(n, source).trim().eq_ignore_ascii_case("[switch]")
            })
        })
        .filter_map(|p| {
            children_of_kind(p, "variable")
                .first()
                .map(|v| text(*v, source).trim().trim_start_matches('$').to_owned())
        })
        .collect()
}

/// The logic in a `Public/` file, as `line: what` messages: string literals naming files or
/// folders, arithmetic, and branches on anything but the parameter set, ShouldProcess and the
/// absence of an argument.
fn public_logic_problems(source: &str) -> Vec<String> {
    let tree = parse(source);
    let root = tree.root_node();
    let switches = switch_parameters(root, source);
    let mut problems = Vec::new();
    for node in descendants(root) {
        let found = match node.kind() {
            "string_literal" => {
                let literal = unquote(text(node, source));
                names_a_file(&literal)
                    .then(|| format!("a string literal names a file or folder: {literal:?}"))
                    .into_iter()
                    .collect()
            }
            "if_statement" | "elseif_clause" | "while_statement" | "do_statement"
            | "switch_statement" | "for_statement" => branch_problems(node, source, &switches),
            _ => arithmetic_problem(node, source).into_iter().collect(),
        };
        let line = node.start_position().row + 1;
        problems.extend(found.into_iter().map(|what| format!("line {line}: {what}")));
    }
    problems
}

/// The arithmetic a node does, if any: `++`/`--`, compound assignments, `+`/`-` other than a
/// string concatenation, `*`, `/`, `%`, a range, a sign on anything but a number literal.
fn arithmetic_problem(node: Node<'_>, source: &str) -> Option<String> {
    let code = || text(node, source).trim().to_owned();
    let has_operator =
        |wanted: &[&str]| operators(node, source).iter().any(|op| wanted.contains(op));
    match node.kind() {
        "post_increment_expression"
        | "pre_increment_expression"
        | "post_decrement_expression"
        | "pre_decrement_expression" => Some(format!("arithmetic: {}", code())),
        "assignement_operator" if code() != "=" => {
            Some(format!("arithmetic assignment {}", code()))
        }
        "additive_expression" | "additive_argument_expression" if has_operator(&["+", "-"]) => {
            let mut cursor = node.walk();
            let concatenates = node.named_children(&mut cursor).any(is_string);
            (!concatenates).then(|| format!("arithmetic: {}", code()))
        }
        "multiplicative_expression" | "multiplicative_argument_expression"
            if has_operator(&["*", "/", "%"]) =>
        {
            Some(format!("arithmetic: {}", code()))
        }
        "range_expression" | "range_argument_expression" if node.named_child_count() > 1 => {
            Some(format!("arithmetic (a range): {}", code()))
        }
        "expression_with_unary_operator" => {
            let op = code();
            let sign = op.starts_with('+')
                || (op.starts_with('-') && !op.to_ascii_lowercase().starts_with("-not"));
            let mut cursor = node.walk();
            let literal = node.named_children(&mut cursor).all(|operand| {
                matches!(
                    unwrap_single(operand).kind(),
                    "decimal_integer_literal" | "real_literal"
                )
            });
            (sign && !literal).then(|| format!("arithmetic: {op}"))
        }
        _ => None,
    }
}

/// The tests a branch or loop makes that a `Public/` function may not make.
fn branch_problems(node: Node<'_>, source: &str, switches: &[String]) -> Vec<String> {
    match node.kind() {
        "for_statement" => vec!["a for loop (a counter)".to_owned()],
        "switch_statement" => {
            let condition = children_of_kind(node, "switch_condition")
                .first()
                .map(|c| code_without_comments(*c, source))
                .unwrap_or_default();
            let inner = condition
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim()
                .to_owned();
            if inner.eq_ignore_ascii_case("$PSCmdlet.ParameterSetName") {
                Vec::new()
            } else {
                vec![format!("a switch on {inner:?}")]
            }
        }
        _ => node
            .child_by_field_name("condition")
            .or_else(|| children_of_kind(node, "while_condition").first().copied())
            .map(|condition| condition_atoms(&code_without_comments(condition, source)))
            .unwrap_or_default()
            .into_iter()
            .filter(|atom| !allowed_test(atom, switches))
            .map(|atom| format!("a branch on {atom:?}"))
            .collect(),
    }
}

#[test]
fn public_functions_hold_no_logic() {
    let files = module_folder("Public");
    assert!(files.len() > 30, "{} public files", files.len());
    let mut problems = Vec::new();
    for (path, source) in &files {
        let name = path.file_name().expect("a file name").to_string_lossy();
        problems.extend(
            public_logic_problems(source)
                .into_iter()
                .map(|p| format!("Public/{name} {p}")),
        );
    }
    assert!(
        problems.is_empty(),
        "{} problems: {problems:#?}",
        problems.len()
    );
}

#[test]
fn the_logic_checker_catches_what_it_should() {
    let wrap = |body: &str| {
        format!(
            "function Get-SoaThing {{\n    [CmdletBinding()]\n    param([string] $Name, [string] $Path, [switch] $Force, [int] $Count)\n    {body}\n}}\n"
        )
    };
    for allowed in [
        "if ($PSCmdlet.ParameterSetName -eq 'Org') { 1 }",
        "if (-not $PSCmdlet.ShouldProcess($Name, 'Do')) { return }",
        "if ($Force -or $PSCmdlet.ShouldContinue('q', 'c')) { 1 }",
        "if ($null -eq $Name) { 1 } elseif ($PSBoundParameters.ContainsKey('Path')) { 2 }",
        "if ($null -ne $Name -and -not ($PSBoundParameters.ContainsKey('Path'))) { 1 }",
        "switch ($PSCmdlet.ParameterSetName) {\n        'A' { 1 }\n        default { 2 }\n    }",
        "$message = 'Run ' + $Name + ' done'",
        "$text = \"$Name of $Path\"",
        "[ExchangeSoa.Api]::RunFolder($Path)",
        "Write-Verbose -Message 'reads the plan and the journal'",
        "$x = -1",
    ] {
        let problems = public_logic_problems(&wrap(allowed));
        assert!(problems.is_empty(), "{allowed}: {problems:#?}");
    }
    for (forbidden, expected) in [
        ("if ($Count -gt 0) { 1 }", "a branch on \"$Count -gt 0\""),
        (
            "if ($null -eq $Name -or $Name.Length -eq 0) { 1 }",
            "a branch on \"$Name.Length -eq 0\"",
        ),
        (
            "if ($null -eq $Name) { 1 } elseif ($Name -like 'x*') { 2 }",
            "a branch on \"$Name -like 'x*'\"",
        ),
        (
            "switch ($Name) {\n        'a' { 1 }\n    }",
            "a switch on \"$Name\"",
        ),
        ("while ($true) { break }", "a branch on \"$true\""),
        ("$i++", "arithmetic: $i++"),
        ("$total = $Count + 1", "arithmetic: $Count + 1"),
        ("$half = $Count / 2", "arithmetic: $Count / 2"),
        ("$rest = $Count % 2", "arithmetic: $Count % 2"),
        ("$Count += 1", "arithmetic assignment +="),
        ("$n = $Count..$Count", "arithmetic (a range)"),
        (
            "$f = Join-Path $Path 'plan.json'",
            "names a file or folder: \"plan.json\"",
        ),
        (
            "$f = Get-ChildItem -Filter '*.json'",
            "names a file or folder: \"*.json\"",
        ),
        (
            "$f = [System.IO.Path]::Combine($Path, 'backups')",
            "names a file or folder: \"backups\"",
        ),
        ("$f = \"$Path/audit\"", "names a file or folder"),
        (
            "$f = \"rollback-loss-$Name.json\"",
            "names a file or folder",
        ),
        ("$f = $Path + '\\journal'", "names a file or folder"),
    ] {
        let problems = public_logic_problems(&wrap(forbidden));
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{forbidden}: expected {expected:?}, got {problems:#?}"
        );
    }
}

// --- Windows PowerShell 5.1 --------------------------------------------------------------------------

/// Commands that PowerShell 6 or 7 added, and parameters they added to older commands:
/// `(command, parameter)`, with an empty parameter for a whole command.
const PS7_ONLY_COMMANDS: &[(&str, &str)] = &[
    ("Test-Json", ""),
    ("Get-Error", ""),
    ("Join-String", ""),
    ("ConvertFrom-Markdown", ""),
    ("Get-Uptime", ""),
    ("ConvertTo-Json", "-EnumsAsStrings"),
    ("ConvertTo-Json", "-AsArray"),
    ("ConvertFrom-Json", "-AsHashtable"),
    ("ConvertFrom-Json", "-Depth"),
    ("ConvertFrom-Json", "-NoEnumerate"),
    ("Join-Path", "-AdditionalChildPath"),
    ("Get-Content", "-AsByteStream"),
    ("Set-Content", "-AsByteStream"),
    ("Add-Content", "-AsByteStream"),
];

/// The source with comments and string literals blanked out (same length, newlines kept).
fn code_without_comments_and_strings(source: &str) -> String {
    let tree = parse(source);
    let mut code = source.to_owned();
    for node in descendants(tree.root_node())
        .into_iter()
        .filter(|n| matches!(n.kind(), "comment" | "string_literal"))
    {
        let range = node.byte_range();
        let blank: String = source[range.clone()]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        if blank.len() == range.len() {
            code.replace_range(range, &blank);
        }
    }
    code
}

/// The PowerShell-7-only syntax of a script (which Windows PowerShell 5.1 cannot parse or run),
/// as `line: what` messages: the ternary operator, `??` and `??=`, `&&`/`||` pipeline chains,
/// `ForEach-Object -Parallel`, `clean {}` blocks, the commands and parameters 6 and 7 added, and
/// `ConvertFrom-Json` output collected with `@()` or piped on (5.1 writes a JSON array as one
/// object).
fn ps7_only_syntax(source: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let tree = parse(source);
    let line = |node: Node<'_>| node.start_position().row + 1;
    for node in descendants(tree.root_node()) {
        if node.kind() == "pipeline_chain_tail" {
            problems.push(format!("line {}: a && or || pipeline chain", line(node)));
        }
        if node.kind() == "attribute" {
            if is_attribute(node, source, "ValidateNotNullOrWhiteSpace") {
                problems.push(format!(
                    "line {}: [ValidateNotNullOrWhiteSpace()] (PowerShell 7.4)",
                    line(node)
                ));
            }
            let arguments = descendants(node)
                .into_iter()
                .filter(|n| n.kind() == "attribute_argument")
                .count();
            if is_attribute(node, source, "ValidateRange") && arguments == 1 {
                problems.push(format!(
                    "line {}: [ValidateRange(<kind>)] (PowerShell 6.1); give the minimum and the maximum",
                    line(node)
                ));
            }
        }
        if node.kind() != "command" {
            continue;
        }
        let Some(name) = node
            .child_by_field_name("command_name")
            .map(|n| text(n, source).trim().to_owned())
        else {
            continue;
        };
        let parameters: Vec<String> = node
            .child_by_field_name("command_elements")
            .map(|e| children_of_kind(e, "command_parameter"))
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                text(p, source)
                    .trim()
                    .trim_end_matches(':')
                    .to_ascii_lowercase()
            })
            .collect();
        let foreach_object = ["ForEach-Object", "foreach", "%"]
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&name));
        if foreach_object && parameters.iter().any(|p| p.starts_with("-pa")) {
            problems.push(format!("line {}: ForEach-Object -Parallel", line(node)));
        }
        for (command, parameter) in PS7_ONLY_COMMANDS {
            if !command.eq_ignore_ascii_case(&name) {
                continue;
            }
            if parameter.is_empty() {
                problems.push(format!(
                    "line {}: {command} (PowerShell 6 or later)",
                    line(node)
                ));
            } else if parameters.iter().any(|p| p.eq_ignore_ascii_case(parameter)) {
                problems.push(format!(
                    "line {}: {command} {parameter} (PowerShell 6 or later)",
                    line(node)
                ));
            }
        }
        if name.eq_ignore_ascii_case("ConvertFrom-Json") {
            let chain = node.parent().filter(|p| p.kind() == "pipeline_chain");
            let piped_on = chain.is_some_and(|c| {
                let mut cursor = c.walk();
                c.named_children(&mut cursor)
                    .last()
                    .is_some_and(|last| last.id() != node.id())
            });
            let collected = chain
                .and_then(|c| c.parent())
                .and_then(|p| p.parent())
                .and_then(|s| s.parent())
                .is_some_and(|a| a.kind() == "array_expression");
            if piped_on || collected {
                problems.push(format!(
                    "line {}: ConvertFrom-Json output collected with @() or piped on (5.1 writes a JSON array as one object)",
                    line(node)
                ));
            }
        }
    }
    problems.extend(text_ps7_problems(source));
    problems
}

/// The 7-only syntax found in the text of a script, comments and strings left out: `??`, the
/// ternary operator, `clean {}` blocks.
fn text_ps7_problems(source: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let code = code_without_comments_and_strings(source);
    for (number, text_line) in code.lines().enumerate() {
        let number = number + 1;
        if text_line.contains("??") {
            problems.push(format!("line {number}: ?? or ??= (null-coalescing)"));
        }
        let chars: Vec<char> = text_line.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            let spaced = |j: Option<usize>| {
                j.and_then(|j| chars.get(j))
                    .is_none_or(|c| c.is_whitespace())
            };
            if *c == '?' && spaced(i.checked_sub(1)) && spaced(Some(i + 1)) {
                let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
                let is_where_alias = before.is_none_or(|c| *c == '|');
                if !is_where_alias && chars[i + 1..].contains(&':') {
                    problems.push(format!("line {number}: the ternary operator ?:"));
                }
            }
        }
        let lower = text_line.to_ascii_lowercase();
        let mut from = 0;
        while let Some(at) = lower[from..].find("clean") {
            let start = from + at;
            let end = start + "clean".len();
            let before_ok = lower[..start]
                .trim_end()
                .chars()
                .last()
                .is_none_or(|c| c == '{' || c == '}');
            let after_ok = lower[end..].trim_start().starts_with('{');
            if before_ok && after_ok {
                problems.push(format!("line {number}: a clean {{}} block"));
            }
            from = end;
        }
    }
    problems
}

/// Every script of the module and of `examples/powershell`.
fn all_scripts() -> Vec<(PathBuf, String)> {
    let mut files = module_script_files();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/powershell");
    let mut paths: Vec<PathBuf> = fs::read_dir(&examples)
        .expect("list examples/powershell")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ps1" || e == "psm1"))
        .collect();
    paths.sort();
    for path in paths {
        let source = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        files.push((path, source));
    }
    files
}

#[test]
fn scripts_run_on_windows_powershell_5_1() {
    let files = all_scripts();
    assert!(files.len() > 30, "{} scripts", files.len());
    let mut problems = Vec::new();
    for (path, source) in &files {
        problems.extend(
            ps7_only_syntax(source)
                .into_iter()
                .map(|p| format!("{}: {p}", path.display())),
        );
        // Windows PowerShell 5.1 reads a script without a byte order mark in the ANSI code page.
        if !source.is_ascii() && !source.starts_with('\u{feff}') {
            problems.push(format!(
                "{}: non-ASCII text without a byte order mark (5.1 reads it as ANSI)",
                path.display()
            ));
        }
        if source.lines().any(|l| {
            let l = l.trim().to_ascii_lowercase();
            l.starts_with("#requires -version") && !l.ends_with(" 5.1")
        }) {
            problems.push(format!(
                "{}: #Requires a version other than 5.1",
                path.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_5_1_checker_catches_7_only_syntax() {
    for (snippet, expected) in [
        ("$a = $x ? 1 : 2\n", "ternary"),
        ("$a = ($null -eq $x) ? 'y' : 'n'\n", "ternary"),
        ("$a = $x ?? 2\n", "null-coalescing"),
        ("$a ??= 3\n", "null-coalescing"),
        ("Get-Item x && Get-Item y\n", "pipeline chain"),
        ("Get-Item x || Write-Error no\n", "pipeline chain"),
        ("1, 2 | ForEach-Object -Parallel { $_ }\n", "-Parallel"),
        ("$list | % -ThrottleLimit 2 -Par { $_ }\n", "-Parallel"),
        (
            "function F {\n    process { 1 }\n    clean { 2 }\n}\n",
            "clean {} block",
        ),
        ("$o | ConvertTo-Json -EnumsAsStrings\n", "-EnumsAsStrings"),
        ("$h = $t | ConvertFrom-Json -AsHashtable\n", "-AsHashtable"),
        (
            "Join-Path a b -AdditionalChildPath c\n",
            "-AdditionalChildPath",
        ),
        (
            "$x = @($json | ConvertFrom-Json)\n",
            "ConvertFrom-Json output",
        ),
        (
            "$json | ConvertFrom-Json | ForEach-Object { $_.a }\n",
            "ConvertFrom-Json output",
        ),
        (
            "function F {\n    param([ValidateRange('Positive')] [long] $N)\n    $N\n}\n",
            "[ValidateRange(<kind>)]",
        ),
        (
            "function F {\n    param([ValidateNotNullOrWhiteSpace()] [string] $N)\n    $N\n}\n",
            "ValidateNotNullOrWhiteSpace",
        ),
    ] {
        let problems = ps7_only_syntax(snippet);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{snippet}: expected {expected:?}, got {problems:#?}"
        );
    }
    for fine in [
        "$a = if ($x) { 1 } else { 2 }\n",
        "$items | ? { $_.Name } | % { $_ }\n",
        "$items | Where-Object Name -eq 'a?'\n",
        "Write-Host 'is it ?? or && : here'\n",
        "# a comment: $x ? 1 : 2 && clean { }\n",
        "$x = ConvertFrom-Json -InputObject $json\n",
        "$cleanup = @{ clean = 1 }\n",
        "function F {\n    param([ValidateRange(0, [long]::MaxValue)] [long] $N)\n    $N\n}\n",
        "1, 2 | ForEach-Object -Process { $_ } -PipelineVariable p\n",
    ] {
        let problems = ps7_only_syntax(fine);
        assert!(problems.is_empty(), "{fine}: {problems:#?}");
    }
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
    assert!(check("$p = New-SoaTransferPlan -Session $s -Ticket T -Verbose -WhatIf\n").is_empty());
    assert!(
        check("Get-SoaMailbox -Session $s -UserPrincipalName a\n").is_empty(),
        "an alias"
    );
    assert_eq!(
        check("Start-SoaTransfer -Session $s -Plan $p -Tiket T\n"),
        ["Start-SoaTransfer has no -Tiket"]
    );
    assert_eq!(
        check("Get-SoaRbacReport -Session $s -WhatIf\n"),
        ["Get-SoaRbacReport has no -WhatIf"],
        "-WhatIf only with SupportsShouldProcess"
    );
    assert_eq!(
        check("$t = @{ Session = $s; Sesion = $c }\nGet-SoaOrgConfig @t\n"),
        ["Get-SoaOrgConfig has no -Sesion"]
    );
    assert_eq!(
        check("Invoke-SoaMagic -Session $s\n"),
        ["Invoke-SoaMagic is not exported"]
    );
    // A nested command's parameters belong to it, not to the outer one.
    assert!(
        check("Get-SoaMailbox -Session (Get-SoaOrgConfig -Session $s) -PageSize 5\n").is_empty()
    );
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

/// The public static members of a C# class of `SoaNative.cs`: `public static TYPE NAME(`.
fn csharp_members(class: &str) -> BTreeSet<String> {
    let code = read_module_file("SoaNative.cs");
    let body = code
        .split(&format!("public static class {class}"))
        .nth(1)
        .unwrap_or_else(|| panic!("SoaNative.cs has no class {class}"));
    // The class ends where the next top-level type of the namespace starts.
    let body = body.split("\n    public ").next().unwrap_or(body);
    body.split("public static ")
        .skip(1)
        .filter_map(|piece| {
            let head = piece.split('(').next()?;
            if head.contains('=') || head.contains('{') || head.contains(';') {
                return None;
            }
            head.split_whitespace().last().map(str::to_owned)
        })
        .collect()
}

/// The members of `[ExchangeSoa.<class>]::` a script calls.
fn module_calls(source: &str, class: &str) -> BTreeSet<String> {
    let marker = format!("[ExchangeSoa.{class}]::");
    source
        .split(&marker)
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn every_csharp_member_the_module_calls_exists() {
    let script = module_script();
    for class in ["Api", "NativeLoader"] {
        let members = csharp_members(class);
        assert!(!members.is_empty(), "no member found in class {class}");
        let called = module_calls(&script, class);
        let missing: Vec<&String> = called.difference(&members).collect();
        assert!(
            missing.is_empty(),
            "the module calls [ExchangeSoa.{class}]:: members SoaNative.cs lacks: {missing:?}"
        );
    }
    let called = module_calls(&script, "Api");
    assert!(called.len() > 40, "found only {called:?}");
    assert!(called.contains("NewSession") && called.contains("GatherPreflight"));
}

/// The type of the first parameter of each overload of the `Api` members: `(name, type)`, the type
/// empty for a member without parameters.
fn csharp_api_first_parameters() -> Vec<(String, String)> {
    let code = read_module_file("SoaNative.cs");
    let body = code
        .split("public static class Api")
        .nth(1)
        .expect("SoaNative.cs has class Api");
    let body = body.split("\n    public ").next().unwrap_or(body);
    body.split("public static ")
        .skip(1)
        .filter_map(|piece| {
            let (head, rest) = piece.split_once('(')?;
            if head.contains('=') || head.contains('{') || head.contains(';') {
                return None;
            }
            let name = head.split_whitespace().last()?.to_owned();
            let first = rest
                .split([',', ')'])
                .next()
                .and_then(|p| p.split_whitespace().next())
                .unwrap_or_default()
                .to_owned();
            Some((name, first))
        })
        .collect()
}

/// The C# handle type a module variable holds, by the module's naming: `$Org.Handle` a
/// simulation, `$Session.Handle` a session, `$Session.Backend` and `$backend` a backend,
/// `$Connection.Handle` a client, `$Emulator.Handle` an emulator.
fn handle_type_of(argument: &str) -> Option<&'static str> {
    match argument {
        "$Org.Handle" => Some("SoaSimHandle"),
        "$Session.Handle" => Some("SoaSessionHandle"),
        "$Session.Backend" | "$backend" => Some("SoaBackendHandle"),
        "$Connection.Handle" => Some("SoaClientHandle"),
        "$Emulator.Handle" => Some("SoaEmulatorHandle"),
        _ => None,
    }
}

/// Each module call of an `Api` member whose first argument is a known handle: `(member, type)`.
fn module_handle_calls(source: &str) -> Vec<(String, &'static str)> {
    source
        .split("[ExchangeSoa.Api]::")
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let arguments = rest[name.len()..].strip_prefix('(')?;
            let first = arguments.split([',', ')']).next()?.trim();
            Some((name, handle_type_of(first)?))
        })
        .collect()
}

/// Overloads differ by handle type (a simulation, a client, a backend, a session): every call
/// whose first argument is a known handle must have an overload taking that handle.
#[test]
fn the_module_passes_each_api_member_the_handle_it_takes() {
    let overloads = csharp_api_first_parameters();
    assert!(overloads.len() > 40, "parsed {overloads:?}");
    let calls = module_handle_calls(&module_script());
    assert!(calls.len() > 40, "found only {calls:?}");
    let wrong: Vec<String> = calls
        .iter()
        .filter(|(name, handle)| {
            !overloads
                .iter()
                .any(|(n, first)| n == name && first == handle)
        })
        .map(|(name, handle)| format!("[ExchangeSoa.Api]::{name} is called with a {handle}"))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The checker itself: a simulation where a backend is taken is caught.
    let bad = module_handle_calls("[ExchangeSoa.Api]::GetMailbox($Org.Handle, $id)");
    assert_eq!(bad, [("GetMailbox".to_owned(), "SoaSimHandle")]);
    assert!(
        !overloads
            .iter()
            .any(|(n, first)| n == "GetMailbox" && first == "SoaSimHandle")
    );
}

/// The parameter types of each overload of the `Api` members: `(name, types)`.
fn csharp_api_signatures() -> Vec<(String, Vec<String>)> {
    let code = read_module_file("SoaNative.cs");
    let body = code
        .split("public static class Api")
        .nth(1)
        .expect("SoaNative.cs has class Api");
    let body = body.split("\n    public ").next().unwrap_or(body);
    body.split("public static ")
        .skip(1)
        .filter_map(|piece| {
            let (head, rest) = piece.split_once('(')?;
            if head.contains('=') || head.contains('{') || head.contains(';') {
                return None;
            }
            let name = head.split_whitespace().last()?.to_owned();
            let list = rest.split(')').next()?;
            let types = list
                .split(',')
                .filter_map(|p| {
                    p.split_whitespace()
                        .find(|w| !matches!(*w, "ref" | "out" | "params"))
                        .map(str::to_owned)
                })
                .collect();
            Some((name, types))
        })
        .collect()
}

/// The arguments of each `[ExchangeSoa.Api]::` call of a script, split at their top-level commas.
fn module_api_arguments(source: &str) -> Vec<(String, Vec<String>)> {
    source
        .split("[ExchangeSoa.Api]::")
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let after = &rest[name.len()..];
            after.strip_prefix('(')?;
            let close = closing_paren(after, 0)?;
            let arguments = split_top_level_commas(&after[1..close]);
            Some((name, arguments))
        })
        .collect()
}

/// `text` split at commas outside parentheses, brackets, braces and quotes, trimmed.
fn split_top_level_commas(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                parts.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current.trim().to_owned());
    }
    parts
}

/// PowerShell hands `$null` to a string parameter of a .NET method as an empty string, which the
/// library reads as given: a string the module leaves out is `[NullString]::Value`.
/// The `$null` arguments of calls for parameters that are strings in every overload of their arity.
fn null_string_arguments(
    calls: &[(String, Vec<String>)],
    signatures: &[(String, Vec<String>)],
) -> Vec<String> {
    let mut wrong = Vec::new();
    for (name, arguments) in calls {
        for (i, argument) in arguments.iter().enumerate() {
            if !argument.eq_ignore_ascii_case("$null") {
                continue;
            }
            let mut overloads = signatures
                .iter()
                .filter(|(n, types)| n == name && types.len() == arguments.len())
                .peekable();
            let takes_a_string =
                overloads.peek().is_some() && overloads.all(|(_, types)| types[i] == "string");
            if takes_a_string {
                wrong.push(format!(
                    "[ExchangeSoa.Api]::{name}: argument {} is $null",
                    i + 1
                ));
            }
        }
    }
    wrong
}

#[test]
fn no_null_is_passed_for_a_string_of_the_api() {
    let signatures = csharp_api_signatures();
    let calls = module_api_arguments(&module_script());
    assert!(calls.len() > 40, "found only {} calls", calls.len());
    let wrong = null_string_arguments(&calls, &signatures);
    assert!(wrong.is_empty(), "{wrong:#?}");
    let bad =
        module_api_arguments("[ExchangeSoa.Api]::SaveWritebackPlan($h, (f $x, $y), $null, $null)");
    assert_eq!(bad[0].1, ["$h", "(f $x, $y)", "$null", "$null"]);
    assert_eq!(
        null_string_arguments(&bad, &signatures),
        [
            "[ExchangeSoa.Api]::SaveWritebackPlan: argument 3 is $null",
            "[ExchangeSoa.Api]::SaveWritebackPlan: argument 4 is $null"
        ]
    );
}

/// A variable assigned with the name of a parameter in another case is the parameter itself
/// (PowerShell names are case-insensitive), type constraint included: `$actor = $null` in a
/// function with `[string] $Actor` stores an empty string.
fn parameter_shadowing(source: &str) -> Vec<String> {
    let tree = parse(source);
    let mut problems = Vec::new();
    for function in descendants(tree.root_node())
        .into_iter()
        .filter(|n| n.kind() == "function_statement")
    {
        let parameters: Vec<String> = descendants(function)
            .into_iter()
            .filter(|n| n.kind() == "script_parameter")
            .filter_map(|p| {
                children_of_kind(p, "variable")
                    .first()
                    .map(|v| text(*v, source).trim().trim_start_matches('$').to_owned())
            })
            .collect();
        for assignment in descendants(function)
            .into_iter()
            .filter(|n| n.kind() == "left_assignment_expression")
        {
            let target = text(assignment, source).trim().trim_start_matches('$');
            if parameters
                .iter()
                .any(|p| p.eq_ignore_ascii_case(target) && p != target)
            {
                problems.push(format!(
                    "line {}: ${target} is the parameter of another case",
                    assignment.start_position().row + 1
                ));
            }
        }
    }
    problems
}

#[test]
fn no_local_variable_is_a_parameter_in_another_case() {
    let mut problems = Vec::new();
    for (path, source) in all_scripts() {
        problems.extend(
            parameter_shadowing(&source)
                .into_iter()
                .map(|p| format!("{}: {p}", path.display())),
        );
    }
    assert!(problems.is_empty(), "{problems:#?}");
    let caught = parameter_shadowing(
        "function F {\n    param([string] $Actor)\n    $actor = [NullString]::Value\n    $Actor = 'x'\n}\n",
    );
    assert_eq!(caught, ["line 3: $actor is the parameter of another case"]);
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
