//! `examples/follow_store.rs` in a real process: it follows a store that
//! this test replaces atomically, prints each change, and reports a malformed
//! store once on stderr (naming the file and the problem) while it keeps the
//! last good value.

mod support;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use support::example;

/// A running example, killed when the test ends (also on failure).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends each line the child writes to `pipe` through a channel.
fn lines(pipe: impl Read + Send + 'static) -> (Receiver<String>, JoinHandle<()>) {
    let (send, receive) = mpsc::channel();
    let reader = thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            if send.send(line.expect("UTF-8 output")).is_err() {
                return;
            }
        }
    });
    (receive, reader)
}

/// Waits (at most ten seconds) for a line that satisfies `wanted`; returns it.
fn expect_line(lines: &Receiver<String>, what: &str, wanted: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if wanted(&line) => return line,
            Ok(_) => {}
            Err(err) => panic!("no line {what} ({err})"),
        }
    }
}

fn publish(store: &Path, content: &str) {
    let temp = store.with_extension("json.tmp");
    fs::write(&temp, content).unwrap();
    fs::rename(&temp, store).unwrap();
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hp-follow-{}-{name}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_example_prints_each_change_and_reports_a_malformed_store_once() {
    let dir = temp_dir("changes");
    let store = dir.join("params.json");
    publish(&store, r#"{"llm.temperature": 0.7}"#);
    let mut child = Command::new(example("follow_store"))
        .arg(&store)
        .args(["llm.temperature=1.0", "120"])
        .env_remove(hyperparameter::ENV_VAR)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let (stdout, _) = lines(child.stdout.take().unwrap());
    let (stderr, stderr_reader) = lines(child.stderr.take().unwrap());
    let mut running = Running(child);
    let printed =
        |value: &'static str| move |line: &str| line == format!("llm.temperature={value}");

    expect_line(&stdout, "with the value at start", printed("0.7"));
    publish(&store, r#"{"llm.temperature": 0.2}"#);
    expect_line(&stdout, "with the published value", printed("0.2"));

    publish(&store, r#"{"llm.temperature": 0.9"#);
    let report = expect_line(&stderr, "reporting the malformed store", |line| {
        line.contains("not a valid parameter set")
    });
    assert!(report.contains(&store.display().to_string()), "{report}");
    assert!(report.contains("Keeping the last good values"), "{report}");
    publish(&store, r#"{"llm.temperature": 0.3}"#);
    expect_line(
        &stdout,
        "with the value after the store is fixed",
        printed("0.3"),
    );
    expect_line(&stderr, "saying the store is followed again", |line| {
        line.contains("valid again")
    });

    running.0.kill().unwrap();
    running.0.wait().unwrap();
    stderr_reader.join().unwrap();
    let rest: Vec<String> = stderr.try_iter().collect();
    assert!(
        !rest.iter().any(|line| line.contains("Keeping")),
        "the malformed store was reported more than once: {rest:?}"
    );
    // Nothing but the changes was printed.
    assert!(stdout.try_iter().all(|line| line == "llm.temperature=0.3"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_example_refuses_a_store_it_cannot_read() {
    let dir = temp_dir("refused");
    let store = dir.join("params.yaml");
    fs::write(&store, "llm:\n  temperature: 0.7\n").unwrap();
    let output = Command::new(example("follow_store"))
        .arg(&store)
        .args(["llm.temperature=1.0", "0"])
        .env_remove(hyperparameter::ENV_VAR)
        .output()
        .expect("the example runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("YAML stores are read by the Python package only"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_example_takes_a_file_url_and_stops_after_its_time() {
    let dir = temp_dir("url");
    let store = dir.join("params.json");
    publish(&store, r#"{"ab.variant": "b"}"#);
    let url = format!("file://{}", store.display());
    let output = Command::new(example("follow_store"))
        .args([url.as_str(), "ab.variant=a", "0"])
        .env_remove(hyperparameter::ENV_VAR)
        .output()
        .expect("the example runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ab.variant=b\n");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn attaching_reports_a_malformed_environment_variable_as_a_read_would() {
    let dir = temp_dir("environment");
    let store = dir.join("params.json");
    publish(&store, r#"{"ab.variant": "b"}"#);
    let output = Command::new(example("follow_store"))
        .arg(&store)
        .args(["ab.variant=a", "0"])
        .env(hyperparameter::ENV_VAR, "{not json")
        .output()
        .expect("the example runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("HYPERPARAMETER_PARAMS is not a valid parameter set"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    fs::remove_dir_all(&dir).unwrap();
}
