//! The PowerShell automation auditor: finds the scripts that still write Exchange attributes
//! on-premises, and rewrites them to target Exchange Online where that is safe.
//!
//! After a mailbox becomes cloud-managed (`IsExchangeCloudManaged`), a legacy script that runs
//! `Set-RemoteMailbox` or `Set-ADUser -Replace @{proxyAddresses=...}` still "succeeds" on-premises
//! and changes nothing that matters, or silently wins again after a rollback. The auditor parses
//! `.ps1`, `.psm1` and `.psd1` files with tree-sitter-powershell (so comments, strings and
//! here-strings that mention cmdlets are never mistaken for commands) and decides what each
//! command touches through the [`Catalog`].
//!
//! Rules ([`Rule`], stable ids `SOA-PS001`...):
//!
//! | id | what |
//! |---|---|
//! | SOA-PS001 | on-premises Exchange recipient cmdlets, and the catalog attributes their parameters write |
//! | SOA-PS002 | `Set-ADUser`/`Set-ADObject` writes of exchange-class attributes (`-Add`/`-Replace`/`-Remove` hashtables, `-Clear` lists, `-EmailAddress`, `-Instance` after a property is edited); identity attributes are not Exchange writes |
//! | SOA-PS003 | Exchange snap-in and management-tools loads |
//! | SOA-PS004 | account deletion and disabling (lifecycle risk for cloud-managed mailboxes) |
//! | SOA-PS005 | `IsExchangeCloudManaged` / `ExchangeAttributesCloudManagedByDefault` changes with no ticket or change reference within five lines |
//! | SOA-PS006 | "dynamic: review": splats and hashtables not built as literals in the file |
//! | SOA-PS007 | parameters without an Exchange Online equivalent (the command is not rewritten) |
//! | SOA-PS900 | syntax errors (the recovered parse is still audited) |
//! | SOA-PS901 | unreadable files: binary, invalid UTF-8, too large |
//!
//! Rewrites ([`FileAudit::edits`], [`FileAudit::rewritten`], [`FileAudit::diff`]) are made only
//! where they are safe: `Set-RemoteMailbox` becomes `Set-Mailbox` when every parameter exists on
//! `Set-Mailbox` for an exchange or cloud-only attribute; `Set-ADUser <id> -Replace @{...}` /
//! `-Clear ...` (and `-Add`/`-Remove` of a multi-valued attribute, as `@{Add=...}`) becomes
//! `Set-Mailbox -Identity <id> -<Parameter> <value>` when every attribute is an exchange
//! attribute with a `Set-Mailbox` parameter and every value is a literal (values are kept as
//! written; a bare-word identity is quoted with [`crate::pwsh::quote`]). Nothing is written to
//! disk except by [`FileAudit::write_rewritten`], which refuses the audited file itself unless
//! an in-place change is asked for.
//!
//! ```
//! use soa_core::catalog::Catalog;
//! use soa_core::scripts::{audit_source, Rule};
//!
//! let audit = audit_source(
//!     "alias.ps1",
//!     "# Set-RemoteMailbox in a comment is not a command\nSet-ADUser jdoe -Replace @{extensionAttribute1='Finance'}\n",
//!     Catalog::builtin(),
//! )?;
//! assert_eq!(audit.findings.len(), 1);
//! assert_eq!(audit.findings[0].rule, Rule::AdExchangeAttributeWrite);
//! assert_eq!(audit.findings[0].location.line, 2);
//! assert_eq!(
//!     audit.rewritten.as_deref(),
//!     Some("# Set-RemoteMailbox in a comment is not a command\nSet-Mailbox -Identity 'jdoe' -CustomAttribute1 'Finance'\n")
//! );
//! # Ok::<(), soa_core::Error>(())
//! ```

mod finding;
mod input;
mod report;
mod rewrite;
mod rules;
mod syntax;

use std::path::Path;

use serde::Serialize;

pub use finding::{Finding, Location, Rule, Severity};
pub use input::{SCRIPT_EXTENSIONS, SourceEncoding, is_script};
pub use rewrite::{Edit, apply, unified_diff};

use crate::catalog::Catalog;
use crate::{Error, Result};

/// Files larger than this are not audited by default ([`AuditOptions::max_file_bytes`]).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// At most this many syntax-error findings are reported per file; the last one says how many
/// more there were.
const MAX_SYNTAX_FINDINGS: usize = 10;

/// Options of an audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditOptions {
    /// Files larger than this many bytes get a [`Rule::UnreadableFile`] finding instead of an
    /// audit.
    pub max_file_bytes: u64,
    /// How many files of a folder are audited at once, each on its own thread; 0 (the default)
    /// means one per available core. The report is the same whatever the number.
    pub threads: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            threads: 0,
        }
    }
}

impl AuditOptions {
    /// Options with another size limit.
    #[must_use]
    pub fn with_max_file_bytes(mut self, bytes: u64) -> Self {
        self.max_file_bytes = bytes;
        self
    }

    /// Options with another number of threads (0: one per available core).
    #[must_use]
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }
}

/// The audit of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileAudit {
    /// The file, as given or as found by the folder walk.
    pub path: String,
    /// The findings, by line and column.
    pub findings: Vec<Finding>,
    /// The safe edits, as byte ranges of the decoded source.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<Edit>,
    /// The rewritten script (UTF-8), when there is at least one edit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewritten: Option<String>,
    /// The unified diff from the script to its rewrite; empty when nothing is rewritten.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub diff: String,
    /// How the script was encoded; the rewrite is written the same way.
    pub encoding: SourceEncoding,
}

impl FileAudit {
    /// Writes the rewritten script to `to` (atomically: a temporary file renamed into place)
    /// and returns whether there was anything to write. Writing over the audited file itself is
    /// [`Error::Refused`] unless `in_place` is true: a rewrite is a copy unless asked.
    pub fn write_rewritten(&self, to: &Path, in_place: bool) -> Result<bool> {
        let Some(text) = &self.rewritten else {
            return Ok(false);
        };
        let source = Path::new(&self.path);
        let same = match (source.canonicalize(), to.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => source == to,
        };
        if same && !in_place {
            return Err(Error::Refused {
                operation: format!("rewrite {} in place", self.path),
                reason: "a rewrite is written as a copy or a diff unless an in-place change is asked for".into(),
            });
        }
        crate::fsutil::write_atomic(to, &self.encoding.encode(text))?;
        Ok(true)
    }
}

/// The audit of a file or a folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Every audited file, sorted by path.
    pub files: Vec<FileAudit>,
}

impl AuditReport {
    /// Every finding of every file, in file order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    /// The concatenated unified diffs of every rewritten file.
    pub fn diff(&self) -> String {
        self.files.iter().map(|f| f.diff.as_str()).collect()
    }

    /// Writes the safe rewrite of every audited script that has one and returns how many files
    /// were written. With `out_dir`, each rewrite is a copy under `out_dir` at the script's path
    /// relative to the audited `root` (its file name when `root` is the file itself), folders
    /// created as needed, and a copy that would land on the script itself is [`Error::Refused`];
    /// without it, the scripts themselves are rewritten (an in-place change, asked for). Each
    /// file is written atomically; a failure stops at the file it concerns.
    pub fn write_rewrites(&self, root: &Path, out_dir: Option<&Path>) -> Result<usize> {
        let mut written = 0;
        for file in self.files.iter().filter(|f| f.rewritten.is_some()) {
            let source = Path::new(&file.path);
            let target = match out_dir {
                Some(dir) => dir.join(match source.strip_prefix(root) {
                    Ok(rel) if !rel.as_os_str().is_empty() => rel,
                    _ => Path::new(source.file_name().ok_or_else(|| {
                        Error::invalid_input(
                            file.path.clone(),
                            "has no file name to write a copy under",
                        )
                    })?),
                }),
                None => source.to_path_buf(),
            };
            if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| Error::Io {
                    action: "create",
                    path: parent.to_path_buf(),
                    source: e,
                })?;
            }
            if file.write_rewritten(&target, out_dir.is_none())? {
                written += 1;
            }
        }
        Ok(written)
    }

    /// Human-readable text grouped by file, with a summary line.
    pub fn to_text(&self) -> String {
        report::text(self)
    }

    /// The report as pretty JSON (the serde shape of [`AuditReport`]).
    ///
    /// # Panics
    ///
    /// Never: the report holds only strings, numbers and enums.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }

    /// The report as a SARIF 2.1.0 log (`version`, `runs[0].tool.driver.rules`,
    /// `runs[0].results` with `ruleId` and `physicalLocation`).
    pub fn to_sarif(&self) -> serde_json::Value {
        report::sarif(self)
    }
}

/// Audits PowerShell source held in memory; `file` names it in locations.
///
/// Syntax errors are findings ([`Rule::SyntaxError`]); the rest of the file is audited as the
/// parser recovered it.
pub fn audit_source(file: &str, source: &str, catalog: &Catalog) -> Result<FileAudit> {
    let tree = syntax::parse(source)?;
    let root = tree.root_node();
    let mut auditor = rules::Auditor::new(file, source, root, catalog);
    auditor.run();
    let mut findings = std::mem::take(&mut auditor.findings);
    let edits = std::mem::take(&mut auditor.edits);
    let problems = syntax::syntax_problems(root);
    for (i, node) in problems.iter().enumerate() {
        if i == MAX_SYNTAX_FINDINGS {
            let more = problems.len() - MAX_SYNTAX_FINDINGS;
            findings.push(syntax_finding(
                &auditor,
                *node,
                format!("{more} more syntax errors; what the parser recovered was audited"),
            ));
            break;
        }
        let region = rules::location(file, source, *node);
        let snippet: String = syntax::text(*node, source)
            .chars()
            .take(40)
            .collect::<String>()
            .replace('\n', " ");
        let what = if node.is_missing() {
            format!("missing {}", node.kind())
        } else {
            format!("unparsable text {snippet:?}")
        };
        findings.push(syntax_finding(
            &auditor,
            *node,
            format!(
                "syntax error in lines {}-{} ({what}); the rest of the file was audited as the parser recovered it, and commands inside the broken region may be missed",
                region.line, region.end_line
            ),
        ));
    }
    findings.sort_by(|a, b| {
        (a.location.line, a.location.column, a.rule).cmp(&(
            b.location.line,
            b.location.column,
            b.rule,
        ))
    });
    let (rewritten, diff) = if edits.is_empty() {
        (None, String::new())
    } else {
        let (new, diff) = rewrite::apply_with_diff(file, source, &edits);
        (Some(new), diff)
    };
    Ok(FileAudit {
        path: file.to_owned(),
        findings,
        edits,
        rewritten,
        diff,
        encoding: SourceEncoding::default(),
    })
}

fn syntax_finding(
    auditor: &rules::Auditor<'_, '_>,
    node: tree_sitter::Node<'_>,
    message: String,
) -> Finding {
    Finding {
        rule: Rule::SyntaxError,
        severity: Rule::SyntaxError.severity(),
        message,
        location: auditor.location(node),
        command: None,
        attributes: Vec::new(),
        fix: None,
    }
}

/// Audits a script's raw bytes: UTF-8 (a byte-order mark is allowed) or UTF-16 with a
/// byte-order mark. Binary content, invalid UTF-8 and files over the size limit give one
/// [`Rule::UnreadableFile`] finding instead of an audit; they never fail.
pub fn audit_bytes(
    file: &str,
    bytes: &[u8],
    catalog: &Catalog,
    options: &AuditOptions,
) -> Result<FileAudit> {
    if bytes.len() as u64 > options.max_file_bytes {
        return Ok(unreadable(
            file,
            &format!(
                "{} bytes, over the limit of {} bytes",
                bytes.len(),
                options.max_file_bytes
            ),
        ));
    }
    match input::decode(bytes) {
        Ok((source, encoding)) => {
            audit_source(file, &source, catalog).map(|audit| FileAudit { encoding, ..audit })
        }
        Err(reason) => Ok(unreadable(file, &reason)),
    }
}

fn unreadable(file: &str, reason: &str) -> FileAudit {
    FileAudit {
        path: file.to_owned(),
        findings: vec![Finding {
            rule: Rule::UnreadableFile,
            severity: Rule::UnreadableFile.severity(),
            message: format!("not audited: {reason}"),
            location: Location {
                file: file.to_owned(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            },
            command: None,
            attributes: Vec::new(),
            fix: None,
        }],
        edits: Vec::new(),
        rewritten: None,
        diff: String::new(),
        encoding: SourceEncoding::default(),
    }
}

/// Audits one file, or every `.ps1`/`.psm1`/`.psd1` file under a folder (recursively, in path
/// order). A path that does not exist, or a folder that cannot be listed, is [`Error::Io`]; a
/// file of the walk that cannot be read or decoded is a [`Rule::UnreadableFile`] finding.
///
/// The files of a folder are audited on [`AuditOptions::threads`] threads; the report lists
/// them in path order whatever the number of threads.
pub fn audit_path(path: &Path, catalog: &Catalog, options: &AuditOptions) -> Result<AuditReport> {
    let files = input::script_files(path)?;
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        n => n,
    }
    .min(files.len())
    .max(1);
    let audited: Vec<Result<FileAudit>> = if threads == 1 {
        files
            .iter()
            .map(|file| audit_file(file, path, catalog, options))
            .collect()
    } else {
        // Workers take the next file from a shared counter, so one large file does not hold
        // up a whole share of the folder; each result goes back to its file's slot.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut slots: Vec<Option<Result<FileAudit>>> = Vec::new();
        slots.resize_with(files.len(), || None);
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(file) = files.get(i) else {
                                return done;
                            };
                            done.push((i, audit_file(file, path, catalog, options)));
                        }
                    })
                })
                .collect();
            for worker in workers {
                match worker.join() {
                    Ok(done) => {
                        for (i, audit) in done {
                            slots[i] = Some(audit);
                        }
                    }
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        });
        slots
            .into_iter()
            .zip(&files)
            .map(|(slot, file)| {
                slot.unwrap_or_else(|| Ok(unreadable(&file.display().to_string(), "not audited")))
            })
            .collect()
    };
    Ok(AuditReport {
        files: audited.into_iter().collect::<Result<_>>()?,
    })
}

/// Audits one file of [`audit_path`]: an unreadable file is a finding, except the one file
/// the caller named, which is an error.
fn audit_file(
    file: &Path,
    root: &Path,
    catalog: &Catalog,
    options: &AuditOptions,
) -> Result<FileAudit> {
    let name = file.display().to_string();
    match input::read_limited(file, options.max_file_bytes) {
        Ok(input::ReadOutcome::Bytes(bytes)) => audit_bytes(&name, &bytes, catalog, options),
        Ok(input::ReadOutcome::NotRegular) => Ok(unreadable(
            &name,
            "not a regular file (a FIFO, a device or a link to one)",
        )),
        Ok(input::ReadOutcome::TooLarge(size)) => Ok(unreadable(
            &name,
            &format!(
                "{size} bytes or more, over the limit of {} bytes",
                options.max_file_bytes
            ),
        )),
        Err(e) if file == root => Err(Error::Io {
            action: "read",
            path: file.to_path_buf(),
            source: e,
        }),
        Err(e) => Ok(unreadable(&name, &format!("cannot read: {e}"))),
    }
}
