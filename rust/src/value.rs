//! Stored values and typed reads.

use std::fmt;

use crate::error::Error;
use crate::literal;
use crate::text::{self, IntProblem};

/// A parameter value as stored in a scope or in the baseline.
///
/// Values set in code keep their type ([`Value::Int`], [`Value::Str`], ...).
/// Values that arrive as text (`-D key=value`, strings in
/// `HYPERPARAMETER_PARAMS`) are [`Value::Text`]: they are converted at each
/// read toward the type of the read's default.
///
/// # Examples
///
/// ```
/// use hyperparameter::Value;
///
/// assert_eq!(Value::from(3), Value::Int(3));
/// assert_eq!(Value::from("bert"), Value::Str("bert".to_owned()));
/// assert_eq!(Value::parse_literal("[1, 2.5]"), Value::List(vec![Value::Int(1), Value::Float(2.5)]));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// No value (`None` in Python, `null` in JSON); a value, not a missing key.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer; every Rust integer type is stored as `i64`.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string set in code.
    Str(String),
    /// A value that arrived as text, converted at each read.
    Text {
        /// The text itself, e.g. `0.01`.
        text: String,
        /// Where the text came from, e.g. `-D train.lr=0.01`; named in error messages.
        source: String,
    },
    /// A list of values.
    List(Vec<Value>),
}

impl Value {
    /// A text value that remembers where it came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::Value;
    ///
    /// let v = Value::text("0.01", "my config");
    /// assert_eq!(v.to_string(), "0.01");
    /// ```
    pub fn text(text: impl Into<String>, source: impl Into<String>) -> Self {
        Self::Text {
            text: text.into(),
            source: source.into(),
        }
    }

    /// Parses `text` as a literal, as a read without a default does.
    ///
    /// `true`/`false`/`none`/`null`/`~` in any case; Python-style integers,
    /// floats, quoted strings, `True`/`False`/`None` and lists of those.
    /// Anything else (including tuples and dicts, which have no `Value`
    /// counterpart) is returned as a [`Value::Str`] of the text, unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::Value;
    ///
    /// assert_eq!(Value::parse_literal("42"), Value::Int(42));
    /// assert_eq!(Value::parse_literal("Null"), Value::Null);
    /// assert_eq!(Value::parse_literal("'quoted'"), Value::Str("quoted".into()));
    /// assert_eq!(Value::parse_literal(" plain text "), Value::Str(" plain text ".into()));
    /// ```
    #[must_use]
    pub fn parse_literal(text: &str) -> Self {
        literal::parse_literal(text)
    }

    /// A short description for error messages: the type and the value.
    fn describe(&self) -> String {
        match self {
            Self::Null => "null".to_owned(),
            Self::Bool(b) => format!("the bool {b}"),
            Self::Int(i) => format!("the integer {i}"),
            Self::Float(f) => format!("the float {f:?}"),
            Self::Str(s) => format!("the string {}", text::quote(s)),
            Self::Text { text, .. } => format!("the text {}", text::quote(text)),
            Self::List(_) => format!("the list {self}"),
        }
    }
}

impl fmt::Display for Value {
    /// Scalars print plainly (`42`, `0.5`, `true`, `bert`); floats keep a
    /// decimal point (`1.0`); lists print as `[a, b]`; null prints as `null`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(x) => write!(f, "{x:?}"),
            Self::Str(s) | Self::Text { text: s, .. } => f.write_str(s),
            Self::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

macro_rules! from_lossless_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Self::Int(i64::from(v))
            }
        }
    )*};
}
from_lossless_int!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! from_wide_int {
    ($($t:ty),*) => {$(
        /// Stored as [`Value::Int`]; a value beyond `i64` is stored as its
        /// decimal text, which reads back into a type wide enough to hold it.
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                i64::try_from(v)
                    .map_or_else(|_| Self::text(v.to_string(), concat!("a ", stringify!($t), " set in code")), Self::Int)
            }
        }
    )*};
}
from_wide_int!(u64, usize, isize, i128, u128);

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Self::Float(v)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Self::Float(f64::from(v))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Str(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Str(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Self::Str(v.clone())
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Self::List(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` is stored as [`Value::Null`].
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A type a read can ask for by giving a default of that type.
///
/// Implemented for the integer types, `f32`, `f64`, `bool`, `String` and
/// `&str` (which reads as `String`). The conversion rules:
///
/// - a value of the default's type is returned as is; an integer read with a
///   float default is returned as a float;
/// - a [`Value::Text`] is converted toward the default's type (integers:
///   decimal with `_` separators; floats: decimal, `inf`, `nan`; bools:
///   `true/false/yes/no/on/off/1/0` in any case; strings: unchanged), and an
///   unconvertible text is an [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) error;
/// - any other combination is an [`ErrorKind::TypeMismatch`](crate::ErrorKind::TypeMismatch) error.
///
/// # Examples
///
/// ```
/// use hyperparameter::{with_params, get};
///
/// with_params! {
///     set train.steps = 100;
///     let steps: i64 = get("train.steps", 0i64);
///     let as_float: f64 = get("train.steps", 0.0);
///     assert_eq!((steps, as_float), (100, 100.0));
///     let name: String = get("model.name", "bert");
///     assert_eq!(name, "bert");
/// }
/// ```
pub trait FromParam: sealed::Sealed + Sized {
    /// What the read returns: `Self`, except `String` for `&str`.
    type Output;

    /// The type's name in error messages.
    const TYPE_NAME: &'static str;

    /// Converts the default into the read's result, used when no layer defines the key.
    fn into_output(self) -> Self::Output;

    /// Converts a stored value for a read of `key`.
    ///
    /// # Errors
    ///
    /// Returns an error naming `key` when the value cannot be converted.
    fn from_value(value: &Value, key: &str) -> Result<Self::Output, Error>;

    /// The value when it already has the read's type (no text conversion, no
    /// error): the fast path of a read.
    #[doc(hidden)]
    #[inline]
    #[must_use]
    fn exact(value: &Value) -> Option<Self::Output> {
        let _ = value;
        None
    }
}

fn mismatch<T: FromParam>(value: &Value, key: &str) -> Error {
    Error::type_mismatch(key, &value.describe(), T::TYPE_NAME)
}

macro_rules! int_from_param {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}

        impl FromParam for $t {
            type Output = $t;
            const TYPE_NAME: &'static str = stringify!($t);

            fn into_output(self) -> $t {
                self
            }

            #[inline]
            fn exact(value: &Value) -> Option<$t> {
                match value {
                    Value::Int(i) => <$t>::try_from(*i).ok(),
                    _ => None,
                }
            }

            fn from_value(value: &Value, key: &str) -> Result<$t, Error> {
                let range_hint = || {
                    format!("the value must be between {} and {}", <$t>::MIN, <$t>::MAX)
                };
                match value {
                    Value::Int(i) => <$t>::try_from(*i).map_err(|_| {
                        Error::conversion(key, &i.to_string(), Self::TYPE_NAME, "", &range_hint())
                    }),
                    Value::Text { text, source } => match text::parse_int(text) {
                        Ok(wide) => <$t>::try_from(wide).map_err(|_| {
                            Error::conversion(key, text, Self::TYPE_NAME, source, &range_hint())
                        }),
                        Err(IntProblem::Overflow) => {
                            Err(Error::conversion(key, text, Self::TYPE_NAME, source, &range_hint()))
                        }
                        Err(IntProblem::Syntax) => {
                            Err(Error::conversion(key, text, Self::TYPE_NAME, source, text::INT_HINT))
                        }
                    },
                    other => Err(mismatch::<$t>(other, key)),
                }
            }
        }
    )*};
}
int_from_param!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

macro_rules! float_from_param {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}

        impl FromParam for $t {
            type Output = $t;
            const TYPE_NAME: &'static str = stringify!($t);

            fn into_output(self) -> $t {
                self
            }

            #[inline]
            fn exact(value: &Value) -> Option<$t> {
                match value {
                    Value::Float(f) => Some(*f as $t),
                    Value::Int(i) => Some(*i as $t),
                    _ => None,
                }
            }

            fn from_value(value: &Value, key: &str) -> Result<$t, Error> {
                match value {
                    Value::Float(f) => Ok(*f as $t),
                    Value::Int(i) => Ok(*i as $t),
                    Value::Text { text, source } => text::parse_float(text)
                        .map(|f| f as $t)
                        .ok_or_else(|| Error::conversion(key, text, Self::TYPE_NAME, source, text::FLOAT_HINT)),
                    other => Err(mismatch::<$t>(other, key)),
                }
            }
        }
    )*};
}
float_from_param!(f32, f64);

impl sealed::Sealed for bool {}

impl FromParam for bool {
    type Output = bool;
    const TYPE_NAME: &'static str = "bool";

    fn into_output(self) -> bool {
        self
    }

    #[inline]
    fn exact(value: &Value) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn from_value(value: &Value, key: &str) -> Result<bool, Error> {
        match value {
            Value::Bool(b) => Ok(*b),
            Value::Text { text, source } => text::parse_bool(text).ok_or_else(|| {
                Error::conversion(key, text, Self::TYPE_NAME, source, text::BOOL_HINT)
            }),
            other => Err(mismatch::<bool>(other, key)),
        }
    }
}

impl sealed::Sealed for String {}

impl FromParam for String {
    type Output = String;
    const TYPE_NAME: &'static str = "String";

    fn into_output(self) -> String {
        self
    }

    #[inline]
    fn exact(value: &Value) -> Option<String> {
        match value {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn from_value(value: &Value, key: &str) -> Result<String, Error> {
        match value {
            Value::Str(s) | Value::Text { text: s, .. } => Ok(s.clone()),
            other => Err(mismatch::<String>(other, key)),
        }
    }
}

impl sealed::Sealed for &str {}

impl FromParam for &str {
    type Output = String;
    const TYPE_NAME: &'static str = "String";

    fn into_output(self) -> String {
        self.to_owned()
    }

    #[inline]
    fn exact(value: &Value) -> Option<String> {
        String::exact(value)
    }

    fn from_value(value: &Value, key: &str) -> Result<String, Error> {
        String::from_value(value, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn text(t: &str) -> Value {
        Value::text(t, "-D k=v")
    }

    #[test]
    fn ints_read_as_floats() {
        assert_eq!(f64::from_value(&Value::Int(3), "k"), Ok(3.0));
    }

    #[test]
    fn text_converts_toward_the_default() {
        assert_eq!(u8::from_value(&text("255"), "k"), Ok(255));
        assert_eq!(
            u8::from_value(&text("256"), "k").unwrap_err().kind(),
            ErrorKind::Conversion
        );
        assert_eq!(bool::from_value(&text("on"), "k"), Ok(true));
        assert_eq!(<&str>::from_value(&text(" x "), "k"), Ok(" x ".to_owned()));
        let err = f64::from_value(&text("abc"), "train.lr").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot convert 'abc' to f64 for key 'train.lr' (from -D k=v); write a number like 0.001 or 1e-3"
        );
    }

    #[test]
    fn other_types_do_not_mix() {
        let err = i64::from_value(&Value::Float(1.5), "a.b").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TypeMismatch);
        assert!(err.to_string().contains("the float 1.5"), "{err}");
        assert_eq!(
            String::from_value(&Value::Int(1), "a.b")
                .unwrap_err()
                .kind(),
            ErrorKind::TypeMismatch
        );
        assert_eq!(
            bool::from_value(&Value::Null, "a.b").unwrap_err().kind(),
            ErrorKind::TypeMismatch
        );
    }

    #[test]
    fn wide_integers_survive_as_text() {
        let v = Value::from(u64::MAX);
        assert_eq!(u64::from_value(&v, "k"), Ok(u64::MAX));
        assert_eq!(
            i64::from_value(&v, "k").unwrap_err().kind(),
            ErrorKind::Conversion
        );
    }
}
