//! Proxy addresses: the entries of AD `proxyAddresses` / Exchange Online `EmailAddresses`.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::smtp::{SmtpAddress, describe_char};
use crate::{Error, Result};

/// Longest address-type prefix accepted (Exchange custom address types are limited to 9
/// characters).
const MAX_PREFIX: usize = 9;

/// The address type of a [`ProxyAddress`]: the part before the first `:`.
///
/// Prefixes are matched case-insensitively. The case of the prefix as typed only carries the
/// primary flag, which [`ProxyAddress::is_primary`] reports; `ProxyPrefix` itself is
/// case-free, and [`Display`](fmt::Display) / [`as_str`](Self::as_str) give the canonical
/// upper-case form (`SMTP`, `X500`, `NOTES`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProxyPrefix {
    /// `SMTP:` / `smtp:`: an e-mail address; validated as an [`SmtpAddress`].
    Smtp,
    /// `X500:`: a legacy Exchange DN (`/o=.../ou=.../cn=...`); must start with `/`.
    X500,
    /// `X400:`: an X.400 O/R address (`c=US;a= ;p=...;`); must not be empty.
    X400,
    /// `SIP:`: a Skype for Business / Teams SIP URI; must not be empty.
    Sip,
    /// `EUM:`: an Exchange Unified Messaging extension; must not be empty.
    Eum,
    /// Any other address type, such as `NOTES`, `SPO` or `GWISE`, stored in upper case.
    ///
    /// Built by parsing; constructing `Custom("smtp")` by hand does not make it equal to
    /// [`ProxyPrefix::Smtp`], so prefer [`str::parse`].
    Custom(String),
}

impl ProxyPrefix {
    /// The canonical, upper-case form of the prefix, without the colon.
    pub fn as_str(&self) -> &str {
        match self {
            ProxyPrefix::Smtp => "SMTP",
            ProxyPrefix::X500 => "X500",
            ProxyPrefix::X400 => "X400",
            ProxyPrefix::Sip => "SIP",
            ProxyPrefix::Eum => "EUM",
            ProxyPrefix::Custom(s) => s,
        }
    }

    /// Whether this is the SMTP address type.
    pub fn is_smtp(&self) -> bool {
        matches!(self, ProxyPrefix::Smtp)
    }

    /// Classifies a prefix that has already been checked by [`check_prefix`].
    fn classify(prefix: &str) -> Self {
        let upper = prefix.to_ascii_uppercase();
        match upper.as_str() {
            "SMTP" => ProxyPrefix::Smtp,
            "X500" => ProxyPrefix::X500,
            "X400" => ProxyPrefix::X400,
            "SIP" => ProxyPrefix::Sip,
            "EUM" => ProxyPrefix::Eum,
            _ => ProxyPrefix::Custom(upper),
        }
    }
}

/// Checks the address-type prefix: 1 to 9 ASCII letters or digits.
fn check_prefix(prefix: &str) -> std::result::Result<(), String> {
    if prefix.is_empty() {
        return Err("empty address type prefix before ':'".to_owned());
    }
    if let Some(c) = prefix.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(format!(
            "the address type prefix {prefix:?} contains {}; prefixes are letters and digits only",
            describe_char(c)
        ));
    }
    if prefix.len() > MAX_PREFIX {
        return Err(format!(
            "the address type prefix {prefix:?} is longer than {MAX_PREFIX} characters"
        ));
    }
    Ok(())
}

impl FromStr for ProxyPrefix {
    type Err = Error;

    /// Parses a prefix without its colon (`"smtp"`, `"X500"`, `"NOTES"`), case-insensitively.
    fn from_str(s: &str) -> Result<Self> {
        check_prefix(s).map_err(|reason| Error::InvalidProxyAddress {
            input: s.to_owned(),
            reason,
        })?;
        Ok(ProxyPrefix::classify(s))
    }
}

impl fmt::Display for ProxyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One proxy address, `prefix:address`, such as `SMTP:john@contoso.com` or
/// `X500:/o=ExchangeLabs/ou=.../cn=Recipients/cn=...`.
///
/// Rules enforced by parsing (errors are [`Error::InvalidProxyAddress`]):
///
/// - there is a `:`; the prefix before the first `:` is 1 to 9 ASCII letters or digits (the
///   limit Exchange puts on custom address types); the address after it is not empty;
/// - no leading or trailing whitespace, and no control characters anywhere;
/// - `SMTP`: the address is a valid [`SmtpAddress`] (so no whitespace at all);
/// - `X500`: the address starts with `/`; `X400`, `SIP`, `EUM` and custom types: any non-empty
///   text (spaces inside are allowed, as X.400 and X.500 addresses contain them).
///
/// **Primary flag**: an address is primary when its prefix is typed in upper case
/// (`SMTP:` versus `smtp:`). Exchange applies this convention to every address type, but it
/// only matters for SMTP: a mailbox has exactly one primary SMTP address (its
/// `PrimarySmtpAddress`), while several upper-case `X500:` entries are normal.
///
/// [`as_str`](Self::as_str) and [`Display`](fmt::Display) return exactly the text that was
/// parsed. Equality and hashing compare that text exactly (case-sensitive); use
/// [`same_target`](Self::same_target) for Exchange's case-insensitive comparison.
/// Serde: a string, validated on deserialization.
#[derive(Clone)]
pub struct ProxyAddress {
    text: String,
    prefix: ProxyPrefix,
    /// Byte index of the first `:` in `text`.
    colon: usize,
    smtp: Option<SmtpAddress>,
}

impl ProxyAddress {
    /// Parses `prefix:address`. Same as [`str::parse`].
    pub fn parse(text: &str) -> Result<Self> {
        let error = |reason: String| Error::InvalidProxyAddress {
            input: text.to_owned(),
            reason,
        };
        if text.is_empty() {
            return Err(error("the proxy address is empty".to_owned()));
        }
        if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
            return Err(error(
                "leading or trailing whitespace; remove it before storing the address".to_owned(),
            ));
        }
        let Some(colon) = text.find(':') else {
            let hint = if text.contains('@') {
                format!(
                    "; for an SMTP address write \"smtp:{text}\" (or \"SMTP:{text}\" for the primary)"
                )
            } else {
                String::new()
            };
            return Err(error(format!(
                "no ':' separating the address type prefix from the address (expected a form like \"SMTP:john@contoso.com\"){hint}"
            )));
        };
        let (prefix_text, address) = (&text[..colon], &text[colon + 1..]);
        check_prefix(prefix_text).map_err(error)?;
        if address.is_empty() {
            return Err(error(format!(
                "empty address after the prefix \"{prefix_text}:\""
            )));
        }
        if let Some(c) = address
            .chars()
            .find(|c| c.is_control() && !c.is_whitespace())
        {
            return Err(error(format!(
                "the address contains the control character {}",
                describe_char(c)
            )));
        }
        let prefix = ProxyPrefix::classify(prefix_text);
        let mut smtp = None;
        match &prefix {
            ProxyPrefix::Smtp => match SmtpAddress::parse(address) {
                Ok(parsed) => smtp = Some(parsed),
                Err(Error::InvalidSmtpAddress { reason, .. }) => {
                    return Err(error(format!("invalid SMTP address {address:?}: {reason}")));
                }
                Err(other) => return Err(other),
            },
            _ if address.starts_with(char::is_whitespace)
                || address.ends_with(char::is_whitespace) =>
            {
                return Err(error(format!(
                    "whitespace around the address after \"{prefix_text}:\""
                )));
            }
            ProxyPrefix::X500 if !address.starts_with('/') => {
                return Err(error(format!(
                    "an X500 address must be a legacy Exchange DN starting with '/', like \"/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=...\"; found {address:?}"
                )));
            }
            _ => {}
        }
        Ok(ProxyAddress {
            text: text.to_owned(),
            prefix,
            colon,
            smtp,
        })
    }

    /// Builds an SMTP proxy address: `SMTP:address` when `primary`, `smtp:address` otherwise.
    pub fn from_smtp(address: &SmtpAddress, primary: bool) -> Self {
        let prefix = if primary { "SMTP" } else { "smtp" };
        ProxyAddress {
            text: format!("{prefix}:{address}"),
            prefix: ProxyPrefix::Smtp,
            colon: prefix.len(),
            smtp: Some(address.clone()),
        }
    }

    /// The proxy address exactly as parsed, prefix included.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The address type.
    pub fn prefix(&self) -> &ProxyPrefix {
        &self.prefix
    }

    /// The prefix exactly as typed, without the colon (`smtp`, `SMTP`, `x500`, ...).
    pub fn prefix_str(&self) -> &str {
        &self.text[..self.colon]
    }

    /// Whether the prefix is typed in upper case. Only meaningful for SMTP addresses, where it
    /// marks the primary (reply) address; see the type documentation.
    pub fn is_primary(&self) -> bool {
        !self.prefix_str().chars().any(|c| c.is_ascii_lowercase())
    }

    /// Whether this is a primary SMTP address (`SMTP:` in upper case).
    pub fn is_primary_smtp(&self) -> bool {
        self.prefix.is_smtp() && self.is_primary()
    }

    /// The part after the first `:`.
    pub fn address(&self) -> &str {
        &self.text[self.colon + 1..]
    }

    /// The SMTP address, for `SMTP:`/`smtp:` entries.
    pub fn smtp(&self) -> Option<SmtpAddress> {
        self.smtp.clone()
    }

    /// The SMTP address, borrowed, for `SMTP:`/`smtp:` entries.
    pub fn as_smtp(&self) -> Option<&SmtpAddress> {
        self.smtp.as_ref()
    }

    /// Whether both addresses have the same address type and the same address, compared
    /// ignoring ASCII case. The primary flag is ignored: `SMTP:A@x.com` and `smtp:a@X.com`
    /// have the same target.
    pub fn same_target(&self, other: &ProxyAddress) -> bool {
        self.prefix == other.prefix && self.address().eq_ignore_ascii_case(other.address())
    }

    /// [`same_target`](Self::same_target) and the same primary flag.
    fn same_entry(&self, other: &ProxyAddress) -> bool {
        self.is_primary() == other.is_primary() && self.same_target(other)
    }
}

impl FromStr for ProxyAddress {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        ProxyAddress::parse(s)
    }
}

impl fmt::Display for ProxyAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for ProxyAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProxyAddress").field(&self.text).finish()
    }
}

impl AsRef<str> for ProxyAddress {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl PartialEq for ProxyAddress {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for ProxyAddress {}

impl Hash for ProxyAddress {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl Serialize for ProxyAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for ProxyAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ProxyAddress::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The proxy addresses of one mailbox (`EmailAddresses` in Exchange Online, `proxyAddresses`
/// in AD), validated as a set:
///
/// - every entry is a valid [`ProxyAddress`];
/// - there is exactly one primary SMTP address (`SMTP:` in upper case);
/// - no two entries have the same target ([`ProxyAddress::same_target`]: same type, address
///   equal ignoring case), so `SMTP:A@x.com` and `smtp:a@X.com` are duplicates.
///
/// The order of the input is kept. Equality (`==`) is exact and order-sensitive; use
/// [`set_eq`](Self::set_eq) to compare as Exchange does. Serde: an array of strings,
/// validated on deserialization.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProxyAddresses {
    items: Vec<ProxyAddress>,
    /// Index of the primary SMTP address in `items`.
    primary: usize,
}

impl ProxyAddresses {
    /// Parses and validates a list of proxy addresses.
    ///
    /// Errors ([`Error::InvalidProxyAddress`]): the first malformed entry; a duplicate (naming
    /// both entries); a second primary SMTP address (naming both); no primary SMTP address
    /// (also for an empty list).
    pub fn parse<I, S>(items: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let parsed = items
            .into_iter()
            .map(|s| ProxyAddress::parse(s.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        Self::from_vec(parsed)
    }

    /// Validates a list of already parsed proxy addresses as a set (see [`parse`](Self::parse)).
    pub fn from_vec(items: Vec<ProxyAddress>) -> Result<Self> {
        let mut primary: Option<usize> = None;
        // Targets seen so far (the prefix and the address lower-cased, as `same_target`
        // compares them): one lookup per entry, so a list of thousands stays linear.
        let mut seen: std::collections::HashMap<(&ProxyPrefix, String), usize> =
            std::collections::HashMap::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let key = (&item.prefix, item.address().to_ascii_lowercase());
            if let Some(&earlier) = seen.get(&key) {
                return Err(Error::InvalidProxyAddress {
                    input: item.text.clone(),
                    reason: format!(
                        "duplicate of {:?} (proxy addresses are compared ignoring case)",
                        items[earlier].text
                    ),
                });
            }
            seen.insert(key, i);
            if item.is_primary_smtp() {
                if let Some(first) = primary {
                    return Err(Error::InvalidProxyAddress {
                        input: item.text.clone(),
                        reason: format!(
                            "two primary SMTP addresses, {:?} and {:?}; exactly one entry may use the upper-case \"SMTP:\" prefix",
                            items[first].text, item.text
                        ),
                    });
                }
                primary = Some(i);
            }
        }
        let Some(primary) = primary else {
            let reason = if items.is_empty() {
                "no primary SMTP address: the list is empty"
            } else {
                "no primary SMTP address: exactly one entry must use the upper-case \"SMTP:\" prefix"
            };
            return Err(Error::InvalidProxyAddress {
                input: join(&items),
                reason: reason.to_owned(),
            });
        };
        Ok(ProxyAddresses { items, primary })
    }

    /// The primary SMTP proxy address (`SMTP:...`).
    pub fn primary_smtp(&self) -> &ProxyAddress {
        &self.items[self.primary]
    }

    /// The entries, in input order.
    pub fn iter(&self) -> std::slice::Iter<'_, ProxyAddress> {
        self.items.iter()
    }

    /// The entries as a slice, in input order.
    pub fn as_slice(&self) -> &[ProxyAddress] {
        &self.items
    }

    /// The number of entries (at least 1).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Always false: a valid set has a primary SMTP address.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The entries as strings, exactly as parsed, in input order.
    pub fn to_strings(&self) -> Vec<String> {
        self.items.iter().map(|p| p.text.clone()).collect()
    }

    /// Whether an entry matches `address`, ignoring ASCII case and the primary flag.
    ///
    /// `address` is either a proxy address (`smtp:john@contoso.com`, `X500:/o=...`) or, when it
    /// has no `:`, a bare SMTP address (`john@contoso.com`) matched against the SMTP entries.
    pub fn contains(&self, address: &str) -> bool {
        match address.split_once(':') {
            Some((prefix, rest)) => self.items.iter().any(|p| {
                p.prefix_str().eq_ignore_ascii_case(prefix)
                    && p.address().eq_ignore_ascii_case(rest)
            }),
            None => self
                .items
                .iter()
                .any(|p| p.prefix.is_smtp() && p.address().eq_ignore_ascii_case(address)),
        }
    }

    /// Whether both sets hold the same entries, in any order: same targets
    /// ([`ProxyAddress::same_target`]) with the same primary flag.
    pub fn set_eq(&self, other: &ProxyAddresses) -> bool {
        self.items.len() == other.items.len()
            && self
                .items
                .iter()
                .all(|a| other.items.iter().any(|b| a.same_entry(b)))
    }

    /// What changes when going from `self` to `other`: `(added, removed)`, where `added` are
    /// the entries of `other` with no match in `self` and `removed` the entries of `self` with
    /// no match in `other`. Entries match when they have the same target and the same primary
    /// flag, so moving the primary shows up as two removals and two additions.
    pub fn diff<'a>(
        &'a self,
        other: &'a ProxyAddresses,
    ) -> (Vec<&'a ProxyAddress>, Vec<&'a ProxyAddress>) {
        let added = other
            .items
            .iter()
            .filter(|b| !self.items.iter().any(|a| a.same_entry(b)))
            .collect();
        let removed = self
            .items
            .iter()
            .filter(|a| !other.items.iter().any(|b| a.same_entry(b)))
            .collect();
        (added, removed)
    }
}

fn join(items: &[ProxyAddress]) -> String {
    items
        .iter()
        .map(ProxyAddress::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'a> IntoIterator for &'a ProxyAddresses {
    type Item = &'a ProxyAddress;
    type IntoIter = std::slice::Iter<'a, ProxyAddress>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl IntoIterator for ProxyAddresses {
    type Item = ProxyAddress;
    type IntoIter = std::vec::IntoIter<ProxyAddress>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl fmt::Display for ProxyAddresses {
    /// The entries joined with `", "`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join(&self.items))
    }
}

impl Serialize for ProxyAddresses {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.items.iter())
    }
}

impl<'de> Deserialize<'de> for ProxyAddresses {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let items = Vec::<String>::deserialize(deserializer)?;
        ProxyAddresses::parse(&items).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn parses_prefix_types() {
        let cases = [
            ("SMTP:a@x.com", ProxyPrefix::Smtp, true),
            ("smtp:a@x.com", ProxyPrefix::Smtp, false),
            ("X500:/o=Org/cn=a b", ProxyPrefix::X500, true),
            ("x400:c=US;a= ;p=Org;", ProxyPrefix::X400, false),
            ("SIP:a@x.com", ProxyPrefix::Sip, true),
            ("eum:1234;phone-context=x", ProxyPrefix::Eum, false),
            (
                "NOTES:John/Org",
                ProxyPrefix::Custom("NOTES".to_owned()),
                true,
            ),
            (
                "spo:SPO_1@SPO_2",
                ProxyPrefix::Custom("SPO".to_owned()),
                false,
            ),
        ];
        for (text, prefix, primary) in cases {
            let p = ProxyAddress::parse(text).unwrap();
            assert_eq!(p.prefix(), &prefix, "{text}");
            assert_eq!(p.is_primary(), primary, "{text}");
            assert_eq!(p.as_str(), text);
            assert_eq!(p.to_string(), text);
        }
    }

    #[test]
    fn rejects_bad_prefixes() {
        for (bad, needle) in [
            (":a@x.com", "empty address type"),
            ("SM TP:a@x.com", "a space"),
            ("ABCDEFGHIJ:x", "longer than 9"),
            ("SIP: a@x.com", "whitespace around"),
            (" SMTP:a@x.com", "leading or trailing"),
            ("", "empty"),
        ] {
            let msg = ProxyAddress::parse(bad).unwrap_err().to_string();
            assert!(msg.contains(needle), "{bad}: {msg}");
        }
    }

    #[test]
    fn from_smtp_builds_prefix() {
        let a = SmtpAddress::parse("a@x.com").unwrap();
        let p = ProxyAddress::from_smtp(&a, true);
        assert_eq!(p.as_str(), "SMTP:a@x.com");
        assert!(p.is_primary_smtp());
        assert_eq!(p, ProxyAddress::parse("SMTP:a@x.com").unwrap());
        assert_eq!(ProxyAddress::from_smtp(&a, false).as_str(), "smtp:a@x.com");
    }

    #[test]
    fn contains_and_diff() {
        let a = ProxyAddresses::parse(["SMTP:a@x.com", "smtp:b@x.com", "X500:/o=Org"]).unwrap();
        assert!(a.contains("smtp:A@X.com"));
        assert!(a.contains("b@X.COM"));
        assert!(a.contains("x500:/O=org"));
        assert!(!a.contains("sip:a@x.com"));
        let b = ProxyAddresses::parse(["smtp:a@x.com", "SMTP:b@x.com", "X500:/o=Org"]).unwrap();
        let (added, removed) = a.diff(&b);
        let added: Vec<&str> = added.iter().map(|p| p.as_str()).collect();
        let removed: Vec<&str> = removed.iter().map(|p| p.as_str()).collect();
        assert_eq!(added, ["smtp:a@x.com", "SMTP:b@x.com"]);
        assert_eq!(removed, ["SMTP:a@x.com", "smtp:b@x.com"]);
        assert!(!a.set_eq(&b));
        let (added, removed) = a.diff(&a);
        assert!(added.is_empty() && removed.is_empty());
    }
}
