//! Follows a parameter store and prints a parameter each time its value changes.
//!
//! Usage: `follow_store STORE KEY=DEFAULT [SECONDS]`. STORE is the path or the
//! `file://` URL of a JSON store (the file `hp publish --store` writes). The
//! parameter is read with DEFAULT's type (an integer, a float, `true`/`false`,
//! or else a string) and printed as `KEY=VALUE` at start and after each
//! change, for SECONDS seconds (10 by default).

use std::process::exit;
use std::thread;
use std::time::{Duration, Instant};

use hyperparameter::{attach, attach_file, get};

/// How often the store is checked.
const POLL: Duration = Duration::from_millis(100);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (store, key, default, seconds) = match args.as_slice() {
        [store, param, rest @ ..] if rest.len() <= 1 => {
            let Some((key, default)) = param.split_once('=') else {
                usage(&format!("expected KEY=DEFAULT, got {param:?}"));
            };
            let seconds = match rest.first().map(|s| s.parse::<f64>()) {
                None => 10.0,
                Some(Ok(seconds)) if seconds >= 0.0 => seconds,
                Some(_) => usage(&format!("SECONDS must be a number, got {:?}", rest[0])),
            };
            (store.clone(), key.to_owned(), default.to_owned(), seconds)
        }
        _ => usage("wrong number of arguments"),
    };

    let attached = if store.starts_with("file://") {
        attach(&store, POLL)
    } else {
        attach_file(&store, POLL)
    };
    let attachment = attached.unwrap_or_else(|err| {
        eprintln!("follow_store: {err}");
        exit(1);
    });

    let read = || {
        if let Ok(default) = default.parse::<i64>() {
            get(&key, default).to_string()
        } else if let Ok(default) = default.parse::<f64>() {
            format!("{:?}", get(&key, default))
        } else if let Ok(default) = default.parse::<bool>() {
            get(&key, default).to_string()
        } else {
            get(&key, default.as_str())
        }
    };
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut shown: Option<String> = None;
    loop {
        // A read is an in-memory lookup: only the watcher thread touches the file.
        let value = read();
        if shown.as_ref() != Some(&value) {
            println!("{key}={value}");
            shown = Some(value);
        }
        if Instant::now() >= deadline {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    attachment.detach();
}

fn usage(problem: &str) -> ! {
    eprintln!("follow_store: {problem}\nusage: follow_store STORE KEY=DEFAULT [SECONDS]");
    exit(2);
}
