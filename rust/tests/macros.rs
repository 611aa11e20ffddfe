//! Every form of `with_params!` and `get_param!`, with and without a trailing `;` or `,`.
//!
//! Only scopes are used here (never the baseline), so the tests may run in
//! parallel threads: each thread has its own scopes.

use hyperparameter::__private::depth;
use hyperparameter::{get, get_param, with_params, with_params_readonly, ParamScope, Value};

#[test]
fn set_with_and_without_trailing_semicolon() {
    with_params! {
        set a.b = 1;
        assert_eq!(get("a.b", 0), 1);
    }
    with_params! {
        set a.b = 2
    }
    let seen = with_params! {
        @set a.b = 3;
        get_param!(a.b, 0)
    };
    assert_eq!(seen, 3);
    with_params! {
        @set a.b = 4
    }
    assert_eq!(get("a.b", 0), 0);
    assert_eq!(depth(), 0);
}

#[test]
fn get_with_and_without_trailing_semicolon() {
    with_params! {
        set train.lr = 0.5;
        get lr = train.lr or 0.1;
        assert_eq!(lr, 0.5);
    }
    with_params! {
        get lr = train.lr or 0.1
    }
    with_params! {
        @get lr = train.lr or 0.1;
        assert_eq!(lr, 0.1);
    }
    with_params! {
        @get lr = train.lr or 0.1
    }
    with_params! {
        get mut steps = train.steps or 10;
        steps += 1;
        assert_eq!(steps, 11);
    }
    with_params! {
        @get mut steps = train.steps or 10
    }
}

#[test]
fn params_with_and_without_trailing_semicolon() {
    let define = vec!["model.layers=24".to_owned(), "model.name=large".to_owned()];
    with_params! {
        params ParamScope::from(&define);
        get layers = model.layers or 12;
        get name = model.name or "base";
        assert_eq!((layers, name.as_str()), (24, "large"));
    }
    let scope = ParamScope::from(&define);
    with_params! {
        params &scope;
        assert_eq!(get_param!(model.layers, 12), 24);
    }
    with_params! {
        params scope
    }
    assert_eq!(get_param!(model.layers, 12), 12);
}

#[test]
fn a_block_evaluates_to_its_last_expression() {
    let value = with_params! {
        set a = 2;
        get_param!(a, 0) * 10
    };
    assert_eq!(value, 20);
    let unit: () = with_params! {};
    assert_eq!(unit, ());
    let nested = with_params! {
        set a = 1;
        with_params! {
            set b = 2;
            get_param!(a, 0) + get_param!(b, 0)
        }
    };
    assert_eq!(nested, 3);
}

#[test]
fn forms_are_recognized_between_ordinary_statements() {
    let mut log = Vec::new();
    with_params! {
        let base = 10;
        set a.x = base;
        for i in 0..2 {
            log.push(i);
        }
        set a.y = get_param!(a.x, 0) + 1;
        if log.len() == 2 { log.push(2) } else { log.push(99) }
        get y = a.y or 0; // i64, from its use in `Point`
        let point = Point { x: 1, y };
        set a.z = point.x + point.y;
        match y {
            11 => log.push(3),
            _ => log.push(98),
        }
        get z = a.z or 0;
        { log.push(4); }
        assert_eq!(z, 12);
        log.push(get_param!(a.z, 0));
    }
    assert_eq!(log, [0, 1, 2, 3, 4, 12]);
}

struct Point {
    x: i64,
    y: i64,
}

#[test]
fn user_names_that_look_like_forms_stay_ordinary() {
    let set = [1, 2];
    let get;
    with_params! {
        get = set.len();
        let params = get + 1;
        set a = params;
        get n = a or 0;
        assert_eq!(n, 3);
    }
    assert_eq!(get, 2);
}

#[test]
fn keys_may_be_keywords_and_deep() {
    with_params! {
        set model.type = "transformer";
        set a.b.c.d.e.f = 6;
        get kind = model.type or "none";
        assert_eq!(kind, "transformer");
        assert_eq!(get("a.b.c.d.e.f", 0), 6);
    }
}

#[test]
fn the_inner_block_shadows_and_restores() {
    with_params! {
        set a = 1;
        with_params! {
            set a = 2;
            assert_eq!(get_param!(a, 0), 2);
        };
        assert_eq!(get_param!(a, 0), 1);
        set a = 3;
        assert_eq!(get_param!(a, 0), 3);
    }
    assert_eq!(get_param!(a, 0), 0);
}

#[test]
fn get_param_with_and_without_help_and_trailing_comma() {
    with_params! {
        set train.batch_size = 64;
        assert_eq!(get_param!(train.batch_size, 32), 64);
        assert_eq!(get_param!(train.batch_size, 32,), 64);
        assert_eq!(get_param!(train.batch_size, 32, "samples per step"), 64);
        assert_eq!(get_param!(train.batch_size, 32, "samples per step",), 64);
        assert_eq!(get_param!(train.epochs, 3), 3);
    }
}

#[test]
fn value_types_convert_toward_the_default() {
    with_params! {
        set t.int = 7;
        set t.uint = 7u64;
        set t.float = 2.5f32;
        set t.flag = true;
        set t.name = String::from("bert");
        set t.list = vec![1, 2];
        set t.none = None::<i64>;
        get as_float = t.int or 0.0;
        get small = t.int or 0u8;
        get wide = t.uint or 0u64;
        get single = t.float or 0.0f32;
        get flag = t.flag or false;
        get name = t.name or String::new();
        assert_eq!((as_float, small, wide, single, flag), (7.0, 7, 7, 2.5, true));
        assert_eq!(name, "bert");
        assert_eq!(hyperparameter::get_value("t.list"), Ok(Some(vec![1, 2].into())));
        assert_eq!(hyperparameter::get_value("t.none"), Ok(Some(hyperparameter::Value::Null)));
    }
}

#[test]
fn text_values_convert_at_each_read() {
    with_params! {
        params ParamScope::from(["n=42", "x=1e-3", "on=yes", "s= spaced "]);
        assert_eq!(get_param!(n, 0), 42);
        assert_eq!(get_param!(n, 0.0), 42.0);
        assert_eq!(get_param!(n, ""), "42");
        assert_eq!(get_param!(x, 0.0), 0.001);
        assert!(get_param!(on, false));
        assert_eq!(get_param!(s, ""), " spaced "); // kept exactly as given
    }
}

#[test]
fn many_statements_fit_in_one_block() {
    // One recursion step per statement; 100 statements stay below the default limit.
    let total = with_params! {
        set k = 1; set k = 1; set k = 1; set k = 1; set k = 1; set k = 1; set k = 1; set k = 1; set k = 1; set k = 1;
        set k = 1; set k = 1; set k = 1; set k = 1; set k = 1; set k = 1; set k = 1; set k = 1; set k = 1; set k = 1;
        let mut t = 0; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1;
        t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1;
        t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1;
        t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1;
        t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1;
        t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1;
        t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1;
        t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1; t += 1;
        t + get_param!(k, 0)
    };
    assert_eq!(total, 80);
}

fn find(limit: i64) -> Option<i64> {
    with_params! {
        set search.limit = limit;
        for i in 0.. {
            if i > get_param!(search.limit, 0) {
                return Some(i);
            }
        }
        None
    }
}

fn parse(text: &str) -> Result<i64, std::num::ParseIntError> {
    with_params! {
        set parse.attempted = true;
        let n: i64 = text.parse()?;
        Ok(n)
    }
}

#[test]
fn early_exits_leave_the_scope() {
    assert_eq!(find(3), Some(4));
    assert_eq!(depth(), 0);
    assert!(parse("x").is_err());
    assert_eq!(parse("5"), Ok(5));
    assert_eq!(depth(), 0);
}

#[test]
fn a_new_thread_does_not_see_its_parents_scope() {
    with_params! {
        set job.id = 7;
        let in_thread = std::thread::spawn(|| get_param!(job.id, -1)).join().unwrap();
        assert_eq!(in_thread, -1);
        let captured = ParamScope::current();
        let carried = std::thread::spawn(move || {
            let _guard = captured.enter();
            get_param!(job.id, -1)
        })
        .join()
        .unwrap();
        assert_eq!(carried, 7);
    }
}

#[test]
fn the_original_crates_names_work_as_ours() {
    // `@params` is `params`; `put` is `insert` without a Result; `capture` is `current`.
    let mut scope = ParamScope::new();
    scope.put("model.layers", 24);
    scope.put(String::from("model.name"), "large");
    let (layers, name) = with_params! {
        @params scope;
        get layers = model.layers or 12;
        get name = model.name or "small";
        (layers, name)
    };
    assert_eq!((layers, name.as_str()), (24, "large"));
    let captured = with_params! {
        set job.id = 7;
        ParamScope::capture()
    };
    assert_eq!(captured.get_value("job.id"), Some(&Value::Int(7)));
    assert_eq!(get("job.id", 0), 0);
    assert_eq!(depth(), 0);
}

#[test]
fn with_params_readonly_reads_and_scopes_its_sets_to_the_block() {
    let doubled = with_params_readonly! {
        get x = missing.value or 3;
        x * 2
    };
    assert_eq!(doubled, 6);
    let inner = with_params_readonly! {
        set a.b = 5;
        get seen = a.b or 0;
        seen
    };
    assert_eq!(inner, 5);
    assert_eq!(get("a.b", 0), 0);
    assert_eq!(depth(), 0);
}

#[test]
#[should_panic(expected = "a..b")]
fn put_panics_on_a_malformed_key_naming_it() {
    ParamScope::new().put("a..b", 1);
}
