//! Finding where a JSON object ends without parsing it: the nesting of `{`/`[` and `}`/`]`
//! outside strings is followed across the chunks of a buffered reader.
//!
//! Most of the text is read 64 bytes at a time: a mask of the block's quotes says which bytes
//! are inside strings (a running XOR of the quote bits), and only the brackets outside strings
//! are looked at one by one. A block with a backslash in it (an escape, rare in exports) is read
//! byte by byte, as is the short end of a chunk.

const ONES: u64 = 0x0101_0101_0101_0101;
const LOWS: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The high bit of every byte of `x` equal to `byte`, exactly.
fn equal_bytes(x: u64, byte: u8) -> u64 {
    let y = x ^ (ONES * u64::from(byte));
    !(((y & LOWS) + LOWS) | y | LOWS)
}

/// The eight flags of [`equal_bytes`] as eight bits (byte `i` as bit `i`).
fn flags_to_bits(flags: u64) -> u64 {
    ((flags >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// The positions of the bytes of one block that the scan looks at, one bit per byte.
#[derive(Debug, Default, PartialEq, Eq)]
struct Masks {
    quotes: u64,
    /// `{`, `}`, `[` and `]`, and a few letters that share their bits (`y`, `Y`, `_`, DEL),
    /// which never stand outside strings in JSON and are told apart when met there.
    brackets: u64,
    /// Whether the block holds a backslash.
    backslash: bool,
}

impl Masks {
    fn of(block: &[u8; 64]) -> Masks {
        let mut m = Masks::default();
        let mut backslashes = 0;
        for (k, chunk) in block.chunks_exact(8).enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            let x = u64::from_le_bytes(w);
            let shift = 8 * k;
            m.quotes |= flags_to_bits(equal_bytes(x, b'"')) << shift;
            // The four brackets are 0x79 once the 0x20, 0x04 and 0x02 bits are set and cleared.
            let y = (x | (ONES * 0x20)) & (ONES * 0xF9);
            m.brackets |= flags_to_bits(equal_bytes(y, 0x79)) << shift;
            backslashes |= equal_bytes(x, b'\\');
        }
        m.backslash = backslashes != 0;
        m
    }
}

/// Each bit set when an odd number of bits at or below it are set in `x`.
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// The state of a scan through an object, carried from chunk to chunk.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ObjectScan {
    depth: u32,
    in_string: bool,
    /// The last byte read was a backslash inside a string.
    escaped: bool,
}

impl ObjectScan {
    /// The scan of an object whose `{` was just read.
    pub(crate) fn after_open() -> Self {
        ObjectScan {
            depth: 1,
            in_string: false,
            escaped: false,
        }
    }

    /// Reads `buf`, the next bytes of the object: the length of the object's end in it (up to
    /// and with the closing bracket), or `None` when it goes on after `buf`.
    pub(crate) fn scan(&mut self, buf: &[u8]) -> Option<usize> {
        let mut i = 0;
        while i < buf.len() {
            let block = buf
                .get(i..i + 64)
                .and_then(|b| <&[u8; 64]>::try_from(b).ok());
            match block {
                Some(block) if !self.escaped => {
                    let masks = Masks::of(block);
                    if !masks.backslash {
                        if let Some(end) = self.block(block, &masks) {
                            return Some(i + end);
                        }
                    } else if let Some(end) = self.bytes(block) {
                        return Some(i + end);
                    }
                    i += 64;
                }
                _ => {
                    let end = (i + 64).min(buf.len());
                    if let Some(found) = self.bytes(&buf[i..end]) {
                        return Some(i + found);
                    }
                    i = end;
                }
            }
        }
        None
    }

    /// A block without backslashes, by its masks.
    fn block(&mut self, block: &[u8; 64], masks: &Masks) -> Option<usize> {
        let mut inside = prefix_xor(masks.quotes);
        if self.in_string {
            inside = !inside;
        }
        let mut brackets = masks.brackets & !inside;
        while brackets != 0 {
            let bit = brackets.trailing_zeros() as usize;
            if self.closes(block[bit]) {
                return Some(bit + 1);
            }
            brackets &= brackets - 1;
        }
        self.in_string = inside >> 63 == 1;
        None
    }

    /// Follows a byte outside strings: whether it closes the object.
    fn closes(&mut self, b: u8) -> bool {
        match b {
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                return self.depth == 0;
            }
            _ => {}
        }
        false
    }

    /// Bytes read one by one.
    fn bytes(&mut self, buf: &[u8]) -> Option<usize> {
        for (i, &b) in buf.iter().enumerate() {
            if self.escaped {
                self.escaped = false;
            } else if self.in_string {
                match b {
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
            } else if b == b'"' {
                self.in_string = true;
            } else if self.closes(b) {
                return Some(i + 1);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The end of the object at the start of `text` (after its `{`), read byte by byte or in
    /// chunks of `chunk` bytes.
    fn end(text: &[u8], chunk: usize) -> Option<usize> {
        let mut scan = ObjectScan::after_open();
        let mut at = 1;
        for piece in text[1..].chunks(chunk) {
            if let Some(end) = scan.scan(piece) {
                return Some(at + end);
            }
            at += piece.len();
        }
        None
    }

    #[test]
    fn bits_are_exact_and_in_order() {
        let mut block = [b'a'; 64];
        for i in [0, 7, 8, 9, 31, 62, 63] {
            block[i] = b'"';
        }
        block[1] = 0x22 ^ 0x80; // not a quote
        block[2] = b'[';
        block[3] = b'}';
        block[4] = b'y';
        let m = Masks::of(&block);
        let quotes: Vec<u32> = (0..64).filter(|i| m.quotes >> i & 1 == 1).collect();
        assert_eq!(quotes, [0, 7, 8, 9, 31, 62, 63]);
        // The brackets, and the letter that shares their bits.
        assert_eq!(m.brackets, 0b11100);
        assert!(!m.backslash);
        block[40] = b'\\';
        assert!(Masks::of(&block).backslash);
        assert_eq!(prefix_xor(0b1001), 0b0111);
    }

    #[test]
    fn finds_the_end_as_the_byte_reader_does() {
        let mut texts: Vec<Vec<u8>> = vec![
            br#"{"a":1}"#.to_vec(),
            br#"{"a":"}","b":[{"c":"\"}"}],"d":"\\"} trailing"#.to_vec(),
            br#"{"a":"x\\\"}\\"}"#.to_vec(),
            b"{\"unclosed\":[1,2".to_vec(),
            // Letters that share the brackets' bits, outside strings (not JSON, still scanned).
            b"{\"a\": y, \"b\": [Y, _], \"c\": {\"d\": \"]}\"}, \x7f}".to_vec(),
        ];
        // Long records whose strings, escapes and brackets fall across 64-byte blocks and
        // chunk boundaries at every offset.
        for pad in 0..70 {
            let filler = "x".repeat(pad);
            texts.push(
                format!(
                    "{{\"k{filler}\": \"{{[{filler}\\\"]}}\", \"l\": [{{\"m\": \"{filler}\\\\\"}}], \"n\": \"{filler}\"}}, {{}}"
                )
                .into_bytes(),
            );
        }
        for text in &texts {
            let expected = end(text, 1);
            for chunk in [2, 3, 63, 64, 65, 100, 4096] {
                assert_eq!(
                    end(text, chunk),
                    expected,
                    "{}",
                    String::from_utf8_lossy(text)
                );
            }
        }
        assert_eq!(end(br#"{"a":1}"#, 4096), Some(7));
        assert_eq!(end(b"{\"unclosed\":[1,2", 4096), None);
        // The object ends before the trailing text.
        let long = &texts[10];
        let stop = end(long, 4096).unwrap_or_default();
        assert!(long[..stop].ends_with(b"\"}"));
        assert!(serde_json::from_slice::<serde_json::Value>(&long[..stop]).is_ok());
    }
}
