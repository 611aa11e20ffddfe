//! The one error type of the crate.

use std::fmt;

use crate::text::quote;

/// What kind of mistake an [`Error`] reports.
///
/// # Examples
///
/// ```
/// use hyperparameter::{validate_key, ErrorKind};
///
/// assert_eq!(validate_key("a..b").unwrap_err().kind(), ErrorKind::InvalidKey);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A key breaks the key grammar (empty segment, whitespace, `=`).
    InvalidKey,
    /// A `key=value` assignment (a `-D` value) has no `=` or no key.
    InvalidAssignment,
    /// A text value cannot be converted to the type of the read's default.
    Conversion,
    /// A value set in code has a different type than the read's default.
    TypeMismatch,
    /// A write found no active scope in the current thread.
    NoActiveScope,
    /// `HYPERPARAMETER_PARAMS` holds something this crate cannot load.
    Environment,
    /// A parameter store (see [`attach_file`](crate::attach_file)) cannot be
    /// read, or holds something this crate cannot load.
    Store,
}

/// An error: what went wrong, with the full key and the offending value, and how to fix it.
///
/// # Examples
///
/// ```
/// use hyperparameter::{with_params, try_get, ErrorKind, ParamScope};
///
/// with_params! {
///     params ParamScope::from(&["train.lr=abc"]);
///     let err = try_get("train.lr", 0.1).unwrap_err();
///     assert_eq!(err.kind(), ErrorKind::Conversion);
///     assert_eq!(err.key(), Some("train.lr"));
///     assert!(err.to_string().contains("-D train.lr=abc"));
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    key: Option<String>,
    message: String,
}

impl Error {
    /// The kind of mistake.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::{set, ErrorKind};
    ///
    /// // No scope is active in this thread, so there is nowhere to write.
    /// assert_eq!(set("a.b", 1).unwrap_err().kind(), ErrorKind::NoActiveScope);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The full dotted key the error is about, when there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::validate_key;
    ///
    /// assert_eq!(validate_key("a b").unwrap_err().key(), Some("a b"));
    /// ```
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    pub(crate) fn invalid_key(key: &str, rule: &str, origin: Option<&str>) -> Self {
        let origin = origin.map(|o| format!(" in {o}")).unwrap_or_default();
        Self {
            kind: ErrorKind::InvalidKey,
            key: Some(key.to_owned()),
            message: format!(
                "invalid key {}{origin}: {rule}; use dotted names like 'train.lr' \
                 (segments without spaces, '=' or empty parts)",
                quote(key)
            ),
        }
    }

    pub(crate) fn invalid_assignment(origin: &str, problem: &str) -> Self {
        Self {
            kind: ErrorKind::InvalidAssignment,
            key: None,
            message: format!(
                "{origin} has {problem}: write assignments as 'key=value', \
                 for example 'train.lr=0.01'"
            ),
        }
    }

    pub(crate) fn conversion(
        key: &str,
        text: &str,
        expected: &str,
        source: &str,
        hint: &str,
    ) -> Self {
        let origin = if source.is_empty() {
            String::new()
        } else {
            format!(" (from {source})")
        };
        Self {
            kind: ErrorKind::Conversion,
            key: Some(key.to_owned()),
            message: format!(
                "cannot convert {} to {expected} for key {}{origin}; {hint}",
                quote(text),
                quote(key)
            ),
        }
    }

    pub(crate) fn type_mismatch(key: &str, found: &str, expected: &str) -> Self {
        Self {
            kind: ErrorKind::TypeMismatch,
            key: Some(key.to_owned()),
            message: format!(
                "key {} holds {found}, but the read's default is {expected}; \
                 read it with a default of the stored type, or store a value of type {expected}",
                quote(key)
            ),
        }
    }

    pub(crate) fn no_active_scope(key: &str) -> Self {
        Self {
            kind: ErrorKind::NoActiveScope,
            key: Some(key.to_owned()),
            message: format!(
                "cannot set {}: no scope is active in this thread; open one with \
                 `with_params! {{ ... }}` or `ParamScope::enter`, or publish process-wide \
                 values with `frozen()`",
                quote(key)
            ),
        }
    }

    pub(crate) fn environment(message: String) -> Self {
        Self {
            kind: ErrorKind::Environment,
            key: None,
            message,
        }
    }

    pub(crate) fn store(message: String) -> Self {
        Self {
            kind: ErrorKind::Store,
            key: None,
            message,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
