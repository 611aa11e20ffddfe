//! Errors and panics: what they say, and that no scope outlives them.
//!
//! Only scopes are used here (never the baseline), so the tests may run in
//! parallel threads.

use std::panic::{catch_unwind, AssertUnwindSafe};

use hyperparameter::__private::depth;
use hyperparameter::{get, get_param, get_value, set, try_get, with_params, ErrorKind, ParamScope};

/// Runs `f`, which must panic, and returns the panic message.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .expect("a text panic message")
}

#[test]
fn an_unconvertible_text_is_an_error_that_names_key_text_type_and_source() {
    with_params! {
        params ParamScope::from(&vec!["train.lr=abc".to_owned()]);
        let err = try_get("train.lr", 0.001).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
        assert_eq!(err.key(), Some("train.lr"));
        assert_eq!(
            err.to_string(),
            "cannot convert 'abc' to f64 for key 'train.lr' (from -D train.lr=abc); \
             write a number like 0.001 or 1e-3"
        );
    }
}

#[test]
fn the_get_form_panics_instead_of_using_the_default() {
    let message = panic_message(|| {
        with_params! {
            params ParamScope::from(["train.batch_size=big"]);
            get batch = train.batch_size or 32i64;
            let _ = batch;
        }
    });
    assert!(message.contains("'big'"), "{message}");
    assert!(message.contains("i64"), "{message}");
    assert!(message.contains("'train.batch_size'"), "{message}");
    assert!(message.contains("-D train.batch_size=big"), "{message}");
    assert_eq!(depth(), 0, "the panic left a scope active");
}

#[test]
fn get_param_panics_with_its_help_text() {
    let message = panic_message(|| {
        with_params! {
            params ParamScope::from(["train.amp=maybe"]);
            let _ = get_param!(train.amp, false, "use mixed precision");
        }
    });
    assert!(
        message.contains("cannot convert 'maybe' to bool"),
        "{message}"
    );
    assert!(message.contains("use mixed precision"), "{message}");
}

#[test]
fn a_value_of_another_type_is_a_type_mismatch() {
    with_params! {
        set model.name = "bert";
        set train.lr = 0.5;
        let err = try_get("model.name", 0).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TypeMismatch);
        assert!(err.to_string().contains("the string 'bert'"), "{err}");
        assert_eq!(try_get("train.lr", 0i64).unwrap_err().kind(), ErrorKind::TypeMismatch);
        // Integers widen to floats; nothing else converts implicitly.
        set train.steps = 3;
        assert_eq!(try_get("train.steps", 0.0), Ok(3.0));
    }
}

#[test]
fn out_of_range_integers_are_errors() {
    with_params! {
        set big = 300;
        params ParamScope::from(["text.big=300", "text.huge=99999999999999999999999"]);
        assert_eq!(try_get("big", 0u8).unwrap_err().kind(), ErrorKind::Conversion);
        assert_eq!(try_get("text.big", 0u8).unwrap_err().kind(), ErrorKind::Conversion);
        assert_eq!(try_get("text.huge", 0i64).unwrap_err().kind(), ErrorKind::Conversion);
        assert_eq!(try_get("text.big", 0u16), Ok(300));
    }
}

#[test]
fn invalid_keys_are_rejected_where_they_enter() {
    let err = try_get("a..b", 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);
    assert_eq!(get_value("a b").unwrap_err().kind(), ErrorKind::InvalidKey);
    let message = panic_message(|| {
        let _ = get("train lr", 1);
    });
    assert!(message.contains("invalid key 'train lr'"), "{message}");
    assert!(message.contains("whitespace"), "{message}");

    let err = ParamScope::from_defines(["ok=1", "bad..key=2"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);
    assert!(err.to_string().contains("in -D bad..key=2"), "{err}");
    let err = ParamScope::from_defines(["novalue"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidAssignment);
    assert!(err.to_string().contains("-D novalue has no '='"), "{err}");
    let message = panic_message(|| {
        let _ = ParamScope::from(["=1"]);
    });
    assert!(message.contains("no key before '='"), "{message}");

    with_params! {
        assert_eq!(set("a.", 1).unwrap_err().kind(), ErrorKind::InvalidKey);
        let mut scope = ParamScope::new();
        assert_eq!(scope.insert("", 1).unwrap_err().kind(), ErrorKind::InvalidKey);
    }
}

#[test]
fn set_needs_an_active_scope() {
    let err = set("a.b", 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoActiveScope);
    assert!(err.to_string().contains("frozen()"), "{err}");
}

#[test]
fn scopes_roll_back_when_a_panic_unwinds_through_them() {
    let result = catch_unwind(|| {
        with_params! {
            set a = 1;
            with_params! {
                set a = 2;
                with_params! {
                    set b = 3;
                    panic!("inside three scopes");
                }
            }
        }
    });
    assert!(result.is_err());
    assert_eq!(depth(), 0);
    assert_eq!(get_param!(a, 0), 0);
    assert_eq!(get_param!(b, 0), 0);
}

#[test]
fn dropping_guards_out_of_order_leaves_the_inner_scopes_and_panics() {
    let outer = ParamScope::from(["a=1"]).enter();
    let inner = ParamScope::from(["a=2", "b=2"]).enter();
    assert_eq!(get_param!(a, 0), 2);
    let message = panic_message(move || drop(outer));
    assert!(message.contains("reverse order"), "{message}");
    // Both scopes are gone; the inner guard is now a no-op.
    assert_eq!(depth(), 0);
    assert_eq!((get_param!(a, 0), get_param!(b, 0)), (0, 0));
    drop(inner);
    assert_eq!(depth(), 0);
}

#[test]
fn a_leaked_guard_is_cleaned_up_by_its_enclosing_scope_during_a_panic() {
    let result = catch_unwind(|| {
        let _outer = ParamScope::from(["a=1"]).enter();
        std::mem::forget(ParamScope::from(["a=2"]).enter());
        panic!("unwinding");
    });
    assert!(result.is_err());
    assert_eq!(depth(), 0);
    assert_eq!(get_param!(a, 0), 0);
}
