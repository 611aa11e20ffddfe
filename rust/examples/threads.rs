use hyperparameter::*;
use std::thread;

fn worker(id: i64) {
    with_params! {
        set worker.id = id;
        for i in 0..5 {
            with_params! {
                set worker.iter = i;
                get wid = worker.id or -1i64;
                get witer = worker.iter or -1i64;
                println!("Worker {} iter {}", wid, witer);
            };
        }
    };
}

fn main() {
    with_params! {
        set global.seed = 42i64;
        frozen();  // Snapshot current config as initial state for new threads
    };

    let handles: Vec<_> = (0..4).map(|id| thread::spawn(move || worker(id))).collect();

    for h in handles {
        h.join().unwrap();
    }
}
