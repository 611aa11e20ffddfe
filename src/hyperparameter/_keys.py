"""The key grammar, in one place.

A key is a dotted path such as ``train.optimizer.lr``. Each segment is
non-empty and contains no whitespace, no ``=`` and no ``.``. Case is kept.

Keys are normalised to Unicode NFKC where they enter, because Python
normalises identifiers that way: ``hp.scope.ﬁle`` (a ligature) reads key
``file``, so a key set as ``"ﬁle"`` must be stored as ``file`` too.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, List, Optional, Tuple

from .errors import InvalidKeyError

__all__ = ["closest_keys", "did_you_mean", "split_assignment", "validate_key"]

_BAD_CHAR = re.compile(r"[\s=]")

# Keys that already passed validation. Programs use a bounded set of keys, so
# this stays small; it is cleared if a program generates keys without end.
_VALID: set = set()
_VALID_LIMIT = 100_000


def _problem(key: object) -> Optional[str]:
    """Return the rule ``key`` breaks, or None if it is a valid key."""
    if not isinstance(key, str):
        return f"a key must be a str, not {type(key).__name__}"
    if key == "":
        return "a key must not be empty"
    bad = _BAD_CHAR.search(key)
    if bad is not None:
        what = "'='" if bad.group() == "=" else "whitespace"
        return f"a key must not contain {what}"
    if "" in key.split("."):
        return "a key must not have an empty segment (leading, trailing or doubled '.')"
    return None


def validate_key(key: str, where: str = "") -> str:
    """Return ``key`` (NFKC-normalised) if it is valid, else raise :class:`InvalidKeyError`.

    ``where`` names the place the key came from (``-D a..b=1``, a file), so the
    message can point at it. Callers store the returned key, never the argument.
    """
    if key in _VALID:
        return key
    if isinstance(key, str) and not key.isascii():
        normal = unicodedata.normalize("NFKC", key)
        if normal != key:
            if _problem(normal) is None:
                return validate_key(normal, where)
            origin = f" in {where}" if where else ""
            raise InvalidKeyError(
                f"invalid key {key!r}{origin}: as Python reads names (Unicode NFKC) it is "
                f"{normal!r}, and {_problem(normal)}; use dotted names like 'train.lr'",
                key=key,
            )
    problem = _problem(key)
    if problem is not None:
        origin = f" in {where}" if where else ""
        raise InvalidKeyError(
            f"invalid key {key!r}{origin}: {problem}; "
            "use dotted names like 'train.lr' (segments without spaces, '=' or empty parts)",
            key=key if isinstance(key, str) else None,
        )
    if len(_VALID) >= _VALID_LIMIT:
        _VALID.clear()
    _VALID.add(key)
    return key


def is_valid_key(key: object) -> bool:
    """Return whether ``key`` follows the key grammar."""
    return _problem(key) is None


def split_assignment(text: str, where: str = "") -> Tuple[str, str]:
    """Split ``"key=value"`` into a validated key and the value text.

    Only the first ``=`` separates, so values may contain ``=``. The value is
    kept exactly as given (``-D sep=' '`` is one space, as ``--sep ' '`` is);
    blanks around the key are dropped.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a 'key=value' string, got {text!r} ({type(text).__name__})")
    key, sep, value = text.partition("=")
    origin = where or repr(text)
    if not sep:
        raise InvalidKeyError(
            f"{origin} has no '=': write assignments as 'key=value', for example 'train.lr=0.01'"
        )
    key = key.strip()
    if key == "":
        raise InvalidKeyError(
            f"{origin} has no key before '=': write assignments as 'key=value', "
            "for example 'train.lr=0.01'"
        )
    return validate_key(key, origin), value


def closest_keys(key: str, candidates: Iterable[str], n: int = 3) -> List[str]:
    """Return up to ``n`` keys from ``candidates`` that look like ``key``."""
    import difflib

    pool = list(dict.fromkeys(candidates))
    found = difflib.get_close_matches(key, pool, n=n, cutoff=0.75)
    if len(found) < n:
        # Also match on the last segment: 'lrr' should find 'train.lr'.
        leaf = key.rsplit(".", 1)[-1]
        by_leaf = {c.rsplit(".", 1)[-1]: c for c in pool}
        for match in difflib.get_close_matches(leaf, list(by_leaf), n=n, cutoff=0.75):
            full = by_leaf[match]
            if full not in found:
                found.append(full)
    return found[:n]


def did_you_mean(key: str, candidates: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` (or ``"x' or 'y"``) or ``""`` when nothing is close."""
    found = closest_keys(key, candidates)
    if not found:
        return ""
    return "; did you mean " + " or ".join(repr(k) for k in found) + "?"
