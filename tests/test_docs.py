"""Every example in docs/ and README.md runs, and shows what it prints.

How a page is checked (the conventions page authors rely on):

- Each page's ```python blocks run in order, in one fresh interpreter whose
  working directory is an empty temporary directory, all in one namespace
  (``__name__ == "__main__"``): a later block may use what an earlier block of
  the same page defined, and no page sees another page's parameters.
- A ```text block that follows a python block, with only blank lines between
  them, must equal what that python block printed (its standard output,
  including the output of threads and child processes it started). ``...``
  in the text block matches anything, as in doctest (``ELLIPSIS``).
- ```bash, ```yaml, ```toml, ```json and ```rust blocks are shown, not run
  (the Rust blocks are the crate's business: its doctests and examples).
- ``<!-- file: NAME -->`` on the line before a fence writes that block to
  ``NAME`` in the page's directory instead of running it (a YAML file a later
  example loads, a script a later example launches).
- ``<!-- skip: REASON -->`` on the line before a python block shows it without
  running it (for example code that needs a Ray cluster).
- Every fence names its language, from the set below, so that a typo like
  ``pyhton`` cannot quietly turn an example into text that is never run.
"""

from __future__ import annotations

import doctest
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LANGUAGES = {"python", "text", "bash", "console", "yaml", "toml", "json", "rust", "ini"}
PAGE_TIMEOUT = 180  # seconds for all the python blocks of one page

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*$")
_MARKER = re.compile(r"^[ \t]*<!--[ \t]*(?P<kind>file|skip):[ \t]*(?P<value>.+?)[ \t]*-->[ \t]*$")


@dataclass
class Block:
    """One fenced code block of a page."""

    language: str
    code: str
    line: int  # 1-based line of the opening fence
    file: Optional[str] = None  # from <!-- file: NAME -->
    skip: Optional[str] = None  # from <!-- skip: REASON -->
    expected: Optional[Block] = None  # the ```text block that shows its output
    is_output: bool = False


@dataclass
class Page:
    """A Markdown page and its fenced blocks."""

    path: str
    blocks: List[Block] = field(default_factory=list)

    @property
    def name(self) -> str:
        return os.path.relpath(self.path, ROOT).replace(os.sep, "/")


def parse_page(path: str) -> Page:
    """Split a Markdown page into its fenced blocks, pairing python blocks with their output."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    page = Page(path)
    previous: Optional[Block] = None  # the last block, if only blank lines followed it
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            if lines[index].strip() and not _MARKER.match(lines[index]):
                previous = None
            index += 1
            continue
        indent, fence = match["indent"], match["fence"]
        language = match["info"].split()[0].strip("{}.") if match["info"] else ""
        marker = _MARKER.match(lines[index - 1]) if index else None
        start = index
        body: List[str] = []
        index += 1
        while index < len(lines):
            closing = lines[index].strip()
            if closing.startswith(fence) and set(closing) == {fence[0]}:
                break
            body.append(
                lines[index][len(indent) :]
                if lines[index].startswith(indent)
                else lines[index].lstrip()
            )
            index += 1
        else:
            raise AssertionError(f"{page.name}:{start + 1}: code block is never closed")
        index += 1
        block = Block(language, "\n".join(body) + "\n", start + 1)
        if marker:
            setattr(block, marker["kind"], marker["value"])
        if (
            language == "text"
            and previous is not None
            and previous.language == "python"
            and previous.file is None
            and previous.expected is None
        ):
            previous.expected = block
            block.is_output = True
        page.blocks.append(block)
        previous = block
    return page


def find_pages() -> List[str]:
    """Return README.md and every Markdown page under docs/, sorted."""
    pages = sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))
    readme = os.path.join(ROOT, "README.md")
    return ([readme] if os.path.exists(readme) else []) + pages


PAGES = find_pages()
IDS = [os.path.relpath(p, ROOT).replace(os.sep, "/") for p in PAGES]


# The program that runs one page's steps. Standard output is captured per block
# at the file-descriptor level (the interpreter runs unbuffered), so prints from
# threads and child processes land in the right block, in order.
_DRIVER = textwrap.dedent("""
    import json, os, sys, tempfile, traceback

    def _docs_run(steps_path):
        with open(steps_path, encoding="utf-8") as f:
            steps = json.load(f)
        namespace = sys.modules["__main__"].__dict__
        results = []
        saved = os.dup(1)
        for step in steps:
            if step["kind"] == "file":
                folder = os.path.dirname(step["name"])
                if folder:
                    os.makedirs(folder, exist_ok=True)
                with open(step["name"], "w", encoding="utf-8") as f:
                    f.write(step["code"])
                continue
            capture = tempfile.TemporaryFile()
            os.dup2(capture.fileno(), 1)
            error = None
            try:
                code = compile(step["code"], step["where"], "exec")
                exec(code, namespace)
            except BaseException:
                error = traceback.format_exc()
            finally:
                sys.stdout.flush()
                os.dup2(saved, 1)
            capture.seek(0)
            out = capture.read().decode("utf-8", "replace")
            results.append({"line": step["line"], "stdout": out, "error": error})
            if error is not None:
                break
        with os.fdopen(saved, "w", encoding="utf-8") as real_stdout:
            json.dump(results, real_stdout)

    _docs_run(sys.argv[1])
""")


def run_page(page: Page, workdir: str) -> List[dict]:
    """Run the page's python blocks in one fresh interpreter; return each block's output."""
    steps: List[Dict[str, Any]] = []
    for block in page.blocks:
        if block.file is not None:
            steps.append({"kind": "file", "name": block.file, "code": block.code})
        elif block.language == "python" and block.skip is None:
            steps.append(
                {
                    "kind": "python",
                    "code": block.code,
                    "line": block.line,
                    "where": f"{page.name}:{block.line}",
                }
            )
    steps_path = os.path.join(workdir, ".docs-steps.json")
    with open(steps_path, "w", encoding="utf-8") as f:
        json.dump(steps, f)
    env = {k: v for k, v in os.environ.items() if k != "HYPERPARAMETER_PARAMS"}
    done = subprocess.run(
        [sys.executable, "-u", "-c", _DRIVER, steps_path],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=PAGE_TIMEOUT,
        env=env,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{page.name}: the example runner itself failed (exit {done.returncode}):\n"
            f"{done.stderr}"
        )
    results: List[dict] = json.loads(done.stdout)
    return results


_CHECKER = doctest.OutputChecker()


def _same(expected: str, got: str) -> bool:
    want = "\n".join(line.rstrip() for line in expected.strip("\n").splitlines()) + "\n"
    have = "\n".join(line.rstrip() for line in got.strip("\n").splitlines()) + "\n"
    return _CHECKER.check_output(want, have, doctest.ELLIPSIS)


@pytest.mark.parametrize("path", PAGES, ids=IDS)
def test_page_examples(path, tmp_path):
    """The page's python blocks run without error and print what its text blocks show."""
    page = parse_page(path)
    for block in page.blocks:
        assert block.language in LANGUAGES, (
            f"{page.name}:{block.line}: code block language {block.language or '(none)'!r}; "
            f"name one of {', '.join(sorted(LANGUAGES))}"
        )
    if not any(b.language == "python" and b.skip is None for b in page.blocks):
        return
    results = {r["line"]: r for r in run_page(page, str(tmp_path))}
    problems = []
    for block in page.blocks:
        if block.language != "python" or block.file is not None or block.skip is not None:
            continue
        result = results.get(block.line)
        if result is None:
            continue  # an earlier block failed; that failure is reported
        if result["error"]:
            problems.append(f"{page.name}:{block.line}: the example raised:\n{result['error']}")
            continue
        if block.expected is not None and not _same(block.expected.code, result["stdout"]):
            problems.append(
                f"{page.name}:{block.line}: the example printed\n"
                f"{textwrap.indent(result['stdout'] or '(nothing)', '    ')}\n"
                f"but the page shows (line {block.expected.line})\n"
                f"{textwrap.indent(block.expected.code, '    ')}"
            )
    assert not problems, "\n\n".join(problems)


def test_mkdocs_build_strict(tmp_path):
    """`mkdocs build --strict` renders the guide with no warning (broken link, missing page)."""
    pytest.importorskip("mkdocs")
    if not os.path.exists(os.path.join(ROOT, "mkdocs.yml")):
        pytest.fail("mkdocs.yml is missing at the repository root")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    shutil.rmtree(site, ignore_errors=True)


def test_runner_pairs_output_blocks_and_markers(tmp_path):
    """The runner pairs a text block with the python block just before it, and reads markers."""
    page_path = tmp_path / "page.md"
    page_path.write_text(
        textwrap.dedent("""\
        Intro.

        <!-- file: conf/a.yaml -->
        ```yaml
        a: 1
        ```

        ```python
        print(open("conf/a.yaml").read().strip())
        ```

        ```text
        a: 1
        ```

        Prose breaks the pairing:

        ```text
        not checked
        ```

        <!-- skip: needs a cluster -->
        ```python
        raise SystemExit("never run")
        ```
        """),
        encoding="utf-8",
    )
    page = parse_page(str(page_path))
    yaml_block, code, output, loose, skipped = page.blocks
    assert yaml_block.file == "conf/a.yaml" and code.expected is output
    assert not loose.is_output and skipped.skip == "needs a cluster"
    results = run_page(page, str(tmp_path))
    assert [r["stdout"] for r in results] == ["a: 1\n"]


def test_readme_opens_with_the_demo_and_test_commands_ci_runs():
    """README starts with install+demo and install+test commands; .ci/run runs the latter."""
    page = parse_page(os.path.join(ROOT, "README.md"))
    demo, test = (b.code.strip() for b in page.blocks[:2])
    assert [b.language for b in page.blocks[:2]] == ["bash", "bash"]
    assert demo.startswith("pip install") and "examples/demo.py" in demo
    assert os.path.exists(os.path.join(ROOT, "examples", "demo.py"))
    assert test == 'python -m pip install -q -e ".[test]" && python -m pytest'
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as f:
        ci_lines = [line.strip() for line in f]
    assert any(line.startswith(test) for line in ci_lines), ".ci/run must run the README command"
