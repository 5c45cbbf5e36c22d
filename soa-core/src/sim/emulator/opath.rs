//! The OPATH filters `Get-Mailbox -Filter` accepts in the emulator: exactly the terms that
//! [`MailboxFilter::to_opath`] produces, in any order and case.
//!
//! - `IsDirSynced -eq 'true'`, `IsExchangeCloudManaged -eq 'False'` (also `$true`, `"true"`,
//!   bare `True`);
//! - `RecipientTypeDetails -eq 'UserMailbox'`, alone or as a parenthesized `-or` of such terms;
//! - joined with `-and`; parentheses group. `-and` and `-or` are not mixed at one level
//!   without parentheses (their relative precedence is a classic trap).
//!
//! Anything else (another property, another operator, `-not`, `-or` across properties) is
//! refused with [`Error::InvalidInput`], so a client that sends a filter the emulator would
//! silently misread fails loudly instead.

use std::collections::BTreeSet;

use crate::exo::MailboxFilter;
use crate::model::RecipientTypeDetails;
use crate::{Error, Result};

/// The longest filter accepted, in bytes.
const MAX_LEN: usize = 8192;
/// The deepest nesting of parentheses accepted.
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    /// `-eq`, `-and`, ... (lower-cased, without the dash).
    Op(String),
    /// A bare word or a quoted string, and whether it was quoted.
    Word(String, bool),
}

fn bad(reason: impl Into<String>) -> Error {
    Error::invalid_input("Filter", reason)
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&(pos, c)) = chars.get(i) {
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((pos, Token::Open));
                i += 1;
            }
            ')' => {
                out.push((pos, Token::Close));
                i += 1;
            }
            '\'' | '"' => {
                let quote = c;
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(bad(format!(
                                "the string that starts at position {pos} is not closed"
                            )));
                        }
                        Some(&(_, ch)) if ch == quote => {
                            // A doubled quote is an escaped quote.
                            if chars.get(i + 1).is_some_and(|&(_, n)| n == quote) {
                                value.push(quote);
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(&(_, ch)) => {
                            value.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push((pos, Token::Word(value, true)));
            }
            '-' => {
                let start = i + 1;
                let mut end = start;
                while chars
                    .get(end)
                    .is_some_and(|&(_, ch)| ch.is_ascii_alphabetic())
                {
                    end += 1;
                }
                if end == start {
                    return Err(bad(format!("a lone '-' at position {pos}")));
                }
                let op: String = chars[start..end]
                    .iter()
                    .map(|&(_, ch)| ch.to_ascii_lowercase())
                    .collect();
                out.push((pos, Token::Op(op)));
                i = end;
            }
            c if c.is_alphanumeric() || c == '$' || c == '_' || c == '.' => {
                let start = i;
                while chars.get(i).is_some_and(|&(_, ch)| {
                    ch.is_alphanumeric() || ch == '$' || ch == '_' || ch == '.'
                }) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().map(|&(_, ch)| ch).collect();
                out.push((pos, Token::Word(word, false)));
            }
            other => {
                return Err(bad(format!(
                    "unexpected character {other:?} at position {pos}"
                )));
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// `Property -eq Value`.
    Eq(String, String),
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.at).map_or(self.len, |(p, _)| *p)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).map(|(_, t)| t.clone());
        self.at += 1;
        t
    }

    /// `term (op term)*` with one operator kind per level.
    fn expr(&mut self, depth: usize) -> Result<Expr> {
        if depth > MAX_DEPTH {
            return Err(bad("parentheses are nested too deeply"));
        }
        let mut terms = vec![self.term(depth)?];
        let mut joiner: Option<String> = None;
        while let Some(Token::Op(op)) = self.peek() {
            let op = op.clone();
            if op != "and" && op != "or" {
                return Err(bad(format!(
                    "expected -and or -or at position {}, found -{op}",
                    self.position()
                )));
            }
            if joiner.as_ref().is_some_and(|j| *j != op) {
                return Err(bad(
                    "-and and -or are mixed without parentheses; group the -or terms in parentheses",
                ));
            }
            joiner = Some(op);
            self.next();
            terms.push(self.term(depth)?);
        }
        Ok(match joiner.as_deref() {
            None => terms.pop().unwrap_or(Expr::And(Vec::new())),
            Some("or") => Expr::Or(terms),
            Some(_) => Expr::And(terms),
        })
    }

    fn term(&mut self, depth: usize) -> Result<Expr> {
        let pos = self.position();
        match self.next() {
            Some(Token::Open) => {
                let inner = self.expr(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(bad(format!(
                        "the parenthesis at position {pos} is not closed"
                    ))),
                }
            }
            Some(Token::Word(property, false)) => {
                let op_pos = self.position();
                match self.next() {
                    Some(Token::Op(op)) if op == "eq" => {}
                    Some(Token::Op(op)) => {
                        return Err(bad(format!(
                            "the operator -{op} at position {op_pos} is not supported by the emulator (only -eq)"
                        )));
                    }
                    _ => {
                        return Err(bad(format!(
                            "expected -eq after {property} at position {op_pos}"
                        )));
                    }
                }
                let value_pos = self.position();
                match self.next() {
                    Some(Token::Word(value, _)) => Ok(Expr::Eq(property, value)),
                    _ => Err(bad(format!("expected a value at position {value_pos}"))),
                }
            }
            Some(Token::Op(op)) => Err(bad(format!(
                "the operator -{op} at position {pos} is not supported by the emulator"
            ))),
            Some(Token::Word(value, true)) => Err(bad(format!(
                "expected a property name at position {pos}, found the string '{value}'"
            ))),
            Some(Token::Close) => Err(bad(format!("unexpected ')' at position {pos}"))),
            None => Err(bad("the filter ends too early")),
        }
    }
}

/// What a filter selects. `types: None` means every type.
#[derive(Debug, Clone, Default, PartialEq)]
struct Constraint {
    dir_synced: Option<bool>,
    cloud_managed: Option<bool>,
    types: Option<BTreeSet<String>>,
    /// Two terms contradict each other: nothing matches.
    nothing: bool,
}

fn parse_bool(property: &str, value: &str) -> Result<bool> {
    let v = value.trim().trim_start_matches('$');
    if v.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(bad(format!(
            "{property} compares with 'True' or 'False', not '{value}'"
        )))
    }
}

/// A recipient type name the service knows (not [`RecipientTypeDetails::Other`]).
pub(super) fn parse_type(value: &str) -> Result<RecipientTypeDetails> {
    match RecipientTypeDetails::parse(value)? {
        RecipientTypeDetails::Other(name) => Err(Error::InvalidRecipientType {
            input: name,
            reason: "not a RecipientTypeDetails value".to_owned(),
        }),
        t => Ok(t),
    }
}

fn merge_bool(slot: &mut Option<bool>, value: bool, nothing: &mut bool) {
    match *slot {
        Some(v) if v != value => *nothing = true,
        _ => *slot = Some(value),
    }
}

fn intersect(slot: &mut Option<BTreeSet<String>>, types: BTreeSet<String>) {
    *slot = Some(match slot.take() {
        None => types,
        Some(current) => current.intersection(&types).cloned().collect(),
    });
}

/// The types of a disjunction of `RecipientTypeDetails -eq` terms.
fn type_union(expr: &Expr, out: &mut BTreeSet<String>) -> Result<()> {
    match expr {
        Expr::Or(terms) => terms.iter().try_for_each(|t| type_union(t, out)),
        Expr::Eq(p, v) if p.eq_ignore_ascii_case("RecipientTypeDetails") => {
            out.insert(parse_type(v)?.as_str().to_owned());
            Ok(())
        }
        Expr::And(terms) if terms.len() == 1 => type_union(&terms[0], out),
        _ => Err(bad(
            "-or joins RecipientTypeDetails terms only in the emulator",
        )),
    }
}

fn constrain(expr: &Expr, c: &mut Constraint) -> Result<()> {
    match expr {
        Expr::And(terms) => terms.iter().try_for_each(|t| constrain(t, c)),
        Expr::Or(_) => {
            let mut types = BTreeSet::new();
            type_union(expr, &mut types)?;
            intersect(&mut c.types, types);
            Ok(())
        }
        Expr::Eq(property, value) => {
            if property.eq_ignore_ascii_case("IsDirSynced") {
                merge_bool(
                    &mut c.dir_synced,
                    parse_bool(property, value)?,
                    &mut c.nothing,
                );
            } else if property.eq_ignore_ascii_case("IsExchangeCloudManaged") {
                merge_bool(
                    &mut c.cloud_managed,
                    parse_bool(property, value)?,
                    &mut c.nothing,
                );
            } else if property.eq_ignore_ascii_case("RecipientTypeDetails") {
                let t = parse_type(value)?;
                intersect(&mut c.types, BTreeSet::from([t.as_str().to_owned()]));
            } else {
                return Err(bad(format!(
                    "the emulator filters on IsDirSynced, IsExchangeCloudManaged and RecipientTypeDetails only, not {property}"
                )));
            }
            Ok(())
        }
    }
}

/// The selection of `Get-Mailbox [-Filter <filter>] [-RecipientTypeDetails <types>]`:
/// `Ok(None)` when the terms contradict each other and nothing can match.
pub(super) fn selection(
    filter: Option<&str>,
    recipient_types: Option<&[RecipientTypeDetails]>,
) -> Result<Option<MailboxFilter>> {
    let mut c = Constraint::default();
    if let Some(text) = filter {
        if text.len() > MAX_LEN {
            return Err(bad(format!("longer than {MAX_LEN} bytes")));
        }
        let trimmed = text.trim();
        let body = trimmed
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(trimmed);
        let tokens = tokenize(body)?;
        if !tokens.is_empty() {
            let mut p = Parser {
                tokens,
                at: 0,
                len: body.len(),
            };
            let expr = p.expr(0)?;
            if p.at < p.tokens.len() {
                return Err(bad(format!("unexpected text at position {}", p.position())));
            }
            constrain(&expr, &mut c)?;
        }
    }
    if let Some(types) = recipient_types {
        intersect(
            &mut c.types,
            types.iter().map(|t| t.as_str().to_owned()).collect(),
        );
    }
    if c.nothing || c.types.as_ref().is_some_and(BTreeSet::is_empty) {
        return Ok(None);
    }
    let recipient_types = match c.types {
        None => Vec::new(),
        Some(names) => names
            .iter()
            .map(|n| parse_type(n))
            .collect::<Result<Vec<_>>>()?,
    };
    Ok(Some(MailboxFilter {
        dir_synced: c.dir_synced,
        cloud_managed: c.cloud_managed,
        recipient_types,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use RecipientTypeDetails as T;

    fn sel(text: &str) -> Result<Option<MailboxFilter>> {
        selection(Some(text), None)
    }

    #[test]
    fn round_trips_what_to_opath_produces() {
        let filters = [
            MailboxFilter::default(),
            MailboxFilter {
                dir_synced: Some(true),
                ..MailboxFilter::default()
            },
            MailboxFilter {
                dir_synced: Some(true),
                cloud_managed: Some(false),
                recipient_types: vec![T::SharedMailbox, T::UserMailbox],
            },
            MailboxFilter {
                cloud_managed: Some(true),
                recipient_types: vec![T::RoomMailbox],
                ..MailboxFilter::default()
            },
        ];
        for f in filters {
            let text = f.to_opath().unwrap_or_default();
            let mut back = sel(&text).unwrap().unwrap();
            let mut want = f.clone();
            back.recipient_types
                .sort_by(|a, b| a.as_str().cmp(b.as_str()));
            want.recipient_types
                .sort_by(|a, b| a.as_str().cmp(b.as_str()));
            assert_eq!(back, want, "{text}");
        }
    }

    #[test]
    fn accepts_powershell_spellings() {
        let f = sel("{ isdirsynced -EQ $true -AND IsExchangeCloudManaged -eq \"False\" }")
            .unwrap()
            .unwrap();
        assert_eq!(f.dir_synced, Some(true));
        assert_eq!(f.cloud_managed, Some(false));
        let f = sel("RecipientTypeDetails -eq UserMailbox")
            .unwrap()
            .unwrap();
        assert_eq!(f.recipient_types, vec![T::UserMailbox]);
    }

    #[test]
    fn contradictions_select_nothing() {
        assert_eq!(
            sel("IsDirSynced -eq 'true' -and IsDirSynced -eq 'false'").unwrap(),
            None
        );
        assert_eq!(
            selection(
                Some("RecipientTypeDetails -eq 'UserMailbox'"),
                Some(&[T::SharedMailbox])
            )
            .unwrap(),
            None
        );
    }

    #[test]
    fn refuses_everything_else() {
        for text in [
            "DisplayName -eq 'x'",
            "IsDirSynced -ne 'true'",
            "IsDirSynced -eq 'maybe'",
            "IsDirSynced -eq 'true' -or IsExchangeCloudManaged -eq 'true'",
            "IsDirSynced -eq 'true' -and RecipientTypeDetails -eq 'UserMailbox' -or RecipientTypeDetails -eq 'SharedMailbox'",
            "RecipientTypeDetails -eq 'NoSuchType'",
            "(IsDirSynced -eq 'true'",
            "IsDirSynced -eq 'true')",
            "IsDirSynced -eq 'true",
            "-not IsDirSynced",
            "IsDirSynced",
            "'IsDirSynced' -eq 'true'",
            "IsDirSynced -eq 'true'; Remove-Mailbox",
            &"(".repeat(100),
        ] {
            let e = sel(text).unwrap_err();
            assert!(e.is_bad_input(), "{text}: {e}");
        }
    }
}
