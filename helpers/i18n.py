"""The language of the helpers' messages, and ``_()`` to translate them (gettext catalogs).

The language in force is, first to last: the ``WORKSHOP_LANG`` environment variable; config.json's
``"language"`` (set by ``config.load()``); the edition's default (``set_default_language``, or
"ja" when the kernel runs in the project's ``notebooks/ja`` folder); else English.

Translations live in ``locale/ja/LC_MESSAGES/workshop.po``, the file translators edit (``make
messages`` extracts new messages into it). It is compiled in memory at first use, so there is no
.mo file that could fall out of step with it. English is the messages as written.
"""

from __future__ import annotations

import difflib
import gettext
import io
import os
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "ja")
DEFAULT_LANGUAGE = "en"
DOMAIN = "workshop"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The Japanese edition's notebooks: a kernel started there (or below) speaks Japanese by default,
# and reads config.tokyo.json (config.default_path).
JAPANESE_EDITION = PROJECT_ROOT / "notebooks" / "ja"
EDITION_FOLDERS = {JAPANESE_EDITION: "ja"}
ENV_VAR = "WORKSHOP_LANG"

_configured: str | None = None  # config.json's "language", set by config.load()
_default: str | None = None  # the edition's default, set by set_default_language()


def normalise(value: object) -> str | None:
    """``value`` as one of LANGUAGES, or None: case and spaces are ignored, and a locale such
    as ``ja_JP.UTF-8`` or ``ja-JP`` counts as its language."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    for separator in ".@_-":
        text = text.partition(separator)[0]
    return text if text in LANGUAGES else None


def problem_with(value: object) -> tuple[str, str]:
    """What is wrong with a language value, and the fix (for ConfigError)."""
    allowed = " or ".join(f'"{code}"' for code in LANGUAGES)
    near = None
    if isinstance(value, str):
        typed = value.strip().lower()
        near = {
            "jp": "ja",
            "jpn": "ja",
            "japanese": "ja",
            "日本語": "ja",
            "にほんご": "ja",
            "english": "en",
            "eng": "en",
            "英語": "en",
        }.get(typed) or next(iter(difflib.get_close_matches(typed, LANGUAGES, n=1)), None)
    hint = _('did you mean "{code}"? ').format(code=near) if near else ""
    return (
        _("is not a language the workshop's messages are in: {value}").format(value=_shown(value)),
        hint + _("use {allowed} (English, Japanese).").format(allowed=allowed),
    )


def _shown(value: object) -> str:
    import json

    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def set_language(language: str | None) -> None:
    """The configured language (config.json's ``"language"``), or None for the default."""
    global _configured
    _configured = normalise(language) if language is not None else None


def set_default_language(language: str | None) -> None:
    """The edition's default language (a notebook edition calls this), or None to forget it."""
    global _default
    _default = normalise(language) if language is not None else None


def default_language() -> str:
    """The edition's language: set_default_language's, else the notebooks folder's, else "en"."""
    if _default is not None:
        return _default
    return edition_here() or DEFAULT_LANGUAGE


def edition_here() -> str | None:
    """The edition whose notebooks folder the working directory is in or below, or None."""
    try:
        here = Path.cwd().resolve()
    except OSError:  # the working directory was deleted
        return None
    for folder, language in EDITION_FOLDERS.items():
        if folder.resolve() in (here, *here.parents):
            return language
    return None


def _from_environment() -> str | None:
    """WORKSHOP_LANG's language, or None when it is unset or names none (check_environment)."""
    given = os.environ.get(ENV_VAR, "").strip()
    return normalise(given) if given else None


def check_environment() -> None:
    """A ConfigError if WORKSHOP_LANG is set to something that names no language."""
    given = os.environ.get(ENV_VAR, "").strip()
    if given and normalise(given) is None:
        from .errors import ConfigError

        problem, fix = problem_with(given)
        raise ConfigError(f"{ENV_VAR} (environment) {problem}", fix)


def language() -> str:
    """The language messages are shown in now (WORKSHOP_LANG, config.json, edition, "en")."""
    return _from_environment() or _configured or default_language()


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (read from its .po at first use; English has none)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == DEFAULT_LANGUAGE or not po.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        messages = read_po(source, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages, use_fuzzy=False)  # a fuzzy entry is a guess: English instead
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    """``message`` in the language in force (English as written when there is no translation)."""
    lang = language()
    if lang == DEFAULT_LANGUAGE:
        return message
    return catalog(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """``singular`` or ``plural`` for a count ``n``, in the language in force."""
    lang = language()
    if lang == DEFAULT_LANGUAGE:
        return singular if n == 1 else plural
    return catalog(lang).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it)
    """Marks a message for translation where it is defined; ``_()`` translates it where shown."""
    return message
