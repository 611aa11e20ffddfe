//! The process-wide baseline: `frozen()`, new threads, running threads.
//!
//! The baseline is shared by the whole process, so the tests of this file
//! take turns (`serial()`) and each starts from an empty baseline.

use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;

use hyperparameter::__private::clear_baseline;
use hyperparameter::{get, get_param, subprocess_env, with_params, ParamScope};

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    clear_baseline();
    guard
}

#[test]
fn the_frozen_form_with_and_without_trailing_semicolon() {
    let _serial = serial();
    with_params! {
        set seed = 1;
        frozen();
    }
    assert_eq!(get_param!(seed, 0), 1);
    with_params! {
        set seed = 2;
        frozen()
    }
    assert_eq!(get_param!(seed, 0), 2);
}

mod without_glob_import {
    // `frozen();` inside the block works without importing `frozen`.
    pub fn publish(value: i64) {
        hyperparameter::with_params! {
            set imported.not = value;
            frozen();
        }
    }
}

#[test]
fn the_frozen_form_needs_no_import() {
    let _serial = serial();
    without_glob_import::publish(5);
    assert_eq!(get_param!(imported.not, 0), 5);
}

#[test]
fn a_new_thread_starts_from_the_baseline_not_from_its_parents_scope() {
    let _serial = serial();
    with_params! {
        set global.seed = 42;
        frozen();
    }
    with_params! {
        set global.seed = 7;
        set local.only = 1;
        let (seed, local) = thread::spawn(|| (get_param!(global.seed, 0), get_param!(local.only, 0)))
            .join()
            .unwrap();
        assert_eq!((seed, local), (42, 0));
        assert_eq!(get_param!(global.seed, 0), 7);
    }
    assert_eq!(get_param!(global.seed, 0), 42);
}

#[test]
fn a_running_thread_sees_a_new_baseline_at_its_next_read() {
    let _serial = serial();
    let (to_worker, from_main) = mpsc::channel::<()>();
    let (to_main, from_worker) = mpsc::channel::<(i64, i64)>();
    let worker = thread::spawn(move || {
        let read = || (get_param!(shared.value, 0), get_param!(shadowed.value, 0));
        with_params! {
            set shadowed.value = -1;
            to_main.send(read()).unwrap();
            from_main.recv().unwrap();
            to_main.send(read()).unwrap();
        }
    });
    assert_eq!(from_worker.recv().unwrap(), (0, -1));
    with_params! {
        set shared.value = 1;
        set shadowed.value = 1;
        frozen();
    }
    to_worker.send(()).unwrap();
    // The worker's own scope still shadows `shadowed.value`.
    assert_eq!(from_worker.recv().unwrap(), (1, -1));
    worker.join().unwrap();
}

#[test]
fn frozen_replaces_the_baseline_atomically() {
    let _serial = serial();
    let writer = thread::spawn(|| {
        for i in 0..300i64 {
            with_params! {
                set pair.left = i;
                set pair.right = i;
                frozen();
            }
        }
    });
    let readers: Vec<_> = (0..2)
        .map(|_| {
            thread::spawn(|| {
                for _ in 0..300 {
                    // One snapshot of the baseline: both halves come from the same `frozen()`.
                    let snapshot = ParamScope::current();
                    assert_eq!(
                        snapshot.get_value("pair.left"),
                        snapshot.get_value("pair.right")
                    );
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for reader in readers {
        reader.join().unwrap();
    }
    assert_eq!(get("pair.left", 0), 299);
}

#[test]
fn frozen_overlays_the_previous_baseline_and_keeps_text_as_text() {
    let _serial = serial();
    with_params! {
        params ParamScope::from(["train.lr=0.01", "train.name=bert"]);
        frozen();
    }
    with_params! {
        set train.lr = 0.5;
        frozen();
    }
    assert_eq!(get_param!(train.lr, 0.0), 0.5);
    assert_eq!(get_param!(train.name, ""), "bert");
    let (_, json) = subprocess_env();
    assert_eq!(json, r#"{"train.lr":0.5,"train.name":"bert"}"#);
}

#[test]
fn subprocess_env_carries_the_baseline_and_the_scopes() {
    let _serial = serial();
    with_params! {
        set base.int = 1;
        frozen();
    }
    let (name, json) = with_params! {
        set scoped.float = 1.0;
        set scoped.list = vec![1, 2];
        params ParamScope::from(["scoped.text=a \"quoted\" word"]);
        subprocess_env()
    };
    assert_eq!(name, "HYPERPARAMETER_PARAMS");
    assert_eq!(
        json,
        r#"{"base.int":1,"scoped.float":1.0,"scoped.list":[1,2],"scoped.text":"a \"quoted\" word"}"#
    );
}
