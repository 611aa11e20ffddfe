//! Holding a scope guard across `.await` is refused at compile time: by the
//! compiler wherever the future must be `Send`, and by Clippy's
//! `await_holding_invalid_type` lint (configured as `docs/rust.md` shows) at
//! every `.await`.
//!
//! Each test compiles a small crate that depends on this one, in
//! `CARGO_TARGET_TMPDIR`, and checks what the compiler says.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FUTURES: &str = r#"
use hyperparameter::{get_param, with_params, ParamScope};

pub fn assert_send<T: Send>(_: T) {}

async fn fetch() {}

/// Reads first, then awaits.
pub async fn reads_then_awaits() -> f64 {
    let lr = with_params! {
        set train.lr = 0.01;
        get_param!(train.lr, 0.001)
    };
    fetch().await;
    lr
}

/// Enters a carried scope around each synchronous stretch.
pub async fn reenters(params: ParamScope) -> i64 {
    let first = with_params! { params &params; get_param!(batch, 1i64) };
    fetch().await;
    let second = { let _guard = params.enter(); get_param!(batch, 1i64) };
    first + second
}

pub fn good() {
    assert_send(reads_then_awaits());
    assert_send(reenters(ParamScope::new()));
}

/// MISUSE: a block held across an await.
#[cfg(feature = "misuse")]
pub async fn block_across_await() -> f64 {
    with_params! {
        set train.lr = 0.01;
        fetch().await;
        get_param!(train.lr, 0.001)
    }
}

/// MISUSE: a guard held across an await.
#[cfg(feature = "misuse")]
pub async fn guard_across_await(params: ParamScope) -> i64 {
    let _guard = params.enter();
    fetch().await;
    get_param!(batch, 1i64)
}

#[cfg(feature = "misuse")]
pub fn bad() {
    assert_send(block_across_await());
    assert_send(guard_across_await(ParamScope::new()));
}
"#;

/// The `clippy.toml` that `docs/rust.md` recommends.
const CLIPPY_TOML: &str = r#"await-holding-invalid-types = [
    { path = "hyperparameter::ScopeGuard", reason = "read parameters into locals before awaiting" },
]
"#;

/// Writes the fixture crate (once per test binary run) and returns its directory.
fn fixture(name: &str, lib: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nhyperparameter = {{ path = {:?} }}\n\n\
         [features]\nmisuse = []\n\n[workspace]\n",
        env!("CARGO_MANIFEST_DIR")
    );
    fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    fs::write(dir.join("clippy.toml"), CLIPPY_TOML).unwrap();
    fs::write(dir.join("src/lib.rs"), lib).unwrap();
    dir
}

fn cargo(dir: &Path, args: &[&str]) -> Output {
    let (command, rest) = args.split_first().expect("a cargo command");
    Command::new(env!("CARGO"))
        .arg(command)
        .args(["--offline", "--quiet", "--color", "never"])
        .args(rest)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CLIPPY_CONF_DIR")
        .output()
        .expect("cargo runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_future_holding_a_guard_across_await_is_not_send() {
    let dir = fixture("hp_async_send", FUTURES);
    let good = cargo(&dir, &["check"]);
    assert!(
        good.status.success(),
        "the documented patterns must compile:\n{}",
        stderr(&good)
    );
    let bad = cargo(&dir, &["check", "--features", "misuse"]);
    let err = stderr(&bad);
    assert!(!bad.status.success(), "the misuse compiled:\n{err}");
    assert!(
        err.contains("has type `ScopeGuard` which is not `Send`"),
        "{err}"
    );
    // Both misuses are refused, and nothing else is.
    assert_eq!(
        err.matches("error: future cannot be sent between threads safely")
            .count(),
        2,
        "{err}"
    );
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 3, "{err}"); // the two, and "could not compile"
}

#[test]
fn clippy_flags_a_guard_held_across_any_await() {
    let dir = fixture("hp_async_clippy", FUTURES);
    let version = cargo(&dir, &["clippy", "--version"]);
    if !version.status.success() {
        eprintln!("skipped: `cargo clippy` is not installed here (the CI runs it)");
        return;
    }
    let good = cargo(&dir, &["clippy", "--", "-D", "warnings"]);
    assert!(
        good.status.success(),
        "Clippy flags the documented patterns:\n{}",
        stderr(&good)
    );
    // Without the `assert_send` calls, the compiler accepts the misuse: Clippy does not.
    let lib = FUTURES.replace(
        "    assert_send(block_across_await());\n    assert_send(guard_across_await(ParamScope::new()));\n",
        "    let _ = (block_across_await(), guard_across_await(ParamScope::new()));\n",
    );
    assert_ne!(lib, FUTURES);
    let dir = fixture("hp_async_clippy_misuse", &lib);
    let bad = cargo(
        &dir,
        &["clippy", "--features", "misuse", "--", "-D", "warnings"],
    );
    let err = stderr(&bad);
    assert!(!bad.status.success(), "Clippy accepted the misuse:\n{err}");
    assert_eq!(
        err.matches("holding a disallowed type across an await point")
            .count(),
        2,
        "{err}"
    );
    assert!(
        err.contains("read parameters into locals before awaiting"),
        "{err}"
    );
}
