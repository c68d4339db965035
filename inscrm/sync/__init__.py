"""Sync bundles between the branches and HQ (DESIGN §5).

`keys` holds the sites' key pairs, `bundle` the signed and encrypted container, `export` and
`apply` the rows that travel each way, `registry` the sites, registration and the ledger,
`service` several bundles at once, `inbox` the bundles a page receives.
"""


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
