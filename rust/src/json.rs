//! A small JSON reader and writer for `HYPERPARAMETER_PARAMS` and the
//! conformance files.
//!
//! Standard JSON, plus the `NaN`, `Infinity` and `-Infinity` tokens that
//! Python's `json` module reads and writes. Numbers without a fraction or an
//! exponent are integers; integers beyond `i64` keep their digits as text.

use std::fmt::Write as _;

/// A parsed JSON document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer too large for `i64`, as its digits.
    BigInt(String),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Parses a whole document (surrounding whitespace allowed).
pub(crate) fn parse(text: &str) -> Result<Json, String> {
    let (value, end) = parse_prefix(text, 0)?;
    let rest = skip_ws(text.as_bytes(), end);
    if rest == text.len() {
        Ok(value)
    } else {
        Err(format!(
            "unexpected text after the JSON value at byte {rest}"
        ))
    }
}

/// Parses one value starting at byte `start` (after optional whitespace);
/// returns it and the byte offset just past it.
pub(crate) fn parse_prefix(text: &str, start: usize) -> Result<(Json, usize), String> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: start,
        depth: 0,
    };
    let value = reader.value()?;
    Ok((value, reader.pos))
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t' | b'\n' | b'\r') {
        pos += 1;
    }
    pos
}

const MAX_DEPTH: usize = 128;

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Reader<'_> {
    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.pos)
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.text[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.pos = skip_ws(self.bytes, self.pos);
        let Some(&byte) = self.bytes.get(self.pos) else {
            return Err(self.error("expected a JSON value, found the end of the text"));
        };
        match byte {
            b'{' => self.nested(Self::object),
            b'[' => self.nested(Self::array),
            b'"' => self.string().map(Json::Str),
            b'-' | b'0'..=b'9' => self.number(),
            _ if self.eat("true") => Ok(Json::Bool(true)),
            _ if self.eat("false") => Ok(Json::Bool(false)),
            _ if self.eat("null") => Ok(Json::Null),
            _ if self.eat("NaN") => Ok(Json::Float(f64::NAN)),
            _ if self.eat("Infinity") => Ok(Json::Float(f64::INFINITY)),
            _ => Err(self.error("expected a JSON value")),
        }
    }

    fn nested(&mut self, parse: fn(&mut Self) -> Result<Json, String>) -> Result<Json, String> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        self.depth += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn object(&mut self) -> Result<Json, String> {
        self.pos += 1;
        let mut members = Vec::new();
        self.pos = skip_ws(self.bytes, self.pos);
        if self.eat("}") {
            return Ok(Json::Object(members));
        }
        loop {
            self.pos = skip_ws(self.bytes, self.pos);
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.pos = skip_ws(self.bytes, self.pos);
            if !self.eat(":") {
                return Err(self.error("expected ':'"));
            }
            let value = self.value()?;
            members.push((key, value));
            self.pos = skip_ws(self.bytes, self.pos);
            if self.eat("}") {
                return Ok(Json::Object(members));
            }
            if !self.eat(",") {
                return Err(self.error("expected ',' or '}'"));
            }
        }
    }

    fn array(&mut self) -> Result<Json, String> {
        self.pos += 1;
        let mut items = Vec::new();
        self.pos = skip_ws(self.bytes, self.pos);
        if self.eat("]") {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.pos = skip_ws(self.bytes, self.pos);
            if self.eat("]") {
                return Ok(Json::Array(items));
            }
            if !self.eat(",") {
                return Err(self.error("expected ',' or ']'"));
            }
        }
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.pos;
        if self.eat("-Infinity") {
            return Ok(Json::Float(f64::NEG_INFINITY));
        }
        self.eat("-");
        let digits = |r: &mut Self| {
            let from = r.pos;
            while r.bytes.get(r.pos).is_some_and(u8::is_ascii_digit) {
                r.pos += 1;
            }
            r.pos - from
        };
        let int_start = self.pos;
        let int_len = digits(self);
        if int_len == 0 || (int_len > 1 && self.bytes[int_start] == b'0') {
            return Err(self.error("malformed number"));
        }
        let mut is_float = false;
        if self.eat(".") {
            is_float = true;
            if digits(self) == 0 {
                return Err(self.error("expected digits after '.'"));
            }
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            is_float = true;
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("expected digits in the exponent"));
            }
        }
        let text = &self.text[start..self.pos];
        if is_float {
            text.parse()
                .map(Json::Float)
                .map_err(|_| self.error("malformed number"))
        } else {
            Ok(text
                .parse()
                .map_or_else(|_| Json::BigInt(text.to_owned()), Json::Int))
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("short \\u escape"))?;
        let code =
            u32::from_str_radix(digits, 16).map_err(|_| self.error("malformed \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error("malformed \\u escape"));
        }
        self.pos += 4;
        Ok(code)
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match self.bytes.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = *self
                        .bytes
                        .get(self.pos)
                        .ok_or_else(|| self.error("unterminated string"))?;
                    self.pos += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\x08'),
                        b'f' => out.push('\x0c'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xd800..0xdc00).contains(&code) && self.eat("\\u") {
                                let low = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&low) {
                                    return Err(self.error("unpaired surrogate in \\u escape"));
                                }
                                code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                            }
                            out.push(
                                char::from_u32(code).ok_or_else(|| {
                                    self.error("unpaired surrogate in \\u escape")
                                })?,
                            );
                        }
                        _ => return Err(self.error("unknown escape")),
                    }
                }
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }
}

/// Appends `text` as a JSON string.
pub(crate) fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `value` as a JSON number that reads back as a float.
pub(crate) fn write_float(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        // `{:?}` is the shortest text that reads back exactly, always with a
        // '.' or an exponent, so the reader sees a float again.
        let _ = write!(out, "{value:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_python_json() {
        let doc = r#" {"a.b": 1, "c": 2.5, "d": "x\u00e9\ud83d\ude00", "e": [true, null, -1e-3], "f": NaN, "g": -Infinity, "h": 123456789012345678901} "#;
        let Json::Object(members) = parse(doc).unwrap() else {
            panic!()
        };
        assert_eq!(members[0], ("a.b".to_owned(), Json::Int(1)));
        assert_eq!(members[1].1, Json::Float(2.5));
        assert_eq!(members[2].1, Json::Str("xé😀".to_owned()));
        assert_eq!(
            members[3].1,
            Json::Array(vec![Json::Bool(true), Json::Null, Json::Float(-0.001)])
        );
        assert!(matches!(members[4].1, Json::Float(f) if f.is_nan()));
        assert_eq!(members[5].1, Json::Float(f64::NEG_INFINITY));
        assert_eq!(
            members[6].1,
            Json::BigInt("123456789012345678901".to_owned())
        );
    }

    #[test]
    fn rejects_malformed_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "01",
            "1.",
            "\"\\x\"",
            "{\"a\" 1}",
            "[1] 2",
            "\"\\ud800\"",
            "tru",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn writes_floats_that_read_back_as_floats() {
        for value in [1.0, 0.1, 1e-7, 1e300, -0.0, 123_456.789] {
            let mut out = String::new();
            write_float(&mut out, value);
            assert_eq!(parse(&out), Ok(Json::Float(value)), "{out}");
        }
    }

    #[test]
    fn strings_round_trip() {
        let text = "quote \" backslash \\ newline \n bell \x07 é";
        let mut out = String::new();
        write_string(&mut out, text);
        assert_eq!(parse(&out), Ok(Json::Str(text.to_owned())));
    }
}
