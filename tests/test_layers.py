"""The package's folders are its layers, and each layer imports only from the layers below it."""

import ast
from pathlib import Path

import ntm_analysis

PACKAGE = Path(ntm_analysis.__file__).parent
# Lowest first. The base (errors, paths, i18n) sits under every layer.
LAYERS = ["base", "data", "analysis", "report", "pipeline"]


def _layer(module: str) -> str:
    """'ntm_analysis.data.facts' -> 'data'; the top-level modules are the base."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else "base"


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ntm_analysis"):
            for alias in node.names:
                yield f"{node.module}.{alias.name}" if node.module.count(".") == 0 else node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("ntm_analysis"))


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_module_lives_in_a_layer_folder():
    top = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert top == ["__init__", "errors", "i18n", "paths"]
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == \
        {"data", "analysis", "report", "pipeline", "catalogues", "templates"}


def test_no_layer_imports_from_a_layer_above_it():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        for imported in _imports(path):
            if LAYERS.index(_layer(imported)) > LAYERS.index(_layer(module)):
                upward.append(f"{module} imports {imported}")
    assert not upward, upward
    assert sum(1 for _ in _imports(PACKAGE / "data" / "facts.py")) >= 1  # the walk does see imports
