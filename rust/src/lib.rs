//! Scoped, thread-aware hyperparameters for Rust programs, with the same
//! contract as the `hyperparameter` Python package.
//!
//! Read a parameter anywhere with a default; override it for a block of code;
//! leave the block and the override is gone:
//!
//! ```
//! use hyperparameter::*;
//!
//! fn learning_rate() -> f64 {
//!     get_param!(train.lr, 0.001)
//! }
//!
//! assert_eq!(learning_rate(), 0.001);
//! with_params! {
//!     set train.lr = 0.01;
//!     assert_eq!(learning_rate(), 0.01);
//! }
//! assert_eq!(learning_rate(), 0.001);
//! ```
//!
//! # Where a read looks
//!
//! Innermost first: the innermost active scope of the current thread that
//! defines the key, then its enclosing scopes, then the process-wide baseline,
//! then the default given at the read. A read sees the scopes as they are at
//! the time of the read.
//!
//! # Threads and processes
//!
//! A new thread starts from the process-wide baseline, never from the scopes
//! of the thread that spawned it; [`frozen()`] publishes the current
//! parameters as that baseline, and threads already running see it at their
//! next read. To run work in another thread under the current parameters,
//! carry them there with [`ParamScope::current`].
//!
//! A child process starts from its parent's parameters through the
//! `HYPERPARAMETER_PARAMS` environment variable ([`ENV_VAR`]), which this
//! crate loads into the baseline at first use and produces for its own
//! children with [`subprocess_env`] or [`configure_command`]. The Python
//! package reads and writes the same variable, so parameters flow between
//! Python and Rust processes in both directions. A variable this crate cannot
//! load makes the first read panic with a message that says why.
//!
//! A running process can also make its baseline follow a parameter store, a
//! JSON file in the same format that any process (Python or Rust) replaces
//! atomically: see [`attach_file`].
//!
//! # Values and conversion
//!
//! Values set in code keep their type (see [`Value`]). Text values (from
//! `-D key=value` through [`ParamScope::from`], or strings in
//! `HYPERPARAMETER_PARAMS`) are converted at each read toward the type of the
//! default, with the rules of the Python package (see [`FromParam`]). A
//! value that cannot be converted is an error ([`try_get`]) or a panic whose
//! message names the key, the text, the type and where the text came from
//! ([`get`], [`get_param!`], `get` in [`with_params!`]); it is never silently
//! replaced by the default.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod env;
mod error;
mod json;
mod key;
mod literal;
mod macros;
mod scope;
mod store;
mod text;
mod value;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use env::{configure_command, subprocess_env, ENV_VAR};
pub use error::{Error, ErrorKind};
pub use key::{is_valid_key, validate_key};
pub use scope::{frozen, get, get_value, set, try_get, ParamScope, ScopeGuard};
pub use store::{attach, attach_file, Attachment};
pub use value::{FromParam, Value};

/// The user guide `docs/rust.md`, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/rust.md")]
pub struct UserGuide;

/// The crate's `README.md`, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadMe;
