//! `with_params!` and `get_param!`.

/// Runs a block of statements inside a new scope, with forms to set and read parameters.
///
/// The scope is entered at the start of the block and left at its end, on
/// every exit path (normal end, `return`, `break`, `?`, panic); the block
/// evaluates to the value of its last expression. Parameters propagate to
/// threads only through the baseline: a thread spawned inside the block starts
/// from the values published by [`frozen()`](crate::frozen), not from this
/// block's scope.
///
/// At the start of each statement of the block (not inside nested braces),
/// these forms are recognized; everything else is ordinary Rust:
///
/// | form | meaning |
/// | --- | --- |
/// | `set a.b = expr;` | write `a.b` into this block's scope |
/// | `get x = a.b or default;` | `let x =` the value of `a.b` converted to `default`'s type, or `default` |
/// | `get mut x = a.b or default;` | the same with `let mut` |
/// | `@set ...;` / `@get ...;` / `@params ...;` | the same as `set` / `get` / `params` |
/// | `params expr;` | write every value of a [`ParamScope`](crate::ParamScope) (or `&ParamScope`) into this scope |
/// | `frozen();` | publish the current parameters as the process-wide baseline |
///
/// Keys are dotted identifiers (`train.optimizer.lr`), hashed at compile
/// time; for keys built at run time, use [`get`](crate::get) and
/// [`set`](crate::set). The trailing `;` of the last form may be omitted.
///
/// # Panics
///
/// A `get` form panics when the stored value cannot be converted to the
/// default's type (use [`try_get`](crate::try_get) to handle that).
///
/// # Async code
///
/// The block's scope belongs to the current thread, so do not put an
/// `.await` inside the block: a future that does is not `Send`, and on a
/// single-threaded executor other tasks would read the block's values while it
/// is suspended. Read what you need inside the block and await outside it, as
/// shown under [`ScopeGuard`](crate::ScopeGuard#async-code):
///
/// ```
/// use hyperparameter::*;
///
/// async fn step(params: ParamScope) -> i64 {
///     let batch = with_params! {
///         params &params;
///         get_param!(train.batch, 32i64)
///     };
///     std::future::ready(()).await;
///     batch
/// }
/// # fn assert_send<T: Send>(_: T) {}
/// # assert_send(step(ParamScope::new()));
/// ```
///
/// # Examples
///
/// ```
/// use hyperparameter::*;
///
/// fn lr() -> f64 {
///     with_params! {
///         get lr = train.lr or 0.001;
///         lr
///     }
/// }
///
/// assert_eq!(lr(), 0.001);
/// let doubled = with_params! {
///     set train.lr = 0.1;
///     let now = lr();
///     with_params! {
///         set train.lr = 0.2;
///         assert_eq!(lr(), 0.2);
///     }
///     now * 2.0
/// };
/// assert_eq!(doubled, 0.2);
/// assert_eq!(lr(), 0.001);
///
/// // `-D`-style values from the command line:
/// let define = vec!["train.lr=0.05".to_string()];
/// with_params! {
///     params ParamScope::from(&define);
///     assert_eq!(lr(), 0.05);
/// }
/// ```
#[macro_export]
macro_rules! with_params {
    ($($body:tt)*) => {
        $crate::__hp_block!(@start [] $($body)*)
    };
}

/// `with_params!` under the name the original `hyperparameter` crate gives blocks that mostly read.
///
/// The same forms and the same meaning as [`with_params!`](crate::with_params): the block
/// runs in a scope of its own, `get` forms read, and a `set` form writes into
/// that scope (so it lasts until the block ends), as in the original crate.
///
/// # Examples
///
/// ```
/// use hyperparameter::*;
///
/// let doubled = with_params_readonly! {
///     get x = missing.value or 3;
///     x * 2
/// };
/// assert_eq!(doubled, 6);
/// ```
#[macro_export]
macro_rules! with_params_readonly {
    ($($body:tt)*) => {
        $crate::__hp_block!(@start [] $($body)*)
    };
}

/// Reads a parameter in an expression: `get_param!(a.b, default)` or `get_param!(a.b, default, "help")`.
///
/// Returns the value of `a.b` converted toward the type of `default`, or
/// `default` when no active scope and no baseline value define it. The key is
/// hashed at compile time. The help text describes the parameter and is
/// shown if the read fails. Parameters propagate to threads only through the
/// baseline published by [`frozen()`](crate::frozen).
///
/// # Panics
///
/// When the stored value cannot be converted to the default's type; the
/// message names the key, the text, the type, where the text came from, and
/// the help text.
///
/// # Examples
///
/// ```
/// use hyperparameter::{get_param, with_params};
///
/// let batch = with_params! {
///     set train.batch_size = 64;
///     get_param!(train.batch_size, 32, "samples per step")
/// };
/// assert_eq!(batch, 64);
/// assert_eq!(get_param!(train.batch_size, 32), 32);
/// ```
#[macro_export]
macro_rules! get_param {
    ($k0:ident $(. $k:ident)*, $default:expr, $help:expr $(,)?) => {
        $crate::__hp_read!(($k0 $(. $k)*), $default, ::core::option::Option::Some($help))
    };
    ($k0:ident $(. $k:ident)*, $default:expr $(,)?) => {
        $crate::__hp_read!(($k0 $(. $k)*), $default, ::core::option::Option::None)
    };
}

/// A read of a key written as identifiers, with a default and an optional help text.
#[doc(hidden)]
#[macro_export]
macro_rules! __hp_read {
    (($($key:tt)*), $default:expr, $help:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::{ReadSame as _, ReadStr as _};
        (&&$crate::__private::Default::new($default)).read_param(&$crate::__hp_key!($($key)*), $help)
    }};
}

/// A dotted key written as identifiers, as a compile-time hashed constant.
#[doc(hidden)]
#[macro_export]
macro_rules! __hp_key {
    ($k0:ident $(. $k:ident)*) => {{
        const KEY: $crate::__private::StaticKey = $crate::__private::StaticKey::new(::core::concat!(
            ::core::stringify!($k0) $(, ".", ::core::stringify!($k))*
        ));
        KEY
    }};
}

/// The statement scanner behind `with_params!`.
///
/// States: `@start` is at the start of a statement, where the forms are
/// recognized; `@mid` is inside an ordinary statement. Ordinary tokens are
/// copied to the output in windows of up to six, up to the next `;` or
/// top-level `{ ... }` (after which a new statement may start), so a block
/// of N statements needs about N recursion steps. `@end` emits the block.
#[doc(hidden)]
#[macro_export]
macro_rules! __hp_block {
    (@end [$($out:tt)*]) => {{
        let _hp_scope = $crate::__private::enter_block();
        $($out)*
    }};

    // set a.b = value;
    (@start [$($out:tt)*] $(@)? set $k0:ident $(. $k:ident)* = $value:expr ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)*
            $crate::__private::set(&$crate::__hp_key!($k0 $(. $k)*), $value);
        ] $($rest)*)
    };
    (@start [$($out:tt)*] $(@)? set $k0:ident $(. $k:ident)* = $value:expr) => {
        $crate::__hp_block!(@end [$($out)*
            $crate::__private::set(&$crate::__hp_key!($k0 $(. $k)*), $value);
        ])
    };

    // get mut x = a.b or default;
    (@start [$($out:tt)*] $(@)? get mut $name:ident = $k0:ident $(. $k:ident)* or $default:expr ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)*
            let mut $name = $crate::__hp_read!(($k0 $(. $k)*), $default, ::core::option::Option::None);
        ] $($rest)*)
    };
    (@start [$($out:tt)*] $(@)? get mut $name:ident = $k0:ident $(. $k:ident)* or $default:expr) => {
        $crate::__hp_block!(@end [$($out)*
            let mut $name = $crate::__hp_read!(($k0 $(. $k)*), $default, ::core::option::Option::None);
        ])
    };

    // get x = a.b or default;
    (@start [$($out:tt)*] $(@)? get $name:ident = $k0:ident $(. $k:ident)* or $default:expr ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)*
            let $name = $crate::__hp_read!(($k0 $(. $k)*), $default, ::core::option::Option::None);
        ] $($rest)*)
    };
    (@start [$($out:tt)*] $(@)? get $name:ident = $k0:ident $(. $k:ident)* or $default:expr) => {
        $crate::__hp_block!(@end [$($out)*
            let $name = $crate::__hp_read!(($k0 $(. $k)*), $default, ::core::option::Option::None);
        ])
    };

    // params scope;
    (@start [$($out:tt)*] $(@)? params $params:expr ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $crate::__private::params($params);] $($rest)*)
    };
    (@start [$($out:tt)*] $(@)? params $params:expr) => {
        $crate::__hp_block!(@end [$($out)* $crate::__private::params($params);])
    };

    // frozen();
    (@start [$($out:tt)*] frozen() ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $crate::frozen();] $($rest)*)
    };
    (@start [$($out:tt)*] frozen()) => {
        $crate::__hp_block!(@end [$($out)* $crate::frozen()])
    };

    // Ordinary statements, at their start and in their middle.
    (@start [$($out:tt)*] ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* ;] $($rest)*)
    };
    (@start [$($out:tt)*] { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* { $($group)* }] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 ;] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 { $($group)* }] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt $t1:tt ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 ;] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt $t1:tt { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 { $($group)* }] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt $t1:tt $t2:tt ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 ;] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt $t1:tt $t2:tt { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 { $($group)* }] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt $t1:tt $t2:tt $t3:tt ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 $t3 ;] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt $t1:tt $t2:tt $t3:tt { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 $t3 { $($group)* }] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt $t1:tt $t2:tt $t3:tt $t4:tt ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 $t3 $t4 ;] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt $t1:tt $t2:tt $t3:tt $t4:tt { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 $t3 $t4 { $($group)* }] $($rest)*)
    };
    (@start [$($out:tt)*] $t0:tt $t1:tt $t2:tt $t3:tt $t4:tt $t5:tt $($rest:tt)*) => {
        $crate::__hp_block!(@mid [$($out)* $t0 $t1 $t2 $t3 $t4 $t5] $($rest)*)
    };
    (@start [$($out:tt)*] $($rest:tt)*) => {
        $crate::__hp_block!(@end [$($out)* $($rest)*])
    };
    (@mid [$($out:tt)*] ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* ;] $($rest)*)
    };
    (@mid [$($out:tt)*] { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* { $($group)* }] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 ;] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 { $($group)* }] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt $t1:tt ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 ;] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt $t1:tt { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 { $($group)* }] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt $t1:tt $t2:tt ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 ;] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt $t1:tt $t2:tt { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 { $($group)* }] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt $t1:tt $t2:tt $t3:tt ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 $t3 ;] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt $t1:tt $t2:tt $t3:tt { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 $t3 { $($group)* }] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt $t1:tt $t2:tt $t3:tt $t4:tt ; $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 $t3 $t4 ;] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt $t1:tt $t2:tt $t3:tt $t4:tt { $($group:tt)* } $($rest:tt)*) => {
        $crate::__hp_block!(@start [$($out)* $t0 $t1 $t2 $t3 $t4 { $($group)* }] $($rest)*)
    };
    (@mid [$($out:tt)*] $t0:tt $t1:tt $t2:tt $t3:tt $t4:tt $t5:tt $($rest:tt)*) => {
        $crate::__hp_block!(@mid [$($out)* $t0 $t1 $t2 $t3 $t4 $t5] $($rest)*)
    };
    (@mid [$($out:tt)*] $($rest:tt)*) => {
        $crate::__hp_block!(@end [$($out)* $($rest)*])
    };
}
