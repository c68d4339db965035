"""The languages the UI speaks (Simplified Chinese first, English second) and how one is chosen.

Domain code marks its messages with `N_` and takes a `translate` callable, so it stays free of
Flask and the CLI, the pages and the exports word a message the same way.
"""

import functools
from pathlib import Path

from babel.support import Translations

LANGUAGES = ("zh", "en")
DEFAULT = "zh"


def N_(message):
    """Mark a message for translation without translating it here."""
    return message


def choose_language(user_language=None, session_language=None):
    """The user's own language, else the one picked on the login page, else Chinese."""
    for language in (user_language, session_language):
        if language in LANGUAGES:
            return language
    return DEFAULT


CATALOGS = Path(__file__).resolve().parent / "translations"


def translator(language):
    """A gettext function for `language`, usable anywhere (a background job, the CLI): msgids
    stay English for "en", the catalog words them for "zh"."""
    if language not in LANGUAGES or language == "en":
        return _same
    return _catalog(language).gettext


@functools.lru_cache(maxsize=len(LANGUAGES))
def _catalog(language):
    return Translations.load(str(CATALOGS), [language])


def _same(message):
    return message


def environment_language(environ):
    """The language of a command line's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext
    reads them): Chinese for zh_*, English otherwise, since a terminal set to C or en_* is not
    read by a Chinese-only user."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (environ.get(name) or "").strip()
        if value:
            return "zh" if value.split(":")[0].lower().startswith("zh") else "en"
    return "en"
