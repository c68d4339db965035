"""The languages the UI speaks (Simplified Chinese first, English second) and how one is chosen.

Domain code marks its messages with `N_` and takes a `translate` callable, so it stays free of
Flask and the CLI, the pages and the exports word a message the same way.
"""

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
