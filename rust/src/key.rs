//! The key grammar, key hashing, and the hash map keyed by parameter names.
//!
//! A key is a dotted path such as `train.optimizer.lr`: segments are non-empty
//! and contain no whitespace, no `=` and no `.`. The rules and messages mirror
//! `hyperparameter._keys` in the Python package.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

use crate::error::Error;
use crate::text::{is_py_space, quote};

/// Checks that `key` follows the key grammar.
///
/// # Errors
///
/// Returns an [`Error`] of kind [`ErrorKind::InvalidKey`](crate::ErrorKind::InvalidKey)
/// naming the key and the rule it breaks.
///
/// # Examples
///
/// ```
/// use hyperparameter::validate_key;
///
/// assert!(validate_key("train.optimizer.lr").is_ok());
/// let err = validate_key("train..lr").unwrap_err();
/// assert!(err.to_string().contains("empty segment"));
/// ```
pub fn validate_key(key: &str) -> Result<(), Error> {
    validate_key_from(key, None)
}

/// Returns whether `key` follows the key grammar.
///
/// # Examples
///
/// ```
/// use hyperparameter::is_valid_key;
///
/// assert!(is_valid_key("TRAIN.LR"));
/// assert!(!is_valid_key("a=b"));
/// assert!(!is_valid_key(""));
/// ```
#[must_use]
pub fn is_valid_key(key: &str) -> bool {
    problem(key).is_none()
}

/// Checks `key`, naming `origin` (such as `-D a..b=1`) in the error message.
pub(crate) fn validate_key_from(key: &str, origin: Option<&str>) -> Result<(), Error> {
    match problem(key) {
        None => Ok(()),
        Some(rule) => Err(Error::invalid_key(key, rule, origin)),
    }
}

/// Returns the rule `key` breaks, or `None` when it is valid.
///
/// The checks run in the same order as the Python package's, so both report
/// the same rule for the same key.
fn problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        return Some("a key must not be empty");
    }
    // One pass over the bytes for ASCII keys, the common case; the first bad
    // character decides the message, as in Python.
    let mut empty_segment = false;
    let mut segment_len = 0;
    for &byte in key.as_bytes() {
        match byte {
            b'=' => return Some("a key must not contain '='"),
            b'\t'..=b'\r' | b' ' | 0x1c..=0x1f => return Some("a key must not contain whitespace"),
            b'.' => {
                empty_segment |= segment_len == 0;
                segment_len = 0;
            }
            0x80.. => return problem_unicode(key),
            _ => segment_len += 1,
        }
    }
    if empty_segment || segment_len == 0 {
        return Some(EMPTY_SEGMENT);
    }
    None
}

const EMPTY_SEGMENT: &str =
    "a key must not have an empty segment (leading, trailing or doubled '.')";

/// [`problem`] for keys with non-ASCII characters.
fn problem_unicode(key: &str) -> Option<&'static str> {
    if let Some(bad) = key.chars().find(|&c| c == '=' || is_py_space(c)) {
        return Some(if bad == '=' {
            "a key must not contain '='"
        } else {
            "a key must not contain whitespace"
        });
    }
    if key.split('.').any(str::is_empty) {
        return Some(EMPTY_SEGMENT);
    }
    None
}

/// Hashes a key at compile time or at run time; both give the same number.
///
/// Eight bytes at a time (keys are short, and a run-time read hashes its key
/// on every call), finished with a 64-bit mixer so that the low bits a hash
/// table uses depend on every byte. Collisions are harmless: maps compare the
/// names too.
pub(crate) const fn hash_key(name: &str) -> u64 {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = name.as_bytes();
    let mut hash = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let word = u64::from_le_bytes([
            bytes[i],
            bytes[i + 1],
            bytes[i + 2],
            bytes[i + 3],
            bytes[i + 4],
            bytes[i + 5],
            bytes[i + 6],
            bytes[i + 7],
        ]);
        hash = (hash ^ word).wrapping_mul(MULTIPLIER).rotate_left(29);
        i += 8;
    }
    let mut tail = 0u64;
    let mut shift = 0;
    while i < bytes.len() {
        tail |= (bytes[i] as u64) << shift;
        shift += 8;
        i += 1;
    }
    hash = (hash ^ tail).wrapping_mul(MULTIPLIER).rotate_left(29);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^ (hash >> 33)
}

/// A key written in the source and hashed at compile time by the macros.
#[derive(Debug, Clone, Copy)]
pub struct StaticKey {
    hash: u64,
    name: &'static str,
}

impl StaticKey {
    /// Builds the key; the macros call this in a `const` item.
    #[must_use]
    pub const fn new(name: &'static str) -> Self {
        Self {
            hash: hash_key(name),
            name,
        }
    }

    /// The dotted name.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

/// An owned key stored in a map: the name and its precomputed hash.
#[derive(Clone)]
pub(crate) struct Key {
    hash: u64,
    name: Name,
}

#[derive(Clone)]
enum Name {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Key {
    /// Builds a key from a name that has already been validated.
    pub(crate) fn new(name: &str) -> Self {
        Self {
            hash: hash_key(name),
            name: Name::Shared(Arc::from(name)),
        }
    }

    pub(crate) fn from_static(key: &StaticKey) -> Self {
        Self {
            hash: key.hash,
            name: Name::Static(key.name),
        }
    }

    pub(crate) fn name(&self) -> &str {
        match &self.name {
            Name::Static(name) => name,
            Name::Shared(name) => name,
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quote(self.name()))
    }
}

/// A borrowed view of a key, so maps can be probed without building a [`Key`].
pub(crate) trait KeyView {
    fn key_hash(&self) -> u64;
    fn key_name(&self) -> &str;
}

impl KeyView for Key {
    fn key_hash(&self) -> u64 {
        self.hash
    }
    fn key_name(&self) -> &str {
        self.name()
    }
}

/// A key given at run time as `&str`, hashed once per lookup.
pub(crate) struct Probe<'a> {
    hash: u64,
    name: &'a str,
}

impl<'a> Probe<'a> {
    pub(crate) fn new(name: &'a str) -> Self {
        Self {
            hash: hash_key(name),
            name,
        }
    }
}

impl KeyView for Probe<'_> {
    fn key_hash(&self) -> u64 {
        self.hash
    }
    fn key_name(&self) -> &str {
        self.name
    }
}

// `Key` and `dyn KeyView` must hash and compare identically for `Borrow` to be
// correct: both feed only the precomputed hash to the hasher.
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.name() == other.name()
    }
}

impl Eq for Key {}

impl Hash for dyn KeyView + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.key_hash());
    }
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.key_hash() == other.key_hash() && self.key_name() == other.key_name()
    }
}

impl Eq for dyn KeyView + '_ {}

impl<'a> Borrow<dyn KeyView + 'a> for Key {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        self
    }
}

/// Passes a key's precomputed hash through unchanged.
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached if something other than a key is hashed; stay correct anyway.
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

/// A hash map from keys to `V` that never rehashes key names.
pub(crate) type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

pub(crate) const fn new_key_map<V>() -> KeyMap<V> {
    HashMap::with_hasher(BuildHasherDefault::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_time_and_run_time_hashes_agree() {
        const KEY: StaticKey = StaticKey::new("train.lr");
        assert_eq!(KEY.hash, Probe::new("train.lr").hash);
        assert_eq!(Key::new("train.lr"), Key::from_static(&KEY));
    }

    #[test]
    fn probes_find_owned_keys() {
        let mut map: KeyMap<i32> = new_key_map();
        map.insert(Key::new("a.b"), 1);
        let probe = Probe::new("a.b");
        assert_eq!(map.get(&probe as &dyn KeyView), Some(&1));
        let other = Probe::new("a.c");
        assert_eq!(map.get(&other as &dyn KeyView), None);
    }

    #[test]
    fn python_whitespace_is_rejected() {
        // U+001C..U+001F count as whitespace in Python but not in Rust's `char::is_whitespace`.
        assert!(!is_valid_key("a\u{1c}b"));
        assert!(!is_valid_key("a\u{3000}b"));
        assert!(is_valid_key("a\u{200b}b"));
    }
}
