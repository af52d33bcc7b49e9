"""What the package ships: one version for Python and the JupyterLab extension, and type information."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import codex_jupyter

ROOT = Path(__file__).parent.parent


def test_the_labextension_has_the_python_packages_version() -> None:
    package = json.loads((ROOT / "labextension" / "package.json").read_text())
    assert package["version"] == codex_jupyter.__version__


def test_the_installed_distribution_has_the_version_in_the_source() -> None:
    # hatch reads the version from codex_jupyter/__init__.py: there is no second place to forget.
    assert version("codex-jupyter") == codex_jupyter.__version__


def test_the_package_declares_its_type_hints() -> None:
    assert (Path(codex_jupyter.__file__).parent / "py.typed").is_file()
