"""The report notebooks are hand-editable source: what the tests hold them to is behaviour, not their bytes."""

import ast

import nbformat
import pytest

from ntm_analysis import paths
from ntm_analysis.data import reference
from ntm_analysis.report import kinds

KINDS = sorted(kinds.kinds())
NOTEBOOKS = [*map(kinds.notebook, kinds.kinds()), paths.NOTEBOOKS / "explore.ipynb"]


def parameters(path) -> tuple[nbformat.NotebookNode, str]:
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters', the one papermill injects after"
    return nb, cells[0].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_holds_only_literal_defaults_that_run_as_is(path):
    _, source = parameters(path)
    tree = ast.parse(source)
    assert tree.body and all(isinstance(node, ast.Assign) and len(node.targets) == 1 for node in tree.body)
    literal = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body}
    ran: dict = {}
    exec(compile(source, str(path), "exec"), {}, ran)  # the cell as it is, nothing else
    assert ran == literal
    assert literal["lang"] == "vi" and reference.resolve_unit(literal["unit"]) == reference.province()["code"]


@pytest.mark.parametrize("kind", KINDS)
def test_report_notebooks_take_the_parameters_the_build_passes(kind):
    _, source = parameters(kinds.notebook(kind))
    names = {node.targets[0].id for node in ast.parse(source).body}
    assert names == {"lang", "unit", "communes"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_valid_and_every_section_has_its_narrative(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for i in code[1:]:  # after the parameters, each code cell is introduced by a text cell
        assert nb.cells[i - 1].cell_type == "markdown", (path.name, nb.cells[i].source)
