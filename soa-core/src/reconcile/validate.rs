//! The checks a report read back from JSON, and every writeback plan, must pass before a plan
//! is written: every attribute is one of the catalog's (under its LDAP name, class and value
//! kind), every distinguished name parses as one (RFC 4514), every GUID is a GUID. A report is
//! a file an admin can edit; what a plan writes to AD must not be decided by such an edit.

use super::base64;
use super::diff::Difference;
use crate::catalog::Catalog;

/// A field that does not validate: its name and the problem.
pub(crate) type Problem = (&'static str, String);

/// Whether `name` is an LDAP attribute type (RFC 4512 `descr`: a letter, then letters, digits
/// and hyphens; or a numeric OID such as `2.5.4.3`).
pub(crate) fn is_ldap_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.first() {
        Some(b) if b.is_ascii_alphabetic() => bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-'),
        Some(b) if b.is_ascii_digit() => {
            name.split('.').count() > 1
                && name.split('.').all(|n| {
                    !n.is_empty()
                        && n.bytes().all(|b| b.is_ascii_digit())
                        && (n == "0" || !n.starts_with('0'))
                })
        }
        _ => false,
    }
}

/// Checks that `dn` is a distinguished name (RFC 4514): one or more `type=value` pairs
/// separated by `,` (or `+` within one RDN), each type an LDAP attribute type, each value a
/// string in which `+`, `,`, `;` and `\` are escaped (`\,` or `\2C`), or a `#` followed by
/// hexadecimal pairs. Spaces around the separators are allowed (as AD writes them at times),
/// and so are `"`, `<` and `>` unescaped (they separate nothing); control characters (CR, LF,
/// NUL, ...) are not, escaped (`\0A`) or not.
pub(crate) fn check_dn(dn: &str) -> Result<(), String> {
    if dn.trim().is_empty() {
        return Err("empty".to_owned());
    }
    if let Some(c) = dn.chars().find(|c| c.is_control()) {
        return Err(format!(
            "contains the control character U+{:04X}",
            u32::from(c)
        ));
    }
    let mut rest = dn;
    loop {
        // The attribute type.
        let Some(eq) = rest.find('=') else {
            return Err(format!("{rest:?} is not a `type=value` pair"));
        };
        let kind = rest[..eq].trim();
        if !is_ldap_name(kind) {
            return Err(format!("{kind:?} is not an attribute type"));
        }
        rest = &rest[eq + 1..];
        // The value, up to an unescaped `,` or `+`.
        let (end, next) = value_end(rest)?;
        check_value(rest[..end].trim_matches(' '))?;
        match next {
            None => return Ok(()),
            Some(_) => rest = &rest[end + 1..],
        }
    }
}

/// Where the value at the start of `text` ends: its length, and the separator after it.
fn value_end(text: &str) -> Result<(usize, Option<char>), String> {
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let Some((_, e)) = chars.next() else {
                    return Err("ends with a lone `\\`".to_owned());
                };
                if e.is_ascii_hexdigit() {
                    let Some((_, h)) = chars.next().filter(|(_, h)| h.is_ascii_hexdigit()) else {
                        return Err(format!("`\\{e}` is not an escape"));
                    };
                    let byte = u8::from_str_radix(&format!("{e}{h}"), 16).unwrap_or(0);
                    if byte < 0x20 || byte == 0x7F {
                        return Err(format!("escapes the control character 0x{byte:02X}"));
                    }
                } else if !" \"#+,;<=>\\".contains(e) {
                    return Err(format!("`\\{e}` is not an escape"));
                }
            }
            ',' | '+' => return Ok((i, Some(c))),
            ';' => return Err("`;` must be escaped (`\\;`)".to_owned()),
            _ => {}
        }
    }
    Ok((text.len(), None))
}

/// Checks an attribute value of a DN (its escapes were checked already).
fn check_value(value: &str) -> Result<(), String> {
    if let Some(hex) = value.strip_prefix('#')
        && (hex.is_empty() || hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(format!("{value:?} is not a `#` and hexadecimal pairs"));
    }
    Ok(())
}

/// The checks that need no catalog: the LDAP name, the DN and the object GUID of a
/// difference.
pub(crate) fn check_syntax(d: &Difference) -> Result<(), Problem> {
    if !is_ldap_name(&d.ldap_name) {
        return Err((
            "ldap_name",
            format!("{:?} is not an LDAP attribute name", d.ldap_name),
        ));
    }
    if let Some(dn) = &d.ad_distinguished_name {
        check_dn(dn).map_err(|e| {
            (
                "ad_distinguished_name",
                format!("{dn:?} is not a distinguished name: {e}"),
            )
        })?;
    }
    if let Some(guid) = &d.ad_object_guid
        && base64::guid_to_bytes(guid).is_none()
    {
        return Err(("ad_object_guid", format!("{guid:?} is not a GUID")));
    }
    Ok(())
}

/// Every check: [`check_syntax`], then the attribute against `catalog`: a catalog attribute
/// (by its canonical name) whose LDAP name, class, value kind and writeback flag are those the
/// difference carries.
pub(crate) fn check(d: &Difference, catalog: &Catalog) -> Result<(), Problem> {
    check_syntax(d)?;
    let Some(a) = catalog
        .get(&d.attribute)
        .filter(|a| a.name() == d.attribute)
    else {
        return Err((
            "attribute",
            format!("{:?} is not an attribute of the catalog", d.attribute),
        ));
    };
    if a.ldap_name.as_deref() != Some(d.ldap_name.as_str()) {
        return Err((
            "ldap_name",
            match &a.ldap_name {
                Some(l) => format!(
                    "{:?} is not the LDAP name of {} in the catalog ({l:?})",
                    d.ldap_name, d.attribute
                ),
                None => format!("{} has no LDAP name in the catalog", d.attribute),
            },
        ));
    }
    if a.class != d.attribute_class {
        return Err((
            "attribute_class",
            format!(
                "{} is {} in the catalog, not {}",
                d.attribute, a.class, d.attribute_class
            ),
        ));
    }
    if a.value_kind != d.value_kind {
        return Err((
            "value_kind",
            format!(
                "{} is {:?} in the catalog, not {:?}",
                d.attribute, a.value_kind, d.value_kind
            ),
        ));
    }
    if a.writeback != d.written_back {
        return Err((
            "written_back",
            format!(
                "the catalog says {} is {}written back",
                d.attribute,
                if a.writeback { "" } else { "not " }
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldap_names() {
        for ok in ["cn", "extensionAttribute1", "msExch-Foo", "2.5.4.3"] {
            assert!(is_ldap_name(ok), "{ok}");
        }
        for bad in [
            "",
            "1cn",
            "cn;binary",
            "a b",
            "mail\nx",
            "2.",
            "2..5",
            "02.5",
            "é",
        ] {
            assert!(!is_ldap_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn distinguished_names() {
        for ok in [
            "CN=Bob Smith,OU=Staff,DC=contoso,DC=com",
            "CN=Smith\\, Bob,OU=Staff,DC=contoso,DC=com",
            "CN=Bob, OU=Staff, DC=contoso",
            "CN=a=b #1,DC=x",
            "CN=x+UID=7,DC=x",
            "CN=Émile \\2C Zoë,DC=x",
            "1.3.6.1.4.1.1466.0=#04024869,DC=x",
            "CN=\\#lead\\ ,DC=x",
            "CN=A <x> \"q\",DC=x",
        ] {
            assert_eq!(check_dn(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "Bob",
            "CN=Bob,",
            "CN=Bob,,DC=x",
            "CN=Bob\nchangetype: delete",
            "CN=Bob\r,DC=x",
            "CN=Bob\0,DC=x",
            "CN=Bob\\0A,DC=x",
            "CN=Bob;DC=x",
            "CN=Bob\\",
            "CN=Bob\\q,DC=x",
            "C N=Bob,DC=x",
            "=Bob",
            "CN=#zz,DC=x",
        ] {
            assert!(check_dn(bad).is_err(), "{bad:?}");
        }
    }
}
