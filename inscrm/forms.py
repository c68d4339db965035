"""Reading a submitted form into clean values and per-field errors. No Flask here.

The web, the CLI and the tests hand a mapping of strings to `Form`; each check records an
`Invalid` (a gettext msgid and its figures) under the field's name, so the page shows every
error next to its field and nothing is saved while any remains.
"""

import re

from inscrm.i18n import N_
from inscrm.validators import Invalid, parse_choice, parse_date, parse_money


class Rejected(Exception):
    """A form that cannot be saved: errors per field and the existing records it duplicates."""

    def __init__(self, errors, duplicates=None):
        super().__init__("; ".join(f"{name}: {error}" for name, error in errors.items()))
        self.errors = errors
        self.duplicates = duplicates or {}


class Form:
    def __init__(self, data):
        self.data = data
        self.errors = {}
        self.duplicates = {}

    def raw(self, name):
        value = self.data.get(name)
        return "" if value is None else str(value).strip()

    def error(self, name, message, **params):
        self.errors.setdefault(name, Invalid(message, **params))

    def parsed(self, name, parser, required=False):
        """The parsed value, None when empty (an error when required), None after an error."""
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, N_("Required."))
            return None
        try:
            return parser(value)
        except Invalid as exc:
            self.errors.setdefault(name, exc)
            return None

    def text(self, name, required=False, max_length=200):
        def check(value):
            if len(value) > max_length:
                raise Invalid(N_("At most %(n)s characters."), n=max_length)
            return value

        return self.parsed(name, check, required) or ""

    def choice(self, name, choices, default=None):
        value = self.parsed(name, lambda v: parse_choice(v, choices), required=default is None)
        return value if value is not None else default

    def date(self, name, required=False):
        return self.parsed(name, parse_date, required)

    def money(self, name, required=False):
        return self.parsed(name, parse_money, required)

    def flag(self, name):
        return self.raw(name) in ("1", "on", "true", "yes")

    def pick(self, name, query, model, required=False):
        """The id of a row of `query` chosen by its id, or an error when it is not among them."""

        def check(value):
            if not value.isdigit() or not query.where(model.id == int(value)).exists():
                raise Invalid(N_("Choose one of the list."))
            return int(value)

        return self.parsed(name, check, required)

    def email(self, name):
        def check(value):
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) or len(value) > 200:
                raise Invalid(N_("Not an e-mail address."))
            return value

        return self.parsed(name, check)

    def duplicate(self, name, message, record):
        """The value already belongs to `record`: an error with a link to it."""
        self.error(name, message)
        self.duplicates[name] = record

    def check(self):
        if self.errors:
            raise Rejected(self.errors, self.duplicates)
