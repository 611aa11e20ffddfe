//! Scopes, the per-thread scope stack, and the process-wide baseline.
//!
//! Each thread keeps one map of the values its active scopes define, plus an
//! undo log: entering a scope records a mark, each write records the value it
//! replaces, and leaving the scope replays the log back to the mark. A read is
//! therefore one hash lookup however deep the scopes are nested. When no scope
//! defines a key, the read falls through to the baseline: an immutable map
//! shared by all threads, replaced as a whole by `frozen()`, and cached per
//! thread behind a version number so a read takes no lock.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use crate::env;
use crate::error::Error;
use crate::key::{
    new_key_map, validate_key, validate_key_from, Key, KeyMap, KeyView, Probe, StaticKey,
};
use crate::text::py_strip;
use crate::value::{FromParam, Value};

/// The process-wide parameters every thread falls back to.
pub(crate) struct Baseline {
    version: u64,
    pub(crate) values: KeyMap<Value>,
}

/// Bumped (under the write lock) each time the baseline is replaced, so a
/// thread can check its cached copy with one atomic load.
static VERSION: AtomicU64 = AtomicU64::new(0);

/// Loaded from `HYPERPARAMETER_PARAMS` at first use.
static BASELINE: LazyLock<RwLock<Arc<Baseline>>> = LazyLock::new(|| {
    let values = env::load_from_environment().unwrap_or_else(|err| panic!("{err}"));
    RwLock::new(Arc::new(Baseline { version: 0, values }))
});

/// A value defined by an active scope, and the depth of the scope that wrote it.
struct Entry {
    value: Value,
    depth: usize,
}

/// An active scope: where its part of the undo log starts.
struct Layer {
    id: u64,
    undo_start: usize,
}

/// The scopes active in one thread.
struct Scopes {
    values: KeyMap<Entry>,
    undo: Vec<(Key, Option<Entry>)>,
    layers: Vec<Layer>,
    next_id: u64,
}

enum Leave {
    InOrder,
    /// The scope was left while scopes entered after it were still active.
    OutOfOrder(usize),
    /// The scope was already left, because an enclosing scope was left first.
    AlreadyLeft,
}

impl Scopes {
    const fn new() -> Self {
        Self {
            values: new_key_map(),
            undo: Vec::new(),
            layers: Vec::new(),
            next_id: 0,
        }
    }

    fn push(&mut self) -> u64 {
        self.next_id += 1;
        self.layers.push(Layer {
            id: self.next_id,
            undo_start: self.undo.len(),
        });
        self.next_id
    }

    /// Writes into the innermost scope; the caller checks there is one.
    fn write(&mut self, key: Key, value: Value) {
        let depth = self.layers.len();
        debug_assert!(depth > 0, "writes need an active scope");
        match self.values.get_mut(&key) {
            // The innermost scope already wrote this key: its undo record stands.
            Some(entry) if entry.depth == depth => entry.value = value,
            _ => {
                let previous = self.values.insert(key.clone(), Entry { value, depth });
                self.undo.push((key, previous));
            }
        }
    }

    fn leave(&mut self, id: u64) -> Leave {
        let Some(index) = self.layers.iter().rposition(|layer| layer.id == id) else {
            return Leave::AlreadyLeft;
        };
        let inner = self.layers.len() - index - 1;
        let undo_start = self.layers[index].undo_start;
        self.layers.truncate(index);
        for (key, previous) in self.undo.drain(undo_start..).rev() {
            match previous {
                Some(entry) => self.values.insert(key, entry),
                None => self.values.remove(&key),
            };
        }
        if inner == 0 {
            Leave::InOrder
        } else {
            Leave::OutOfOrder(inner)
        }
    }
}

struct Local {
    scopes: RefCell<Scopes>,
    baseline: RefCell<Option<Arc<Baseline>>>,
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            scopes: RefCell::new(Scopes::new()),
            baseline: RefCell::new(None),
        }
    };
}

fn read_global() -> Arc<Baseline> {
    Arc::clone(&BASELINE.read().unwrap_or_else(PoisonError::into_inner))
}

/// Calls `f` with the value of `key` in the current thread, or `None`.
///
/// `K` is [`Key`] for keys hashed at compile time (no dynamic dispatch on the
/// hot path) and `dyn KeyView` for keys given at run time as `&str`.
fn lookup<K, R>(key: &K, f: impl FnOnce(Option<&Value>) -> R) -> R
where
    K: ?Sized + std::hash::Hash + Eq,
    Key: Borrow<K>,
{
    LOCAL.with(|local| {
        if let Some(entry) = local.scopes.borrow().values.get(key) {
            return f(Some(&entry.value));
        }
        let mut cached = local.baseline.borrow_mut();
        let version = VERSION.load(Ordering::Acquire);
        let baseline = match &*cached {
            Some(baseline) if baseline.version == version => baseline,
            _ => cached.insert(read_global()),
        };
        f(baseline.values.get(key))
    })
}

///
/// `check_missing` runs only when no layer defines the key: a key that is
/// found was valid when it was stored, so validating a run-time key there
/// keeps the common path short.
fn read<K, T>(
    key: &K,
    default: T,
    check_missing: impl FnOnce() -> Result<(), Error>,
) -> Result<T::Output, Error>
where
    K: ?Sized + std::hash::Hash + Eq + KeyView,
    Key: Borrow<K>,
    T: FromParam,
{
    // The hot path returns no `Result` and builds no error: values of the
    // default's type are returned as they are, a missing key gives the default.
    let found = lookup(key, |value| match value {
        None => Found::Missing,
        Some(value) => T::exact(value).map_or(Found::Other, Found::Exact),
    });
    match found {
        Found::Exact(output) => Ok(output),
        Found::Missing => {
            check_missing()?;
            Ok(default.into_output())
        }
        Found::Other => lookup(key, |value| match value {
            Some(value) => convert_slowly::<T>(value, key.key_name()),
            // Another thread replaced the baseline in between: the key is gone now.
            None => Ok(default.into_output()),
        }),
    }
}

enum Found<T> {
    Exact(T),
    Missing,
    /// Present, but text or of another type: converted on the slow path.
    Other,
}

/// Conversions of text and error reports: kept out of the read's hot path.
#[cold]
#[inline(never)]
fn convert_slowly<T: FromParam>(value: &Value, key: &str) -> Result<T::Output, Error> {
    T::from_value(value, key)
}

/// Reads `key`, converting the stored value toward the type of `default`.
///
/// Returns `default` when no active scope and no baseline value define the
/// key. A stored value that cannot be converted is an error, never the
/// default.
///
/// # Errors
///
/// [`ErrorKind::InvalidKey`](crate::ErrorKind::InvalidKey) for a malformed key,
/// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) for a text that is not
/// of the default's type, [`ErrorKind::TypeMismatch`](crate::ErrorKind::TypeMismatch)
/// for a value set in code with another type.
///
/// # Examples
///
/// ```
/// use hyperparameter::{try_get, with_params, ErrorKind, ParamScope};
///
/// assert_eq!(try_get("train.lr", 0.1), Ok(0.1));
/// with_params! {
///     params ParamScope::from(&["train.lr=0.01", "train.epochs=ten"]);
///     assert_eq!(try_get("train.lr", 0.1), Ok(0.01));
///     let err = try_get("train.epochs", 1).unwrap_err();
///     assert_eq!(err.kind(), ErrorKind::Conversion);
/// }
/// ```
pub fn try_get<T: FromParam>(key: &str, default: T) -> Result<T::Output, Error> {
    read(&Probe::new(key) as &dyn KeyView, default, || {
        validate_key(key)
    })
}

/// Reads `key` like [`try_get`], panicking when the stored value cannot be converted.
///
/// # Panics
///
/// When [`try_get`] would return an error; the message names the key, the
/// text, the expected type and where the text came from.
///
/// # Examples
///
/// ```
/// use hyperparameter::{get, with_params};
///
/// with_params! {
///     set model.layers = 12;
///     let key = format!("model.{}", "layers");
///     assert_eq!(get(&key, 6), 12);
///     assert_eq!(get("model.heads", 8), 8);
/// }
/// ```
#[track_caller]
pub fn get<T: FromParam>(key: &str, default: T) -> T::Output {
    try_get(key, default).unwrap_or_else(|err| panic!("{err}"))
}

/// Reads `key` without a default: the stored value, with text parsed as a literal.
///
/// Returns `None` when no layer defines the key. Text is parsed by
/// [`Value::parse_literal`], so `-D a.b=3` reads as `Value::Int(3)`.
///
/// # Errors
///
/// [`ErrorKind::InvalidKey`](crate::ErrorKind::InvalidKey) for a malformed key.
///
/// # Examples
///
/// ```
/// use hyperparameter::{get_value, with_params, ParamScope, Value};
///
/// with_params! {
///     params ParamScope::from(&["a.b=3"]);
///     assert_eq!(get_value("a.b"), Ok(Some(Value::Int(3))));
///     assert_eq!(get_value("a.c"), Ok(None));
/// }
/// ```
pub fn get_value(key: &str) -> Result<Option<Value>, Error> {
    let value = lookup(&Probe::new(key) as &dyn KeyView, |value| {
        value.map(|value| match value {
            Value::Text { text, .. } => Value::parse_literal(text),
            other => other.clone(),
        })
    });
    if value.is_none() {
        validate_key(key)?;
    }
    Ok(value)
}

fn write(key: Key, value: Value) -> Result<(), Error> {
    LOCAL.with(|local| {
        let mut scopes = local.scopes.borrow_mut();
        if scopes.layers.is_empty() {
            return Err(Error::no_active_scope(key.name()));
        }
        scopes.write(key, value);
        Ok(())
    })
}

/// Writes `key` into the innermost active scope of the current thread.
///
/// The value lasts until that scope is left. This is what `set a.b = v;`
/// inside [`with_params!`](crate::with_params) does, for keys built at run time.
///
/// # Errors
///
/// [`ErrorKind::InvalidKey`](crate::ErrorKind::InvalidKey) for a malformed key;
/// [`ErrorKind::NoActiveScope`](crate::ErrorKind::NoActiveScope) when no scope
/// is active in this thread (use [`frozen`] to set process-wide values).
///
/// # Examples
///
/// ```
/// use hyperparameter::{get, set, with_params};
///
/// with_params! {
///     for task in 0..3 {
///         set(&format!("task.{task}.weight"), task * 10).unwrap();
///     }
///     assert_eq!(get("task.2.weight", 0), 20);
/// }
/// assert_eq!(get("task.2.weight", 0), 0);
/// ```
pub fn set(key: &str, value: impl Into<Value>) -> Result<(), Error> {
    validate_key(key)?;
    write(Key::new(key), value.into())
}

/// Publishes the current thread's effective parameters as the process-wide baseline.
///
/// The new baseline is the previous one overlaid with every value the
/// current thread's active scopes define; it replaces the previous baseline
/// atomically. Threads started afterwards begin from it; threads already
/// running see it at their next read of a key that none of their own scopes
/// defines. Scopes are left alone: leaving them afterwards does not undo the
/// baseline.
///
/// # Examples
///
/// ```
/// use hyperparameter::{frozen, get, with_params};
///
/// with_params! {
///     set global.seed = 42;
///     frozen();
/// }
/// // The scope is gone, but the baseline keeps the value, in every thread.
/// assert_eq!(get("global.seed", 0), 42);
/// assert_eq!(std::thread::spawn(|| get("global.seed", 0)).join().unwrap(), 42);
/// ```
pub fn frozen() {
    let overrides: Vec<(Key, Value)> = LOCAL.with(|local| {
        let scopes = local.scopes.borrow();
        scopes
            .values
            .iter()
            .map(|(key, entry)| (key.clone(), entry.value.clone()))
            .collect()
    });
    replace_baseline(|values| values.extend(overrides));
}

/// Replaces the baseline with `change` applied to a copy of it.
pub(crate) fn replace_baseline(change: impl FnOnce(&mut KeyMap<Value>)) {
    let mut global = BASELINE.write().unwrap_or_else(PoisonError::into_inner);
    let mut values = global.values.clone();
    change(&mut values);
    let version = global.version + 1;
    *global = Arc::new(Baseline { version, values });
    VERSION.store(version, Ordering::Release);
}

/// The current thread's effective parameters: the baseline overlaid with its scopes.
pub(crate) fn effective() -> KeyMap<Value> {
    LOCAL.with(|local| {
        let mut values = read_global().values.clone();
        let scopes = local.scopes.borrow();
        values.extend(
            scopes
                .values
                .iter()
                .map(|(key, entry)| (key.clone(), entry.value.clone())),
        );
        values
    })
}

/// A set of parameters to enter as one scope.
///
/// Build one from `-D`-style `key=value` strings ([`ParamScope::from`],
/// [`ParamScope::from_defines`]) or value by value ([`ParamScope::insert`]),
/// or capture the current thread's parameters ([`ParamScope::current`]).
/// Enter it with [`ParamScope::enter`] or `params <scope>;` inside
/// [`with_params!`](crate::with_params).
///
/// Scopes are per thread: a new thread starts from the baseline published by
/// [`frozen`], never from the scopes of the thread that spawned it; to carry
/// the current parameters into a thread or a pool task, capture them with
/// [`ParamScope::current`] and enter them there.
///
/// # Examples
///
/// ```
/// use hyperparameter::{get, ParamScope};
///
/// let defines = vec!["train.lr=0.01".to_owned(), "train.epochs=3".to_owned()];
/// let scope = ParamScope::from(&defines);
/// {
///     let _guard = scope.enter();
///     assert_eq!(get("train.lr", 0.1), 0.01);
///     assert_eq!(get("train.epochs", 1), 3);
/// }
/// assert_eq!(get("train.lr", 0.1), 0.1);
/// ```
#[derive(Clone, Default)]
pub struct ParamScope {
    values: KeyMap<Value>,
}

impl ParamScope {
    /// An empty scope.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::ParamScope;
    ///
    /// assert!(ParamScope::new().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses `key=value` assignments (the values of `-D` options) into a scope.
    ///
    /// Only the first `=` separates, so values may contain `=`; blanks around
    /// the key are dropped, and the value is kept exactly as given (as text,
    /// converted at each read toward the default's type: numbers and booleans
    /// ignore surrounding blanks, a string default gets the text unchanged);
    /// error messages name the assignment as `-D key=value`. A later
    /// assignment to the same key wins.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidAssignment`](crate::ErrorKind::InvalidAssignment) when
    /// an assignment has no `=` or no key, and
    /// [`ErrorKind::InvalidKey`](crate::ErrorKind::InvalidKey) for a malformed key.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::{ErrorKind, ParamScope, Value};
    ///
    /// let scope = ParamScope::from_defines(["a.b = 1", "c=x=y"]).unwrap();
    /// assert_eq!(scope.get_value("a.b"), Some(&Value::text(" 1", "-D a.b = 1")));
    /// assert_eq!(scope.get_value("c"), Some(&Value::text("x=y", "-D c=x=y")));
    /// let err = ParamScope::from_defines(["a..b=1"]).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidKey);
    /// ```
    pub fn from_defines<I>(defines: I) -> Result<Self, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut scope = Self::new();
        for define in defines {
            let define = define.as_ref();
            let origin = format!("-D {define}");
            let Some((key, value)) = define.split_once('=') else {
                return Err(Error::invalid_assignment(&origin, "no '='"));
            };
            let key = py_strip(key);
            if key.is_empty() {
                return Err(Error::invalid_assignment(&origin, "no key before '='"));
            }
            validate_key_from(key, Some(&origin))?;
            scope
                .values
                .insert(Key::new(key), Value::text(value, origin));
        }
        Ok(scope)
    }

    /// Captures the current thread's effective parameters (baseline and scopes).
    ///
    /// Enter the result in another thread or task to run it under the
    /// parameters in effect here.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::{get, with_params, ParamScope};
    ///
    /// let handle = with_params! {
    ///     set job.name = "nightly";
    ///     let captured = ParamScope::current();
    ///     std::thread::spawn(move || {
    ///         let _guard = captured.enter();
    ///         get("job.name", "none")
    ///     })
    /// };
    /// assert_eq!(handle.join().unwrap(), "nightly");
    /// ```
    #[must_use]
    pub fn current() -> Self {
        Self {
            values: effective(),
        }
    }

    /// The same as [`ParamScope::current`], under the original crate's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::{get, with_params, ParamScope};
    ///
    /// let captured = with_params! {
    ///     set job.name = "nightly";
    ///     ParamScope::capture()
    /// };
    /// let _guard = captured.enter();
    /// assert_eq!(get("job.name", "none"), "nightly");
    /// ```
    #[must_use]
    pub fn capture() -> Self {
        Self::current()
    }

    /// Sets `key` to `value` in this scope, as [`ParamScope::insert`] does, under the
    /// original crate's name and without a `Result`.
    ///
    /// # Panics
    ///
    /// When `key` is malformed (the message names the key and the rule); use
    /// [`ParamScope::insert`] to handle that as an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::{get, ParamScope};
    ///
    /// let mut scope = ParamScope::new();
    /// scope.put("model.layers", 24);
    /// let _guard = scope.enter();
    /// assert_eq!(get("model.layers", 12), 24);
    /// ```
    pub fn put(&mut self, key: impl AsRef<str>, value: impl Into<Value>) {
        if let Err(error) = self.insert(key.as_ref(), value) {
            panic!("{error}");
        }
    }

    /// Sets `key` to `value` in this (not yet entered) scope.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidKey`](crate::ErrorKind::InvalidKey) for a malformed key.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::{get, ParamScope};
    ///
    /// let mut scope = ParamScope::new();
    /// scope.insert("model.layers", 24).unwrap();
    /// scope.insert("model.name", "large").unwrap();
    /// let _guard = scope.enter();
    /// assert_eq!(get("model.layers", 12), 24);
    /// ```
    pub fn insert(&mut self, key: &str, value: impl Into<Value>) -> Result<(), Error> {
        validate_key(key)?;
        self.values.insert(Key::new(key), value.into());
        Ok(())
    }

    /// The value this scope holds for `key`, as stored.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::{ParamScope, Value};
    ///
    /// let mut scope = ParamScope::new();
    /// scope.insert("a", 1).unwrap();
    /// assert_eq!(scope.get_value("a"), Some(&Value::Int(1)));
    /// assert_eq!(scope.get_value("b"), None);
    /// ```
    #[must_use]
    pub fn get_value(&self, key: &str) -> Option<&Value> {
        self.values.get(&Probe::new(key) as &dyn KeyView)
    }

    /// The number of keys this scope sets.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::ParamScope;
    ///
    /// assert_eq!(ParamScope::from(&["a=1", "b=2", "a=3"]).len(), 2);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether this scope sets no key.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::ParamScope;
    ///
    /// assert!(ParamScope::default().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The keys and values, sorted by key.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::ParamScope;
    ///
    /// let scope = ParamScope::from(&["b=2", "a=1"]);
    /// let keys: Vec<&str> = scope.iter().map(|(key, _)| key).collect();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        let mut items: Vec<(&str, &Value)> = self
            .values
            .iter()
            .map(|(key, value)| (key.name(), value))
            .collect();
        items.sort_unstable_by_key(|&(key, _)| key);
        items.into_iter()
    }

    /// Enters this scope in the current thread until the returned guard is dropped.
    ///
    /// Its values shadow those of the scopes already active; dropping the
    /// guard (normally or during a panic) restores exactly the previous state.
    /// Entering costs time proportional to the number of keys this scope sets.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyperparameter::{get, ParamScope};
    ///
    /// let scope = ParamScope::from(&["retries=5"]);
    /// let result = std::panic::catch_unwind(|| {
    ///     let _guard = scope.enter();
    ///     assert_eq!(get("retries", 1), 5);
    ///     panic!("boom");
    /// });
    /// assert!(result.is_err());
    /// assert_eq!(get("retries", 1), 1);
    /// ```
    pub fn enter(&self) -> ScopeGuard {
        let guard = enter_empty();
        self.apply();
        guard
    }

    /// Writes every value of this scope into the innermost active scope.
    pub(crate) fn apply(&self) {
        LOCAL.with(|local| {
            let mut scopes = local.scopes.borrow_mut();
            for (key, value) in &self.values {
                scopes.write(key.clone(), value.clone());
            }
        });
    }
}

impl fmt::Debug for ParamScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

macro_rules! from_defines {
    ($(impl[$($generics:tt)*] From<$source:ty>;)*) => {$(
        impl<$($generics)*> From<$source> for ParamScope {
            /// Parses `key=value` assignments, as [`ParamScope::from_defines`] does.
            ///
            /// # Panics
            ///
            /// When an assignment or a key is malformed; use
            /// [`ParamScope::from_defines`] to handle that as an error.
            #[track_caller]
            fn from(defines: $source) -> Self {
                Self::from_defines(defines).unwrap_or_else(|err| panic!("{err}"))
            }
        }
    )*};
}

from_defines! {
    impl[S: AsRef<str>] From<Vec<S>>;
    impl[S: AsRef<str>] From<&Vec<S>>;
    impl[S: AsRef<str>] From<&[S]>;
    impl[S: AsRef<str>, const N: usize] From<[S; N]>;
    impl[S: AsRef<str>, const N: usize] From<&[S; N]>;
}

/// Keeps a scope active in the current thread; dropping it leaves the scope.
///
/// Leaving restores exactly the state before the scope was entered, also when
/// the guard is dropped while a panic unwinds. A guard cannot be sent to
/// another thread (it is neither `Send` nor `Sync`). Dropping guards in
/// another order than they were created leaves the scopes entered after it
/// too, then panics (unless already panicking), since it is a bug in the
/// caller; the thread's scopes are consistent afterwards (the enclosing
/// scopes are exactly as they were), and the guards of the scopes left this
/// way do nothing when they are dropped.
///
/// # Examples
///
/// ```
/// use hyperparameter::{get, ParamScope};
///
/// let guard = ParamScope::from(&["a=1"]).enter();
/// assert_eq!(get("a", 0), 1);
/// drop(guard);
/// assert_eq!(get("a", 0), 0);
/// ```
///
/// # Async code
///
/// Scopes belong to a thread, not to a task. A guard (or a
/// [`with_params!`](crate::with_params) block) held across an `.await` stays
/// in force while the task is suspended, so whatever else runs on that thread
/// meanwhile reads its values, and the scopes then close out of order. Never
/// hold one across an `.await`: read the parameters into locals first, or
/// carry a [`ParamScope`] and enter it around each synchronous stretch.
///
/// ```
/// use hyperparameter::{get_param, with_params, ParamScope};
///
/// async fn fetch() {} // stands for any I/O
///
/// fn assert_send<T: Send>(_: T) {}
///
/// // Read first, then await: the guard is gone before the first `.await`.
/// async fn step() -> f64 {
///     let lr = with_params! {
///         set train.lr = 0.01;
///         get_param!(train.lr, 0.001)
///     };
///     fetch().await;
///     lr * 2.0
/// }
///
/// // Carry the parameters and enter them for each synchronous stretch.
/// async fn handle(params: ParamScope) -> i64 {
///     let first = with_params! { params &params; get_param!(batch, 1i64) };
///     fetch().await;
///     let second = { let _guard = params.enter(); get_param!(batch, 1i64) };
///     first + second
/// }
///
/// // Both futures can run on a multi-threaded executor.
/// assert_send(step());
/// assert_send(handle(ParamScope::from(["batch=8"])));
/// ```
///
/// The compiler refuses a future that holds a guard across an `.await`
/// wherever the future must be `Send` (as `tokio::spawn` and most
/// multi-threaded executors require):
///
/// ```compile_fail
/// use hyperparameter::{get_param, with_params};
///
/// fn assert_send<T: Send>(_: T) {}
///
/// async fn step() -> f64 {
///     with_params! {
///         set train.lr = 0.01;
///         std::future::ready(()).await; // the block's guard is held here
///         get_param!(train.lr, 0.001)
///     }
/// }
///
/// assert_send(step()); // error: `*const ()` cannot be sent between threads safely
/// ```
///
/// Single-threaded executors (`spawn_local`, `join!` of futures in one task)
/// do not require `Send`, so there the compiler cannot help; Clippy's
/// `await_holding_invalid_type` lint can, for every `.await`. Put this in the
/// `clippy.toml` of your crate:
///
/// ```toml
/// await-holding-invalid-types = [
///     { path = "hyperparameter::ScopeGuard", reason = "read parameters into locals before awaiting" },
/// ]
/// ```
#[must_use = "the scope is left as soon as the guard is dropped; bind it: `let _guard = ...;`"]
pub struct ScopeGuard {
    id: u64,
    // Scopes belong to the thread that entered them: a guard is neither `Send`
    // nor `Sync`, so a future holding one across an `.await` is not `Send`.
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for ScopeGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeGuard").field("id", &self.id).finish()
    }
}

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        let Ok(outcome) = LOCAL.try_with(|local| local.scopes.borrow_mut().leave(self.id)) else {
            return; // the thread is shutting down and its scopes are gone
        };
        if let Leave::OutOfOrder(inner) = outcome {
            // Not an `assert!`: the condition is "unless already unwinding", not an invariant.
            #[allow(clippy::manual_assert)]
            if !std::thread::panicking() {
                panic!(
                    "a parameter scope was left while {inner} scope(s) entered after it in this \
                     thread were still active; those were left too, and their guards now do \
                     nothing. Drop scope guards in the reverse order of entering them (with_params! \
                     blocks nest correctly). In async code the usual cause is a with_params! block \
                     or a ScopeGuard held across an .await while another task ran on this thread: \
                     read parameters into locals before awaiting, or enter a ParamScope around \
                     each synchronous stretch (see the ScopeGuard docs, \"Async code\")"
                );
            }
        }
    }
}

/// Enters a new, empty scope in the current thread.
pub(crate) fn enter_empty() -> ScopeGuard {
    let id = LOCAL.with(|local| local.scopes.borrow_mut().push());
    ScopeGuard {
        id,
        _not_send: PhantomData,
    }
}

/// `set a.b = value;` in a macro: the scope exists, the key is valid.
#[track_caller]
pub(crate) fn set_static(key: &StaticKey, value: Value) {
    if let Err(err) = write(Key::from_static(key), value) {
        panic!("{err}");
    }
}

/// `get x = a.b or default;` in a macro.
#[track_caller]
pub(crate) fn get_static<T: FromParam>(
    key: &StaticKey,
    default: T,
    help: Option<&str>,
) -> T::Output {
    match read(&Key::from_static(key), default, || Ok(())) {
        Ok(value) => value,
        Err(err) => match help {
            Some(help) => panic!("{err} (parameter help: {help})"),
            None => panic!("{err}"),
        },
    }
}

/// `params p;` in a macro.
pub(crate) fn apply_params<P: Borrow<ParamScope>>(params: P) {
    params.borrow().apply();
}

/// Replaces the baseline with an empty one (for tests that share a process).
pub(crate) fn clear_baseline() {
    replace_baseline(KeyMap::clear);
}

/// The number of scopes active in the current thread (for tests).
pub(crate) fn depth() -> usize {
    LOCAL.with(|local| local.scopes.borrow().layers.len())
}
