//! Prints parameters as this process sees them, for tests across processes.
//!
//! Usage: `print_params KEY=DEFAULT...`. Each read uses DEFAULT's type: an
//! integer, a float, `true`/`false`, or else a string. Parameters come from the
//! parent process through `HYPERPARAMETER_PARAMS`.

use hyperparameter::get;

fn main() {
    for arg in std::env::args().skip(1) {
        let Some((key, default)) = arg.split_once('=') else {
            eprintln!("usage: print_params KEY=DEFAULT...; got {arg:?}");
            std::process::exit(2);
        };
        let shown = if let Ok(default) = default.parse::<i64>() {
            get(key, default).to_string()
        } else if let Ok(default) = default.parse::<f64>() {
            format!("{:?}", get(key, default))
        } else if let Ok(default) = default.parse::<bool>() {
            get(key, default).to_string()
        } else {
            get(key, default)
        };
        println!("{key}={shown}");
    }
}
