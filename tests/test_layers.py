"""The paper is a layer: no library module imports ``tfalab.paper``; only ``tfalab.cli`` may.

Two independent checks: import-linter's contracts (``[tool.importlinter]`` in
``pyproject.toml``, run as ``lint-imports``) and a scan of every import statement in the source
(top-level and inside functions) with :mod:`ast`.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "tfalab"
PAPER = SRC / "paper"
ALLOWED = {SRC / "cli.py"}  # the top layer: may import the library and the paper


def _module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, src: Path = SRC) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path`` (a file of the package
    ``src``), relative ones resolved; ``from a import b`` gives both ``a`` and ``a.b`` (b may
    be a submodule); ``importlib.import_module("...")`` with a literal name too."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    package = _module_name(path, src).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.append((node.lineno, module))
            out.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) in
              ("import_module", "__import__")
              and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            out.append((node.lineno, node.args[0].value))
    return out


def _is_paper(module: str) -> bool:
    return module == "tfalab.paper" or module.startswith("tfalab.paper.")


def paper_imports_outside_the_paper(src: Path = SRC) -> list[str]:
    """``file:line module`` for each import of ``tfalab.paper`` by a library module."""
    bad = []
    for path in sorted(src.rglob("*.py")):
        if path.is_relative_to(src / "paper") or path in {src / "cli.py"}:
            continue
        lines = {line for line, module in imported_modules(path, src) if _is_paper(module)}
        bad.extend(f"{path.relative_to(src.parent).as_posix()}:{line}" for line in sorted(lines))
    return bad


def test_no_library_module_imports_the_paper():
    assert PAPER.is_dir()
    assert paper_imports_outside_the_paper() == []


def test_the_paper_does_not_import_the_cli():
    bad = [f"{p.relative_to(SRC.parent)}:{line}" for p in sorted(PAPER.rglob("*.py"))
           for line, module in imported_modules(p)
           if module == "tfalab.cli" or module.startswith("tfalab.cli.")]
    assert bad == []


def test_the_ast_check_sees_every_kind_of_import(tmp_path: Path):
    """The scan itself: it must catch top-level, lazy, relative and dynamic imports."""
    pkg = tmp_path / "tfalab"
    (pkg / "paper").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "paper" / "__init__.py").write_text("from tfalab.anode import x\n")
    (pkg / "cli.py").write_text("from tfalab.paper import paper_cell\n")
    (pkg / "cell").mkdir()
    (pkg / "cell" / "__init__.py").write_text("")
    (pkg / "cell" / "a.py").write_text("import tfalab.paper.runner\n")
    (pkg / "cell" / "b.py").write_text("def f():\n    from tfalab import paper\n")
    (pkg / "cell" / "c.py").write_text("from ..paper.design import paper_cell\n")
    (pkg / "cell" / "d.py").write_text(
        "import importlib\nimportlib.import_module('tfalab.paper.catalogue')\n")
    (pkg / "cell" / "ok.py").write_text("from tfalab.design import pellet_cell  # paper\n")
    assert paper_imports_outside_the_paper(pkg) == [
        "tfalab/cell/a.py:1", "tfalab/cell/b.py:2", "tfalab/cell/c.py:1", "tfalab/cell/d.py:2"]


def _lint_imports() -> str | None:
    exe = Path(sys.executable).with_name("lint-imports")
    return str(exe) if exe.is_file() else shutil.which("lint-imports")


def test_import_linter_contracts_are_kept():
    exe = _lint_imports()
    if exe is None:
        pytest.skip("lint-imports not found: install the dev extra (pip install "
                    "'tfalab[dev]', which brings import-linter); the AST check above still ran")
    run = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "broken" not in run.stdout.lower().split("contracts:")[-1].replace("0 broken", "")
