//! Runs every case of `../conformance/*.txt` (shared with the Python package).
//!
//! The precedence scenarios change the process-wide baseline, so they run in
//! one test, one after the other; this file is its own test process.

use std::fmt::Write as _;
use std::path::PathBuf;

use hyperparameter::__private::{clear_baseline, depth, parse_json_prefix};
use hyperparameter::{
    get_value, set, try_get, validate_key, FromParam, ParamScope, ScopeGuard, Value,
};

fn read_cases(name: &str) -> Vec<(usize, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../conformance")
        .join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim().to_owned()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// Splits off the first blank-separated word.
fn word(line: &str) -> (&str, &str) {
    let line = line.trim_start();
    let end = line.find(char::is_whitespace).unwrap_or(line.len());
    (&line[..end], line[end..].trim_start())
}

/// Parses one JSON field at the start of `rest`; returns it and what follows.
fn json_field(rest: &str) -> Result<(Value, &str), String> {
    let (value, end) = parse_json_prefix(rest, 0)?;
    Ok((value, rest[end..].trim_start()))
}

fn json_string(rest: &str) -> Result<(String, &str), String> {
    match json_field(rest)? {
        (Value::Str(s), rest) => Ok((s, rest)),
        (other, _) => Err(format!("expected a JSON string, found {other:?}")),
    }
}

/// An expected result: `error`, `missing`, or a JSON value.
#[derive(Debug)]
enum Expected {
    Error,
    Missing,
    Value(Value),
}

fn expected(text: &str) -> Result<Expected, String> {
    match text.trim() {
        "error" => Ok(Expected::Error),
        "missing" => Ok(Expected::Missing),
        other => match json_field(other)? {
            (value, "") => Ok(Expected::Value(value)),
            (_, extra) => Err(format!("unexpected text after the result: {extra:?}")),
        },
    }
}

/// Strict equality: same variant, NaN equals NaN.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        _ => a == b,
    }
}

/// The outcome of an operation, to compare with an [`Expected`].
#[derive(Debug)]
enum Outcome {
    Error(String),
    Missing,
    Value(Value),
}

fn check(outcome: &Outcome, expected: &Expected) -> Result<(), String> {
    let ok = match (outcome, expected) {
        (Outcome::Error(_), Expected::Error) | (Outcome::Missing, Expected::Missing) => true,
        (Outcome::Value(got), Expected::Value(want)) => same(got, want),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let got = match outcome {
        Outcome::Error(message) => format!("the error: {message}"),
        Outcome::Missing => "missing".to_owned(),
        Outcome::Value(value) => format!("{value:?}"),
    };
    Err(format!("expected {expected:?}, got {got}"))
}

fn outcome<T>(result: Result<T, hyperparameter::Error>) -> Outcome
where
    T: Into<Value>,
{
    match result {
        Ok(value) => Outcome::Value(value.into()),
        Err(err) => Outcome::Error(err.to_string()),
    }
}

/// Runs every case; panics listing each failure with its file and line.
fn run_file(name: &str, mut run: impl FnMut(&str) -> Result<(), String>) {
    let mut failures = String::new();
    let cases = read_cases(name);
    assert!(!cases.is_empty(), "{name} has no cases");
    for (line_no, line) in &cases {
        if let Err(problem) = run(line) {
            let _ = writeln!(failures, "{name}:{line_no}: {line}\n    {problem}");
        }
    }
    assert!(failures.is_empty(), "conformance failures:\n{failures}");
}

#[test]
fn keys() {
    run_file("keys.txt", |line| {
        let (verdict, rest) = word(line);
        let (key, rest) = json_string(rest)?;
        if !rest.is_empty() {
            return Err(format!("unexpected text after the key: {rest:?}"));
        }
        match (verdict, validate_key(&key)) {
            ("valid", Ok(())) | ("invalid", Err(_)) => Ok(()),
            ("valid", Err(err)) => Err(format!("rejected: {err}")),
            ("invalid", Ok(())) => Err("accepted".to_owned()),
            (other, _) => Err(format!("unknown verdict {other:?}")),
        }
    });
}

fn convert<T: FromParam>(text: &str) -> Result<T::Output, hyperparameter::Error> {
    T::from_value(&Value::text(text, "conformance"), "conformance.key")
}

#[test]
fn values() {
    run_file("values.txt", |line| {
        let (target, rest) = word(line);
        let (text, rest) = json_string(rest)?;
        let want = expected(rest)?;
        let got = match target {
            "int" => outcome(convert::<i64>(&text)),
            "float" => outcome(convert::<f64>(&text)),
            "bool" => outcome(convert::<bool>(&text)),
            "str" => outcome(convert::<String>(&text)),
            "literal" => Outcome::Value(Value::parse_literal(&text)),
            other => return Err(format!("unknown target {other:?}")),
        };
        check(&got, &want)
    });
}

/// A read, as written after `get`: `KEY [DEFAULT] => RESULT`.
struct Read {
    key: String,
    default: Option<Value>,
    expected: Expected,
}

fn parse_read(rest: &str) -> Result<Read, String> {
    let (key, rest) = word(rest);
    let (default, rest) = if let Some(rest) = rest.strip_prefix("=>") {
        (None, rest)
    } else {
        let (default, rest) = json_field(rest)?;
        let rest = rest
            .strip_prefix("=>")
            .ok_or("expected '=>' after the default")?;
        (Some(default), rest)
    };
    Ok(Read {
        key: key.to_owned(),
        default,
        expected: expected(rest)?,
    })
}

fn do_read(key: &str, default: Option<&Value>) -> Result<Outcome, String> {
    Ok(match default {
        None => match get_value(key) {
            Ok(Some(value)) => Outcome::Value(value),
            Ok(None) => Outcome::Missing,
            Err(err) => Outcome::Error(err.to_string()),
        },
        Some(Value::Int(d)) => outcome(try_get(key, *d)),
        Some(Value::Float(d)) => outcome(try_get(key, *d)),
        Some(Value::Bool(d)) => outcome(try_get(key, *d)),
        Some(Value::Str(d)) => outcome(try_get(key, d.as_str())),
        Some(other) => return Err(format!("unsupported default {other:?}")),
    })
}

/// The state of the scenario being run.
struct Scenario {
    title: String,
    guards: Vec<ScopeGuard>,
}

impl Scenario {
    fn finish(&mut self) -> Result<(), String> {
        let open = self.guards.len();
        while self.guards.pop().is_some() {}
        if open == 0 {
            Ok(())
        } else {
            Err(format!(
                "scenario {:?} left {open} scope(s) open",
                self.title
            ))
        }
    }

    fn run(&mut self, line: &str) -> Result<(), String> {
        let (command, rest) = word(line);
        match command {
            "enter" => {
                let (error_expected, mut rest) = match rest.strip_suffix("=> error") {
                    Some(texts) => (true, texts.trim_end()),
                    None => (false, rest),
                };
                let mut texts = Vec::new();
                while !rest.is_empty() {
                    let (text, after) = json_string(rest)?;
                    texts.push(text);
                    rest = after;
                }
                match (ParamScope::from_defines(&texts), error_expected) {
                    (Ok(scope), false) => self.guards.push(scope.enter()),
                    (Err(_), true) => {}
                    (Ok(_), true) => {
                        return Err("the scope was built, an error was expected".to_owned())
                    }
                    (Err(err), false) => return Err(format!("the scope was not built: {err}")),
                }
            }
            "exit" => {
                drop(self.guards.pop().ok_or("exit without an active scope")?);
            }
            "set" => {
                let (key, rest) = word(rest);
                let (value, rest) = json_field(rest)?;
                if !rest.is_empty() {
                    return Err(format!("unexpected text after the value: {rest:?}"));
                }
                set(key, value).map_err(|err| err.to_string())?;
            }
            "frozen" => hyperparameter::frozen(),
            "get" => {
                let read = parse_read(rest)?;
                check(&do_read(&read.key, read.default.as_ref())?, &read.expected)?;
            }
            "thread" => {
                let (get, rest) = word(rest);
                if get != "get" {
                    return Err(format!("expected 'thread get', found 'thread {get}'"));
                }
                let read = parse_read(rest)?;
                let (key, default) = (read.key.clone(), read.default.clone());
                let got = std::thread::spawn(move || do_read(&key, default.as_ref()))
                    .join()
                    .map_err(|_| "the thread panicked".to_owned())??;
                check(&got, &read.expected)?;
            }
            other => return Err(format!("unknown command {other:?}")),
        }
        Ok(())
    }
}

#[test]
fn precedence() {
    let mut scenario: Option<Scenario> = None;
    let mut count = 0;
    let mut result = Ok(());
    run_file("precedence.txt", |line| {
        let (command, title) = word(line);
        if command == "scenario" {
            count += 1;
            if let Some(mut previous) = scenario.take() {
                previous.finish()?;
            }
            assert_eq!(depth(), 0);
            clear_baseline();
            scenario = Some(Scenario {
                title: title.to_owned(),
                guards: Vec::new(),
            });
            return Ok(());
        }
        let current = scenario
            .as_mut()
            .ok_or("a command before the first scenario")?;
        current
            .run(line)
            .map_err(|problem| format!("in scenario {:?}: {problem}", current.title))
    });
    if let Some(mut last) = scenario.take() {
        result = last.finish();
    }
    assert_eq!(result, Ok(()));
    assert!(count >= 20, "only {count} scenarios");
}
