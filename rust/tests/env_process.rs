//! `HYPERPARAMETER_PARAMS` across real processes: a child starts from its
//! parent's parameters, and a value it cannot use is reported, not ignored.

mod support;

use std::process::Command;

use support::{example, run_example, stdout_of};

#[test]
fn a_child_starts_from_the_variable() {
    let params = r#"{"train.lr": 0.01, "train.steps": 100, "train.warmup": "5", "train.amp": true,
                    "model.name": "bert", "model.dropout": "1e-1", "model.layers": [1, 2], "model.bias": null}"#;
    let out = stdout_of(&run_example(
        "print_params",
        &[
            "train.lr=0.1",
            "train.steps=1",
            "train.steps=1.5",
            "train.warmup=0",
            "train.amp=false",
            "model.name=x",
            "model.dropout=0.5",
            "missing.key=7",
        ],
        Some(params),
    ));
    assert_eq!(
        out,
        "train.lr=0.01\ntrain.steps=100\ntrain.steps=100.0\ntrain.warmup=5\ntrain.amp=true\n\
         model.name=bert\nmodel.dropout=0.1\nmissing.key=7\n"
    );
}

#[test]
fn unset_and_empty_mean_no_parameters() {
    assert_eq!(
        stdout_of(&run_example("print_params", &["a=1"], None)),
        "a=1\n"
    );
    assert_eq!(
        stdout_of(&run_example("print_params", &["a=1"], Some(""))),
        "a=1\n"
    );
}

#[test]
fn a_text_that_does_not_convert_names_the_variable() {
    let output = run_example(
        "print_params",
        &["train.lr=0.1"],
        Some(r#"{"train.lr": "abc"}"#),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "cannot convert 'abc' to f64 for key 'train.lr' (from HYPERPARAMETER_PARAMS)"
        ),
        "{stderr}"
    );
}

#[test]
fn nested_objects_in_the_variable_are_flattened_to_dotted_keys() {
    let out = stdout_of(&run_example(
        "print_params",
        &["train.lr=0.1", "train.opt.name=sgd"],
        Some(r#"{"train": {"lr": 0.5, "opt": {"name": "adam"}}}"#),
    ));
    assert_eq!(out, "train.lr=0.5\ntrain.opt.name=adam\n");
}

#[test]
fn a_malformed_variable_is_reported_at_the_first_read() {
    for (params, expected) in [
        (
            "{not json",
            "HYPERPARAMETER_PARAMS is not a valid parameter set",
        ),
        ("[1, 2]", "the JSON value is not an object"),
        (r#"{"a": [{"b": 1}]}"#, "a JSON object inside an array"),
        (
            r#"{"a..b": 1}"#,
            "invalid key 'a..b' in HYPERPARAMETER_PARAMS",
        ),
    ] {
        let output = run_example("print_params", &["a=1"], Some(params));
        assert!(!output.status.success(), "{params}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{params}: {stderr}");
    }
}

#[test]
fn a_rust_parent_passes_its_scope_to_a_rust_child() {
    let print = example("print_params");
    let out = stdout_of(&run_example(
        "spawn_child",
        &[
            "-D",
            "train.lr=0.05",
            "-D",
            "train.name=run 1",
            "--",
            print.to_str().unwrap(),
            "train.lr=0.1",
            "train.name=x",
            "launcher.depth=0",
            "launcher.name=none",
            "base.seed=0",
        ],
        Some(r#"{"base.seed": 42, "train.lr": 0.5}"#),
    ));
    // The parent's -D value shadows what it inherited; inherited keys pass through.
    assert_eq!(
        out,
        "train.lr=0.05\ntrain.name=run 1\nlauncher.depth=1\nlauncher.name=spawn_child\nbase.seed=42\n"
    );
}

#[test]
fn parameters_pass_through_a_chain_of_processes() {
    let spawn = example("spawn_child");
    let print = example("print_params");
    let output = Command::new(&spawn)
        .args(["-D", "a=1", "--"])
        .arg(&spawn)
        .args(["-D", "b=2", "--"])
        .arg(&print)
        .args(["a=0", "b=0", "launcher.depth=0"])
        .env_remove(hyperparameter::ENV_VAR)
        .output()
        .expect("spawn_child runs");
    assert_eq!(stdout_of(&output), "a=1\nb=2\nlauncher.depth=2\n");
}

#[test]
fn spawn_child_reports_the_child_status() {
    let output = run_example("spawn_child", &["--", "false"], None);
    assert_eq!(output.status.code(), Some(1));
    let output = run_example("spawn_child", &["--", "/nonexistent/program"], None);
    assert_eq!(output.status.code(), Some(127));
}
