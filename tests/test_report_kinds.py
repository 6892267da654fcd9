"""The registry of report kinds: a kind registered at run time is built into a pack like the shipped ones."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from ntm_analysis.pipeline import build, cli
from ntm_analysis import i18n
from ntm_analysis.report import kinds
from ntm_analysis.errors import ConfigError
from ntm_analysis.pipeline.project import Project

# A third kind's notebook: the parameters cell of the contract, one displayed page linking to the unit's gap page
# and to its own English page (links the build accepts only if the registry reached the worker).
BODY = """\
from IPython.display import display
display({"text/html": f'<h1>Summary of {unit}</h1><a href="{unit}_gap_{lang}.html">gap</a> '
                      f'<a href="{unit}_summary_en.html">en</a>',
         "application/vnd.ntm.headlines+json": {"items": [{"label": "unit", "value": unit}]}}, raw=True)
"""


def notebook(path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('lang = "vi"\nunit = "04"\ncommunes = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def summary_project(tmp_path, monkeypatch) -> Project:
    """A project with a third kind, 'summary' (files named 'tom_tat' in Vietnamese), and its words; the gap kind
    gets a tiny notebook."""
    spec = kinds.ReportSpec("summary", notebook(tmp_path / "summary.ipynb", BODY), "title_summary", "report_summary",
                            order=3, stems={"vi": "tom_tat"})
    gap = notebook(tmp_path / "gap.ipynb", 'from IPython.display import HTML, display\ndisplay(HTML("<p>gap</p>"))')
    monkeypatch.setattr(kinds, "LABELS", {
        **kinds.LABELS,
        "title_summary": {"vi": "Tóm tắt — {unit}", "en": "Summary — {unit}"},
        "report_summary": {"vi": "Tóm tắt", "en": "Summary"},
    })
    return Project.current().with_notebooks({"gap": gap}).with_report(spec)


@pytest.fixture()
def summary_kind(summary_project, monkeypatch):
    """The same kind registered in the package's own registry (what the CLI reads)."""
    monkeypatch.setattr(kinds, "REPORTS", dict(summary_project.reports))
    return summary_project.reports["summary"]


def test_the_shipped_kinds_and_their_words():
    assert kinds.kinds() == ["evaluation", "gap"]
    assert build.report_filename("051", "gap", "en") == "051_gap_en.html"
    assert kinds.label("evaluation", "en") == "Evaluation 2017–2021"
    assert build.default_title("04", "gap", "vi").startswith("Khoảng cách đến mục tiêu nông thôn mới 2021–2025 — ")
    for spec in kinds.REPORTS.values():
        assert spec.notebook.is_file()
        assert {spec.title, spec.label} <= set(kinds.LABELS)
        assert all(set(kinds.LABELS[key]) == set(i18n.LANGS) for key in (spec.title, spec.label))
    link = kinds.pack_link()
    assert link.match("index.html") and link.match("04_evaluation_vi.html") and link.match("053_gap_en.html")
    assert not link.match("04_summary_vi.html") and not link.match("https://example.org/04_gap_vi.html")


def test_unknown_and_unnamable_kinds_are_config_errors():
    with pytest.raises(ConfigError, match="unknown report kind 'nope': expected evaluation, gap"):
        kinds.spec("nope")
    with pytest.raises(ConfigError, match="cannot name a file"):
        kinds.ReportSpec("../x", Path("x.ipynb"), "t", "l", order=9)
    with pytest.raises(ConfigError, match="cannot name a file"):
        kinds.ReportSpec("x", Path("x.ipynb"), "t", "l", order=9, stems={"vi": "a-b"})


def test_a_registered_kind_is_a_cli_choice(summary_kind):
    assert kinds.kinds() == ["evaluation", "gap", "summary"]
    result = CliRunner().invoke(cli.main, ["build", "--help"])
    assert "[evaluation|gap|summary]" in result.output
    result = CliRunner().invoke(cli.main, ["build", "--report", "other"])
    assert result.exit_code == 2 and "'evaluation', 'gap', 'summary'" in result.output


@pytest.mark.slow
def test_a_kind_registered_at_run_time_is_built_named_indexed_and_listed(tmp_path, summary_project):
    assert summary_project.kinds() == ["evaluation", "gap", "summary"] and kinds.kinds() == ["evaluation", "gap"]
    out = tmp_path / "pack"
    manifest = build.build(units=["040"], reports=["summary", "gap"], lang="vi", out=out, jobs=1, progress=False,
                           project=summary_project)
    assert sorted(p.name for p in out.iterdir()) == [".ntm-pack.json", "040_gap_vi.html", "040_tom_tat_vi.html",
                                                    "index.html", "manifest.json"]
    # The manifest: in the registry's order, named by the kind's stem, titled from its words.
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(build.manifest_json(manifest))
    assert [(r["report"], r["path"], r["title"]) for r in on_disk["reports"]] == [
        ("gap", "040_gap_vi.html", "Khoảng cách đến mục tiêu nông thôn mới 2021–2025 — Thành phố Cao Bằng"),
        ("summary", "040_tom_tat_vi.html", "Tóm tắt — Thành phố Cao Bằng")]
    assert on_disk["reports"][1]["headlines"] == [{"label": "unit", "value": "040", "note": ""}]
    page = (out / "040_tom_tat_vi.html").read_text(encoding="utf-8")
    assert "<h1>Summary of 040</h1>" in page and 'href="040_gap_vi.html"' in page
    # The index: the kind's label links to its page, after the gap report.
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="040_tom_tat_vi.html">Tóm tắt</a>' in index
    assert index.index("040_gap_vi.html") < index.index("040_tom_tat_vi.html")


def test_a_project_is_a_checked_copy():
    project = Project.current()
    assert project.pack == project.root / "outputs" / "reports" and project.lang == "vi"
    with pytest.raises(TypeError):
        project.reports["x"] = project.reports["gap"]  # read-only: a variant is a new Project
    edited = project.with_notebooks({"gap": Path("/tmp/edited.ipynb")})
    assert edited.reports["gap"].notebook == Path("/tmp/edited.ipynb") and kinds.notebook("gap").name == "gap.ipynb"
    with pytest.raises(ConfigError, match="unknown language"):
        Project(lang="fr")
    with pytest.raises(ConfigError, match="registered with the id 'gap'"):
        Project(reports={"other": project.reports["gap"]})
    with pytest.raises(ConfigError, match="unknown report kind 'summary'"):
        build.build(units=["04"], reports=["summary"], out=Path("/nonexistent/pack"), project=project)
