//! The syntax layer: tree-sitter-powershell trees turned into the few shapes the rules need
//! (commands with their parameters and arguments, hashtable literals, assignments).
//!
//! Everything here walks trees iteratively, so deeply nested expressions cannot exhaust the stack.

use tree_sitter::{Node, Parser, Tree};

use crate::{Error, Result};

/// Parses PowerShell source. Syntax errors do not fail the parse: tree-sitter recovers and
/// marks the broken regions with ERROR and MISSING nodes.
///
/// Each thread keeps one parser and reuses it from file to file: its stacks and buffers stay
/// allocated, which keeps the allocator out of the way when a folder of thousands of scripts
/// is audited.
pub(crate) fn parse(source: &str) -> Result<Tree> {
    thread_local! {
        static PARSER: std::cell::RefCell<Option<Parser>> = const { std::cell::RefCell::new(None) };
    }
    PARSER.with(|cell| {
        let mut slot = cell.try_borrow_mut().map_err(|_| Error::InvalidInput {
            what: "PowerShell source".into(),
            reason: "the parser is already in use on this thread".into(),
        })?;
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_powershell::LANGUAGE.into())
                .map_err(|e| Error::InvalidInput {
                    what: "PowerShell grammar".into(),
                    reason: e.to_string(),
                })?;
            *slot = Some(parser);
        }
        // Set just above: the closure never runs.
        let parser = slot.get_or_insert_with(Parser::new);
        let tree = parser.parse(for_grammar(source).as_bytes(), None);
        if tree.is_none() {
            // A parse that gave up leaves state behind; start the next one clean.
            parser.reset();
        }
        tree.ok_or_else(|| Error::InvalidInput {
            what: "PowerShell source".into(),
            reason: "the parser returned no tree".into(),
        })
    })
}

/// The outermost ERROR and MISSING nodes under `root`, in document order.
pub(crate) fn syntax_problems(root: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            out.push(node);
            continue;
        }
        if node.has_error() {
            let mut cursor = node.walk();
            let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
    }
    out
}

/// The source text of a node (its range widened to whole characters, see [`start`]).
pub(crate) fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source
        .get(start(node, source)..end(node, source))
        .unwrap_or("")
}

/// PowerShell's other dashes: a parameter may be written `–Replace` (en dash), `—Replace` (em
/// dash) or `―Replace` (horizontal bar) as well as `-Replace`.
pub(crate) const DASHES: [char; 4] = ['-', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Characters PowerShell's tokenizer takes as a single quote.
pub(crate) const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// Characters PowerShell's tokenizer takes as a double quote.
pub(crate) const DOUBLE_QUOTES: [char; 4] = ['"', '\u{201C}', '\u{201D}', '\u{201E}'];

/// The source as the grammar reads it: PowerShell accepts typographic dashes and quotes where
/// the grammar knows only the ASCII ones, so each is replaced by its ASCII form padded to the
/// same length (every one of them is three bytes of UTF-8): a dash by two spaces and `-`
/// (the parameter then starts inside the original character; [`start`] widens it), a quote by
/// the quote and two spaces (a literal then ends inside the original character; [`end`] widens
/// it). Byte offsets stay those of the original, which every finding, edit and value is read
/// from.
pub(crate) fn for_grammar(source: &str) -> std::borrow::Cow<'_, str> {
    if source.is_ascii() {
        return std::borrow::Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len());
    for c in source.chars() {
        match c {
            '\u{2013}' | '\u{2014}' | '\u{2015}' => out.push_str("  -"),
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' => out.push_str("'  "),
            '\u{201C}' | '\u{201D}' | '\u{201E}' => out.push_str("\"  "),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Where a node starts in the original source, moved back to the start of the character it
/// falls in (see [`for_grammar`]).
pub(crate) fn start(node: Node<'_>, source: &str) -> usize {
    let mut at = node.start_byte().min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Where a node ends in the original source, moved on to the end of the character it falls in
/// (see [`for_grammar`]).
pub(crate) fn end(node: Node<'_>, source: &str) -> usize {
    let mut at = node.end_byte().min(source.len());
    while !source.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The value of a literal as PowerShell would see it, when the text is one: a single-quoted
/// string (quotes undoubled), a double-quoted string without expansion, a bare word, a number,
/// `$true`/`$false`/`$null`.
pub(crate) fn literal_value(text: &str) -> Option<String> {
    let t = text.trim();
    if let Some(inner) = t
        .strip_prefix(SINGLE_QUOTES)
        .and_then(|s| s.strip_suffix(SINGLE_QUOTES))
    {
        // Inside, two quote characters of any of the five kinds stand for one.
        let mut value = String::with_capacity(inner.len());
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            if SINGLE_QUOTES.contains(&c) {
                if chars.peek().is_some_and(|d| SINGLE_QUOTES.contains(d)) {
                    chars.next();
                } else {
                    return None;
                }
            }
            value.push(c);
        }
        return Some(value);
    }
    if let Some(inner) = t
        .strip_prefix(DOUBLE_QUOTES)
        .and_then(|s| s.strip_suffix(DOUBLE_QUOTES))
    {
        if inner.contains(['$', '`']) || inner.contains(DOUBLE_QUOTES) {
            return None;
        }
        return Some(inner.to_owned());
    }
    if t.eq_ignore_ascii_case("$true") || t.eq_ignore_ascii_case("$false") {
        return Some(t.to_ascii_lowercase());
    }
    if t.is_empty()
        || t.contains([
            '$', '(', ')', '@', '{', '}', '"', '\'', '`', ' ', '\t', '\n', ';', '|', ',',
        ])
    {
        return None;
    }
    Some(t.to_owned())
}

/// Whether an argument is a literal value or a literal array of them (`'a'`, `@('a','b')`,
/// `'a','b'`, `$true`, `42`), i.e. something a rewrite may copy as written.
pub(crate) fn is_literal_expression(text: &str) -> bool {
    let t = text.trim();
    let inner = t
        .strip_prefix("@(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(t);
    split_top_level_commas(inner)
        .iter()
        .all(|item| literal_value(item).is_some() || item.trim().eq_ignore_ascii_case("$null"))
}

/// Splits on commas outside quotes (enough for lists of literals).
fn split_top_level_commas(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, ',') => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// One argument of a command: the nodes that make it up (`mail`, `,`, `mailNickname` for
/// `-Clear mail,mailNickname`), with their joint byte range.
#[derive(Debug, Clone)]
pub(crate) struct Argument<'t> {
    /// The first node.
    pub(crate) first: Node<'t>,
    /// The nodes, in order.
    pub(crate) nodes: Vec<Node<'t>>,
    /// Start and end byte.
    pub(crate) range: (usize, usize),
}

impl Argument<'_> {
    /// The source text of the argument.
    pub(crate) fn text<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.range.0..self.range.1).unwrap_or("")
    }

    /// The splatted variable name (`p` for `@p`), if the argument is a splat.
    pub(crate) fn splat(&self, source: &str) -> Option<String> {
        let t = self.text(source);
        let name = t.strip_prefix('@')?;
        (!name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == ':'))
        .then(|| name.to_owned())
    }
}

/// The hashtable literal that `node` is, possibly wrapped in expression layers.
pub(crate) fn find_hashtable(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node;
    loop {
        if current.kind() == "hash_literal_expression" {
            return Some(current);
        }
        if current.named_child_count() != 1 {
            return None;
        }
        current = current.named_child(0)?;
    }
}

/// One parameter of a command: `-Name value`, `-Name:value`, or a switch `-Name`.
#[derive(Debug, Clone)]
pub(crate) struct Parameter<'t> {
    /// The name without the dash, as written.
    pub(crate) name: String,
    /// The parameter node.
    pub(crate) node: Node<'t>,
    /// The value, when one follows.
    pub(crate) value: Option<Argument<'t>>,
}

/// A command invocation: its name, parameters and positional arguments.
#[derive(Debug, Clone)]
pub(crate) struct Command<'t> {
    /// The command node.
    pub(crate) node: Node<'t>,
    /// The command name as written (`Set-RemoteMailbox`).
    pub(crate) name: String,
    /// The command name node.
    pub(crate) name_node: Node<'t>,
    /// Named parameters, in order.
    pub(crate) parameters: Vec<Parameter<'t>>,
    /// Positional arguments, in order (splats included).
    pub(crate) positional: Vec<Argument<'t>>,
}

impl<'t> Command<'t> {
    /// The first parameter of that name (ignoring case).
    pub(crate) fn parameter(&self, name: &str) -> Option<&Parameter<'t>> {
        self.parameters
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The splatted variables of the command.
    pub(crate) fn splats(&self, source: &str) -> Vec<(String, &Argument<'t>)> {
        self.positional
            .iter()
            .filter_map(|a| a.splat(source).map(|n| (n, a)))
            .collect()
    }
}

/// Switch parameters that never take the next token as their value.
const SWITCHES: &[&str] = &[
    "Force",
    "WhatIf",
    "Confirm",
    "PassThru",
    "Recurse",
    "Archive",
    "Room",
    "Equipment",
    "Shared",
    "IgnoreDefaultScope",
    "Verbose",
    "Debug",
    "ACLableSyncedObjectEnabled",
];

/// What the walk of [`commands_and_assignments`] looks for, by numeric node kind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WalkKind {
    Other,
    Command,
    Assignment,
}

/// The [`WalkKind`] of every node kind of the PowerShell grammar, indexed by kind id (a name
/// can have several ids through aliases, so every id is looked at once).
fn walk_kinds() -> &'static [WalkKind] {
    static KINDS: std::sync::OnceLock<Vec<WalkKind>> = std::sync::OnceLock::new();
    KINDS.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_powershell::LANGUAGE.into();
        (0..language.node_kind_count())
            .map(|id| {
                let id = u16::try_from(id).unwrap_or(u16::MAX);
                match language.node_kind_for_id(id) {
                    Some("command") if language.node_kind_is_named(id) => WalkKind::Command,
                    Some("assignment_expression") if language.node_kind_is_named(id) => {
                        WalkKind::Assignment
                    }
                    _ => WalkKind::Other,
                }
            })
            .collect()
    })
}

/// The commands and assignments of a tree, in document order, found in one walk. Commands
/// invoked through `&` or `.` with a computed name are left out (they have no `command_name`).
pub(crate) fn commands_and_assignments<'t>(
    root: Node<'t>,
    source: &str,
) -> (Vec<Command<'t>>, Vec<Assignment<'t>>) {
    let mut commands = Vec::new();
    let mut assignments = Vec::new();
    let kinds = walk_kinds();
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        // Numeric kinds: this loop visits every node of the file, and comparing ids is far
        // cheaper than comparing kind names.
        match kinds.get(usize::from(node.kind_id())) {
            Some(WalkKind::Command) => commands.extend(command(node, source)),
            Some(WalkKind::Assignment) => assignments.extend(assignment(node, source)),
            _ => {}
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == root {
                return (commands, assignments);
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return (commands, assignments);
            }
        }
    }
}

fn command<'t>(node: Node<'t>, source: &str) -> Option<Command<'t>> {
    let mut cursor = node.walk();
    let children: Vec<Node<'t>> = node.children(&mut cursor).collect();
    let name_node = children
        .iter()
        .find(|c| c.kind() == "command_name")
        .copied()?;
    let mut parameters = Vec::new();
    let mut positional = Vec::new();
    if let Some(elements) = children.iter().find(|c| c.kind() == "command_elements") {
        let mut cursor = elements.walk();
        let items: Vec<Node<'t>> = elements.children(&mut cursor).collect();
        let mut i = 0;
        while i < items.len() {
            let item = items[i];
            match item.kind() {
                "command_argument_sep" => i += 1,
                "command_parameter" => {
                    let raw = text(item, source);
                    let colon = raw.ends_with(':')
                        || items
                            .get(i + 1)
                            .is_some_and(|n| text(*n, source).trim() == ":");
                    let name = raw
                        .trim_start_matches(DASHES)
                        .trim_end_matches(':')
                        .to_owned();
                    i += 1;
                    let takes_value =
                        colon || !SWITCHES.iter().any(|s| s.eq_ignore_ascii_case(&name));
                    let mut value = None;
                    if takes_value {
                        let mut j = i;
                        while j < items.len() && items[j].kind() == "command_argument_sep" {
                            j += 1;
                        }
                        if j < items.len() && items[j].kind() != "command_parameter" {
                            let (argument, next) = argument(&items, j, source);
                            value = Some(argument);
                            i = next;
                        }
                    }
                    parameters.push(Parameter {
                        name,
                        node: item,
                        value,
                    });
                }
                _ => {
                    let (argument, next) = argument(&items, i, source);
                    positional.push(argument);
                    i = next;
                }
            }
        }
    }
    Some(Command {
        node,
        name: text(name_node, source).to_owned(),
        name_node,
        parameters,
        positional,
    })
}

/// Collects one argument starting at `items[start]`: adjacent nodes, and lists continued by a
/// trailing comma across separators. Returns the argument and the index after it.
fn argument<'t>(items: &[Node<'t>], start: usize, source: &str) -> (Argument<'t>, usize) {
    let mut nodes = vec![items[start]];
    let mut i = start + 1;
    loop {
        let last_is_comma = nodes
            .last()
            .is_some_and(|n| text(*n, source).trim_end().ends_with(','));
        match items.get(i) {
            Some(n) if n.kind() == "command_argument_sep" => {
                if last_is_comma {
                    i += 1;
                } else {
                    break;
                }
            }
            Some(n) if n.kind() == "command_parameter" => break,
            Some(n) => {
                nodes.push(*n);
                i += 1;
            }
            None => break,
        }
    }
    let first = nodes[0];
    let last = nodes.last().copied().unwrap_or(first);
    (
        Argument {
            first,
            range: (self::start(first, source), end(last, source)),
            nodes,
        },
        i,
    )
}

/// One entry of a hashtable literal.
#[derive(Debug, Clone)]
pub(crate) struct HashEntry<'t> {
    /// The key with quotes removed.
    pub(crate) key: String,
    /// The key node.
    pub(crate) key_node: Node<'t>,
    /// The value node, when the entry has one.
    pub(crate) value: Option<Node<'t>>,
}

/// The entries of a hashtable literal node.
pub(crate) fn hash_entries<'t>(hash: Node<'t>, source: &str) -> Vec<HashEntry<'t>> {
    let mut out = Vec::new();
    let mut cursor = hash.walk();
    for body in hash.children(&mut cursor) {
        if body.kind() != "hash_literal_body" {
            continue;
        }
        let mut body_cursor = body.walk();
        for entry in body.children(&mut body_cursor) {
            if entry.kind() != "hash_entry" {
                continue;
            }
            let mut entry_cursor = entry.walk();
            let parts: Vec<Node<'t>> = entry.children(&mut entry_cursor).collect();
            let Some(key_node) = parts.iter().find(|p| p.kind() == "key_expression").copied()
            else {
                continue;
            };
            let value = parts.iter().find(|p| p.kind() == "pipeline").copied();
            let raw = text(key_node, source);
            let key = literal_value(raw).unwrap_or_else(|| raw.to_owned());
            out.push(HashEntry {
                key,
                key_node,
                value,
            });
        }
    }
    out
}

/// An assignment `left = right` (any assignment operator).
#[derive(Debug, Clone)]
pub(crate) struct Assignment<'t> {
    /// The left side's text, trimmed and lower-cased (`$p`, `$u.extensionattribute1`).
    pub(crate) left: String,
    /// The right side.
    pub(crate) right: Node<'t>,
}

impl<'t> Assignment<'t> {
    /// The hashtable literal the right side is, if it is one.
    pub(crate) fn hashtable(&self) -> Option<Node<'t>> {
        descend_single(self.right, "hash_literal_expression")
    }
}

fn assignment<'t>(node: Node<'t>, source: &str) -> Option<Assignment<'t>> {
    let left = node.child(0)?;
    let right = node.child(u32::try_from(node.child_count().checked_sub(1)?).ok()?)?;
    Some(Assignment {
        left: text(left, source).trim().to_ascii_lowercase(),
        right,
    })
}

/// Follows single-child chains from `node` to a node of `kind`.
fn descend_single<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut current = node;
    loop {
        if current.kind() == kind {
            return Some(current);
        }
        if current.named_child_count() != 1 {
            return None;
        }
        current = current.named_child(0)?;
    }
}
