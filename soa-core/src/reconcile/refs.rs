//! DN references: deciding whether an AD value that names directory objects by distinguished
//! name (`manager`, `altRecipient`, `publicDelegates`, `authOrig`, ...) and the cloud's value
//! (names, aliases, addresses or GUIDs of recipients) name the same objects.
//!
//! The rule (also in the [module documentation](super)):
//!
//! - An AD value resolves through the AD export itself: the DN is looked up among the accounts
//!   read (compared without case, spaces around `,` and `=` ignored), and resolves to the
//!   mailbox that account was paired with. A DN of an account outside the export, or of an
//!   account without a mailbox or with an ambiguous one, does not resolve.
//! - A cloud value resolves to the one mailbox whose `Identity`, `Name`, `Alias`,
//!   `UserPrincipalName`, `PrimarySmtpAddress`, `WindowsEmailAddress`, `ExchangeGuid`,
//!   `ExternalDirectoryObjectId`, `Guid` or `DistinguishedName` equals it (without case), or,
//!   when it is itself a DN, through the AD export as above. Several candidates do not resolve.
//! - The values are in sync when every item on both sides resolves and both sides name the same
//!   set of mailboxes; they differ when every item resolves and the sets differ; otherwise the
//!   difference is reported with [`Reason::UnresolvedReference`](super::Reason) rather than
//!   guessed.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

use super::join::CloudIndex;
use super::store::{HEAD_PROPERTIES, KeyTable, PassHasher, hash_bytes, norm_addr};

/// The value of an AD account that has no single mailbox.
pub(crate) const NO_MAILBOX: u32 = u32::MAX;

/// A DN in the form references are compared in: each RDN's type and value trimmed, all
/// lower-case, joined with `,`. Escaped characters (`\,`) are kept as they are.
pub(crate) fn normalize_dn(dn: &str) -> String {
    let mut out = String::new();
    normalize_dn_into(dn, &mut out);
    out
}

/// [`normalize_dn`] into `out` (emptied first), a buffer kept from DN to DN.
pub(crate) fn normalize_dn_into(dn: &str, out: &mut String) {
    out.clear();
    let trimmed = dn.trim();
    if !trimmed.is_ascii() || trimmed.contains('\\') {
        out.push_str(&normalize_escaped_dn(dn));
        return;
    }
    // The common case, without escapes: written in one pass.
    let push_lower = |out: &mut String, part: &str| {
        out.extend(part.trim().chars().map(|c| c.to_ascii_lowercase()));
    };
    let mut rdns = trimmed.split(',').peekable();
    while let Some(rdn) = rdns.next() {
        if rdn.is_empty() && rdns.peek().is_none() {
            break;
        }
        if !out.is_empty() {
            out.push(',');
        }
        match rdn.split_once('=') {
            Some((t, v)) => {
                push_lower(out, t);
                out.push('=');
                push_lower(out, v);
            }
            None => push_lower(out, rdn),
        }
    }
}

/// [`normalize_dn`] of any DN, escapes and non-ASCII text included.
fn normalize_escaped_dn(dn: &str) -> String {
    let mut out = String::with_capacity(dn.len());
    let mut rdn = String::new();
    let mut escaped = false;
    let flush = |rdn: &mut String, out: &mut String| {
        let (t, v) = match split_unescaped(rdn, '=') {
            Some((t, v)) => (t.trim().to_ascii_lowercase(), v.trim().to_lowercase()),
            None => (rdn.trim().to_lowercase(), String::new()),
        };
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&t);
        if !v.is_empty() || rdn.contains('=') {
            out.push('=');
            out.push_str(&v);
        }
        rdn.clear();
    };
    for c in dn.trim().chars() {
        if escaped {
            rdn.push(c);
            escaped = false;
        } else if c == '\\' {
            rdn.push(c);
            escaped = true;
        } else if c == ',' {
            flush(&mut rdn, &mut out);
        } else {
            rdn.push(c);
        }
    }
    if !rdn.is_empty() {
        flush(&mut rdn, &mut out);
    }
    out
}

fn split_unescaped(s: &str, sep: char) -> Option<(&str, &str)> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            return Some((&s[..i], &s[i + c.len_utf8()..]));
        }
    }
    None
}

/// Whether a text looks like a distinguished name (`CN=...,DC=...`).
pub(crate) fn looks_like_dn(s: &str) -> bool {
    let t = s.trim_start();
    t.len() > 3
        && t.as_bytes().get(2) == Some(&b'=')
        && (t[..2].eq_ignore_ascii_case("cn") || t[..2].eq_ignore_ascii_case("ou"))
}

/// A cloud reference value in the form lookups use: trimmed, lower-case, without braces.
fn norm_ref(s: &str) -> Cow<'_, str> {
    norm_addr(s.trim().trim_start_matches('{').trim_end_matches('}'))
}

/// A hash of [`norm_ref`]`(s)` computed without allocating, for ASCII text of up to 128
/// bytes (`None` otherwise).
fn norm_ref_hash(s: &str) -> Option<u64> {
    let t = s
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    if t.len() > 128 || !t.is_ascii() {
        return None;
    }
    let mut buf = [0u8; 128];
    let lower = &mut buf[..t.len()];
    lower.copy_from_slice(t.as_bytes());
    lower.make_ascii_lowercase();
    Some(hash_bytes(lower))
}

/// Resolves references to mailboxes.
pub(crate) struct Resolver<'i> {
    ad_dns: &'i KeyTable,
    /// Each wanted cloud key and the mailboxes that carry it.
    cloud: HashMap<String, Vec<u32>>,
}

impl<'i> Resolver<'i> {
    /// A resolver for the cloud values in `wanted`: one pass over the mailboxes collects the
    /// candidates of exactly those keys.
    pub(crate) fn new<'w>(
        ad_dns: &'i KeyTable,
        index: &CloudIndex,
        wanted: impl IntoIterator<Item = &'w str>,
    ) -> Self {
        let mut cloud: HashMap<String, Vec<u32>> = wanted
            .into_iter()
            .map(|w| (norm_ref(w).into_owned(), Vec::new()))
            .collect();
        // The hashes of the wanted keys: most names are ruled out without allocating.
        let hashes: HashSet<u64, BuildHasherDefault<PassHasher>> =
            cloud.keys().filter_map(|k| norm_ref_hash(k)).collect();
        if !cloud.is_empty() {
            // The mailboxes carrying a wanted key, in two halves on two threads.
            let scan = |range: std::ops::Range<usize>| -> Vec<(String, u32)> {
                let mut hits = Vec::new();
                for i in range {
                    let Some(m) = index.get(i) else { continue };
                    let i = u32::try_from(i).unwrap_or(NO_MAILBOX);
                    for (k, (h, _)) in HEAD_PROPERTIES.iter().enumerate() {
                        let Some(v) = m.head(*h) else { continue };
                        // The same text as a head before it (the address and the UPN, the
                        // name and the identity, often) has been looked at already.
                        if HEAD_PROPERTIES[..k]
                            .iter()
                            .any(|(e, _)| m.head(*e) == Some(v))
                        {
                            continue;
                        }
                        if norm_ref_hash(v).is_some_and(|x| !hashes.contains(&x)) {
                            continue;
                        }
                        let key = norm_ref(v);
                        if cloud.contains_key(key.as_ref()) {
                            hits.push((key.into_owned(), i));
                        }
                    }
                }
                hits
            };
            let middle = index.len() / 2;
            let (first, second) = std::thread::scope(|scope| {
                let second = scope.spawn(|| scan(middle..index.len()));
                let first = scan(0..middle);
                (first, second.join())
            });
            let second = second.unwrap_or_else(|_| scan(middle..index.len()));
            // The hits come in the order of the mailboxes (the first half's, then the
            // second's), so a mailbox found twice under one key is found in a row: comparing
            // with the last one found keeps each list free of repeats at no cost (a key that
            // thousands of mailboxes share is not searched thousands of times).
            for (key, i) in first.into_iter().chain(second) {
                if let Some(list) = cloud.get_mut(&key)
                    && list.last() != Some(&i)
                {
                    list.push(i);
                }
            }
        }
        Resolver { ad_dns, cloud }
    }

    /// The mailbox an AD DN names, if exactly one.
    pub(crate) fn ad(&self, dn: &str) -> Option<u32> {
        let key = normalize_dn(dn);
        let mut found = self.ad_dns.get(&key);
        match (found.next(), found.next()) {
            (Some(i), None) if i != NO_MAILBOX => Some(i),
            _ => None,
        }
    }

    /// The mailbox a cloud value names, if exactly one.
    pub(crate) fn cloud(&self, value: &str) -> Option<u32> {
        if let Some([one]) = self.cloud.get(norm_ref(value).as_ref()).map(Vec::as_slice) {
            return Some(*one);
        }
        if looks_like_dn(value) {
            return self.ad(value);
        }
        None
    }
}

/// Whether two reference values name the same mailboxes: `Some(true)` or `Some(false)` when
/// every item resolves, `None` when some item does not.
pub(crate) fn same_targets(
    resolver: &Resolver<'_>,
    ad: &[String],
    cloud: &[String],
) -> Option<bool> {
    let mut a: Vec<u32> = ad
        .iter()
        .map(|v| resolver.ad(v))
        .collect::<Option<Vec<_>>>()?;
    let mut c: Vec<u32> = cloud
        .iter()
        .map(|v| resolver.cloud(v))
        .collect::<Option<Vec<_>>>()?;
    a.sort_unstable();
    a.dedup();
    c.sort_unstable();
    c.dedup();
    Some(a == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_without_escapes_normalize_as_any_dn_does() {
        for dn in [
            "",
            "  ",
            "CN=Bob Smith,OU=Staff,DC=contoso,DC=com",
            " cn = Bob Smith , ou=Staff ,DC=Contoso,DC=COM ",
            "CN=Bob,",
            ",CN=Bob",
            "CN=Bob,,DC=com",
            "CN=,OU=x",
            "CN=a=b,OU=x",
            "no equals sign",
            "CN=Tab\tValue,DC=com",
        ] {
            assert_eq!(normalize_dn(dn), normalize_escaped_dn(dn), "{dn:?}");
        }
        assert_eq!(
            normalize_dn(" CN = Bob Smith , OU=Staff,DC=Contoso,DC=COM"),
            "cn=bob smith,ou=staff,dc=contoso,dc=com"
        );
        // Escapes and other scripts take the general path.
        assert_eq!(
            normalize_dn("CN=Smith\\, Bob,DC=com"),
            "cn=smith\\, bob,dc=com"
        );
        assert_eq!(normalize_dn("CN=ÉMILE,DC=com"), "cn=émile,dc=com");
    }
}
