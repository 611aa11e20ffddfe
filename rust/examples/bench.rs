//! Measures a parameter read inside three nested scopes against a plain
//! `HashMap<String, i64>` lookup, in the same run; and a baseline read while
//! the process follows a parameter store against the same read after detaching.
//!
//! Run with `cargo run --release --example bench`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use hyperparameter::*;

const ITERATIONS: u32 = 5_000_000;
const ROUNDS: usize = 5;

/// The best (lowest) time per call over a few rounds, in nanoseconds.
fn ns_per_call(mut call: impl FnMut() -> i64) -> f64 {
    (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            let mut sum = 0i64;
            for _ in 0..ITERATIONS {
                sum = sum.wrapping_add(call());
            }
            black_box(sum);
            start.elapsed().as_secs_f64() * 1e9 / f64::from(ITERATIONS)
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let map: HashMap<String, i64> = (0..16)
        .map(|i| (format!("train.option_{i}"), i))
        .chain([("train.batch_size".to_owned(), 64)])
        .collect();
    let map_ns = ns_per_call(|| *map.get(black_box("train.batch_size")).unwrap_or(&0));

    with_params! {
        set train.batch_size = 64i64;
        set frozen_key.unused = 1i64;
        frozen();
    }

    let (macro_ns, dynamic_ns, baseline_ns) = with_params! {
        set train.batch_size = 64i64;
        set train.lr = 0.1;
        with_params! {
            set model.layers = 12i64;
            with_params! {
                set model.heads = 8i64;
                (
                    ns_per_call(|| get_param!(train.batch_size, black_box(0i64))),
                    ns_per_call(|| get(black_box("train.batch_size"), black_box(0i64))),
                    ns_per_call(|| get_param!(frozen_key.unused, black_box(0i64))),
                )
            }
        }
    };

    // A store followed by a watcher thread: reads do not touch it.
    let dir = std::env::temp_dir().join(format!("hp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let store = dir.join("params.json");
    std::fs::write(&store, r#"{"serve.temperature": 7}"#).expect("the store is written");
    let attachment = attach_file(&store, Duration::from_millis(1)).expect("the store is followed");
    let attached_ns = ns_per_call(|| get_param!(serve.temperature, black_box(0i64)));
    attachment.detach();
    let detached_ns = ns_per_call(|| get_param!(serve.temperature, black_box(0i64)));
    std::fs::remove_dir_all(&dir).expect("the temporary directory is removed");

    println!("read inside 3 nested scopes, key set in the outermost one:");
    println!(
        "  get_param!(train.batch_size, 0)       {macro_ns:6.2} ns  (key hashed at compile time)"
    );
    println!(
        "  get(\"train.batch_size\", 0)            {dynamic_ns:6.2} ns  (key hashed at each call)"
    );
    println!(
        "  get_param! of a baseline value       {baseline_ns:6.2} ns  (no scope defines the key)"
    );
    println!("HashMap<String, i64>::get(\"train.batch_size\") {map_ns:6.2} ns");
    println!("baseline read, following a store polled every 1 ms: {attached_ns:6.2} ns");
    println!("the same read after detaching:                     {detached_ns:6.2} ns");
    println!("ratio get_param! / HashMap: {:.2}x", macro_ns / map_ns);
    println!("ratio get / HashMap:        {:.2}x", dynamic_ns / map_ns);
}
