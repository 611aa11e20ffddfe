//! Passing parameters to child processes through `HYPERPARAMETER_PARAMS`.
//!
//! The variable holds a JSON object mapping each dotted key to a number,
//! `true`/`false`, `null`, a string, or an array of those. Integers stay
//! integers and floats stay floats; a string is text in the child, converted
//! at each read toward the default's type as a `-D` value is. Nested objects
//! are flattened to dotted keys. The Python package reads and writes the same
//! format.

use std::process::Command;

use crate::error::Error;
use crate::json::{self, Json};
use crate::key::{new_key_map, validate_key_from, Key, KeyMap};
use crate::scope;
use crate::value::Value;

/// The name of the environment variable that carries parameters to a child process.
///
/// # Examples
///
/// ```
/// assert_eq!(hyperparameter::ENV_VAR, "HYPERPARAMETER_PARAMS");
/// ```
pub const ENV_VAR: &str = "HYPERPARAMETER_PARAMS";

/// The environment variable to give a child process so that it starts from
/// the current thread's effective parameters: `(ENV_VAR, json)`.
///
/// # Examples
///
/// ```
/// use hyperparameter::{subprocess_env, with_params};
///
/// let (name, value) = with_params! {
///     set train.lr = 0.01;
///     set model.name = "bert";
///     subprocess_env()
/// };
/// assert_eq!(name, "HYPERPARAMETER_PARAMS");
/// assert_eq!(value, r#"{"model.name":"bert","train.lr":0.01}"#);
/// ```
#[must_use]
pub fn subprocess_env() -> (&'static str, String) {
    (ENV_VAR, to_json(&scope::effective()))
}

/// Sets `HYPERPARAMETER_PARAMS` on `command` from the current thread's effective parameters.
///
/// # Examples
///
/// ```no_run
/// use hyperparameter::{configure_command, with_params};
/// use std::process::Command;
///
/// with_params! {
///     set train.epochs = 3;
///     let status = configure_command(&mut Command::new("python3"))
///         .args(["train.py"])
///         .status()
///         .expect("python3 runs");
///     assert!(status.success());
/// }
/// ```
pub fn configure_command(command: &mut Command) -> &mut Command {
    let (name, value) = subprocess_env();
    command.env(name, value)
}

/// Serializes parameters as a compact JSON object, keys sorted (as the Python package does).
fn to_json(values: &KeyMap<Value>) -> String {
    let mut items: Vec<(&str, &Value)> = values
        .iter()
        .map(|(key, value)| (key.name(), value))
        .collect();
    items.sort_unstable_by_key(|&(key, _)| key);
    let mut out = String::from("{");
    for (i, (key, value)) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json::write_string(&mut out, key);
        out.push(':');
        write_value(&mut out, value);
    }
    out.push('}');
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => json::write_float(out, *f),
        Value::Str(s) | Value::Text { text: s, .. } => json::write_string(out, s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
    }
}

/// Reads `HYPERPARAMETER_PARAMS`; unset or empty means no parameters.
pub(crate) fn load_from_environment() -> Result<KeyMap<Value>, Error> {
    match std::env::var(ENV_VAR) {
        Ok(text) => parse_params(&text),
        Err(std::env::VarError::NotPresent) => Ok(new_key_map()),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::environment(format!(
            "{ENV_VAR} is not valid UTF-8; it must hold a JSON object such as {{\"train.lr\": 0.01}}"
        ))),
    }
}

/// Parses the value of `HYPERPARAMETER_PARAMS`.
pub(crate) fn parse_params(text: &str) -> Result<KeyMap<Value>, Error> {
    if text.is_empty() {
        return Ok(new_key_map());
    }
    parse_object(text, ENV_VAR, |problem| {
        Error::environment(format!(
            "{ENV_VAR} is not a valid parameter set: {problem}; it must hold a JSON object \
                 mapping dotted keys to numbers, booleans, null, strings or arrays, such as \
                 {{\"train.lr\": 0.01}} (unset it to start without parameters)"
        ))
    })
}

/// Parses a parameter set: one JSON object from dotted keys to values.
///
/// Nested objects are flattened to dotted keys (`{"train": {"lr": 0.1}}` sets
/// `train.lr`), as the Python package does; an empty object sets nothing, and
/// a later member wins over an earlier one with the same dotted key. `source`
/// names where the text came from: strings become text values from it, and a
/// malformed key is reported in it; `invalid` builds the error for any other
/// problem.
pub(crate) fn parse_object(
    text: &str,
    source: &str,
    invalid: impl Fn(&str) -> Error,
) -> Result<KeyMap<Value>, Error> {
    let Json::Object(members) = json::parse(text).map_err(|err| invalid(&err))? else {
        return Err(invalid("the JSON value is not an object"));
    };
    let mut values = new_key_map();
    flatten(members, "", source, &invalid, &mut values)?;
    Ok(values)
}

/// Adds the members of an object under `prefix` (the JSON reader bounds the depth).
fn flatten(
    members: Vec<(String, Json)>,
    prefix: &str,
    source: &str,
    invalid: &impl Fn(&str) -> Error,
    values: &mut KeyMap<Value>,
) -> Result<(), Error> {
    for (name, json) in members {
        let key = format!("{prefix}{name}");
        validate_key_from(&key, Some(source))?;
        if let Json::Object(members) = json {
            flatten(members, &format!("{key}."), source, invalid, values)?;
            continue;
        }
        let value = convert(json, true, source).ok_or_else(|| {
            invalid(&format!(
                "the value of '{key}' has a JSON object inside an array; arrays hold numbers, \
                 booleans, null, strings or arrays"
            ))
        })?;
        values.insert(Key::new(&key), value);
    }
    Ok(())
}

/// Maps a JSON value to a stored value; `None` for an object.
///
/// A string at the top level is a text value (converted at each read); inside
/// an array it is a plain string.
fn convert(json: Json, top_level: bool, source: &str) -> Option<Value> {
    Some(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Int(i) => Value::Int(i),
        Json::BigInt(digits) => Value::text(digits, source),
        Json::Float(f) => Value::Float(f),
        Json::Str(s) if top_level => Value::text(s, source),
        Json::Str(s) => Value::Str(s),
        Json::Array(items) => Value::List(
            items
                .into_iter()
                .map(|item| convert(item, false, source))
                .collect::<Option<_>>()?,
        ),
        Json::Object(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn round_trips_every_kind_of_value() {
        let text = r#"{"a.int":3,"b.float":0.5,"c.bool":true,"d.null":null,"e.text":"0.01","f.list":[1,"x",2.0]}"#;
        let values = parse_params(text).unwrap();
        assert_eq!(to_json(&values), text);
    }

    #[test]
    fn nested_objects_are_flattened_to_dotted_keys() {
        let values = parse_params(
            r#"{"train": {"lr": 0.5, "opt": {"name": "adam"}, "none": {}}, "train.lr": 0.1}"#,
        )
        .unwrap();
        assert_eq!(
            to_json(&values),
            r#"{"train.lr":0.1,"train.opt.name":"adam"}"#
        );
        assert_eq!(
            values.get(&Key::new("train.opt.name")),
            Some(&Value::text("adam", ENV_VAR))
        );
    }

    #[test]
    fn strings_are_text() {
        let values = parse_params(r#"{"a": "1e-3"}"#).unwrap();
        let value = values.values().next().unwrap();
        assert_eq!(value, &Value::text("1e-3", ENV_VAR));
    }

    #[test]
    fn rejects_what_it_cannot_load() {
        for bad in [
            "[1]",
            "{",
            r#"{"a": [{"b": 1}]}"#,
            r#"{"a..b": 1}"#,
            r#"{"a": {"": 1}}"#,
            "{'a': 1}",
        ] {
            let err = parse_params(bad).unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::Environment | ErrorKind::InvalidKey),
                "{bad}"
            );
            assert!(err.to_string().contains(ENV_VAR), "{err}");
        }
        assert!(parse_params("").unwrap().is_empty());
        assert!(parse_params(" ").is_err());
    }
}
