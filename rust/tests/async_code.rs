//! Async code: parameters carried the documented way reach each task, also
//! when a future moves between threads; a guard held across `.await` shows
//! up as a clear panic that leaves the thread's scopes consistent.
//!
//! Only scopes are used here (never the baseline), so the tests may run in
//! parallel threads. The executor is a minimal one built on `std::task::Wake`.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use hyperparameter::__private::depth;
use hyperparameter::{get_param, with_params, ParamScope};

/// Wakes a thread parked in `block_on`.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn waker() -> Waker {
    Waker::from(Arc::new(Unpark(thread::current())))
}

/// Runs a future to completion on the current thread.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = waker();
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => thread::park(),
        }
    }
}

/// A future that is pending once (after asking to be polled again), then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn yield_now() -> YieldOnce {
    YieldOnce(false)
}

/// The documented pattern: read into locals, await, then re-enter the carried scope.
async fn handle(params: ParamScope) -> (i64, i64) {
    let before = with_params! {
        params &params;
        get_param!(request.variant, 0i64)
    };
    yield_now().await;
    let after = {
        let _guard = params.enter();
        get_param!(request.variant, 0i64)
    };
    (before, after)
}

fn variant(n: i64) -> ParamScope {
    let mut scope = ParamScope::new();
    scope.insert("request.variant", n).unwrap();
    scope
}

#[test]
fn block_on_runs_the_documented_pattern() {
    assert_eq!(block_on(handle(variant(3))), (3, 3));
    assert_eq!(depth(), 0);
    assert_eq!(get_param!(request.variant, 0i64), 0);
}

#[test]
fn a_future_carrying_its_parameters_resumes_on_another_thread_with_them() {
    let mut future = Box::pin(handle(variant(5)));
    let waker = waker();
    // First stretch on this thread, up to the `.await`.
    assert!(future
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    assert_eq!(
        depth(),
        0,
        "no scope is left active while the task is suspended"
    );
    // The rest on another thread: possible because the future is `Send`.
    let output = thread::spawn(move || block_on(future)).join().unwrap();
    assert_eq!(output, (5, 5));
}

#[test]
fn interleaved_tasks_on_one_thread_each_see_only_their_own_parameters() {
    let waker = waker();
    let mut cx = Context::from_waker(&waker);
    let mut tasks: Vec<_> = (1..=4).map(|n| Box::pin(handle(variant(n)))).collect();
    let mut outputs = vec![None; tasks.len()];
    with_params! {
        set request.variant = -1i64;
        // Round-robin until every task is done: each suspends once in the middle.
        while outputs.iter().any(Option::is_none) {
            for (task, output) in tasks.iter_mut().zip(outputs.iter_mut()) {
                if output.is_none() {
                    if let Poll::Ready(value) = task.as_mut().poll(&mut cx) {
                        *output = Some(value);
                    }
                }
            }
            // Between polls, the caller's scope is exactly as it was.
            assert_eq!(get_param!(request.variant, 0i64), -1);
            assert_eq!(depth(), 1);
        }
    }
    let outputs: Vec<_> = outputs.into_iter().map(Option::unwrap).collect();
    assert_eq!(outputs, [(1, 1), (2, 2), (3, 3), (4, 4)]);
}

/// The misuse: the block's guard is held across the `.await`.
async fn holds_the_guard(n: i64) -> i64 {
    with_params! {
        set request.variant = n;
        yield_now().await;
        get_param!(request.variant, 0i64)
    }
}

#[test]
fn a_guard_held_across_await_panics_clearly_and_leaves_the_callers_scopes_intact() {
    let waker = waker();
    let mut cx = Context::from_waker(&waker);
    let mut first = Box::pin(holds_the_guard(1));
    let mut second = Box::pin(holds_the_guard(2));
    with_params! {
        set request.variant = -1i64;
        set caller.only = 7i64;
        assert!(first.as_mut().poll(&mut cx).is_pending());
        assert!(second.as_mut().poll(&mut cx).is_pending());
        // Both suspended scopes are still in force here: this is why it is a bug.
        assert_eq!(get_param!(request.variant, 0i64), 2);
        // The first task resumes under the second's scope and closes its own
        // scope out of order: a panic that says what happened and what to do.
        let payload = catch_unwind(AssertUnwindSafe(|| first.as_mut().poll(&mut cx)))
            .expect_err("closing the scope out of order panics");
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .expect("a text panic message");
        assert!(message.contains("reverse order"), "{message}");
        assert!(message.contains(".await"), "{message}");
        assert!(message.contains("read parameters into locals"), "{message}");
        // The caller's scope is exactly as it was before the tasks ran.
        assert_eq!(depth(), 1);
        assert_eq!(get_param!(request.variant, 0i64), -1);
        assert_eq!(get_param!(caller.only, 0i64), 7);
        // The second task's scope was left with the first one's: its guard does nothing.
        drop(second);
        assert_eq!(depth(), 1);
        assert_eq!(get_param!(request.variant, 0i64), -1);
    }
    assert_eq!(depth(), 0);
    assert_eq!(get_param!(caller.only, 0i64), 0);
}
