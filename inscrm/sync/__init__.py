"""Sync bundles between the branches and HQ (DESIGN §5).

`keys` holds the sites' key pairs, `bundle` the signed and encrypted container, `export` and
`apply` the rows that travel each way, `registry` the sites, registration and the ledger,
`service` several bundles at once, `inbox` the bundles a page receives.
"""


def rejection_text(item, translate):
    """Why a row was rejected, in the language of `translate`: from its msgid and figures, or
    its English words when it came from a site that sends only those (or sends a msgid that
    does not fit them)."""
    message, params = item.get("msg"), item.get("params")
    if isinstance(message, str) and isinstance(params, dict):
        try:
            return translate(message) % params
        except (KeyError, TypeError, ValueError):
            pass
    return str(item.get("reason", ""))


class BundleRefused(Exception):
    """A bundle (or registration file) that is not applied, with the reason in words.

    `message` is an English msgid with `%(…)s` parameters, so a page can word it in its own
    language (`text(gettext)`); `str()` gives the English line the CLI prints.
    """

    def __init__(self, path, message, params=None):
        self.path = str(path)
        self.message = message
        self.params = params or {}
        self.reason = message % self.params if self.params else message
        super().__init__(f"{path}: {self.reason}")

    def text(self, translate, name=None):
        """One line naming the file (or `name`, the file's name as uploaded) and the reason."""
        reason = translate(self.message)
        if self.params:
            reason = reason % self.params
        return f"{name or self.path}: {reason}"
