"""One project object: its input files by role, loaders that take it, and caches keyed by the files they read
(two projects in one process get their own data; an edited file is read again)."""

from __future__ import annotations

import hashlib
import os

import pandas as pd
import pytest

from ntm_analysis import paths
from ntm_analysis.data import cache, communes, context, criteria_sets, facts, reference
from ntm_analysis.analysis import findings
from ntm_analysis.errors import ConfigError, DataError
from ntm_analysis.pipeline import kernel
from ntm_analysis.pipeline.project import Project

from project_copies import FIGURE, change_figure, copy_project


@pytest.fixture
def two_copies(tmp_path):
    a, b = copy_project(tmp_path / "a"), copy_project(tmp_path / "b")
    change_figure(b, FIGURE, "16,88")
    return Project.at(a), Project.at(b)


def test_two_projects_in_one_process_get_their_own_figures(two_copies):
    a, b = two_copies
    assert facts.get(FIGURE).value == 16.44  # the checkout's
    assert facts.get(FIGURE, a).value == 16.44
    assert facts.get(FIGURE, b).value == 16.88
    assert facts.get(FIGURE, paths.Inputs(b.root)).value == 16.88  # the inputs alone name the project too
    assert facts.load(project=b).set_index("id").at[FIGURE, "printed"] == "16,88"
    assert facts.topic("targets_2025", b).set_index("id").at[FIGURE, "value"] == 16.88
    assert facts.get(FIGURE).value == 16.44 and facts.get(FIGURE, a).value == 16.44  # nothing leaked back


def test_a_figure_rewritten_in_place_is_read_again(two_copies):
    _, b = two_copies
    assert facts.get(FIGURE, b).value == 16.88
    change_figure(b.root, FIGURE, "16,99")  # same size, within the same timestamp tick: the content tells
    assert facts.get(FIGURE, b).value == 16.99
    assert facts.load(project=b).set_index("id").at[FIGURE, "value"] == 16.99


def test_an_old_file_is_known_by_its_stat_and_a_new_write_changes_it(tmp_path):
    file = tmp_path / "x.csv"
    file.write_text("a\n1\n", encoding="utf-8")
    recent = cache.identity(file)
    assert len(recent) == 6 and recent[5] == hashlib.sha256(b"a\n1\n").hexdigest()  # modified just now
    hour_ago = file.stat().st_mtime_ns - 3600 * 10**9
    os.utime(file, ns=(hour_ago, hour_ago))
    old = cache.identity(file)
    assert old == (str(file), file.stat().st_dev, file.stat().st_ino, 4, hour_ago)  # the stat alone
    file.write_text("a\n2\n", encoding="utf-8")  # same size, but a write now cannot repeat an hour-old mtime
    assert cache.identity(file)[4] != hour_ago
    assert cache.identity(tmp_path / "missing.csv") == (str(tmp_path / "missing.csv"),)


def test_every_loader_reads_its_own_projects_file(tmp_path):
    copy = copy_project(tmp_path / "office")
    inputs = paths.Inputs(copy)
    series = pd.read_csv(inputs.context_series, dtype=str, keep_default_na=False)
    series.loc[0, "value"] = "123.5"
    series.to_csv(inputs.context_series, index=False)
    units = inputs.units_csv.read_text(encoding="utf-8").replace("Huyện Hoà An", "Huyện Hoà An Mới")
    inputs.units_csv.write_text(units, encoding="utf-8")
    project = Project.at(copy)
    first = series.loc[0, "id"]
    assert context.get(first, project).value == 123.5 and context.get(first).value != 123.5
    districts = reference.districts(project).set_index("code")
    assert districts.at["051", "name_vi"] == "Huyện Hoà An Mới"
    assert reference.districts().set_index("code").at["051", "name_vi"] == "Huyện Hoà An"
    assert reference.communes(project).equals(reference.communes().replace("Huyện Hoà An", "Huyện Hoà An Mới"))
    assert criteria_sets.criteria("2021_2025", project).equals(criteria_sets.criteria("2021_2025"))
    assert findings.assessment(project).equals(findings.assessment())
    assert communes.load_default(project).attrs["origin"]["sha256"] == \
        communes.load_default().attrs["origin"]["sha256"]


def test_a_broken_copy_reports_a_data_error_naming_its_own_file(tmp_path):
    copy = copy_project(tmp_path / "broken")
    inputs = paths.Inputs(copy)
    table = pd.read_csv(inputs.facts_csv, dtype=str, keep_default_na=False, encoding="utf-8")
    table.loc[3, "value"] = "mười"
    table.to_csv(inputs.facts_csv, index=False, encoding="utf-8")
    inputs.units_csv.write_bytes(b"\xff\xfe not utf-8")
    project = Project(root=copy)  # not checked up front: each loader says what is wrong
    with pytest.raises(DataError) as caught:
        facts.get(FIGURE, project)
    assert [(p.file, p.row, p.column, p.value) for p in caught.value.problems] == \
        [(str(inputs.facts_csv), 5, "value", "mười")]
    with pytest.raises(DataError) as caught:
        reference.units(project)
    assert caught.value.problems[0].file == str(inputs.units_csv)
    assert facts.get(FIGURE).value == 16.44  # the checkout is untouched
    (copy / "data" / "facts" / "report_figures.csv").unlink()
    with pytest.raises(DataError) as caught:
        facts.load(project=project)
    assert caught.value.problems[0].file == str(inputs.facts_csv)
    assert "cannot read the file" in caught.value.problems[0].message


def test_a_project_folder_is_checked_up_front_listing_what_is_missing(tmp_path):
    copy = copy_project(tmp_path / "office")
    (copy / "data" / "facts" / "report_figures.csv").unlink()
    (copy / "notebooks" / "gap.ipynb").unlink()
    with pytest.raises(ConfigError) as caught:
        Project.at(copy)
    message = str(caught.value)
    assert "data/facts/report_figures.csv" in message and "notebooks/gap.ipynb" in message
    assert "data/raw" not in message
    assert Project(root=copy).missing() == ["data/facts/report_figures.csv", "notebooks/gap.ipynb"]
    with pytest.raises(ConfigError, match="no such folder"):
        Project.at(tmp_path / "nowhere")


def test_a_projects_reports_run_its_own_notebooks(tmp_path):
    copy = copy_project(tmp_path / "office")
    project = Project.at(copy)
    assert {k: s.notebook for k, s in project.reports.items()} == \
        {k: copy / "notebooks" / s.notebook.name for k, s in Project.current().reports.items()}
    assert project.inputs == paths.Inputs(copy) and project.pack == copy / "outputs" / "reports"
    assert Project.current().inputs == paths.INPUTS


def test_keyed_caches_are_still_cleared_between_reports(two_copies):
    _, b = two_copies
    facts.get(FIGURE, b)
    assert facts._index.cache_info().currsize >= 1
    assert kernel.clear_caches() >= 10
    assert facts._index.cache_info().currsize == 0 and reference._units.cache_info().currsize == 0
    assert facts.get(FIGURE, b).value == 16.88
