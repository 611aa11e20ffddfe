//! Following a parameter store: a JSON file that other processes replace
//! atomically, polled by one background thread per attachment.
//!
//! The file holds the same JSON object as `HYPERPARAMETER_PARAMS`. The
//! watcher is the only code that touches the file: it applies each change as
//! a new baseline through `scope::replace_baseline`, the way `frozen()` does,
//! so reads stay exactly as fast as without a store.

use std::fmt::{self, Write as _};
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

use crate::env;
use crate::error::Error;
use crate::key::{new_key_map, KeyMap};
use crate::scope;
use crate::value::Value;

/// The largest store file read (16 MiB); a larger one is an error.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The shortest polling interval; shorter ones are raised to it.
const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// A file modified this recently may be replaced again without its size or
/// modified time changing (on file systems with coarse clocks), so its
/// content is compared at each poll until it is older.
const RACY: Duration = Duration::from_secs(2);

/// The number of watcher threads running, polls made and lines written to
/// stderr, in the whole process (for tests).
static WATCHERS: AtomicUsize = AtomicUsize::new(0);
static POLLS: AtomicUsize = AtomicUsize::new(0);
static REPORTS: AtomicUsize = AtomicUsize::new(0);

/// Makes the process-wide baseline follow a JSON parameter store file.
///
/// The file holds one JSON object from dotted keys to numbers, booleans,
/// null, strings or arrays: the format of `HYPERPARAMETER_PARAMS`
/// ([`ENV_VAR`](crate::ENV_VAR)), shared with the Python package's
/// `hp.attach("file:///path/params.json")` and `hp publish --store`. Strings
/// are text, converted at each read toward the default's type as `-D`
/// values are; error messages name the store as their source.
///
/// At attach, the file's values are applied to the baseline. Then a
/// background thread checks the file every `interval` and applies each
/// change as a new baseline, atomically, as [`frozen()`](crate::frozen) does:
/// a read sees the values before a change or after it, never a mix. Only
/// changed keys are applied; a key removed from the file gets back the
/// baseline value it had before the store set it, unless something else
/// (such as `frozen()`) has changed it since. Scopes still win over the
/// baseline. Reads never touch the file, so they are exactly as fast as
/// without a store.
///
/// Writers must replace the file atomically: write a temporary file in the
/// same directory, then rename it over the store. If the file becomes
/// unreadable or malformed, the last good values stay in force, one line on
/// standard error names the file and the problem, and the watcher resumes
/// (saying so on standard error) when a good file appears.
///
/// The returned [`Attachment`] stops following when dropped or
/// [`detached`](Attachment::detach); the baseline keeps the values it has
/// then. YAML stores (`.yaml`, `.yml`) are read by the Python package only;
/// any other file name is read as JSON.
///
/// # Errors
///
/// [`ErrorKind::Store`](crate::ErrorKind::Store) when the file cannot be read
/// (missing, not a regular file, larger than 16 MiB, not UTF-8, empty) or is
/// not a JSON object of dotted keys to values;
/// [`ErrorKind::InvalidKey`](crate::ErrorKind::InvalidKey) for a malformed key.
/// On error, the baseline is unchanged and nothing is left running.
///
/// # Panics
///
/// When `HYPERPARAMETER_PARAMS` cannot be loaded, as the first read would.
///
/// # Examples
///
/// ```
/// use hyperparameter::{attach_file, get_param};
/// use std::time::Duration;
///
/// let dir = std::env::temp_dir().join(format!("hp-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let store = dir.join("params.json");
/// std::fs::write(&store, r#"{"serve.temperature": 0.7, "serve.model": "small"}"#).unwrap();
///
/// let attachment = attach_file(&store, Duration::from_millis(200)).unwrap();
/// assert_eq!(get_param!(serve.temperature, 1.0), 0.7);
/// assert_eq!(get_param!(serve.model, "large"), "small");
/// attachment.detach(); // stop following; the values stay
/// assert_eq!(get_param!(serve.temperature, 1.0), 0.7);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn attach_file(path: impl AsRef<Path>, interval: Duration) -> Result<Attachment, Error> {
    let path = path.as_ref();
    let absolute = std::path::absolute(path).map_err(|err| {
        Error::store(format!(
            "cannot attach to the parameter store {}: {err}",
            path.display()
        ))
    })?;
    let url = file_url(&absolute);
    attach_path(absolute, url, interval)
}

/// Makes the baseline follow the store named by a URL, as [`attach_file`] does.
///
/// The Rust crate follows file stores: `file:///absolute/path/params.json`
/// (also `file://localhost/...`; `%XX` escapes are decoded). The URL is the
/// source that error messages name.
///
/// # Errors
///
/// [`ErrorKind::Store`](crate::ErrorKind::Store) for another kind of URL
/// (such as `redis://`, which only the Python package follows) or a file URL
/// without an absolute path; otherwise, as [`attach_file`].
///
/// # Panics
///
/// As [`attach_file`].
///
/// # Examples
///
/// ```
/// use hyperparameter::{attach, ErrorKind};
/// use std::time::Duration;
///
/// let err = attach("redis://localhost:6379/0", Duration::from_secs(1)).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Store);
/// assert!(err.to_string().contains("file stores only"));
/// ```
pub fn attach(url: &str, interval: Duration) -> Result<Attachment, Error> {
    let refuse = |problem: &str| {
        Error::store(format!(
            "cannot attach to the parameter store {url:?}: {problem}; the Rust crate follows \
             file stores only, named like file:///path/params.json (Redis stores are for the \
             Python package)"
        ))
    };
    let Some(rest) = url.strip_prefix("file://") else {
        return Err(refuse("it is not a file:// URL"));
    };
    let encoded = rest.strip_prefix("localhost").unwrap_or(rest);
    if !encoded.starts_with('/') {
        return Err(refuse("a file URL must name an absolute path"));
    }
    let path = percent_decode(encoded).ok_or_else(|| refuse("it has a malformed %-escape"))?;
    attach_path(PathBuf::from(path), url.to_owned(), interval)
}

fn attach_path(path: PathBuf, url: String, interval: Duration) -> Result<Attachment, Error> {
    if matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yaml" | "yml")
    ) {
        return Err(Error::store(format!(
            "cannot attach to the parameter store {url}: YAML stores are read by the Python \
             package only; the Rust crate follows JSON stores, so use a file ending in .json"
        )));
    }
    let mut follower = Follower {
        path,
        url,
        seen: None,
        good: Vec::new(),
        bad: None,
        applied: new_key_map(),
        shadowed: new_key_map(),
        problem: Arc::new(Mutex::new(None)),
    };
    let (signature, bytes) = read_file(&follower.path, &follower.url).map_err(Error::store)?;
    let values = follower.parse(&bytes)?;
    follower.seen = Some(signature);
    follower.good = bytes;

    let stop = Arc::new(Stop {
        stopped: Mutex::new(false),
        wake: Condvar::new(),
    });
    let url = follower.url.clone();
    let path = follower.path.clone();
    let problem = Arc::clone(&follower.problem);
    let interval = interval.max(MIN_INTERVAL);
    // The watcher applies the first values and says so before `attach` returns;
    // if it cannot start, nothing has changed.
    let (applied, was_applied) = mpsc::sync_channel::<()>(1);
    let watcher = {
        let stop = Arc::clone(&stop);
        let running = Running::start();
        thread::Builder::new()
            .name("hyperparameter-store".to_owned())
            .spawn(move || {
                let _running = running;
                follower.apply(values);
                let _ = applied.send(());
                watch(follower, &stop, interval);
            })
            .map_err(|err| {
                Error::store(format!(
                    "cannot attach to the parameter store {url}: cannot start its watcher \
                     thread: {err}"
                ))
            })?
    };
    if was_applied.recv().is_err() {
        // Applying panicked: the baseline could not be loaded from the environment.
        if let Err(panic) = watcher.join() {
            std::panic::resume_unwind(panic);
        }
        unreachable!("the store watcher returned before applying the store");
    }
    Ok(Attachment {
        url,
        path,
        problem,
        stop,
        watcher: Some(watcher),
    })
}

/// A process baseline following a parameter store; see [`attach_file`].
///
/// Dropping it (or calling [`detach`](Attachment::detach)) stops the watcher
/// thread and waits for it, so no change is applied afterwards. The baseline
/// keeps the values it has then.
#[must_use = "the store is followed only while the attachment lives; bind it: `let _store = ...;`"]
pub struct Attachment {
    url: String,
    path: PathBuf,
    problem: Arc<Mutex<Option<Error>>>,
    stop: Arc<Stop>,
    watcher: Option<JoinHandle<()>>,
}

impl Attachment {
    /// The store's URL (`file:///...`), as error messages and logs name it.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("hp-doc-url-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let store = dir.join("params.json");
    /// # std::fs::write(&store, "{}").unwrap();
    /// let attachment = hyperparameter::attach_file(&store, std::time::Duration::from_secs(1)).unwrap();
    /// assert!(attachment.url().starts_with("file:///"));
    /// assert!(attachment.url().ends_with("/params.json"));
    /// # drop(attachment);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The absolute path of the store file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the store is not being followed right now: `None` while it is.
    ///
    /// `Some` from the moment the watcher finds the file unreadable or
    /// malformed (the last good values stay in force) until it finds a good
    /// file again. Useful for a health check.
    #[must_use]
    pub fn error(&self) -> Option<Error> {
        self.problem
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops following the store, and waits until the watcher has stopped.
    ///
    /// The same as dropping the attachment, written out.
    pub fn detach(self) {}

    fn stop(&mut self) {
        *self
            .stop
            .stopped
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.stop.wake.notify_all();
        if let Some(watcher) = self.watcher.take() {
            // A watcher that panicked has already reported it; nothing is left to stop.
            let _ = watcher.join();
        }
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

/// Counts a running watcher until it returns (or unwinds).
struct Running;

impl Running {
    fn start() -> Self {
        WATCHERS.fetch_add(1, Ordering::SeqCst);
        Self
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        WATCHERS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The watcher thread's loop, until `stop` says to stop.
fn watch(mut follower: Follower, stop: &Stop, interval: Duration) {
    loop {
        let stopped = stop.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        let (stopped, _) = stop
            .wake
            .wait_timeout_while(stopped, interval, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        if *stopped {
            return;
        }
        drop(stopped);
        follower.poll();
    }
}

/// What identifies a version of the file without reading it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Signature {
    len: u64,
    modified: Option<SystemTime>,
    /// The file's inode: an atomic replace always changes it.
    inode: u64,
}

impl Signature {
    fn of(metadata: &fs::Metadata) -> Self {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(metadata);
        #[cfg(not(unix))]
        let inode = 0;
        Self {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            inode,
        }
    }

    /// Whether the file may change again without its signature changing.
    fn is_racy(&self) -> bool {
        self.modified.is_none_or(|modified| {
            SystemTime::now()
                .duration_since(modified)
                .is_ok_and(|age| age < RACY)
                || modified > SystemTime::now()
        })
    }
}

/// Reads the store file: only a regular file, at most `MAX_BYTES`.
fn read_file(path: &Path, url: &str) -> Result<(Signature, Vec<u8>), String> {
    let problem =
        |what: &dyn fmt::Display| format!("cannot read the parameter store {url}: {what}");
    let metadata = fs::metadata(path).map_err(|err| problem(&err))?;
    if !metadata.is_file() {
        return Err(problem(&"it is not a regular file"));
    }
    let too_big = || problem(&format!("it is larger than the limit of {MAX_BYTES} bytes"));
    if metadata.len() > MAX_BYTES {
        return Err(too_big());
    }
    let signature = Signature::of(&metadata);
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|file| file.take(MAX_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|err| problem(&err))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_big());
    }
    Ok((signature, bytes))
}

/// The watcher's state.
struct Follower {
    path: PathBuf,
    url: String,
    /// The signature of the file at the last read, if it could be read.
    seen: Option<Signature>,
    /// The content last applied.
    good: Vec<u8>,
    /// The content last found malformed, not to be reported twice.
    bad: Option<Vec<u8>>,
    /// The values last applied from the store.
    applied: KeyMap<Value>,
    /// For each key in `applied`: the baseline value it replaced, if any.
    shadowed: KeyMap<Option<Value>>,
    /// Why the store is unreadable or malformed now (said once on stderr).
    problem: Arc<Mutex<Option<Error>>>,
}

impl Follower {
    fn parse(&self, bytes: &[u8]) -> Result<KeyMap<Value>, Error> {
        let url = &self.url;
        let invalid = |problem: &str| {
            Error::store(format!(
                "the parameter store {url} is not a valid parameter set: {problem}; it must hold \
                 one JSON object mapping dotted keys to numbers, booleans, null, strings or \
                 arrays, such as {{\"train.lr\": 0.01}}, replaced atomically (write a temporary \
                 file in the same directory, then rename it over the store)"
            ))
        };
        let text = std::str::from_utf8(bytes).map_err(|err| invalid(&format!("{err}")))?;
        if text.trim().is_empty() {
            return Err(invalid("the file is empty"));
        }
        env::parse_object(text, url, invalid)
    }

    /// Checks the file once and applies a change.
    fn poll(&mut self) {
        POLLS.fetch_add(1, Ordering::SeqCst);
        let Ok(metadata) = fs::metadata(&self.path) else {
            self.seen = None;
            return self.read_and_apply();
        };
        match self.seen {
            Some(seen) if seen == Signature::of(&metadata) && !seen.is_racy() => {}
            _ => self.read_and_apply(),
        }
    }

    fn read_and_apply(&mut self) {
        let (signature, bytes) = match read_file(&self.path, &self.url) {
            Ok(read) => read,
            Err(problem) => {
                self.seen = None;
                return self.fail(Error::store(problem));
            }
        };
        self.seen = Some(signature);
        if bytes == self.good {
            return self.recover();
        }
        if self.bad.as_ref() == Some(&bytes) {
            return;
        }
        match self.parse(&bytes) {
            Ok(values) => {
                self.apply(values);
                self.good = bytes;
                self.bad = None;
                self.recover();
            }
            Err(err) => {
                self.bad = Some(bytes);
                self.fail(err);
            }
        }
    }

    /// Records the problem; says so on stderr when the store was fine until now.
    fn fail(&self, err: Error) {
        let mut problem = self.problem.lock().unwrap_or_else(PoisonError::into_inner);
        if problem.is_none() {
            REPORTS.fetch_add(1, Ordering::SeqCst);
            eprintln!(
                "hyperparameter: {err}. Keeping the last good values of {} until the store is \
                 fixed.",
                self.url
            );
        }
        *problem = Some(err);
    }

    fn recover(&self) {
        let mut problem = self.problem.lock().unwrap_or_else(PoisonError::into_inner);
        if problem.take().is_some() {
            REPORTS.fetch_add(1, Ordering::SeqCst);
            eprintln!(
                "hyperparameter: the parameter store {} is valid again; following it.",
                self.url
            );
        }
    }

    /// Applies the keys that changed since the last apply, as one new baseline.
    fn apply(&mut self, new: KeyMap<Value>) {
        let (applied, shadowed) = (&self.applied, &mut self.shadowed);
        scope::replace_baseline(|values| {
            for (key, old) in applied {
                if new.contains_key(key) {
                    continue;
                }
                let before = shadowed.remove(key).flatten();
                // Undo only what the store set: a value published since (by `frozen()`) stays.
                if values.get(key) == Some(old) {
                    match before {
                        Some(value) => values.insert(key.clone(), value),
                        None => values.remove(key),
                    };
                }
            }
            for (key, value) in &new {
                match applied.get(key) {
                    Some(old) if old == value => {}
                    Some(_) => {
                        values.insert(key.clone(), value.clone());
                    }
                    None => {
                        shadowed.insert(key.clone(), values.insert(key.clone(), value.clone()));
                    }
                }
            }
        });
        self.applied = new;
    }
}

/// `file://` and the path, %-escaped as Python's `Path.as_uri()` escapes it.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for &byte in path.to_string_lossy().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            let _ = write!(url, "%{byte:02X}");
        }
    }
    url
}

/// Decodes `%XX` escapes; `None` for a malformed escape or text that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The number of store watcher threads running, of polls made, of lines written to stderr.
pub(crate) fn stats() -> (usize, usize, usize) {
    (
        WATCHERS.load(Ordering::SeqCst),
        POLLS.load(Ordering::SeqCst),
        REPORTS.load(Ordering::SeqCst),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_escape_like_python_and_decode_back() {
        let url = file_url(Path::new("/tmp/my dir/p%1é.json"));
        assert_eq!(url, "file:///tmp/my%20dir/p%251%C3%A9.json");
        assert_eq!(
            percent_decode(url.strip_prefix("file://").unwrap()).as_deref(),
            Some("/tmp/my dir/p%1é.json")
        );
        assert_eq!(percent_decode("/a%2"), None);
        assert_eq!(percent_decode("/a%zz"), None);
        assert_eq!(percent_decode("/a%FF"), None);
    }
}
