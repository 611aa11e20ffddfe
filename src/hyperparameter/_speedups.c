/* The compiled accelerator of hyperparameter._access and of @hp.param wrappers.
 *
 * It mirrors the hot paths of _access.py (accessor attribute chains, `| default`
 * and `(default)` reads, hp.scope(**kw) entry, Scope enter/exit) and the lookup
 * of _param.py, over the very state of the pure-Python engine: the ContextVar
 * _scope._stack (a stack: (the layers' dicts, the top layer, the stack beneath)),
 * _scope._baseline_params,
 * the read records. Every rare
 * or failing case calls back into the Python functions (record_read,
 * missing_key_error, resolve, exit_foreign, ...), so errors, provenance and
 * records are the same whichever implementation runs. _access.setup_speedups()
 * hands the Python objects over with setup(). The contextvars C API is not in
 * the stable ABI: this file is built for each Python version.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <assert.h>
#include <stddef.h>
#include <structmember.h>
#include <frameobject.h>

/* The contract with _access.py (what setup() takes, what the types do): bump it on change. */
#define SPEEDUPS_ABI 2

/* Python objects handed over by setup(): all strong references, never released. */
static PyObject *stack_var;       /* _scope._stack */
static PyObject *scope_globals;   /* _scope.__dict__, for the current _baseline_params */
static PyObject *reads;           /* _scope._reads */
static PyObject *record_read;     /* _scope.record_read(key, default) */
static PyObject *missing_key_error; /* _scope.missing_key_error(key) -> exception */
static PyObject *resolve;         /* _values.resolve(value, default, key) */
static PyObject *text_type;       /* _values.Text */
static PyObject *missing;         /* _values.MISSING */
static PyObject *valid_keys;      /* _keys._VALID */
static PyObject *checked_kwargs;  /* _access._checked_kwargs(kwargs) -> dict */
static PyObject *build_scope;     /* _access._build_scope(args, kwargs, origin) -> Scope */
static PyObject *check_scope_site; /* _scope.check_scope_site(frame) */
static PyObject *exit_slow;       /* _access._exit_slow(scope, stack, caller, foreign) */
static PyTypeObject *layer_type;  /* _scope.Layer */
static PyTypeObject *scope_type;  /* _access.Scope (a subclass of ScopeBase) */
static Py_ssize_t off_params, off_origin, off_sources, off_tokens, off_origin_source;
static PyObject *str_baseline, *str_child, *str_default;
static Py_hash_t baseline_hash;
static int ready;

#define SLOT(obj, off) (*(PyObject **)((char *)(obj) + (off)))

/* Get this context's stack: a new reference to (dicts, top layer, stack beneath), or NULL. */
static PyObject *
get_stack(void)
{
    PyObject *stack;
    if (PyContextVar_Get(stack_var, NULL, &stack) < 0)
        return NULL;
    if (!PyTuple_CheckExact(stack) || PyTuple_GET_SIZE(stack) != 3
        || !PyTuple_CheckExact(PyTuple_GET_ITEM(stack, 0))) {
        PyErr_Format(PyExc_TypeError, "a scope stack that is not (dicts, top, below): %R", stack);
        Py_DECREF(stack);
        return NULL;
    }
    return stack;
}

static int
not_ready(void)
{
    PyErr_SetString(PyExc_RuntimeError, "hyperparameter._speedups.setup() was not called");
    return -1;
}

/* ------------------------------------------------------------------ reading */

/* One dict probe with the key's hash computed once (keys are str: it is cached). */
#if PY_VERSION_HEX < 0x030D0000
#define GET_KNOWN_HASH(dict, key, hash) _PyDict_GetItem_KnownHash((dict), (key), (hash))
#else
#define GET_KNOWN_HASH(dict, key, hash) PyDict_GetItemWithError((dict), (key))
#endif

/* Return a new reference to the stored value of key (MISSING included), or NULL. */
static PyObject *
find(PyObject *key)
{
    PyObject *stack, *layers, *value = NULL, *baseline, *layer;
    Py_ssize_t i, n;
    Py_hash_t hash = PyObject_Hash(key);
    if (hash == -1)
        return NULL;
    stack = get_stack();
    if (stack == NULL)
        return NULL;
    layers = PyTuple_GET_ITEM(stack, 0);  /* the dicts */
    Py_INCREF(layers);
    Py_DECREF(stack);
    n = PyTuple_GET_SIZE(layers);
    for (i = 0; i < n; i++) {
        layer = PyTuple_GET_ITEM(layers, i);
        if (!PyDict_Check(layer)) {
            Py_DECREF(layers);
            PyErr_Format(PyExc_TypeError, "a layer that is not a dict: %R", layer);
            return NULL;
        }
        value = GET_KNOWN_HASH(layer, key, hash);
        if (value != NULL)
            break;
        if (PyErr_Occurred()) {
            Py_DECREF(layers);
            return NULL;
        }
    }
    if (value == NULL) {
        baseline = GET_KNOWN_HASH(scope_globals, str_baseline, baseline_hash);
        if (baseline == NULL) {
            Py_DECREF(layers);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_RuntimeError, "_scope._baseline_params is gone");
            return NULL;
        }
        if (!PyDict_Check(baseline)) {
            Py_DECREF(layers);
            PyErr_Format(PyExc_TypeError, "a baseline that is not a dict: %R", baseline);
            return NULL;
        }
        value = GET_KNOWN_HASH(baseline, key, hash);
        if (value == NULL) {
            if (PyErr_Occurred()) {
                Py_DECREF(layers);
                return NULL;
            }
            value = missing;
        }
    }
    Py_INCREF(value);
    Py_DECREF(layers);
    return value;
}

/* The read of `accessor | default`: what Accessor.__or__ does in _access.py. */
static PyObject *
read_key(PyObject *key, PyObject *deflt)
{
    PyObject *value, *res;
    int known = PyDict_Contains(reads, key);
    if (known < 0)
        return NULL;
    if (!known) {
        res = PyObject_CallFunctionObjArgs(record_read, key, deflt, NULL);
        if (res == NULL)
            return NULL;
        Py_DECREF(res);
    }
    value = find(key);
    if (value == NULL)
        return NULL;
    if (value == missing) {
        Py_DECREF(value);
        if (deflt == missing) {
            PyObject *err = PyObject_CallOneArg(missing_key_error, key);
            if (err != NULL) {
                PyErr_SetObject((PyObject *)Py_TYPE(err), err);
                Py_DECREF(err);
            }
            return NULL;
        }
        Py_INCREF(deflt);
        return deflt;
    }
    if ((PyObject *)Py_TYPE(value) == text_type
        || (Py_IS_TYPE(value, &PyLong_Type) && Py_IS_TYPE(deflt, &PyFloat_Type))) {
        res = PyObject_CallFunctionObjArgs(resolve, value, deflt, key, NULL);
        Py_DECREF(value);
        return res;
    }
    return value;
}

/* Attribute lookup shared by the three types: a cached child in the instance
 * dict first (what generic lookup finds too: the types define only dunder names),
 * then the generic lookup, then self.__hp_child__(name) to make the child. */
static PyObject *
getattr_cached(PyObject *self, PyObject *dict, PyObject *name)
{
    PyObject *found;
    if (dict != NULL) {
        found = PyDict_GetItemWithError(dict, name);
        if (found != NULL) {
            Py_INCREF(found);
            return found;
        }
        if (PyErr_Occurred())
            return NULL;
    }
    found = PyObject_GenericGetAttr(self, name);
    if (found != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError))
        return found;
    PyErr_Clear();
    return PyObject_CallMethodOneArg(self, str_child, name);
}

/* ------------------------------------------------------------------ shared layout */

/* The accessor, the scope object and the hp.scope root share one layout: the instance
   __dict__ (the cache of child accessors) and two object slots (the accessor's key and
   layer; the scope's layer; the root's items), so one set of GC and attribute
   functions serves all three. */
typedef struct {
    PyObject_HEAD
    PyObject *dict;
    PyObject *first;
    PyObject *second;
} HolderObject;

static int
holder_traverse(HolderObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->dict);
    Py_VISIT(self->first);
    Py_VISIT(self->second);
    return 0;
}

static int
holder_clear(HolderObject *self)
{
    Py_CLEAR(self->dict);
    Py_CLEAR(self->first);
    Py_CLEAR(self->second);
    return 0;
}

static void
holder_dealloc(HolderObject *self)
{
    PyObject_GC_UnTrack(self);
    holder_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
holder_getattro(HolderObject *self, PyObject *name)
{
    return getattr_cached((PyObject *)self, self->dict, name);
}

/* ------------------------------------------------------------------ Accessor */

typedef struct {
    PyObject_HEAD
    PyObject *dict;
    PyObject *key;
    PyObject *layer;
} AccessorObject;

static PyTypeObject AccessorType;

/* The holder_* functions rely on this layout matching HolderObject's. */
static_assert(offsetof(AccessorObject, dict) == offsetof(HolderObject, dict) &&
                  offsetof(AccessorObject, key) == offsetof(HolderObject, first) &&
                  offsetof(AccessorObject, layer) == offsetof(HolderObject, second) &&
                  sizeof(AccessorObject) == sizeof(HolderObject),
              "AccessorObject must have the shared layout");

static PyObject *
accessor_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"key", "layer", NULL};
    PyObject *key, *layer = Py_None;
    AccessorObject *self;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:Accessor", names, &key, &layer))
        return NULL;
    self = (AccessorObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    Py_INCREF(key);
    self->key = key;
    Py_INCREF(layer);
    self->layer = layer;
    return (PyObject *)self;
}

static PyObject *
accessor_or(PyObject *left, PyObject *right)
{
    if (!ready && not_ready() < 0)
        return NULL;
    if (!PyObject_TypeCheck(left, &AccessorType))
        Py_RETURN_NOTIMPLEMENTED;  /* `x | accessor`: not a read */
    return read_key(((AccessorObject *)left)->key, right);
}

static PyObject *
accessor_call(AccessorObject *self, PyObject *args, PyObject *kwds)
{
    PyObject *deflt = missing;
    static char *names[] = {"default", NULL};
    if (!ready && not_ready() < 0)
        return NULL;
    if (kwds != NULL || PyTuple_GET_SIZE(args) > 1) {
        if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:__call__", names, &deflt))
            return NULL;
    }
    else if (PyTuple_GET_SIZE(args) == 1) {
        deflt = PyTuple_GET_ITEM(args, 0);
    }
    return read_key(self->key, deflt);
}

static PyMemberDef accessor_members[] = {
    {"__hp_key__", T_OBJECT, offsetof(AccessorObject, key), READONLY, NULL},
    {"__hp_layer__", T_OBJECT, offsetof(AccessorObject, layer), READONLY, NULL},
    {NULL}
};

static PyGetSetDef dict_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL}
};

/* The type slots every object of the shared layout has (see HolderObject). */
#define HOLDER_TYPE_SLOTS                                                       \
    .tp_basicsize = sizeof(HolderObject),                                       \
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,  \
    .tp_traverse = (traverseproc)holder_traverse,                               \
    .tp_clear = (inquiry)holder_clear,                                          \
    .tp_dealloc = (destructor)holder_dealloc,                                   \
    .tp_getattro = (getattrofunc)holder_getattro,                               \
    .tp_getset = dict_getset,                                                   \
    .tp_dictoffset = offsetof(HolderObject, dict)

static PyNumberMethods accessor_as_number = {
    .nb_or = accessor_or,
};

static PyTypeObject AccessorType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    HOLDER_TYPE_SLOTS,
    .tp_name = "hyperparameter._speedups.AccessorBase",
    .tp_doc = "Compiled reads of an accessor (the base of _access.Accessor).",
    .tp_new = accessor_new,
    .tp_as_number = &accessor_as_number,
    .tp_call = (ternaryfunc)accessor_call,
    .tp_members = accessor_members,
};

/* ------------------------------------------------------------------ Scope */

/* A scope object: its layer in the shared layout's first slot (the second is unused). */
typedef HolderObject ScopeObject;

static PyTypeObject ScopeBaseType;

static PyObject *
scope_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"layer", NULL};
    PyObject *layer;
    ScopeObject *self;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Scope", names, &layer))
        return NULL;
    self = (ScopeObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    Py_INCREF(layer);
    self->first = layer;
    return (PyObject *)self;
}

static PyObject *
layer_tokens(PyObject *layer)
{
    PyObject *tokens, *params;
    if (!PyObject_TypeCheck(layer, layer_type)) {
        PyErr_Format(PyExc_TypeError, "a scope's layer must be a Layer, not %R", layer);
        return NULL;
    }
    tokens = SLOT(layer, off_tokens);
    params = SLOT(layer, off_params);
    if (tokens == NULL || !PyList_CheckExact(tokens) || params == NULL || !PyDict_Check(params)) {
        PyErr_SetString(PyExc_RuntimeError, "a Layer without its token list or its dict");
        return NULL;
    }
    return tokens;
}

/* Return a new tuple: first, then the items of rest. */
static PyObject *
prepend(PyObject *first, PyObject *rest)
{
    Py_ssize_t i, n = PyTuple_GET_SIZE(rest);
    PyObject *out = PyTuple_New(n + 1);
    if (out == NULL)
        return NULL;
    Py_INCREF(first);
    PyTuple_SET_ITEM(out, 0, first);
    for (i = 0; i < n; i++) {
        PyObject *item = PyTuple_GET_ITEM(rest, i);
        Py_INCREF(item);
        PyTuple_SET_ITEM(out, i + 1, item);
    }
    return out;
}

/* Scope.__enter__: push the layer on this thread's or task's stack. */
static PyObject *
scope_enter(ScopeObject *self, PyObject *unused)
{
    PyObject *layer = self->first, *tokens, *stack, *dicts, *pushed, *token;
    if (!ready && not_ready() < 0)
        return NULL;
    tokens = layer_tokens(layer);
    if (tokens == NULL)
        return NULL;
    stack = get_stack();
    if (stack == NULL)
        return NULL;
    dicts = prepend(SLOT(layer, off_params), PyTuple_GET_ITEM(stack, 0));
    pushed = dicts == NULL ? NULL : PyTuple_New(3);
    if (pushed == NULL) {
        Py_XDECREF(dicts);
        Py_DECREF(stack);
        return NULL;
    }
    Py_INCREF(layer);
    PyTuple_SET_ITEM(pushed, 0, dicts);
    PyTuple_SET_ITEM(pushed, 1, layer);
    PyTuple_SET_ITEM(pushed, 2, stack);  /* takes our reference */
    token = PyContextVar_Set(stack_var, pushed);
    Py_DECREF(pushed);
    if (token == NULL)
        return NULL;
    if (PyList_Append(tokens, token) < 0) {
        PyContextVar_Reset(stack_var, token);
        Py_DECREF(token);
        return NULL;
    }
    Py_DECREF(token);
    Py_INCREF(self);
    return (PyObject *)self;
}

/* Scope.__exit__: reset this entry's token; anything unusual goes to _exit_slow. */
static PyObject *
scope_exit(ScopeObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *layer = self->first, *tokens, *stack, *below, *token, *restored, *res;
    Py_ssize_t n;
    int foreign = 0;
    if (!ready && not_ready() < 0)
        return NULL;
    tokens = layer_tokens(layer);
    if (tokens == NULL)
        return NULL;
    stack = get_stack();
    if (stack == NULL)
        return NULL;
    n = PyList_GET_SIZE(tokens);
    if (n == 0)
        goto slow;
    token = PyList_GET_ITEM(tokens, n - 1);
    Py_INCREF(token);
    if (PyContextVar_Reset(stack_var, token) < 0) {
        Py_DECREF(token);
        if (!PyErr_ExceptionMatches(PyExc_ValueError)
            && !PyErr_ExceptionMatches(PyExc_RuntimeError)) {
            Py_DECREF(stack);
            return NULL;
        }
        PyErr_Clear();
        goto slow;
    }
    Py_DECREF(token);
    /* remove(token), not pop(): another thread may have appended its own token since. */
    n = PyList_GET_SIZE(tokens);
    if (n > 0 && PyList_GET_ITEM(tokens, n - 1) == token) {
        /* pop() without giving back the list's room: the token's reference goes */
        Py_SET_SIZE(tokens, n - 1);
        Py_DECREF(token);
    }
    else {
        res = PyObject_CallMethod(tokens, "remove", "O", token);
        if (res == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_ValueError)) {
                Py_DECREF(stack);
                return NULL;
            }
            PyErr_Clear();  /* as in Python: another thread took it; the slow path sorts it out */
            goto slow;
        }
        Py_DECREF(res);
    }
    if (PyTuple_GET_ITEM(stack, 1) != layer)
        goto out_of_order;
    /* The reset put back the stack of our entry: the stack beneath our layer, unless
     * an enclosing scope exited out of order meanwhile (and was removed from beneath). */
    below = PyTuple_GET_ITEM(stack, 2);
    if (PyContextVar_Get(stack_var, NULL, &restored) < 0) {
        Py_DECREF(stack);
        return NULL;
    }
    Py_DECREF(restored);  /* only compared */
    if (restored != below) {
        token = PyContextVar_Set(stack_var, below);
        if (token == NULL) {
            Py_DECREF(stack);
            return NULL;
        }
        Py_DECREF(token);
    }
    Py_DECREF(stack);
    Py_RETURN_NONE;
slow:
    foreign = 1;
out_of_order:
    {
        PyObject *frame = (PyObject *)PyEval_GetFrame();
        res = PyObject_CallFunctionObjArgs(exit_slow, (PyObject *)self, stack,
                                           frame ? frame : Py_None,
                                           foreign ? Py_True : Py_False, NULL);
    }
    Py_DECREF(stack);
    return res;
}

static PyMethodDef scope_methods[] = {
    {"__enter__", (PyCFunction)scope_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))scope_exit, METH_FASTCALL, NULL},
    {NULL}
};

static PyMemberDef scope_members[] = {
    {"__hp_layer__", T_OBJECT, offsetof(HolderObject, first), 0, NULL},
    {NULL}
};

static PyTypeObject ScopeBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    HOLDER_TYPE_SLOTS,
    .tp_name = "hyperparameter._speedups.ScopeBase",
    .tp_doc = "Compiled entry and exit of a scope (the base of _access.Scope).",
    .tp_new = scope_new,
    .tp_methods = scope_methods,
    .tp_members = scope_members,
};

/* ------------------------------------------------------------------ the hp.scope root */

/* The hp.scope root: its cache of accessors by key in the shared layout's first slot. */
typedef HolderObject RootObject;

static PyObject *
root_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    RootObject *self;
    if ((kwds != NULL && PyDict_GET_SIZE(kwds) > 0) || PyTuple_GET_SIZE(args) > 0) {
        PyErr_SetString(PyExc_TypeError, "the hp.scope root takes no arguments");
        return NULL;
    }
    self = (RootObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->first = PyDict_New();
    if (self->first == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

#if PY_VERSION_HEX >= 0x030B0000
/* The origin of the last hp.scope(...) call: a scope opened in a loop gets the same
 * (immutable) tuple again instead of a new one and a new int each time. */
static PyObject *last_origin;
#endif

/* Return (code, lasti) of the caller, as _ScopeRoot.__call__ records it. */
static PyObject *
caller_origin(PyFrameObject *frame)
{
    PyCodeObject *code = PyFrame_GetCode(frame);
    PyObject *lasti, *origin;
#if PY_VERSION_HEX >= 0x030B0000
    int offset = PyFrame_GetLasti(frame);
    if (!(code->co_flags & CO_ASYNC_GENERATOR) && last_origin != NULL
        && PyTuple_GET_ITEM(last_origin, 0) == (PyObject *)code
        && PyLong_AsLong(PyTuple_GET_ITEM(last_origin, 1)) == offset) {
        Py_DECREF(code);
        Py_INCREF(last_origin);
        return last_origin;
    }
    lasti = PyLong_FromLong(offset);
#else
    lasti = PyObject_GetAttrString((PyObject *)frame, "f_lasti");
#endif
    if (lasti == NULL) {
        Py_DECREF(code);
        return NULL;
    }
    if (code->co_flags & CO_ASYNC_GENERATOR) {
        PyObject *res = PyObject_CallOneArg(check_scope_site, (PyObject *)frame);
        if (res == NULL) {
            Py_DECREF(code);
            Py_DECREF(lasti);
            return NULL;
        }
        Py_DECREF(res);
    }
    origin = PyTuple_New(2);
    if (origin == NULL) {
        Py_DECREF(code);
        Py_DECREF(lasti);
        return NULL;
    }
    PyTuple_SET_ITEM(origin, 0, (PyObject *)code);  /* the tuple takes both references */
    PyTuple_SET_ITEM(origin, 1, lasti);
#if PY_VERSION_HEX >= 0x030B0000
    Py_INCREF(origin);
    Py_XSETREF(last_origin, origin);
#endif
    return origin;
}

/* hp.scope(...): build the Scope; anything but keyword arguments goes to _build_scope. */
static PyObject *
root_call(RootObject *self, PyObject *args, PyObject *kwds)
{
    PyFrameObject *frame;
    PyObject *origin, *layer, *values, *key, *value, *tokens, *params;
    ScopeObject *made;
    Py_ssize_t pos = 0;
    int all_valid = 1, fresh;
    if (!ready && not_ready() < 0)
        return NULL;
    frame = PyEval_GetFrame();
    if (frame == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "hp.scope() called with no Python frame");
        return NULL;
    }
    origin = caller_origin(frame);
    if (origin == NULL)
        return NULL;
    if (PyTuple_GET_SIZE(args) > 0) {
        PyObject *res = PyObject_CallFunctionObjArgs(build_scope, args,
                                                     kwds ? kwds : Py_None, origin, NULL);
        Py_DECREF(origin);
        return res;
    }
    values = kwds;
    if (values != NULL) {
        while (PyDict_Next(values, &pos, &key, &value)) {
            int known = PySet_Contains(valid_keys, key);
            if (known < 0) {
                Py_DECREF(origin);
                return NULL;
            }
            if (!known) {
                all_valid = 0;
                break;
            }
        }
    }
    /* The layer keeps a dict that nothing else holds: the one checked_kwargs made, or
     * the one the call made for the keywords when only the call holds it (hp.scope(**kw)
     * and hp.scope(a=1) from Python, where the interpreter drops it after the call).
     * A dict that a caller in C still holds is copied. */
    if (!all_valid) {
        values = PyObject_CallOneArg(checked_kwargs, kwds);
        if (values == NULL) {
            Py_DECREF(origin);
            return NULL;
        }
        fresh = values != kwds && Py_REFCNT(values) == 1 && PyDict_CheckExact(values);
    }
    else {
        fresh = values != NULL && Py_REFCNT(values) == 1 && PyDict_CheckExact(values);
        Py_XINCREF(values);
    }
    layer = layer_type->tp_alloc(layer_type, 0);  /* Layer has no __new__ or __init__ */
    /* Room for the one token of the usual single entry, so that entering allocates none. */
    tokens = PyList_New(1);
    if (tokens != NULL)
        Py_SET_SIZE(tokens, 0);
    if (values == NULL)
        params = PyDict_New();
    else if (fresh) {
        params = values;
        values = NULL;
    }
    else
        params = PyDict_Copy(values);
    Py_XDECREF(values);
    if (layer == NULL || tokens == NULL || params == NULL) {
        Py_XDECREF(layer);
        Py_XDECREF(tokens);
        Py_XDECREF(params);
        Py_DECREF(origin);
        return NULL;
    }
    Py_XSETREF(SLOT(layer, off_params), params);
    Py_XSETREF(SLOT(layer, off_origin), origin);
    Py_INCREF(Py_None);
    Py_XSETREF(SLOT(layer, off_sources), Py_None);
    Py_XSETREF(SLOT(layer, off_tokens), tokens);
    Py_INCREF(Py_None);
    Py_XSETREF(SLOT(layer, off_origin_source), Py_None);
    made = (ScopeObject *)scope_type->tp_alloc(scope_type, 0);
    if (made == NULL) {
        Py_DECREF(layer);
        return NULL;
    }
    made->first = layer;
    return (PyObject *)made;
}

static PyMemberDef root_members[] = {
    {"__hp_items__", T_OBJECT, offsetof(HolderObject, first), READONLY, NULL},
    {NULL}
};

static PyTypeObject RootType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    HOLDER_TYPE_SLOTS,
    .tp_name = "hyperparameter._speedups.RootBase",
    .tp_doc = "Compiled hp.scope(**overrides) (the base of _access._ScopeRoot).",
    .tp_new = root_new,
    .tp_call = (ternaryfunc)root_call,
    .tp_members = root_members,
};

/* ------------------------------------------------------------------ @hp.param */

/* fill(spec, *values): return values with each MISSING one looked up.
 *
 * spec is (fn, missing_argument, convert, entries); entries[i] is
 * (name, keys, default, annotation, int_too) for values[i], as _param.py's
 * generated Python does it: each key through every layer and the baseline, the
 * first key first; an outside value (Text), or an int for a float target,
 * goes through convert(value, annotation, default, key).
 */
static PyObject *
fill(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *spec, *entries, *out;
    Py_ssize_t i, k;
    if (!ready && not_ready() < 0)
        return NULL;
    if (nargs < 1 || !PyTuple_Check(args[0]) || PyTuple_GET_SIZE(args[0]) != 4) {
        PyErr_SetString(PyExc_TypeError, "fill(spec, *values)");
        return NULL;
    }
    spec = args[0];
    entries = PyTuple_GET_ITEM(spec, 3);
    if (!PyTuple_Check(entries) || PyTuple_GET_SIZE(entries) != nargs - 1) {
        PyErr_SetString(PyExc_TypeError, "fill(): one value per entry of the spec");
        return NULL;
    }
    out = PyTuple_New(nargs - 1);
    if (out == NULL)
        return NULL;
    for (i = 1; i < nargs; i++) {
        PyObject *value = args[i], *entry = PyTuple_GET_ITEM(entries, i - 1), *keys;
        PyObject *key = NULL, *found = NULL;
        if (value != missing) {
            Py_INCREF(value);
            PyTuple_SET_ITEM(out, i - 1, value);
            continue;
        }
        keys = PyTuple_GET_ITEM(entry, 1);
        for (k = 0; k < PyTuple_GET_SIZE(keys); k++) {
            key = PyTuple_GET_ITEM(keys, k);
            found = find(key);
            if (found == NULL)
                goto error;
            if (found != missing)
                break;
            Py_CLEAR(found);
        }
        if (found == NULL) {
            PyObject *deflt = PyTuple_GET_ITEM(entry, 2);
            if (deflt == missing) {
                PyObject *err = PyObject_CallFunctionObjArgs(
                    PyTuple_GET_ITEM(spec, 1), PyTuple_GET_ITEM(spec, 0),
                    PyTuple_GET_ITEM(entry, 0), keys, NULL);
                if (err != NULL) {
                    PyErr_SetObject((PyObject *)Py_TYPE(err), err);
                    Py_DECREF(err);
                }
                goto error;
            }
            Py_INCREF(deflt);
            PyTuple_SET_ITEM(out, i - 1, deflt);
            continue;
        }
        if ((PyObject *)Py_TYPE(found) == text_type
            || (Py_IS_TYPE(found, &PyLong_Type) && PyTuple_GET_ITEM(entry, 4) == Py_True)) {
            PyObject *converted = PyObject_CallFunctionObjArgs(
                PyTuple_GET_ITEM(spec, 2), found, PyTuple_GET_ITEM(entry, 3),
                PyTuple_GET_ITEM(entry, 2), key, NULL);
            Py_DECREF(found);
            if (converted == NULL)
                goto error;
            found = converted;
        }
        PyTuple_SET_ITEM(out, i - 1, found);
    }
    return out;
error:
    Py_DECREF(out);
    return NULL;
}

/* ------------------------------------------------------------------ setup */

static int
take(PyObject *config, const char *name, PyObject **slot)
{
    PyObject *value = PyDict_GetItemString(config, name);
    if (value == NULL) {
        PyErr_Format(PyExc_KeyError, "setup() needs %s", name);
        return -1;
    }
    Py_INCREF(value);
    Py_XSETREF(*slot, value);
    return 0;
}

static int
slot_offset(PyObject *config, const char *name, Py_ssize_t *offset)
{
    PyObject *descr = PyDict_GetItemString(layer_type->tp_dict, name);
    (void)config;
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_TypeError, "Layer.%s is not a slot", name);
        return -1;
    }
    *offset = ((PyMemberDescrObject *)descr)->d_member->offset;
    return 0;
}

static PyObject *
setup(PyObject *module, PyObject *config)
{
    PyObject *layer = NULL, *scope = NULL;
    if (!PyDict_Check(config)) {
        PyErr_SetString(PyExc_TypeError, "setup(config: dict)");
        return NULL;
    }
    if (take(config, "stack", &stack_var) < 0 || take(config, "scope_globals", &scope_globals) < 0
        || take(config, "reads", &reads) < 0 || take(config, "record_read", &record_read) < 0
        || take(config, "missing_key_error", &missing_key_error) < 0
        || take(config, "resolve", &resolve) < 0 || take(config, "Text", &text_type) < 0
        || take(config, "MISSING", &missing) < 0 || take(config, "valid_keys", &valid_keys) < 0
        || take(config, "checked_kwargs", &checked_kwargs) < 0
        || take(config, "build_scope", &build_scope) < 0
        || take(config, "check_scope_site", &check_scope_site) < 0
        || take(config, "exit_slow", &exit_slow) < 0 || take(config, "Layer", &layer) < 0
        || take(config, "Scope", &scope) < 0)
        goto fail;
    if (!PyContextVar_CheckExact(stack_var) || !PyDict_Check(scope_globals)
        || !PyDict_Check(reads) || !PySet_Check(valid_keys) || !PyType_Check(layer)
        /* root_call makes layers with tp_alloc: Layer must have no __new__ or __init__ */
        || ((PyTypeObject *)layer)->tp_new != PyBaseObject_Type.tp_new
        || ((PyTypeObject *)layer)->tp_init != PyBaseObject_Type.tp_init
        || !PyType_Check(scope)
        || !PyType_IsSubtype((PyTypeObject *)scope, &ScopeBaseType)) {
        PyErr_SetString(PyExc_TypeError, "setup(): an object of the wrong type");
        goto fail;
    }
    Py_XSETREF(layer_type, (PyTypeObject *)layer);
    Py_XSETREF(scope_type, (PyTypeObject *)scope);
    layer = scope = NULL;
    if (slot_offset(config, "params", &off_params) < 0
        || slot_offset(config, "origin", &off_origin) < 0
        || slot_offset(config, "sources", &off_sources) < 0
        || slot_offset(config, "tokens", &off_tokens) < 0
        || slot_offset(config, "_origin_source", &off_origin_source) < 0)
        return NULL;
    ready = 1;
    Py_RETURN_NONE;
fail:
    Py_XDECREF(layer);
    Py_XDECREF(scope);
    return NULL;
}

static PyMethodDef module_methods[] = {
    {"setup", setup, METH_O, "Hand the pure-Python engine's objects to the accelerator."},
    {"fill", (PyCFunction)(void (*)(void))fill, METH_FASTCALL,
     "fill(spec, *values): the values of an @hp.param call, MISSING ones looked up."},
    {NULL}
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "hyperparameter._speedups",
    "Compiled hot paths of hyperparameter._access and @hp.param (see _access.py).", -1,
    module_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    PyObject *m;
    if (PyType_Ready(&AccessorType) < 0 || PyType_Ready(&ScopeBaseType) < 0
        || PyType_Ready(&RootType) < 0)
        return NULL;
    str_baseline = PyUnicode_InternFromString("_baseline_params");
    str_child = PyUnicode_InternFromString("__hp_child__");
    str_default = PyUnicode_InternFromString("default");
    if (str_baseline == NULL || str_child == NULL || str_default == NULL)
        return NULL;
    baseline_hash = PyObject_Hash(str_baseline);
    m = PyModule_Create(&speedups_module);
    if (m == NULL)
        return NULL;
    /* _access.py uses the module only when this matches: a stale build of an older
     * source (an editable install not rebuilt) falls back to pure Python instead. */
    if (PyModule_AddIntConstant(m, "ABI", SPEEDUPS_ABI) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&AccessorType);
    Py_INCREF(&ScopeBaseType);
    Py_INCREF(&RootType);
    if (PyModule_AddObject(m, "AccessorBase", (PyObject *)&AccessorType) < 0
        || PyModule_AddObject(m, "ScopeBase", (PyObject *)&ScopeBaseType) < 0
        || PyModule_AddObject(m, "RootBase", (PyObject *)&RootType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
