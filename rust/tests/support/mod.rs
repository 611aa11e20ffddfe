//! Helpers shared by the integration tests that run the example programs.

#![allow(dead_code)] // each test file uses a different subset

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The path of a built example program, building the examples once if needed.
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    // target/<profile>/deps/<this test> -> target/<profile>/examples/<name>
    let profile_dir = std::env::current_exe()
        .expect("the test binary has a path")
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps")
        .to_path_buf();
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    BUILT.get_or_init(|| {
        // `cargo test` builds the examples before running tests; this covers
        // `cargo test --test <name>`, which does not.
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args(["build", "--quiet", "--offline", "--examples"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "cargo build --examples failed");
    });
    path
}

/// Runs an example with `HYPERPARAMETER_PARAMS` set to `params` (or unset).
pub fn run_example(name: &str, args: &[&str], params: Option<&str>) -> Output {
    let mut command = Command::new(example(name));
    command.args(args);
    match params {
        Some(params) => command.env(hyperparameter::ENV_VAR, params),
        None => command.env_remove(hyperparameter::ENV_VAR),
    };
    command.output().expect("the example runs")
}

/// The standard output of a run that must succeed.
pub fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "the example failed: {}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}
