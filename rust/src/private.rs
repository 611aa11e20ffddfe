//! Helpers the macros expand to, and hooks for this crate's own tests.
//!
//! Not part of the public API: names and signatures may change in any release.

use std::borrow::Borrow;
use std::cell::Cell;

use crate::json::{self, Json};
pub use crate::key::StaticKey;
use crate::scope::{self, ParamScope, ScopeGuard};
use crate::value::{FromParam, Value};

/// Enters the scope of a `with_params!` block.
pub fn enter_block() -> ScopeGuard {
    scope::enter_empty()
}

/// `set a.b = value;`
#[track_caller]
pub fn set(key: &StaticKey, value: impl Into<Value>) {
    scope::set_static(key, value.into());
}

/// The default of a read in a macro, wrapped so that method resolution picks
/// the read: `(&&Default::new(d)).read_param(..)` resolves to [`ReadStr`] for
/// a `&str` default (returning `String`) and to [`ReadSame`] for every other
/// type (returning that type). Returning `T` itself, rather than
/// `T::Output`, lets an integer literal default take its type from the
/// context, as it would for any generic function.
pub struct Default<T>(Cell<Option<T>>);

impl<T> Default<T> {
    /// Wraps a default.
    pub fn new(default: T) -> Self {
        Self(Cell::new(Some(default)))
    }

    fn take(&self) -> T {
        // The wrapper is a temporary that serves exactly one read.
        self.0.take().expect("a macro default is read once")
    }
}

/// See [`Default`].
pub trait ReadStr {
    /// Reads `key` with a `&str` default.
    fn read_param(self, key: &StaticKey, help: Option<&str>) -> String;
}

impl ReadStr for &&Default<&str> {
    #[track_caller]
    fn read_param(self, key: &StaticKey, help: Option<&str>) -> String {
        scope::get_static(key, self.take(), help)
    }
}

/// See [`Default`].
pub trait ReadSame<T> {
    /// Reads `key` with a default of type `T`.
    fn read_param(self, key: &StaticKey, help: Option<&str>) -> T;
}

impl<T: FromParam<Output = T>> ReadSame<T> for &Default<T> {
    #[track_caller]
    fn read_param(self, key: &StaticKey, help: Option<&str>) -> T {
        scope::get_static(key, self.take(), help)
    }
}

/// `params scope;`
pub fn params<P: Borrow<ParamScope>>(params: P) {
    scope::apply_params(params);
}

/// Empties the baseline, so tests that share a process start clean.
pub fn clear_baseline() {
    scope::clear_baseline();
}

/// The number of parameter store watcher threads running in the process.
#[must_use]
pub fn store_watchers() -> usize {
    crate::store::stats().0
}

/// The number of polls all store watchers have made so far.
#[must_use]
pub fn store_polls() -> usize {
    crate::store::stats().1
}

/// The number of lines all store watchers have written to stderr so far.
#[must_use]
pub fn store_reports() -> usize {
    crate::store::stats().2
}

/// The number of scopes active in the current thread.
#[must_use]
pub fn depth() -> usize {
    scope::depth()
}

/// Parses one JSON value starting at byte `start` of `text`; returns it and
/// the offset just past it. Strings become [`Value::Str`]; integers beyond
/// `i64` become strings of their digits; objects are an error.
///
/// # Errors
///
/// A description of the first problem, with its byte offset.
pub fn parse_json_prefix(text: &str, start: usize) -> Result<(Value, usize), String> {
    fn convert(json: Json) -> Result<Value, String> {
        Ok(match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Int(i) => Value::Int(i),
            Json::Float(f) => Value::Float(f),
            Json::Str(s) | Json::BigInt(s) => Value::Str(s),
            Json::Array(items) => {
                Value::List(items.into_iter().map(convert).collect::<Result<_, _>>()?)
            }
            Json::Object(_) => return Err("JSON objects are not supported here".to_owned()),
        })
    }
    let (json, end) = json::parse_prefix(text, start)?;
    Ok((convert(json)?, end))
}
