"""Only the gettext catalogs need code at build time: each committed ``.po`` under
src/cdpdesk/locale is compiled to its ``.mo`` in the built package, so a wheel or
``pip install .`` carries compiled catalogs without binaries in git. Everything else is
in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        if getattr(self, "editable_mode", False):
            return  # an editable install reads src/, where `make` (or the loader) compiles them
        for po in Path("src/cdpdesk/locale").glob("*/LC_MESSAGES/*.po"):
            target = Path(self.build_lib) / po.relative_to("src").with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=po.parent.parent.name)
            with target.open("wb") as out:
                write_mo(out, catalog)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
