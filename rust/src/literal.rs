//! Parsing a text as a literal, for reads without a default.
//!
//! Mirrors `hyperparameter._values.parse_literal`: `true`/`false`/`none`/
//! `null`/`~` in any case, otherwise the subset of Python literals this crate
//! can represent (integers, floats, quoted strings, `True`/`False`/`None`, and
//! lists of those); anything else stays exactly the text it was.

use crate::text::py_strip;
use crate::value::Value;

/// Deeper nesting than this is treated as plain text (Python gives up at 200).
const MAX_DEPTH: usize = 100;

/// Parses `text` as a literal, or returns it unchanged as a string.
pub(crate) fn parse_literal(text: &str) -> Value {
    let stripped = py_strip(text);
    match stripped.to_lowercase().as_str() {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "none" | "null" | "~" => return Value::Null,
        _ => {}
    }
    let mut parser = Parser {
        chars: stripped.chars().collect(),
        pos: 0,
        depth: 0,
    };
    parser.skip_blank_lines();
    if parser.indented_after_blank_lines() {
        return Value::Str(text.to_owned());
    }
    match parser.value() {
        Some(value) if parser.at_end() => value,
        _ => Value::Str(text.to_owned()),
    }
}

/// A number token before its sign is applied; wide enough for `-2**63`.
enum Number {
    Int(i128),
    Float(f64),
}

impl Number {
    /// The signed value; an integer beyond `i64` has no [`Value`] and fails.
    fn into_value(self, negative: bool) -> Option<Value> {
        match self {
            Self::Int(i) => i64::try_from(if negative { -i } else { i })
                .ok()
                .map(Value::Int),
            Self::Float(f) => Some(Value::Float(if negative { -f } else { f })),
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    /// Skips blanks, comments and `\`-newline continuations; newlines only
    /// inside brackets, as Python's tokenizer does within one logical line.
    fn skip_blank(&mut self) {
        self.skip(self.depth > 0);
    }

    /// Also skips newlines: blank and comment lines may surround the literal.
    fn skip_blank_lines(&mut self) {
        self.skip(true);
    }

    fn skip(&mut self, newlines: bool) {
        while let Some(c) = self.peek() {
            match c {
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n' && c != '\r') {
                        self.pos += 1;
                    }
                }
                ' ' | '\t' | '\x0c' => self.pos += 1,
                '\n' | '\r' if newlines => self.pos += 1,
                '\\' if matches!(self.peek_at(1), Some('\n' | '\r')) => {
                    self.pos += 2;
                    if c == '\r' && self.peek() == Some('\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// Python refuses a literal that starts on an indented line after blank
    /// or comment lines ("unexpected indent").
    fn indented_after_blank_lines(&self) -> bool {
        let before = &self.chars[..self.pos];
        match before.iter().rposition(|&c| c == '\n' || c == '\r') {
            Some(newline) => {
                newline + 1 < self.pos && (newline == 0 || before[newline - 1] != '\\')
            }
            None => false,
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_blank_lines();
        self.pos == self.chars.len()
    }

    fn value(&mut self) -> Option<Value> {
        self.skip_blank();
        match self.peek()? {
            '[' => self.list(),
            '(' => self.parenthesized(),
            '+' | '-' => {
                let negative = self.peek() == Some('-');
                self.pos += 1;
                self.signed_operand()?.into_value(negative)
            }
            c if c.is_ascii_digit()
                || (c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                self.number()?.into_value(false)
            }
            c if c == '\'' || c == '"' || c.is_alphabetic() || c == '_' => self.word_or_string(),
            _ => None,
        }
    }

    /// What a `+`/`-` may apply to: a number, possibly in parentheses.
    fn signed_operand(&mut self) -> Option<Number> {
        self.skip_blank();
        if self.peek()? != '(' {
            return self.number();
        }
        self.pos += 1;
        self.nested(|p| {
            let number = p.signed_operand()?;
            p.skip_blank();
            (p.peek()? == ')').then(|| {
                p.pos += 1;
                number
            })
        })
    }

    fn nested<T>(&mut self, parse: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn list(&mut self) -> Option<Value> {
        self.pos += 1; // '['
        self.nested(|p| {
            let mut items = Vec::new();
            loop {
                p.skip_blank();
                if p.peek()? == ']' {
                    p.pos += 1;
                    return Some(Value::List(items));
                }
                items.push(p.value()?);
                p.skip_blank();
                match p.peek()? {
                    ',' => p.pos += 1,
                    ']' => {}
                    _ => return None,
                }
            }
        })
    }

    /// `(x)` is `x`; a tuple has no counterpart in [`Value`], so it stays text.
    fn parenthesized(&mut self) -> Option<Value> {
        self.pos += 1; // '('
        self.nested(|p| {
            let value = p.value()?;
            p.skip_blank();
            (p.peek()? == ')').then(|| {
                p.pos += 1;
                value
            })
        })
    }

    /// A Python number token; complex numbers have no counterpart and fail.
    fn number(&mut self) -> Option<Number> {
        if self.peek() == Some('0') && self.peek_at(1).is_some_and(|c| "xXoObB".contains(c)) {
            let radix = match self.peek_at(1)?.to_ascii_lowercase() {
                'x' => 16,
                'o' => 8,
                _ => 2,
            };
            self.pos += 2;
            let digits = self.digit_part(radix, true)?;
            return self.end_of_number(i128::from_str_radix(&digits, radix).ok().map(Number::Int));
        }
        let whole = if self.peek() == Some('.') {
            String::new()
        } else {
            self.digit_part(10, false)?
        };
        let mut is_float = false;
        // Rebuilt without underscores, and with digits on both sides of the
        // point, so that Rust's parser reads exactly what Python's would.
        let mut text = if whole.is_empty() {
            "0".to_owned()
        } else {
            whole.clone()
        };
        if self.peek() == Some('.') {
            self.pos += 1;
            is_float = true;
            text.push('.');
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                text.push_str(&self.digit_part(10, false)?);
            } else if whole.is_empty() {
                return None;
            } else {
                text.push('0');
            }
        }
        if self.peek().is_some_and(|c| c == 'e' || c == 'E') {
            let sign = self.peek_at(1).filter(|c| *c == '+' || *c == '-');
            let first_digit = self.peek_at(1 + usize::from(sign.is_some()));
            if first_digit.is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1 + usize::from(sign.is_some());
                is_float = true;
                text.push('e');
                text.extend(sign);
                text.push_str(&self.digit_part(10, false)?);
            }
        }
        if is_float {
            return self.end_of_number(text.parse().ok().map(Number::Float));
        }
        // Python refuses leading zeros in a decimal integer ("007"), but not "00".
        if whole.len() > 1 && whole.starts_with('0') && whole.chars().any(|c| c != '0') {
            return None;
        }
        self.end_of_number(whole.parse().ok().map(Number::Int))
    }

    /// Digits of `radix` with single underscores between them (a leading one
    /// is allowed after a `0x`-style prefix), without the underscores.
    fn digit_part(&mut self, radix: u32, after_prefix: bool) -> Option<String> {
        let mut digits = String::new();
        let mut previous_underscore = after_prefix;
        let mut allow_underscore = after_prefix;
        while let Some(c) = self.peek() {
            if c == '_' && allow_underscore && self.peek_at(1).is_some_and(|d| d.is_digit(radix)) {
                previous_underscore = true;
                allow_underscore = false;
            } else if c.is_digit(radix) {
                digits.push(c);
                previous_underscore = false;
                allow_underscore = true;
            } else {
                break;
            }
            self.pos += 1;
        }
        (!digits.is_empty() && !previous_underscore).then_some(digits)
    }

    /// A number must not run into a name (`1abc`, `1j`); Python rejects those.
    fn end_of_number(&self, value: Option<Number>) -> Option<Number> {
        if self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            None
        } else {
            value
        }
    }

    /// `True`, `False`, `None`, or one or more adjacent string literals.
    fn word_or_string(&mut self) -> Option<Value> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        if !matches!(self.peek(), Some('\'' | '"')) {
            return match word.as_str() {
                "True" => Some(Value::Bool(true)),
                "False" => Some(Value::Bool(false)),
                "None" => Some(Value::Null),
                _ => None,
            };
        }
        let mut text = String::new();
        let mut prefix = word;
        loop {
            let raw = match prefix.to_ascii_lowercase().as_str() {
                "" | "u" => false,
                "r" => true,
                _ => return None, // bytes and f-strings are no plain strings
            };
            text.push_str(&self.string_body(raw)?);
            self.skip_blank();
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some('\'' | '"')) {
                self.pos = start;
                return Some(Value::Str(text));
            }
            prefix = self.chars[start..self.pos].iter().collect();
        }
    }

    fn string_body(&mut self, raw: bool) -> Option<String> {
        let quote = self.peek()?;
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            if c == quote
                && (!triple || (self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote)))
            {
                self.pos += if triple { 3 } else { 1 };
                return Some(out);
            }
            if (c == '\n' || c == '\r') && !triple {
                return None;
            }
            self.pos += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let next = self.peek()?;
            self.pos += 1;
            if raw {
                out.push('\\');
                out.push(next);
                continue;
            }
            match next {
                '\n' => {}
                '\r' => {
                    if self.peek() == Some('\n') {
                        self.pos += 1;
                    }
                }
                '\\' | '\'' | '"' => out.push(next),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'v' => out.push('\x0b'),
                '0'..='7' => {
                    let mut code = next.to_digit(8)?;
                    for _ in 0..2 {
                        match self.peek().and_then(|d| d.to_digit(8)) {
                            Some(d) => {
                                code = code * 8 + d;
                                self.pos += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(char::from_u32(code)?);
                }
                'x' => out.push(self.hex_escape(2)?),
                'u' => out.push(self.hex_escape(4)?),
                'U' => out.push(self.hex_escape(8)?),
                // Named escapes (\N{...}) are not supported; keep the text.
                'N' => return None,
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    fn hex_escape(&mut self, len: usize) -> Option<char> {
        let digits: String = self.chars.get(self.pos..self.pos + len)?.iter().collect();
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += len;
        char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::Str(text.to_owned())
    }

    #[test]
    fn scalars() {
        assert_eq!(parse_literal(" 42 "), Value::Int(42));
        assert_eq!(parse_literal("-0x1_F"), Value::Int(-31));
        assert_eq!(parse_literal("1_000.5"), Value::Float(1000.5));
        assert_eq!(parse_literal("1e3"), Value::Float(1000.0));
        assert_eq!(parse_literal(".5"), Value::Float(0.5));
        assert_eq!(parse_literal("5."), Value::Float(5.0));
        assert_eq!(parse_literal("- 5"), Value::Int(-5));
        assert_eq!(parse_literal("TRUE"), Value::Bool(true));
        assert_eq!(parse_literal("~"), Value::Null);
        assert_eq!(parse_literal("(7)"), Value::Int(7));
        assert_eq!(parse_literal("5 # five"), Value::Int(5));
    }

    #[test]
    fn strings() {
        assert_eq!(parse_literal("'a b'"), s("a b"));
        assert_eq!(parse_literal(r#""tab\there""#), s("tab\there"));
        assert_eq!(parse_literal(r"'\x41\u00e9\101'"), s("Aé\u{41}"));
        assert_eq!(parse_literal(r"r'\d'"), s(r"\d"));
        assert_eq!(parse_literal("'a' \"b\""), s("ab"));
        assert_eq!(parse_literal("'''x'y'''"), s("x'y"));
    }

    #[test]
    fn lists() {
        assert_eq!(
            parse_literal("[1, 'a', 2.5, [True, None],]"),
            Value::List(vec![
                Value::Int(1),
                s("a"),
                Value::Float(2.5),
                Value::List(vec![Value::Bool(true), Value::Null]),
            ])
        );
        assert_eq!(
            parse_literal("[\n1,\n2\n]"),
            Value::List(vec![Value::Int(1), Value::Int(2)])
        );
    }

    #[test]
    fn everything_else_stays_text() {
        for text in [
            "007",
            "1abc",
            "1j",
            "inf",
            "nan",
            "[true]",
            "b'x'",
            "f'x'",
            "1+2",
            "--5",
            "(1, 2)",
            "{'a': 1}",
            "hello world",
            "1.2.3",
            "'open",
            "[1, 2",
            "-True",
        ] {
            assert_eq!(parse_literal(text), s(text), "{text:?}");
        }
        assert_eq!(parse_literal(&"[".repeat(500)), s(&"[".repeat(500)));
    }
}
