//! The two programs of the reference's section 6, kept as `examples/basic.rs`
//! and `examples/threads.rs`, print what the reference says.

mod support;

use support::{run_example, stdout_of};

#[test]
fn basic_prints_defaults_then_overrides_then_defaults_again() {
    let out = stdout_of(&run_example("basic", &[], None));
    assert_eq!(
        out,
        "lr=0.001, batch_size=32\nlr=0.0005, batch_size=64\nlr=0.001, batch_size=32\n"
    );
}

#[test]
fn threads_each_worker_sees_only_its_own_scopes() {
    let out = stdout_of(&run_example("threads", &[], None));
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort_unstable();
    let mut expected: Vec<String> = (0..4)
        .flat_map(|id| (0..5).map(move |i| format!("Worker {id} iter {i}")))
        .collect();
    expected.sort_unstable();
    assert_eq!(lines, expected);
}

#[test]
fn basic_starts_from_the_parent_process_parameters() {
    let out = stdout_of(&run_example(
        "basic",
        &[],
        Some(r#"{"train.lr": 0.1, "train.batch_size": "16"}"#),
    ));
    // The inherited values replace the defaults; the scope in `main` still wins inside it.
    assert_eq!(
        out,
        "lr=0.1, batch_size=16\nlr=0.0005, batch_size=64\nlr=0.1, batch_size=16\n"
    );
}
