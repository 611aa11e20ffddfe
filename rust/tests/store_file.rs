//! A baseline that follows a file store: `attach_file` and `attach`.
//!
//! The baseline is shared by the whole process, so the tests of this file
//! take turns (`serial()`) and each starts from an empty baseline. Changes are
//! awaited with a bounded poll on the condition (`eventually`), never a sleep.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use hyperparameter::__private::{clear_baseline, store_polls, store_reports, store_watchers};
use hyperparameter::{
    attach, attach_file, get, get_param, get_value, try_get, with_params, ErrorKind, ParamScope,
    Value,
};

const INTERVAL: Duration = Duration::from_millis(5);

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    clear_baseline();
    guard
}

/// A fresh directory, removed at the end of the test.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("hp-store-{}-{n}-{name}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Replaces the store as writers must: a temporary file in the same directory, then a rename.
fn publish(store: &Path, content: &str) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let temp = store.with_file_name(format!(".params.{n}.tmp"));
    fs::write(&temp, content).unwrap();
    fs::rename(&temp, store).unwrap();
}

/// Waits until `condition` holds, for at most ten seconds.
fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(2));
    }
}

/// Runs `read` in a new thread, which starts from the baseline.
fn in_new_thread<T: Send + 'static>(read: fn() -> T) -> T {
    thread::spawn(read).join().unwrap()
}

#[test]
fn attach_loads_the_store_then_a_new_thread_sees_each_atomic_rewrite() {
    let _serial = serial();
    let dir = TempDir::new("follow");
    let store = dir.join("params.json");
    publish(
        &store,
        r#"{"serve.temperature": 0.7, "serve.model": "small", "serve.steps": "12",
            "serve.amp": true, "serve.stop": null, "serve.sizes": [1, 2],
            "serve": {"batch": {"size": 16}}}"#,
    );
    let attachment = attach_file(&store, INTERVAL).unwrap();
    assert!(attachment.error().is_none());
    let read = || {
        (
            get_param!(serve.temperature, 1.0),
            get_param!(serve.model, "large"),
            get_param!(serve.steps, 1i64),
            get_param!(serve.amp, false),
        )
    };
    assert_eq!(read(), (0.7, "small".to_owned(), 12, true));
    assert_eq!(in_new_thread(read), (0.7, "small".to_owned(), 12, true));
    assert_eq!(get_value("serve.stop"), Ok(Some(Value::Null)));
    // Nested objects are flattened to dotted keys.
    assert_eq!(get_param!(serve.batch.size, 1i64), 16);
    assert_eq!(
        get_value("serve.sizes"),
        Ok(Some(Value::List(vec![Value::Int(1), Value::Int(2)])))
    );

    publish(
        &store,
        r#"{"serve.temperature": 0.2, "serve.model": "small"}"#,
    );
    eventually("a new thread reads the published temperature", || {
        in_new_thread(|| get_param!(serve.temperature, 1.0)) == 0.2
    });
    assert_eq!(get_param!(serve.temperature, 1.0), 0.2);
    // Keys the store no longer holds are gone from the baseline.
    assert_eq!(get_param!(serve.steps, 1i64), 1);
    assert_eq!(get_value("serve.sizes"), Ok(None));

    publish(
        &store,
        r#"{"serve.temperature": 0.9, "serve.model": "tiny"}"#,
    );
    eventually("a new thread reads the second change", || {
        in_new_thread(read) == (0.9, "tiny".to_owned(), 1, false)
    });
    attachment.detach();
}

#[test]
fn each_change_is_applied_whole() {
    let _serial = serial();
    let dir = TempDir::new("atomic");
    let store = dir.join("params.json");
    publish(&store, r#"{"pair.a": 0, "pair.b": 0}"#);
    let _attachment = attach_file(&store, Duration::from_millis(1)).unwrap();
    let last: i64 = 40;
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let done = Arc::clone(&done);
            thread::spawn(move || {
                let mut snapshots = 0u64;
                while !done.load(Ordering::Relaxed) {
                    // One snapshot of the baseline: both keys come from the same version.
                    let seen = ParamScope::current();
                    assert_eq!(
                        seen.get_value("pair.a"),
                        seen.get_value("pair.b"),
                        "a reader saw half of a change"
                    );
                    snapshots += 1;
                }
                snapshots
            })
        })
        .collect();
    for version in 1..=last {
        publish(
            &store,
            &format!(r#"{{"pair.a": {version}, "pair.b": {version}}}"#),
        );
        eventually("the watcher applies the version", || {
            get_param!(pair.a, -1i64) == version
        });
    }
    done.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }
    assert_eq!(get_param!(pair.b, -1i64), last);
}

#[test]
fn a_malformed_store_keeps_the_last_good_values_then_resumes() {
    let _serial = serial();
    let dir = TempDir::new("malformed");
    let store = dir.join("params.json");
    publish(&store, r#"{"llm.temperature": 0.5}"#);
    let attachment = attach_file(&store, INTERVAL).unwrap();
    for bad in [
        r#"{"llm.temperature": 0.9"#,
        "",
        r#"["llm.temperature", 0.9]"#,
        r#"{"llm": [{"temperature": 0.9}]}"#,
        r#"{"llm..temperature": 0.9}"#,
    ] {
        let reports = store_reports();
        publish(&store, bad);
        eventually("the watcher reports the malformed store", || {
            attachment.error().is_some()
        });
        assert_eq!(store_reports(), reports + 1);
        let err = attachment.error().unwrap();
        assert!(err.to_string().contains(attachment.url()), "{err}");
        assert!(
            matches!(err.kind(), ErrorKind::Store | ErrorKind::InvalidKey),
            "{err}"
        );
        // The last good values stay, in every thread.
        assert_eq!(get_param!(llm.temperature, 1.0), 0.5);
        assert_eq!(in_new_thread(|| get_param!(llm.temperature, 1.0)), 0.5);
        // Said once, however many times the watcher finds the same problem.
        let (polls, reports) = (store_polls(), store_reports());
        eventually(
            "the watcher polls the malformed store ten more times",
            || store_polls() >= polls + 10,
        );
        assert_eq!(store_reports(), reports, "the problem was reported again");
        publish(&store, r#"{"llm.temperature": 0.5}"#);
        eventually("the watcher resumes", || attachment.error().is_none());
        assert_eq!(
            store_reports(),
            reports + 1,
            "the recovery is reported once"
        );
    }
    // A missing file is a problem too; the store is followed again when it is back.
    fs::remove_file(&store).unwrap();
    eventually("the watcher reports the missing store", || {
        attachment.error().is_some()
    });
    assert_eq!(get_param!(llm.temperature, 1.0), 0.5);
    publish(&store, r#"{"llm.temperature": 0.25}"#);
    eventually(
        "a new thread reads the value after the store is back",
        || in_new_thread(|| get_param!(llm.temperature, 1.0)) == 0.25,
    );
    assert!(attachment.error().is_none());
}

#[test]
fn detach_and_drop_stop_the_watcher_before_returning() {
    let _serial = serial();
    let dir = TempDir::new("detach");
    let store = dir.join("params.json");
    publish(&store, r#"{"job.rate": 1}"#);
    let attachment = attach_file(&store, INTERVAL).unwrap();
    assert_eq!(store_watchers(), 1);
    attachment.detach();
    assert_eq!(
        store_watchers(),
        0,
        "detach returned before the watcher stopped"
    );
    publish(&store, r#"{"job.rate": 2}"#);
    // Another attachment follows its own store: by the time it sees its change,
    // a watcher of the first store (had it survived) would have seen that one too.
    let other = dir.join("other.json");
    publish(&other, r#"{"job.other": 1}"#);
    let probe = attach_file(&other, INTERVAL).unwrap();
    publish(&other, r#"{"job.other": 2}"#);
    eventually("the probe store is followed", || {
        get_param!(job.other, 0) == 2
    });
    assert_eq!(get_param!(job.rate, 0), 1, "a detached store was followed");
    // The baseline keeps the values it had at detach.
    assert_eq!(in_new_thread(|| get_param!(job.rate, 0)), 1);
    drop(probe);
    assert_eq!(
        store_watchers(),
        0,
        "drop returned before the watcher stopped"
    );
}

#[test]
fn scopes_still_win_over_the_store() {
    let _serial = serial();
    let dir = TempDir::new("scopes");
    let store = dir.join("params.json");
    publish(&store, r#"{"ab.variant": "a", "ab.share": 0.5}"#);
    let _attachment = attach_file(&store, INTERVAL).unwrap();
    with_params! {
        set ab.variant = "b";
        assert_eq!(get_param!(ab.variant, "none"), "b");
        publish(&store, r#"{"ab.variant": "c", "ab.share": 0.1}"#);
        eventually("a new thread reads the new variant", || {
            in_new_thread(|| get_param!(ab.variant, "none")) == "c"
        });
        // This thread's scope still wins; the key it does not set follows the store.
        assert_eq!(get_param!(ab.variant, "none"), "b");
        assert_eq!(get_param!(ab.share, 1.0), 0.1);
    }
    assert_eq!(get_param!(ab.variant, "none"), "c");
}

#[test]
fn a_key_removed_from_the_store_falls_back_to_the_baseline_it_replaced() {
    let _serial = serial();
    with_params! {
        set run.seed = 1;
        frozen();
    }
    let dir = TempDir::new("removed");
    let store = dir.join("params.json");
    publish(&store, r#"{"run.seed": 2, "run.batch": 8}"#);
    let _attachment = attach_file(&store, INTERVAL).unwrap();
    assert_eq!(get_param!(run.seed, 0), 2);
    // `frozen()` after attaching wins over the store until the store changes that key.
    with_params! {
        set run.batch = 64;
        frozen();
    }
    // Each version carries a marker, so the test knows when the watcher has applied it.
    let step = |content: &str, marker: i64| {
        publish(&store, content);
        eventually(&format!("the watcher applies version {marker}"), || {
            get_param!(run.marker, 0i64) == marker
        });
    };
    step(r#"{"run.batch": 8, "run.marker": 1}"#, 1);
    assert_eq!(
        get_param!(run.seed, 0),
        1,
        "a removed key keeps the store's value"
    );
    assert_eq!(
        get_param!(run.batch, 0),
        64,
        "an unchanged key was re-applied"
    );
    step(r#"{"run.marker": 2}"#, 2);
    assert_eq!(
        get_param!(run.batch, 0),
        64,
        "the store undid a value it did not set"
    );
    step(r#"{"run.batch": 16, "run.marker": 3}"#, 3);
    assert_eq!(get_param!(run.batch, 0), 16);
    step(r#"{"run.marker": 4}"#, 4);
    assert_eq!(get_param!(run.batch, 0), 64);
    assert_eq!(in_new_thread(|| get_param!(run.seed, 0)), 1);
}

#[test]
fn text_in_the_store_converts_at_each_read_and_errors_name_the_store() {
    let _serial = serial();
    let dir = TempDir::new("text dir");
    let store = dir.join("params.json");
    publish(&store, r#"{"train.lr": "1e-3", "train.epochs": "ten"}"#);
    let url = format!("file://{}", store.to_str().unwrap().replace(' ', "%20"));
    let attachment = attach(&url, INTERVAL).unwrap();
    assert_eq!(attachment.url(), url);
    assert_eq!(attachment.path(), store);
    assert_eq!(get("train.lr", 0.1), 0.001);
    let err = try_get("train.epochs", 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
    assert!(err.to_string().contains(&format!("(from {url})")), "{err}");
}

#[test]
fn attach_refuses_what_it_cannot_follow_and_changes_nothing() {
    let _serial = serial();
    with_params! {
        set kept = 1;
        frozen();
    }
    let dir = TempDir::new("refused");
    let file = |name: &str, content: &str| {
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        path
    };
    let cases: Vec<(PathBuf, ErrorKind, &str)> = vec![
        (dir.join("missing.json"), ErrorKind::Store, "cannot read"),
        (dir.0.clone(), ErrorKind::Store, "not a regular file"),
        (file("empty.json", "  \n"), ErrorKind::Store, "empty"),
        (
            file("broken.json", r#"{"kept": 2"#),
            ErrorKind::Store,
            "not a valid parameter set",
        ),
        (file("list.json", "[1]"), ErrorKind::Store, "not an object"),
        (
            file("nested.json", r#"{"kept": 2, "a": [{"b": 1}]}"#),
            ErrorKind::Store,
            "inside an array",
        ),
        (
            file("key.json", r#"{"kept": 2, "a b": 1}"#),
            ErrorKind::InvalidKey,
            "'a b'",
        ),
        (file("params.yaml", "kept: 2\n"), ErrorKind::Store, "YAML"),
    ];
    for (path, kind, says) in cases {
        let err = attach_file(&path, INTERVAL).unwrap_err();
        assert_eq!(err.kind(), kind, "{}: {err}", path.display());
        assert!(err.to_string().contains(says), "{err}");
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            err.to_string().contains(name),
            "the error does not name the file: {err}"
        );
        assert_eq!(get_param!(kept, 0), 1);
        assert_eq!(store_watchers(), 0);
    }
    for url in [
        "redis://localhost:6379/0",
        "file://relative/params.json",
        "file:///a%zz.json",
    ] {
        let err = attach(url, INTERVAL).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Store);
        assert!(err.to_string().contains(url), "{err}");
        assert!(
            err.to_string().contains("file:///path/params.json"),
            "{err}"
        );
    }
}
