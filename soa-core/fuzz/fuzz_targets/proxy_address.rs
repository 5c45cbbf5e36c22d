//! `ProxyAddress` and `ProxyAddresses`: each line of the input is parsed as a proxy address
//! and the lines as a set. A parsed address keeps its text and splits at its first `:`, reads
//! back to itself and has an SMTP address exactly when its type is SMTP; a parsed set has one
//! primary SMTP address, no two entries with the same target, and equals itself in any order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soa_core::ErrorKind;
use soa_core::model::{ProxyAddress, ProxyAddresses, SmtpAddress};

fn check_one(text: &str) -> Option<ProxyAddress> {
    match ProxyAddress::parse(text) {
        Ok(p) => {
            assert_eq!(p.as_str(), text);
            assert_eq!(p.to_string(), text);
            assert_eq!(format!("{}:{}", p.prefix_str(), p.address()), text);
            assert!(!p.prefix_str().contains(':'));
            assert!(!p.address().is_empty(), "{text:?}: empty address accepted");
            assert!(
                p.prefix_str().eq_ignore_ascii_case(p.prefix().as_str()),
                "{text:?}: prefix {:?} shown as {:?}",
                p.prefix_str(),
                p.prefix().as_str()
            );
            assert_eq!(p.prefix().is_smtp(), p.as_smtp().is_some(), "{text:?}");
            if let Some(a) = p.as_smtp() {
                assert_eq!(a.as_str(), p.address());
                assert_eq!(SmtpAddress::parse(p.address()).ok().as_ref(), Some(a));
            }
            assert!(p.same_target(&p));
            let shown = format!("{p}");
            let again = ProxyAddress::parse(&shown).expect("an address reads back");
            assert_eq!(again, p);
            let json = serde_json::to_string(&p).expect("an address serializes");
            assert_eq!(
                serde_json::from_str::<ProxyAddress>(&json).ok(),
                Some(p.clone())
            );
            Some(p)
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidProxyAddress, "{text:?}: {e}");
            None
        }
    }
}

fuzz_target!(|data: &str| {
    let lines: Vec<&str> = data.split('\n').collect();
    let parsed: Vec<Option<ProxyAddress>> = lines.iter().map(|l| check_one(l)).collect();
    match ProxyAddresses::parse(&lines) {
        Ok(set) => {
            assert!(
                parsed.iter().all(Option::is_some),
                "a set accepted a bad entry"
            );
            assert_eq!(set.len(), lines.len());
            assert_eq!(set.to_strings(), lines);
            assert!(set.primary_smtp().is_primary_smtp());
            assert_eq!(set.iter().filter(|p| p.is_primary_smtp()).count(), 1);
            for (i, a) in set.iter().enumerate() {
                assert!(set.contains(a.as_str()), "{a} not in its own set");
                for b in set.iter().skip(i + 1) {
                    assert!(!a.same_target(b), "duplicates {a} and {b} accepted");
                }
            }
            assert!(set.set_eq(&set));
            let (added, removed) = set.diff(&set);
            assert!(added.is_empty() && removed.is_empty());
            let reversed: Vec<&str> = lines.iter().rev().copied().collect();
            let other = ProxyAddresses::parse(&reversed).expect("the same set in another order");
            assert!(set.set_eq(&other) && other.set_eq(&set));
            let json = serde_json::to_string(&set).expect("a set serializes");
            assert_eq!(
                serde_json::from_str::<ProxyAddresses>(&json).ok(),
                Some(set.clone())
            );
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidProxyAddress, "{e}"),
    }
});
