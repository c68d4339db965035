"""Build hook: every package build compiles the translation catalogs (metadata: pyproject.toml).

Without it only `make` compiled them, and a plain `pip install .` served English. A wheel gets
each `inscrm/translations/<locale>/LC_MESSAGES/messages.mo` beside its `.po`; an editable
install (`pip install -e .`, what the Makefile does) gets them in the source tree, where the
package reads its data files from.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGS = "inscrm/translations/*/LC_MESSAGES/messages.po"


class BuildPyWithCatalogs(build_py):
    """build_py, then `pybabel compile` into what it built (the source tree when editable)."""

    def run(self):
        super().run()
        root = Path(".") if self.editable_mode else Path(self.build_lib)
        for po_path in sorted(Path(".").glob(CATALOGS)):
            mo_path = root / po_path.with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parts[-3])
            # like `pybabel compile`: fuzzy entries stay untranslated
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            self.announce(f"compiled {po_path} -> {mo_path}", level=2)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
