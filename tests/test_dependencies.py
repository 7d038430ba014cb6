"""Every third-party module corpus-db imports is installed by `pip install corpus-db` alone (the core
dependencies in pyproject.toml and what they require), except in the modules of the `similar` extra. The
test environment has every extra installed, so a missing core dependency shows nowhere else: numpy was
imported by the fingerprint table of re-imports while only the extra named it, and a plain install failed
to re-import any source of 250k-1.5M records."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "corpus_db"
# Modules that only `corpus-db similar`, `recommend` and `embed` load (the `similar` extra's).
SIMILAR_ONLY = {"corpus_db/rules/embedding.py"}


def _name(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _installed_by_core() -> set[str]:
    """The distributions a plain install brings: the core dependencies and, recursively, theirs."""
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    todo = [Requirement(text) for text in core]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = _name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        todo += [Requirement(text) for text in importlib.metadata.requires(requirement.name) or []]
    return seen


def _third_party_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "corpus_db"}


def test_every_import_outside_the_similar_extra_comes_with_a_plain_install() -> None:
    installed = _installed_by_core()
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if str(path.relative_to(ROOT)) in SIMILAR_ONLY:
            continue
        for module in sorted(_third_party_imports(path)):
            providers = {_name(d) for d in distributions.get(module, [module])}
            if not providers & installed:
                missing.append(f"{path.relative_to(ROOT)}: {module} ({', '.join(sorted(providers))})")
    assert missing == []
