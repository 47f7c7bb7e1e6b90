//! Where JSON text breaks JSON's grammar, found as `serde_json` finds it: what is
//! wrong, in its words, and the line and column. The npm package reads JSON text with
//! the host's `JSON.parse`, whose errors are worded by each host and placed by some
//! only as an offset or not at all; the module carries no JSON reader of its own
//! (docs/decisions/0001). So when `JSON.parse` refuses a text, the package asks this
//! scanner, and its `invalidJson` message is the one given natively for the same
//! text: `EOF while parsing an object (line 1, column 1)`.
//!
//! In this crate, built for size: it runs once per text refused.
//!
//! The scanner follows `serde_json` 1.0's reader step by step (`de.rs`: values,
//! `has_next_element`, `has_next_key`, `parse_object_colon`, `end`; `read.rs`:
//! strings, escapes and their surrogates, `decode_hex_escape`), and its tests check
//! it against that reader on generated texts. Not followed: a number out of range
//! (`JSON.parse` takes it; the package refuses it after) and the reader's limit of
//! 128 levels of nesting (the package refuses deeper input after `JSON.parse` too).
//! Lists and objects are followed with a stack of their own, not by recursion.

/// What is wrong with a JSON text and where: `serde_json`'s words, its line (from
/// 1) and its column (in bytes; that of the last character when the text ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonSyntaxError {
    pub what: &'static str,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for JsonSyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (line {}, column {})", self.what, self.line, self.column)
    }
}

/// The first place `text` breaks JSON's grammar, or `None` for JSON text.
pub fn first_error(text: &[u8]) -> Option<JsonSyntaxError> {
    let mut s = Scan { b: text, i: 0 };
    let (end, what) = s.document().err()?;
    // As serde_json places an error: the line and column of the byte before `end`.
    let before = text.get(..end).unwrap_or(text);
    let line = 1 + before.iter().filter(|c| **c == b'\n').count();
    let column = before.iter().rposition(|c| *c == b'\n').map_or(end, |nl| end - nl - 1);
    Some(JsonSyntaxError { what, line, column })
}

/// Where an error is (the index just after the byte it is about, or the text's
/// length when the text ends), and its words.
type Failure = (usize, &'static str);

const EOF_VALUE: &str = "EOF while parsing a value";
const EOF_STRING: &str = "EOF while parsing a string";

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// An error about the byte at the scan (serde_json's `peek_error`).
    fn at_peek(&self, what: &'static str) -> Failure {
        ((self.i + 1).min(self.b.len()), what)
    }

    /// An error about the byte just read (serde_json's `error`).
    fn at_read(&self, what: &'static str) -> Failure {
        (self.i.min(self.b.len()), what)
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        if c.is_some() {
            self.i += 1;
        }
        c
    }

    /// Skips whitespace; the byte after it.
    fn ws(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
        self.peek()
    }

    fn document(&mut self) -> Result<(), Failure> {
        // For each list and object open, whether it is an object.
        let mut open: Vec<bool> = Vec::new();
        'value: loop {
            match self.ws() {
                None => return Err(self.at_peek(EOF_VALUE)),
                Some(b'n') => self.ident(b"null")?,
                Some(b't') => self.ident(b"true")?,
                Some(b'f') => self.ident(b"false")?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b'"') => self.string()?,
                Some(c @ (b'[' | b'{')) => {
                    self.i += 1;
                    let object = c == b'{';
                    match (self.ws(), object) {
                        (None, false) => return Err(self.at_peek("EOF while parsing a list")),
                        (None, true) => return Err(self.at_peek("EOF while parsing an object")),
                        (Some(b']'), false) | (Some(b'}'), true) => self.i += 1,
                        (Some(_), false) => {
                            open.push(false);
                            continue 'value;
                        }
                        (Some(b'"'), true) => {
                            open.push(true);
                            self.key()?;
                            continue 'value;
                        }
                        (Some(_), true) => return Err(self.at_peek("key must be a string")),
                    }
                }
                Some(_) => return Err(self.at_peek("expected value")),
            }
            // A value ended: the lists and objects it closes, then a comma.
            loop {
                let Some(&object) = open.last() else {
                    return match self.ws() {
                        None => Ok(()),
                        Some(_) => Err(self.at_peek("trailing characters")),
                    };
                };
                let (close, eof, comma_or_end) = match object {
                    false => (b']', "EOF while parsing a list", "expected `,` or `]`"),
                    true => (b'}', "EOF while parsing an object", "expected `,` or `}`"),
                };
                match self.ws() {
                    None => return Err(self.at_peek(eof)),
                    Some(c) if c == close => {
                        self.i += 1;
                        open.pop();
                    }
                    Some(b',') => {
                        self.i += 1;
                        match (self.ws(), object) {
                            (None, _) => return Err(self.at_peek(EOF_VALUE)),
                            (Some(c), _) if c == close => return Err(self.at_peek("trailing comma")),
                            (Some(_), false) => continue 'value,
                            (Some(b'"'), true) => {
                                self.key()?;
                                continue 'value;
                            }
                            (Some(_), true) => return Err(self.at_peek("key must be a string")),
                        }
                    }
                    Some(_) => return Err(self.at_peek(comma_or_end)),
                }
            }
        }
    }

    /// A key (the scan at its quote) and its colon.
    fn key(&mut self) -> Result<(), Failure> {
        self.string()?;
        match self.ws() {
            Some(b':') => {
                self.i += 1;
                Ok(())
            }
            Some(_) => Err(self.at_peek("expected `:`")),
            None => Err(self.at_peek("EOF while parsing an object")),
        }
    }

    /// `null`, `true` or `false`, the scan at its first letter.
    fn ident(&mut self, word: &[u8]) -> Result<(), Failure> {
        self.i += 1;
        for want in word.iter().skip(1) {
            match self.next() {
                None => return Err(self.at_read(EOF_VALUE)),
                Some(c) if c == *want => {}
                Some(_) => return Err(self.at_read("expected ident")),
            }
        }
        Ok(())
    }

    /// At least one digit; at the first byte that is not one, `invalid number`.
    fn digits(&mut self) -> Result<(), Failure> {
        match self.peek() {
            Some(b'0'..=b'9') => {}
            Some(_) => return Err(self.at_peek("invalid number")),
            None => return Err(self.at_peek(EOF_VALUE)),
        }
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        Ok(())
    }

    fn number(&mut self) -> Result<(), Failure> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.next() {
            None => return Err(self.at_read(EOF_VALUE)),
            Some(b'0') => {
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.at_peek("invalid number"));
                }
            }
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.i += 1;
                }
            }
            Some(_) => return Err(self.at_read("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.digits()?;
        }
        Ok(())
    }

    /// Four hex digits: read, then judged.
    fn hex(&mut self) -> Result<u16, Failure> {
        let Some(hex) = self.b.get(self.i..self.i + 4) else {
            self.i = self.b.len();
            return Err(self.at_read(EOF_STRING));
        };
        self.i += 4;
        std::str::from_utf8(hex)
            .ok()
            .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
            .and_then(|h| u16::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.at_read("invalid escape"))
    }

    /// A `\u` escape after its `u`, surrogates checked as serde_json checks them in
    /// text it reads.
    fn unicode_escape(&mut self) -> Result<(), Failure> {
        const LONE: &str = "lone leading surrogate in hex escape";
        const UNEXPECTED_END: &str = "unexpected end of hex escape";
        let n = self.hex()?;
        if (0xDC00..=0xDFFF).contains(&n) {
            return Err(self.at_read(LONE));
        }
        if !(0xD800..=0xDBFF).contains(&n) {
            return Ok(());
        }
        // A leading surrogate: a trailing one must follow, as `\u` and four digits.
        for want in [b'\\', b'u'] {
            match self.next() {
                None => return Err(self.at_read(EOF_STRING)),
                Some(c) if c == want => {}
                Some(_) => return Err(self.at_read(UNEXPECTED_END)),
            }
        }
        match self.hex()? {
            0xDC00..=0xDFFF => Ok(()),
            _ => Err(self.at_read(LONE)),
        }
    }

    /// A string, the scan at its opening quote.
    fn string(&mut self) -> Result<(), Failure> {
        self.i += 1;
        loop {
            match self.next() {
                None => return Err(self.at_read(EOF_STRING)),
                Some(b'"') => return Ok(()),
                Some(b'\\') => match self.next() {
                    None => return Err(self.at_read(EOF_STRING)),
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                    Some(b'u') => self.unicode_escape()?,
                    Some(_) => return Err(self.at_read("invalid escape")),
                },
                Some(0..=0x1f) => {
                    return Err(self.at_read("control character (\\u0000-\\u001F) found while parsing a string"))
                }
                Some(_) => {}
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The scanner says of `text` what serde_json's reader says, in its words and
    /// at its place; or nothing, when that reader reads it.
    fn same(text: &str) {
        let theirs = serde_json::from_str::<serde_json::Value>(text).err();
        let ours = first_error(text.as_bytes());
        match (&theirs, &ours) {
            (None, None) => {}
            (Some(e), _) if e.to_string().starts_with("number out of range") => {}
            (Some(e), _) if e.to_string().starts_with("recursion limit") => {}
            (Some(e), Some(o)) => assert_eq!(crate::error::json_syntax(e), o.to_string(), "{text:?}"),
            _ => panic!("{text:?}: serde_json {theirs:?}, the scanner {ours:?}"),
        }
    }

    #[test]
    fn places_errors_where_serde_json_does() {
        for text in [
            "",
            "{",
            "{\"schema\": ",
            "not json",
            "{\n  \"id\": 1,,\n}",
            "{\n  \"a\": \"\u{e9}\u{1}\"}",
            "[1, 2",
            "{\"a\": 1,}",
            "{\"a\" 1}",
            "{\"a\": tru}",
            "{\"a\": 1} x",
            "\n\n  \"\\q\"",
            "{\"\u{e9}\": -}",
            "-",
            "[-x]",
            "[01]",
            "[1.]",
            "[1.e5]",
            "[1e]",
            "[1e+]",
            "[1e+x]",
            "[-]",
            "[\"a\\",
            "[\"\\u12",
            "[\"\\u12\"]",
            "[nul]",
            "[nulx]",
            "[truex]",
            "{\"a\":1 \"b\":2}",
            "[1 2]",
            "{1:2}",
            "{\"a\":1,\"b\"}",
            "[1,]",
            "{,}",
            "[,1]",
            "\"\t\"",
            "{\"a\": [1, {\"b\": }]}",
            "[\"\\ud800\"]",
            "[\"\\udc00\"]",
            "[\"\\ud800\\n\"]",
            "[\"\\ud800\\u0041\"]",
            "[\"\\ud83d\\ude00\"]",
            "[\"\\ud800",
            "[\"\\ud800\\",
            "{\"a\":{}}",
            "[[], {}, [[]], \"x\", -0.5e-3, 1E+2, true, false, null]",
            "1",
            " 1 ",
            "{} {}",
            "\n",
            "{\n",
        ] {
            same(text);
        }
        assert_eq!(
            first_error(b"{\n  \"id\": 1,,\n}").map(|e| e.to_string()).as_deref(),
            Some("key must be a string (line 2, column 11)")
        );
    }

    #[test]
    fn deep_text_is_scanned_without_recursion() {
        let deep = "[".repeat(1_000_000);
        assert_eq!(first_error(deep.as_bytes()).map(|e| e.column), Some(1_000_000));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]
        #[test]
        fn places_generated_errors_where_serde_json_does(
            parts in proptest::collection::vec(prop_oneof![
                Just("{"), Just("}"), Just("["), Just("]"), Just(","), Just(":"), Just("\""), Just("\"a\""),
                Just("\"k\":"), Just("1"), Just("-"), Just("0"), Just("."), Just("e"), Just("+"), Just("12"),
                Just("true"), Just("tr"), Just("null"), Just("f"), Just(" "), Just("\n"), Just("\\"), Just("\\u"),
                Just("\\ud800"), Just("\\udc00"), Just("00"), Just("x"), Just("\t"), Just("\u{1}"), Just("\u{e9}"),
            ], 0..14)
        ) {
            same(&parts.concat());
        }
    }
}
