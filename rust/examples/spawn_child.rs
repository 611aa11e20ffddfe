//! Runs a command under this process's parameters plus `-D` overrides.
//!
//! Usage: `spawn_child [-D KEY=VALUE]... -- COMMAND [ARG]...`. The child gets
//! the effective parameters in `HYPERPARAMETER_PARAMS`, with
//! `launcher.depth` (an integer) one more than this process saw and
//! `launcher.name` set to `"spawn_child"`. Exits with the child's status.

use hyperparameter::*;
use std::process::{exit, Command};

fn usage(problem: &str) -> ! {
    eprintln!("spawn_child: {problem}\nusage: spawn_child [-D KEY=VALUE]... -- COMMAND [ARG]...");
    exit(2)
}

fn main() {
    let mut defines = Vec::new();
    let mut args = std::env::args().skip(1);
    loop {
        match args.next().as_deref() {
            Some("-D") => defines.push(args.next().unwrap_or_else(|| usage("-D needs KEY=VALUE"))),
            Some("--") => break,
            Some(other) => usage(&format!("unexpected argument {other:?}")),
            None => usage("missing '--' before the command"),
        }
    }
    let command: Vec<String> = args.collect();
    let Some((program, program_args)) = command.split_first() else {
        usage("missing the command after '--'")
    };
    let status = with_params! {
        params ParamScope::from(&defines);
        set launcher.depth = get_param!(launcher.depth, 0i64) + 1;
        set launcher.name = "spawn_child";
        configure_command(&mut Command::new(program))
            .args(program_args)
            .status()
    };
    match status {
        Ok(status) => exit(status.code().unwrap_or(1)),
        Err(err) => {
            eprintln!("spawn_child: cannot run {program:?}: {err}");
            exit(127)
        }
    }
}
