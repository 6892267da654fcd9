"""The committed notebooks stay thin: literal parameters, no outputs, one call per cell, in step with their writer."""

import ast
import importlib.util

import nbformat
import pytest

from ntm_analysis import paths, reference

KINDS = sorted(paths.REPORT_NOTEBOOKS)


def _writer():
    spec = importlib.util.spec_from_file_location("make_notebooks", paths.ROOT / "scripts" / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", KINDS)
def test_parameters_cell_holds_literal_defaults_that_run_as_is(kind):
    nb = nbformat.read(paths.REPORT_NOTEBOOKS[kind], as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    tree = ast.parse(cells[0].source)
    values = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body}
    assert values == {"lang": "vi", "unit": reference.province()["code"], "communes": None}


@pytest.mark.parametrize("kind", KINDS)
def test_notebooks_are_committed_without_outputs_and_thin(kind):
    nb = nbformat.read(paths.REPORT_NOTEBOOKS[kind], as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert len(cell.source.splitlines()) <= 5


@pytest.mark.parametrize("kind", KINDS)
def test_notebooks_match_their_writer(kind):
    written = _writer().notebook(kind)
    committed = nbformat.read(paths.REPORT_NOTEBOOKS[kind], as_version=4)
    assert [(c.cell_type, c.source, c.metadata) for c in committed.cells] == \
        [(c.cell_type, c.source, c.metadata) for c in written.cells]
