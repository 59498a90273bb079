"""The import contract: graph/ is a headless library, tui/ never talks to AWS directly."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import graph

ROOT = Path(__file__).resolve().parent.parent


def _graph_modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.walk_packages(graph.__path__, prefix="graph.")
    )


def test_every_graph_module_imports_without_textual_or_tui() -> None:
    modules = _graph_modules()
    assert "graph.policy.evaluate" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui'))\n"
        "print('\\n'.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"graph/ pulled in: {result.stdout}"


def test_tui_never_imports_boto3_or_botocore() -> None:
    offenders: list[str] = []
    for path in (ROOT / "tui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in ("boto3", "botocore"):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []
