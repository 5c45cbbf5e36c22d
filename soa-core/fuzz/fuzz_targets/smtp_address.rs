//! `SmtpAddress`: parsing either fails with `InvalidSmtpAddress` or gives an address that keeps
//! its text, splits at its `@`, respects the RFC 5321 lengths, reads back to itself, compares
//! ignoring ASCII case, and is exactly what an `smtp:` proxy address accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soa_core::ErrorKind;
use soa_core::model::{ProxyAddress, SmtpAddress};

fuzz_target!(|text: &str| {
    let parsed = SmtpAddress::parse(text);
    match &parsed {
        Ok(a) => {
            assert_eq!(a.as_str(), text);
            assert_eq!(a.to_string(), text);
            assert_eq!(format!("{}@{}", a.local_part(), a.domain()), text);
            assert!(
                !a.local_part().is_empty() && !a.domain().is_empty(),
                "{text:?}"
            );
            assert!(
                a.local_part().len() <= 64,
                "{text:?}: local part over 64 octets"
            );
            assert!(a.domain().len() <= 255, "{text:?}: domain over 255 octets");
            assert!(
                !text.contains(char::is_whitespace),
                "{text:?} holds whitespace"
            );
            assert!(a.domain().contains('.'), "{text:?}: one-label domain");
            let again = SmtpAddress::parse(a.as_str()).expect("an address reads back");
            assert_eq!(&again, a);
            let lower = SmtpAddress::parse(&a.to_ascii_lowercase())
                .expect("the lower-case form of an address is an address");
            assert_eq!(&lower, a, "equality ignores ASCII case");
            let json = serde_json::to_string(a).expect("an address serializes");
            assert_eq!(
                serde_json::from_str::<SmtpAddress>(&json).ok().as_ref(),
                Some(a)
            );
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidSmtpAddress, "{text:?}: {e}"),
    }
    for prefix in ["smtp", "SMTP"] {
        let proxy = ProxyAddress::parse(&format!("{prefix}:{text}"));
        assert_eq!(
            proxy.is_ok(),
            parsed.is_ok(),
            "SmtpAddress {:?} but {prefix}: proxy {:?}",
            parsed.as_ref().map(|_| ()),
            proxy.as_ref().map(|_| ())
        );
        if let (Ok(p), Ok(a)) = (&proxy, &parsed) {
            assert_eq!(p.as_smtp(), Some(a));
            assert_eq!(p.is_primary_smtp(), prefix == "SMTP");
        }
    }
});
