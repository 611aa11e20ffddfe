"""Build the optional compiled accelerator (src/hyperparameter/_speedups.c).

Everything else about the package is in pyproject.toml. The extension is
optional: when it cannot be built (no C compiler, no Python headers, an
interpreter it does not support) the install goes on and prints one line saying
that the pure-Python implementation is used, which behaves the same
(``hp.implementation`` says which one runs). ``HYPERPARAMETER_PURE_PYTHON=1`` at
install time skips the build; at run time it selects the pure-Python
implementation even when the extension is there.
"""

import os
import platform
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

FALLBACK = ("hyperparameter: the compiled accelerator was not built ({}); "
            "the pure-Python implementation is used (same behaviour, slower reads)")


class optional_build_ext(build_ext):
    """build_ext that never fails the install: a failed build leaves the pure-Python one."""

    failed = ()  # names of the extensions that did not build

    def run(self):
        try:
            super().run()
        except Exception as error:  # any failure means: no accelerator
            self._fallback(error)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as error:
            self.failed = (*self.failed, ext.name)
            self._fallback(error)

    def copy_extensions_to_source(self):
        # Editable installs copy the built files next to the sources: not the missing one.
        kept = self.extensions
        self.extensions = [ext for ext in kept if ext.name not in self.failed]
        try:
            super().copy_extensions_to_source()
        finally:
            self.extensions = kept

    def get_outputs(self):
        return [path for path in super().get_outputs() if os.path.exists(path)]

    def _fallback(self, error):
        if getattr(self, "_said", False):
            return
        self._said = True
        text = str(error).strip()
        if type(error).__name__ in ("CompileError", "CCompilerError", "DistutilsExecError"):
            reason = "the C compiler is missing or failed"
        else:
            reason = text.splitlines()[-1][:120] if text else type(error).__name__
        # stderr: pip shows a build backend's output with -v, and in its log.
        print(FALLBACK.format(reason), file=sys.stderr)


def extensions():
    """Return the extension to build, or none where it cannot work."""
    if os.environ.get("HYPERPARAMETER_PURE_PYTHON", "") not in ("", "0"):
        print(FALLBACK.format("HYPERPARAMETER_PURE_PYTHON is set"), file=sys.stderr)
        return []
    if platform.python_implementation() != "CPython":
        print(FALLBACK.format(f"{platform.python_implementation()} is not CPython"),
              file=sys.stderr)
        return []
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        # The accelerator relies on the GIL (borrowed references during a read).
        print(FALLBACK.format("a free-threaded Python"), file=sys.stderr)
        return []
    # The contextvars C API is not in the limited API: one build per Python version.
    return [Extension("hyperparameter._speedups", ["src/hyperparameter/_speedups.c"])]


setup(ext_modules=extensions(), cmdclass={"build_ext": optional_build_ext})
