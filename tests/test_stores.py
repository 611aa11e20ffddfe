"""Stores and hp.attach: file and Redis stores, live baselines, faults, the hp commands.

File-store tests need nothing but the disk. Tests marked ``redis`` start a real
``redis-server`` (skipped, saying why, when the binary is missing). Changes made
by other processes are waited for with bounded polling on a condition.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import multiprocessing
import os
import subprocess
import sys
import threading
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hyperparameter as hp
from _live import RedisServer, child_env, wait_until
from hyperparameter import stores
from hyperparameter.stores import (
    FileStore,
    RedisStore,
    Store,
    StoreError,
    StoreFormatError,
    StoreValueError,
    attach,
    open_store,
)

LOGGER = "hyperparameter.stores"


@pytest.fixture
def json_store(tmp_path) -> FileStore:
    """A JSON file store holding {"llm.temperature": 0.7}."""
    store = FileStore(tmp_path / "params.json")
    store.publish({"llm.temperature": 0.7})
    return store


@pytest.fixture
def attachments() -> Iterator[List[stores.Attachment]]:
    """Collect attachments a test makes, and detach them at its end."""
    made: List[stores.Attachment] = []
    yield made
    for handle in made:
        handle.detach()


def replace_file(path: str, text: str) -> None:
    """Replace ``path`` atomically with ``text`` (as a careful writer does)."""
    temp = f"{path}.writing"
    with open(temp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temp, path)


def publish_from_child(url: str, changes: Dict[str, Any], remove: Iterable[str] = ()) -> None:
    """Publish ``changes`` to the store at ``url`` from another Python process."""
    code = (
        "import json, sys\n"
        "from hyperparameter.stores import open_store\n"
        "open_store(sys.argv[1]).publish(json.loads(sys.argv[2]), remove=json.loads(sys.argv[3]))\n"
    )
    subprocess.run([sys.executable, "-c", code, url, json.dumps(changes),
                    json.dumps(list(remove))], env=child_env(), check=True, timeout=60)


def warnings_of(caplog: pytest.LogCaptureFixture) -> List[str]:
    """Return the messages the stores logger gave at WARNING or above."""
    return [r.getMessage() for r in caplog.records
            if r.name == LOGGER and r.levelno >= logging.WARNING]


# --------------------------------------------------------------------------- file store


def test_file_store_keeps_each_value_type(tmp_path):
    """Numbers, booleans, None, text and lists come back from a JSON store with their types."""
    store = FileStore(tmp_path / "p.json")
    values = {"a.int": 3, "a.float": 0.5, "a.bool": True, "a.none": None, "a.text": "0.5",
              "a.list": [1, "x", False], "a.tuple": (1, 2)}
    store.publish(values)
    got = store.read()
    assert got == {**values, "a.tuple": [1, 2]}
    assert [type(got[k]) for k in ("a.int", "a.float", "a.bool", "a.text")] == [
        int, float, bool, str]


def test_yaml_store_keeps_text_as_text(tmp_path):
    """A YAML store writes text that looks like a number quoted, so it reads back as text."""
    store = open_store(f"file://{tmp_path}/p.yaml")
    store.publish({"ab.share": "0.5", "ab.on": True, "llm.stop": ["\n", "END"]})
    assert store.read() == {"ab.share": "0.5", "ab.on": True, "llm.stop": ["\n", "END"]}
    assert "ab.share: '0.5'" in (tmp_path / "p.yaml").read_text()


def test_publish_flattens_nested_mappings_and_removes_keys(json_store):
    """Nested mappings become dotted keys; ``remove`` deletes keys in the same replacement."""
    json_store.publish({"model": {"depth": 4, "act": "relu"}}, remove=["llm.temperature"])
    assert json_store.read() == {"model.depth": 4, "model.act": "relu"}


@pytest.mark.parametrize(
    "changes, remove, error, match",
    [
        ({"a..b": 1}, (), ValueError, r"invalid key 'a\.\.b'"),
        ({"ok": 1, "bad key": 2}, (), ValueError, r"invalid key 'bad key'"),
        ({"llm.fn": object()}, (), StoreValueError, r"cannot publish parameter 'llm.fn'"),
        ({"llm.t": float("nan")}, (), StoreValueError, r"'llm.t' = nan"),
        ({"llm.t": [1, {2}]}, (), StoreValueError, r"'llm.t' = \[1, \{2\}\]"),
        ({"llm.t": 1}, ["llm.t"], ValueError, r"both sets and removes 'llm.t'"),
        ({}, ["x=1"], ValueError, r"invalid key 'x=1'"),
    ],
    ids=["empty-segment", "space", "object", "nan", "set-in-list", "set-and-remove",
         "bad-remove"],
)
def test_bad_publish_is_refused_before_anything_is_written(json_store, changes, remove, error,
                                                           match):
    """A publish with a bad key or value raises naming it, and the file is untouched."""
    before = os.stat(json_store.path)
    text = open(json_store.path).read()
    with pytest.raises(error, match=match):
        json_store.publish(changes, remove=remove)
    after = os.stat(json_store.path)
    assert (after.st_ino, after.st_mtime_ns, open(json_store.path).read()) == (
        before.st_ino, before.st_mtime_ns, text)


def test_publish_into_a_missing_directory_names_the_store(tmp_path):
    """A store whose directory does not exist cannot be written: StoreError names it."""
    store = FileStore(tmp_path / "nowhere" / "p.json")
    with pytest.raises(StoreError, match=r"cannot write file://.*nowhere/p.json: No such file"):
        store.publish({"a": 1})


def test_publish_replaces_the_file_by_rename_and_leaves_no_temporary_file(json_store):
    """Each publish puts a new file in place (new inode) and leaves only the store and its lock."""
    inode = os.stat(json_store.path).st_ino
    json_store.publish({"llm.temperature": 0.2})
    assert os.stat(json_store.path).st_ino != inode
    assert sorted(os.listdir(os.path.dirname(json_store.path))) == [
        ".params.json.lock", "params.json"]


def test_a_reader_never_sees_half_a_publish(tmp_path):
    """While one thread publishes large values, another reads only whole files."""
    store = FileStore(tmp_path / "p.json")
    store.publish({"blob": "x"})
    done = threading.Event()
    bad: List[Exception] = []
    reads = [0]

    def reader() -> None:
        while not done.is_set():
            try:
                value = store.read()["blob"]
                assert value == value[0] * len(value)
                reads[0] += 1
            except Exception as exc:  # recorded: the assertion below shows it
                bad.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    for n in range(60):
        store.publish({"blob": "abc"[n % 3] * 200_000})
    wait_until(lambda: reads[0] > 10, "the reader to read the store")
    done.set()
    thread.join()
    assert bad == []


def _publish_many(url: str, worker: int) -> None:
    store = open_store(url)
    for n in range(15):
        store.publish({f"w{worker}.k{n}": n})


def test_publishers_in_several_processes_lose_no_update(tmp_path):
    """Four processes publishing different keys at once: every key is in the store afterwards."""
    url = f"file://{tmp_path}/p.json"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_publish_many, args=(url, w)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
    assert [p.exitcode for p in workers] == [0, 0, 0, 0]
    assert open_store(url).read() == {f"w{w}.k{n}": n for w in range(4) for n in range(15)}


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("p.json", "", r"is not valid JSON: the file is empty \(an empty store is written \{\}\)"),
        ("p.json", "{bad", r"is not valid JSON"),
        ("p.json", "[1, 2]", r"must hold one object of dotted keys to values"),
        ("p.json", '{"a..b": 1}', r"invalid key 'a\.\.b'"),
        ("p.json", '{"a": NaN}', r"is not valid JSON: NaN is not a JSON number"),
        ("p.yaml", "a: [1\n", r"is not valid YAML"),
        ("p.yaml", "a: 2024-01-01\n", r"holds datetime.date\(2024, 1, 1\) \(date\) for "
                                      r"parameter 'a'"),
    ],
    ids=["empty", "syntax", "not-object", "bad-key", "nan", "yaml-syntax", "yaml-date"],
)
def test_malformed_store_file_is_named_with_the_problem(tmp_path, name, content, match):
    """Reading a malformed store raises StoreFormatError naming the file and the problem."""
    (tmp_path / name).write_text(content)
    with pytest.raises(StoreFormatError, match=match):
        open_store(f"file://{tmp_path}/{name}").read()


@pytest.mark.parametrize(
    "url, match",
    [
        ("params.json", r"unknown store URL 'params.json'.*'file:///"),
        ("file://params.json", r"must name an absolute path"),
        ("ftp://host/p.json", r"unknown store URL"),
    ],
    ids=["bare-path", "relative", "scheme"],
)
def test_bad_store_url_says_how_to_name_a_store(url, match):
    """A URL that names no store is refused with the forms that work."""
    with pytest.raises(ValueError, match=match):
        open_store(url)


# --------------------------------------------------------------------------- attach (file)


def test_attach_loads_the_store_into_the_baseline_and_explain_names_it(json_store, attachments):
    """After attach, reads see the store's values, and hp.explain names the store."""
    attachments.append(attach(json_store.url))
    assert hp.scope.llm.temperature | 1.0 == 0.7
    explanation = hp.explain("llm.temperature")
    assert explanation.source == f"store {json_store.url}"
    assert explanation.source.kind == "store"


def test_text_in_the_store_is_converted_toward_the_default(json_store, attachments):
    """Text values read like -D values: toward the default's type; a misfit names the store."""
    json_store.publish({"ab.share": "0.25", "ab.name": "blue"})
    attachments.append(attach(json_store))
    assert hp.scope.ab.share | 1.0 == 0.25
    assert hp.scope.ab.share | "" == "0.25"
    with pytest.raises(ValueError, match=r"'blue' to int for key 'ab.name' \(from store file://"):
        hp.scope.ab.name | 1


def test_attach_follows_changes_published_by_another_process(json_store, attachments):
    """A change published by another process reaches every thread's reads."""
    attachments.append(attach(json_store.url, interval=0.05))
    publish_from_child(json_store.url, {"llm.temperature": 0.2, "llm.top_p": 0.9})
    wait_until(lambda: hp.scope.llm.temperature | 1.0 == 0.2, "the change to arrive")
    assert hp.scope.llm.top_p | 1.0 == 0.9
    seen: List[float] = []
    thread = threading.Thread(target=lambda: seen.append(hp.scope.llm.temperature | 1.0))
    thread.start()
    thread.join()
    assert seen == [0.2]


def test_a_change_is_applied_as_one_baseline(json_store, attachments):
    """Two keys changed in one publish are seen together (in one snapshot), never half-changed."""
    json_store.publish({"pair.a": 0, "pair.b": 0})
    handle = attach(json_store.url, interval=0.02)
    attachments.append(handle)
    mixed = []
    for n in range(1, 40):
        json_store.publish({"pair.a": n, "pair.b": n})
        while True:
            snap = hp.snapshot()  # one copy of the baseline: both keys from the same one
            a, b = snap.pair.a, snap.pair.b
            if a != b:
                mixed.append((a, b))
            if a == n:
                break
    assert mixed == []


def test_scopes_win_over_the_store(json_store, attachments):
    """A scope that sets a key the store sets keeps its own value."""
    attachments.append(attach(json_store.url))
    with hp.scope(**{"llm.temperature": 0.0}):
        assert hp.scope.llm.temperature | 1.0 == 0.0
    assert hp.scope.llm.temperature | 1.0 == 0.7


def test_a_removed_key_gets_back_its_value_from_before_the_store(json_store, attachments):
    """Removing a key from the store restores the baseline value it had before attach."""
    with hp.scope(**{"llm.temperature": 1.5, "llm.model": "small"}):
        hp.frozen()
    handle = attach(json_store.url, interval=0.05)
    attachments.append(handle)
    json_store.publish({"llm.model": "large"})
    wait_until(lambda: hp.scope.llm.model | "" == "large", "the model change")
    json_store.publish({}, remove=["llm.temperature", "llm.model"])
    wait_until(lambda: hp.scope.llm.model | "" == "small", "the removal")
    assert hp.scope.llm.temperature | 0.0 == 1.5
    assert "hp.frozen()" in hp.explain("llm.temperature").source


def test_a_key_changed_by_the_program_meanwhile_is_left_alone(json_store, attachments):
    """A key the program published after the store set it is not touched by its removal."""
    attachments.append(attach(json_store.url, interval=0.05))
    with hp.scope(**{"llm.temperature": 0.1}):
        hp.frozen()
    json_store.publish({"marker": 1}, remove=["llm.temperature"])
    wait_until(lambda: hp.scope.marker | 0 == 1, "the store change")
    assert hp.scope.llm.temperature | 1.0 == 0.1


def test_malformed_file_keeps_last_good_values_logs_once_and_resumes(json_store, attachments,
                                                                     caplog):
    """A broken store keeps the last good values, warns once, and is followed again when fixed."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    handle = attach(json_store.url, interval=0.02)
    attachments.append(handle)
    replace_file(json_store.path, '{"llm.temperature": ')
    wait_until(lambda: handle.error is not None, "the fault to be noticed")
    replace_file(json_store.path, "[1]")
    wait_until(lambda: "one object" in str(handle.error), "the second fault to be read")
    assert hp.scope.llm.temperature | 1.0 == 0.7
    assert warnings_of(caplog) == [
        f"store {json_store.url} is unavailable ({json_store.url} is not valid JSON: Expecting "
        "value: line 1 column 21 (char 20)); keeping the last good values until it is back"]
    replace_file(json_store.path, '{"llm.temperature": 0.3}')
    wait_until(lambda: hp.scope.llm.temperature | 1.0 == 0.3, "the fixed store")
    assert handle.error is None
    assert warnings_of(caplog)[1:] == [f"store {json_store.url} is back; following it again"]


def test_deleted_file_keeps_last_good_values_until_it_returns(json_store, attachments, caplog):
    """A store file that disappears is a fault too; publishing again brings it back."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    handle = attach(json_store.url, interval=0.02)
    attachments.append(handle)
    os.unlink(json_store.path)
    wait_until(lambda: isinstance(handle.error, StoreError), "the missing file to be noticed")
    assert hp.scope.llm.temperature | 1.0 == 0.7
    json_store.publish({"llm.temperature": 0.4})
    wait_until(lambda: hp.scope.llm.temperature | 1.0 == 0.4, "the store to come back")
    assert len(warnings_of(caplog)) == 2


def test_attach_to_a_store_that_cannot_be_read_raises_and_changes_nothing(tmp_path):
    """attach raises for a missing or malformed store, leaving the baseline and no thread."""
    with pytest.raises(StoreError, match=r"does not exist; create it with a publish"):
        attach(f"file://{tmp_path}/none.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(StoreFormatError, match=r"bad.json is not valid JSON"):
        attach(f"file://{tmp_path}/bad.json")
    assert hp.scope.llm.temperature | None is None
    assert [t.name for t in threading.enumerate() if str(tmp_path) in t.name] == []


def test_detach_stops_the_watcher_and_keeps_the_values(json_store):
    """detach() ends the watcher thread; the values it applied stay in the baseline."""
    handle = attach(json_store.url)
    assert handle.following
    handle.detach()
    handle.detach()  # idempotent
    assert not handle.following
    assert hp.scope.llm.temperature | 1.0 == 0.7


def test_context_manager_gives_the_previous_values_back(json_store):
    """Leaving a `with hp.attach(...)` block detaches and restores what the store replaced."""
    with hp.scope(**{"llm.temperature": 1.5}):
        hp.frozen()
    with attach(json_store.url) as handle:
        assert hp.scope.llm.temperature | 1.0 == 0.7
    assert not handle.following
    assert hp.scope.llm.temperature | 1.0 == 1.5


def test_bad_interval_is_refused():
    """attach refuses an interval that is not a positive number of seconds."""
    with pytest.raises(ValueError, match=r"interval must be a number of seconds.*got 0"):
        attach("file:///nonexistent.json", interval=0)


def _forked_child_sees(url: str, queue: Any) -> None:
    queue.put("started")
    deadline = 600
    while deadline and hp.scope.llm.temperature | 1.0 != 0.1:
        deadline -= 1
        threading.Event().wait(0.05)
    queue.put(hp.scope.llm.temperature | 1.0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_follows_the_store_too(json_store, attachments):
    """A process forked after attach runs its own watcher and sees later changes."""
    attachments.append(attach(json_store.url, interval=0.05))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_forked_child_sees, args=(json_store.url, queue))
    child.start()
    assert queue.get(timeout=60) == "started"
    json_store.publish({"llm.temperature": 0.1})
    assert queue.get(timeout=60) == 0.1
    child.join(timeout=60)
    assert child.exitcode == 0


# --------------------------------------------------------------------------- adapters


class MemoryStore:
    """A store adapter kept in memory, as a user would write one against the protocol."""

    url = "memory://test"

    def __init__(self) -> None:
        self.values: Dict[str, Any] = {}
        self.changed = threading.Condition()

    def read(self) -> Dict[str, Any]:
        return dict(self.values)

    def publish(self, changes: Mapping[str, Any], *, remove: Iterable[str] = ()) -> None:
        with self.changed:
            self.values.update(changes)
            for key in remove:
                self.values.pop(key, None)
            self.changed.notify_all()

    def watch(self, callback: Callable[[], None], stop: threading.Event,
              interval: float) -> None:
        while not stop.is_set():
            with self.changed:
                self.changed.wait(interval)
            callback()


def test_a_user_adapter_following_the_protocol_can_be_attached(attachments):
    """Any object with url, read, publish and watch is a Store that hp.attach follows."""
    store = MemoryStore()
    assert isinstance(store, Store)
    store.publish({"ab.split": 0.5})
    attachments.append(attach(store))
    assert hp.scope.ab.split | 0.0 == 0.5
    store.publish({"ab.split": 0.9})
    wait_until(lambda: hp.scope.ab.split | 0.0 == 0.9, "the adapter's change")
    assert hp.explain("ab.split").source == "store memory://test"


def test_attach_refuses_an_object_that_is_not_a_store():
    """Passing something that is neither a URL nor a store says what is expected."""
    with pytest.raises(TypeError, match=r"expected a store URL or a store object"):
        attach(42)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- hp commands


def test_hp_publish_stores_text_and_hp_show_lists_the_store(tmp_path):
    """cmd_publish keeps values as text (like -D); cmd_show_store prints them, or JSON."""
    url = f"file://{tmp_path}/p.json"
    out = io.StringIO()
    args = argparse.Namespace(store=url, assignments=["llm.temperature=0.2", "ab.name=blue"],
                              remove=[])
    assert stores.cmd_publish(args, out) == 0
    assert out.getvalue() == f"published 2 changes to {url}\n"
    out = io.StringIO()
    assert stores.cmd_show_store(url, False, out) == 0
    assert out.getvalue() == 'ab.name         = "blue"\nllm.temperature = "0.2"\n'
    out = io.StringIO()
    stores.cmd_publish(argparse.Namespace(store=url, assignments=[], remove=["ab.name"]), out)
    stores.cmd_show_store(url, True, out)
    assert json.loads(out.getvalue().split("\n", 1)[1]) == {"llm.temperature": "0.2"}


def test_hp_publish_refuses_an_assignment_without_a_key(tmp_path):
    """A malformed assignment is refused and nothing is written."""
    args = argparse.Namespace(store=f"file://{tmp_path}/p.json", assignments=["=1"], remove=[])
    with pytest.raises(ValueError, match=r"has no key before '='"):
        stores.cmd_publish(args, io.StringIO())
    assert not (tmp_path / "p.json").exists()


# --------------------------------------------------------------------------- Redis store


def test_redis_url_hides_the_password_and_reads_the_hash_name():
    """The URL shown in sources and logs has no password; ?key= names the hash and channel."""
    pytest.importorskip("redis")
    store = open_store("redis://user:secret@127.0.0.1:6379/2?key=svc")
    assert isinstance(store, RedisStore)
    assert store.url == "redis://user:***@127.0.0.1:6379/2?key=svc"
    assert (store.key, store.channel) == ("svc", "svc:changes")
    assert "secret" not in repr(store)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    """A redis-server of this module's own."""
    pytest.importorskip("redis")
    server = RedisServer(str(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server, request) -> str:
    """A URL naming a hash of this test's own on the running server."""
    if redis_server.process is None:
        redis_server.start()
    return f"{redis_server.url}?key=test.{request.node.name[:40]}"


@pytest.mark.redis
def test_redis_store_keeps_types_and_removes_keys(redis_url):
    """Values come back from the hash with their types; remove deletes fields in one step."""
    store = open_store(redis_url)
    assert store.read() == {}
    store.publish({"a.int": 1, "a.flag": True, "a.text": "1", "a.list": [0.5, None],
                   "a.gone": 0})
    store.publish({}, remove=["a.gone"])
    got = store.read()
    assert got == {"a.int": 1, "a.flag": True, "a.text": "1", "a.list": [0.5, None]}
    assert (type(got["a.int"]), type(got["a.flag"])) == (int, bool)


@pytest.mark.redis
def test_redis_bad_publish_writes_nothing(redis_url):
    """A publish with one bad value leaves the hash exactly as it was."""
    store = open_store(redis_url)
    store.publish({"a": 1})
    with pytest.raises(StoreValueError, match=r"'b.fn'"):
        store.publish({"a": 2, "b.fn": print})
    assert store.read() == {"a": 1}


@pytest.mark.redis
def test_redis_attach_is_notified_of_changes_from_another_process(redis_url, attachments):
    """With the fallback re-read off, a change still arrives: through the pub/sub notice."""
    store = RedisStore(redis_url, fallback=3600)
    store.publish({"llm.temperature": 0.7})
    handle = attach(store)
    attachments.append(handle)
    assert hp.scope.llm.temperature | 1.0 == 0.7
    wait_until(lambda: _subscribed(store), "the watcher to subscribe")
    publish_from_child(redis_url, {"llm.temperature": 0.2})
    wait_until(lambda: hp.scope.llm.temperature | 1.0 == 0.2, "the notified change")
    assert hp.explain("llm.temperature").source == f"store {redis_url}"


def _subscribed(store: RedisStore) -> bool:
    counts = store.client().pubsub_numsub(store.channel)
    return bool(counts and counts[0][1] > 0)


@pytest.mark.redis
def test_redis_outage_keeps_last_good_values_and_resumes(redis_server, redis_url, attachments,
                                                         caplog):
    """Redis going away keeps the values, warns once; when it returns, changes flow again."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    store = RedisStore(redis_url, fallback=3600, timeout=1)
    store.publish({"llm.temperature": 0.7})
    handle = attach(store, interval=0.05)
    attachments.append(handle)
    redis_server.stop()
    wait_until(lambda: handle.error is not None, "the outage to be noticed")
    assert hp.scope.llm.temperature | 1.0 == 0.7
    redis_server.start()  # empty: the server keeps nothing on disk
    store.publish({"llm.temperature": 0.3})
    wait_until(lambda: hp.scope.llm.temperature | 1.0 == 0.3, "the change after the outage")
    logged = warnings_of(caplog)
    assert len(logged) == 2, logged
    assert logged[0].startswith(f"store {store.url} is unavailable (Redis store {store.url}: ")
    assert logged[1] == f"store {store.url} is back; following it again"


@pytest.mark.redis
def test_redis_malformed_field_is_a_fault_until_fixed(redis_url, attachments, caplog):
    """A field that is not JSON keeps the last good values until it is fixed."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    store = RedisStore(redis_url, fallback=3600)
    store.publish({"llm.temperature": 0.7})
    handle = attach(store, interval=0.05)
    attachments.append(handle)
    client = store.client()
    client.hset(store.key, "llm.temperature", "{not json")
    client.publish(store.channel, "{}")
    wait_until(lambda: handle.error is not None, "the malformed field to be noticed")
    assert "field 'llm.temperature'" in str(handle.error)
    assert hp.scope.llm.temperature | 1.0 == 0.7
    store.publish({"llm.temperature": 0.5})
    wait_until(lambda: hp.scope.llm.temperature | 1.0 == 0.5, "the fixed field")
    assert len(warnings_of(caplog)) == 2


# --------------------------------------------------------------------------- round trips

_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=6)
_keys = st.lists(_segment, min_size=1, max_size=3).map(".".join)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
_values = st.one_of(_scalars, st.lists(_scalars, max_size=4))


@pytest.mark.parametrize("name", ["p.json", "p.yaml"])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(_keys, _values, max_size=6))
def test_publish_then_read_gives_back_every_value_with_its_type(tmp_path, name, values):
    """Whatever a store may hold comes back from read() equal and of the same type."""
    prefix_free = {k: v for k, v in values.items()
                   if not any(other.startswith(k + ".") for other in values)}
    store = open_store(f"file://{tmp_path}/{len(os.listdir(tmp_path))}{name}")  # a new file
    store.publish(prefix_free)
    got = store.read()
    assert got == prefix_free
    assert all(stores.same_value(got[k], v) for k, v in prefix_free.items())
