"""The import rule of docs/architecture.md: every module imports only from its own package or
from packages of lower layers (also lazily, inside functions), and importing does no work."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

# lowest first; packages on one rank may not import each other
LAYERS: list[set[str]] = [
    {"core"}, {"game"}, {"abstraction"}, {"mccfr"}, {"config"}, {"runtime"}, {"run"},
    {"eval", "monitor"}, {"search"}, {"report"}, {"cli"},
]
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def _part(module: str) -> str | None:
    """The first-level part of ``holdem.X...`` (``None`` for the package root or other packages)."""
    names = module.split(".")
    return names[1] if names[0] == "holdem" and len(names) > 1 else None


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement of a file, relative ones resolved."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            # `from holdem import x` may name a submodule x
            names = {f"{target}.{a.name}" if target == "holdem" else target for a in node.names}
            out += [(node.lineno, name) for name in sorted(names)]
    return out


def layer_violations(src: Path) -> list[str]:
    """Every import of a module from a higher layer, a same-rank sibling or an unknown part."""
    bad = []
    for path in sorted((src / "holdem").rglob("*.py")):
        module = ".".join(path.relative_to(src).with_suffix("").parts)
        if module.endswith(".__init__"):
            module = module[: -len(".__init__")]
        here = _part(module)
        if here is None:
            continue  # holdem/__init__.py: version and lazy names only
        for line, target in _imports(path, module):
            there = _part(target)
            if there is None or there == here:
                continue
            where = f"{path.relative_to(src)}:{line}: {module} imports {target}"
            if here not in RANK or there not in RANK:
                bad.append(f"{where} (a part missing from LAYERS: add it to docs/architecture.md and here)")
            elif RANK[there] >= RANK[here]:
                bad.append(f"{where} ({there} is not below {here})")
    return bad


def test_every_import_goes_down_the_layers():
    bad = layer_violations(SRC)
    assert not bad, "imports against the layer rule:\n" + "\n".join(bad)


def test_every_part_of_the_package_has_a_layer():
    parts = {p.stem if p.is_file() else p.name for p in (SRC / "holdem").iterdir()
             if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.stem != "__init__")}
    assert parts == set(RANK)


@pytest.mark.parametrize("upward", [
    ("core/rng.py", "from holdem.mccfr.layout import PLAYER\n"),
    ("game/tree.py", "def f():\n    from holdem.abstraction.deal import DealModel\n"),  # lazy imports count
    ("eval/match.py", "import holdem.monitor.sampling\n"),                             # same rank
    ("mccfr/policy.py", "from ..runtime import shm\n"),                                 # relative
])
def test_the_rule_catches_an_upward_import(tmp_path, upward):
    """The checker itself: a copy of the package with one upward import added is refused."""
    rel, line = upward
    for path in (SRC / "holdem").rglob("*.py"):
        target = tmp_path / "holdem" / path.relative_to(SRC / "holdem")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    assert layer_violations(tmp_path) == []
    with open(tmp_path / "holdem" / rel, "a") as f:
        f.write(line)
    bad = layer_violations(tmp_path)
    assert len(bad) == 1 and rel in bad[0]


@pytest.mark.timeout(120)
def test_importing_does_no_work(tmp_path):
    """Importing the package and every CLI module sets no environment variable, writes no file
    and loads no numba (the CLIs set the numba cache location before any kernel is imported)."""
    clis = sorted(p.stem for p in (SRC / "holdem" / "cli").glob("*.py") if p.stem != "__init__")
    code = ("import os, sys\nbefore = dict(os.environ)\nimport holdem, holdem.game\n"
            + "".join(f"import holdem.cli.{m}\n" for m in clis)
            + "assert dict(os.environ) == before, set(os.environ) ^ set(before)\n"
            + "assert 'numba' not in sys.modules, 'a CLI module imports numba at import time'\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=100)
    assert r.returncode == 0, r.stderr
    assert not any(tmp_path.iterdir()), list(tmp_path.rglob("*"))
