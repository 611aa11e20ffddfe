//! Text -> typed value conversion, following the rules of the Python package.
//!
//! Values that arrive as text (`-D key=value`, `HYPERPARAMETER_PARAMS`) are
//! converted at each read toward the type of the read's default. The rules are
//! those of `hyperparameter._values.convert_text`, which uses Python's `int()`,
//! `float()` and `str.strip()`; this module reproduces them without Python.

use std::fmt::Write as _;

/// Hint shown when a text is not a whole number.
pub(crate) const INT_HINT: &str = "write a whole number like 42";
/// Hint shown when a text is not a number.
pub(crate) const FLOAT_HINT: &str = "write a number like 0.001 or 1e-3";
/// Hint shown when a text is not a boolean.
pub(crate) const BOOL_HINT: &str = "use one of true/false, yes/no, on/off, 1/0";

/// Whether Python's `str.isspace()` holds for `c`.
///
/// Python counts U+001C..U+001F (the ASCII information separators) as
/// whitespace; Rust's `char::is_whitespace` does not. Otherwise they agree.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `text.strip()`.
pub(crate) fn py_strip(text: &str) -> &str {
    text.trim_matches(is_py_space)
}

/// Quotes `text` for an error message, as Python's `repr` of a `str` would.
pub(crate) fn quote(text: &str) -> String {
    let delimiter = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(delimiter);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == delimiter => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push(delimiter);
    out
}

/// The first code point of each run of ten Unicode decimal digits (category
/// Nd, Unicode 14, as in Python 3.11), so `int()`-style parsing accepts the same
/// digits Python's `int()` and `float()` accept, such as `'٣'` or `'４２'`.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// The value of `c` as a Unicode decimal digit.
fn decimal_value(c: char) -> Option<u8> {
    let code = u32::from(c);
    let index = DECIMAL_ZEROS.partition_point(|&zero| zero <= code);
    let zero = DECIMAL_ZEROS[index.checked_sub(1)?];
    u8::try_from(code - zero).ok().filter(|&d| d < 10)
}

/// Rewrites non-ASCII decimal digits to ASCII and non-ASCII whitespace to a
/// space, as `CPython` does before parsing a number; `None` if any other
/// non-ASCII character is present (no number can contain one).
fn to_ascii_number(text: &str) -> Option<String> {
    text.chars()
        .map(|c| {
            if c.is_ascii() {
                Some(c)
            } else if is_py_space(c) {
                Some(' ')
            } else {
                decimal_value(c).map(|d| char::from(b'0' + d))
            }
        })
        .collect()
}

/// Why a text is not an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntProblem {
    /// Not a whole number at all.
    Syntax,
    /// A whole number too large for 128 bits.
    Overflow,
}

/// Python's `int(text.strip())`: an optional sign, then decimal digits with
/// single underscores between them.
pub(crate) fn parse_int(text: &str) -> Result<i128, IntProblem> {
    let ascii = to_ascii_number(py_strip(text)).ok_or(IntProblem::Syntax)?;
    let bytes = ascii.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if !digits.first().is_some_and(u8::is_ascii_digit) || digits.last() == Some(&b'_') {
        return Err(IntProblem::Syntax);
    }
    let mut value: i128 = 0;
    let mut previous = b'0';
    for &byte in digits {
        match byte {
            b'0'..=b'9' => {
                let digit = i128::from(byte - b'0');
                value = value
                    .checked_mul(10)
                    .and_then(|v| {
                        if negative {
                            v.checked_sub(digit)
                        } else {
                            v.checked_add(digit)
                        }
                    })
                    .ok_or(IntProblem::Overflow)?;
            }
            b'_' if previous != b'_' => {}
            _ => return Err(IntProblem::Syntax),
        }
        previous = byte;
    }
    Ok(value)
}

/// Python's `float(text.strip())`: decimal notation, `inf`/`infinity`/`nan` in
/// any case, single underscores between digits; no hexadecimal.
pub(crate) fn parse_float(text: &str) -> Option<f64> {
    let ascii = to_ascii_number(py_strip(text))?;
    let mut cleaned = String::with_capacity(ascii.len());
    let mut previous = '\0';
    for c in ascii.chars() {
        if c == '_' {
            if !previous.is_ascii_digit() {
                return None;
            }
        } else {
            if previous == '_' && !c.is_ascii_digit() {
                return None;
            }
            cleaned.push(c);
        }
        previous = c;
    }
    if previous == '_' {
        return None;
    }
    // Rust's grammar for `f64` matches Python's `float()` once underscores and
    // surrounding whitespace are gone, except that Rust accepts a few spellings
    // Python refuses; rule those out first.
    let unsigned = cleaned.strip_prefix(['+', '-']).unwrap_or(&cleaned);
    let first = unsigned.chars().next()?;
    if !(first.is_ascii_digit()
        || first == '.'
        || first == 'i'
        || first == 'I'
        || first == 'n'
        || first == 'N')
    {
        return None;
    }
    cleaned.parse().ok()
}

/// Python's `text.strip().lower() in {true, yes, on, 1}` / `{false, no, off, 0}`.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match py_strip(text).to_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_follow_python() {
        assert_eq!(parse_int(" 42 "), Ok(42));
        assert_eq!(parse_int("-1_000"), Ok(-1000));
        assert_eq!(parse_int("007"), Ok(7));
        assert_eq!(parse_int("\u{ff14}\u{ff12}"), Ok(42));
        for bad in [
            "", "+", "1__0", "_1", "1_", "+_1", "1.0", "0x10", "1 2", "- 5",
        ] {
            assert_eq!(parse_int(bad), Err(IntProblem::Syntax), "{bad:?}");
        }
        assert_eq!(parse_int(&"9".repeat(60)), Err(IntProblem::Overflow));
    }

    #[test]
    fn floats_follow_python() {
        assert_eq!(parse_float("1_0.5"), Some(10.5));
        assert_eq!(parse_float("1e1_0"), Some(1e10));
        assert_eq!(parse_float("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_float("+nAn").is_some_and(f64::is_nan));
        for bad in ["", ".", "1._5", "1_e5", "0x10", "1e", "in_f", "infin", "e5"] {
            assert_eq!(parse_float(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bools_follow_python() {
        assert_eq!(parse_bool(" YES "), Some(true));
        assert_eq!(parse_bool("Off"), Some(false));
        assert_eq!(parse_bool("2"), None);
    }

    #[test]
    fn quotes_like_python_repr() {
        assert_eq!(quote("a.b"), "'a.b'");
        assert_eq!(quote("it's"), "\"it's\"");
        assert_eq!(quote("a\nb"), "'a\\nb'");
    }
}
