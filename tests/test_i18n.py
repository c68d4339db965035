"""Every message in the code and templates has its Simplified Chinese translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "inscrm" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "_l": None,
            "lazy_gettext": None}
METHODS = [("inscrm/**.py", "python"), ("inscrm/templates/**.html", "jinja2")]


def extracted_messages():
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, METHODS, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, filename)
    return found


def test_every_message_has_a_chinese_translation():
    with PO.open("rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and m.string}
    missing = {msgid: where for msgid, where in extracted_messages().items()
               if msgid not in translated}
    assert not missing, f"messages without a zh translation in {PO.name}: {missing}"


def test_no_duplicate_entries_in_the_catalog():
    ids = [line for line in PO.read_text(encoding="utf-8").splitlines()
           if line.startswith("msgid ") and line != 'msgid ""']
    assert len(ids) == len(set(ids))
