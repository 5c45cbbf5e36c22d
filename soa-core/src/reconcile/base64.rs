//! Base64 as LDIF uses it (RFC 4648 standard alphabet, through the `base64` crate), and the
//! byte order of GUIDs in binary AD attributes such as `msExchMailboxGuid`.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The standard alphabet; padding written, and accepted or not when read (ldifde pads, hand
/// edits may not).
const LDIF: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes `bytes` as padded base64.
pub(crate) fn encode(bytes: &[u8]) -> String {
    LDIF.encode(bytes)
}

/// Decodes padded (or unpadded) base64; `None` when the text is not base64.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    LDIF.decode(text).ok()
}

/// A GUID's 16 bytes in Active Directory's order (the first three groups little-endian) as
/// the usual `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` text; `None` unless there are 16 bytes.
pub(crate) fn guid_from_bytes(b: &[u8]) -> Option<String> {
    if b.len() != 16 {
        return None;
    }
    Some(format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3],
        b[2],
        b[1],
        b[0],
        b[5],
        b[4],
        b[7],
        b[6],
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    ))
}

/// The inverse of [`guid_from_bytes`]: `None` unless `text` is a GUID (braces allowed).
pub(crate) fn guid_to_bytes(text: &str) -> Option<[u8; 16]> {
    let t = text.trim().trim_start_matches('{').trim_end_matches('}');
    let groups: Vec<&str> = t.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    if groups.len() != 5 || groups.iter().zip(lens).any(|(g, l)| g.len() != l) {
        return None;
    }
    let hex: String = groups.concat();
    let mut raw = [0u8; 16];
    for (i, slot) in raw.iter_mut().enumerate() {
        *slot = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some([
        raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6], raw[8], raw[9], raw[10],
        raw[11], raw[12], raw[13], raw[14], raw[15],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            let e = encode(s.as_bytes());
            assert_eq!(decode(&e).as_deref(), Some(s.as_bytes()));
        }
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert!(decode("Zm9v!").is_none());
    }

    #[test]
    fn guids_use_ad_byte_order() {
        let g = "00112233-4455-6677-8899-aabbccddeeff";
        let b = guid_to_bytes(g).unwrap();
        assert_eq!(b[0], 0x33);
        assert_eq!(guid_from_bytes(&b).as_deref(), Some(g));
        assert!(guid_to_bytes("not-a-guid").is_none());
    }
}
