"""Segment reasons in words: stored as gettext msgids with their figures, worded on display.

A reason is a part or a list of parts, each `{"msg": msgid, "params": {name: figure}}`; the
figures are already formatted (¥62,400.00, 182%, 2025-06-30) so they read the same in every
language, and the words come from the catalog in the reader's language.
"""


def describe(reason, translate):
    """The reason as one line of text in the language of `translate` (a gettext function)."""
    if not reason:
        return ""
    parts = reason if isinstance(reason, list) else [reason]
    return "; ".join(translate(part["msg"]) % part.get("params", {}) for part in parts)
