"""Message catalogs: every word the lane shows comes from ``locales/<lang>.json``, never from the code.

A catalog is a flat JSON object of message keys (dotted, e.g. ``notice.bag_items_first``) to texts with ``{name}``
placeholders. :func:`tr` looks a key up in the shopper's language, then in English, then gives the key itself, so a
missing translation shows up on screen as something a tester can report instead of as a crash.
"""

from __future__ import annotations

import json
import string
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("de", "en", "nl")
FALLBACK = "en"

_LOCALES = Path(__file__).resolve().parent / "locales"
_FORMATTER = string.Formatter()


class _Missing(dict):
    """Leaves an unknown placeholder as it is (``{name}``) rather than failing the whole screen."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The messages of ``lang`` (an empty catalog for a language we have no file for)."""
    if lang not in LANGUAGES:
        return {}
    with open(_LOCALES / f"{lang}.json", encoding="utf-8") as fh:
        data = json.load(fh)
    return {str(k): str(v) for k, v in data.items()}


def has(lang: str, key: str) -> bool:
    return key in catalog(lang) or key in catalog(FALLBACK)


def tr(lang: str, key: str, **args: object) -> str:
    """The text of ``key`` in ``lang`` (else English, else the key), with ``{name}`` placeholders filled from args."""
    text = catalog(lang).get(key)
    if text is None:
        text = catalog(FALLBACK).get(key)
    if text is None:
        return key
    if not args and "{" not in text:
        return text
    return _FORMATTER.vformat(text, (), _Missing({k: str(v) for k, v in args.items()}))
