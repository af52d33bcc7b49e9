"""Imports flow one way: models → storage → store → {kernel side, server}.

The store layer must not import the kernel side (comm, widgets, magics) or the server, so that a
server process never loads comm code and a plain script never loads jupyter-server.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "codex_jupyter"
CLIENTS = ("kernel", "server")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved to absolute names."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def core_modules() -> list[Path]:
    """The modules below the clients: all but the kernel side, the server, and the package's ``__init__``
    (which re-exports the clients lazily: the import tests below check it)."""
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] not in CLIENTS and path != PACKAGE / "__init__.py"
    ]


@pytest.mark.parametrize("path", core_modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_the_store_layer_imports_neither_the_kernel_side_nor_the_server(path: Path) -> None:
    clients = [["codex_jupyter", client] for client in CLIENTS]
    wrong = sorted(name for name in imported_modules(path) if name.split(".")[:2] in clients)
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {wrong}"


def loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``statement``."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(json.loads(output))


def test_importing_the_package_and_opening_a_store_loads_no_kernel_or_server_code() -> None:
    loaded = loaded_after("import codex_jupyter\ncodex_jupyter.open_store(':memory:').dispose()")
    unwanted = {"comm", "ipykernel", "ipywidgets", "IPython", "jupyter_server", "tornado"}
    assert not {name for name in loaded if name.split(".")[0] in unwanted}
    assert not {name for name in loaded if name.startswith(("codex_jupyter.kernel", "codex_jupyter.server"))}


def test_the_server_extension_loads_no_kernel_side_code() -> None:
    loaded = loaded_after("import codex_jupyter.server")
    assert not {name for name in loaded if name.split(".")[0] in {"comm", "ipykernel", "ipywidgets"}}
    assert not {name for name in loaded if name.startswith("codex_jupyter.kernel")}
