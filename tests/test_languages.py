"""A language is one catalogue folder: a third one, made at test time, builds a real page through the real build;
editing a text in a catalogue changes the executed notebook and the page alike; a missing text is a clear error."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from ntm_analysis import i18n, paths
from ntm_analysis.errors import ConfigError
from ntm_analysis.pipeline import build
from ntm_analysis.report import gap_report, html as report, kinds

MARKER = "Texte témoin XX-7361"


def set_text(folder: Path, domain: str, key: str, text: str) -> None:
    """Replace one single-line text of a catalogue file, as a translator would in an editor."""
    path = folder / f"{domain}.toml"
    source = path.read_text(encoding="utf-8")
    edited, n = re.subn(rf"(?m)^{re.escape(key)} = .*$", lambda _: f"{key} = {json.dumps(text, ensure_ascii=False)}",
                        source)
    assert n == 1, f"{key} not found once in {path}"
    path.write_text(edited, encoding="utf-8")


@pytest.fixture()
def dummy_language(tmp_path, monkeypatch) -> Path:
    """Language `xx`: a copy of the English folder with a French locale and one section's text changed, found
    through NTM_CATALOGUES (which the build's workers and kernels inherit). Nothing else is added anywhere."""
    root = tmp_path / "catalogues"
    folder = root / "xx"
    shutil.copytree(i18n.CATALOGUES / "en", folder)
    (folder / "language.toml").write_text('name = "Langue témoin"\nlocale = "fr_FR"\n', encoding="utf-8")
    set_text(folder, "gap_report", "p_targets_method", MARKER)
    monkeypatch.setenv(i18n.SEARCH_PATH, str(root))
    return folder


def test_a_language_folder_on_the_search_path_is_a_language(dummy_language):
    assert list(i18n.languages()) == ["vi", "en", "xx"]
    assert i18n.languages()["xx"]["folder"] == dummy_language.resolve()
    assert i18n.number(26734.5, "xx", 1) == "26\u202f734,5"  # babel's French: narrow no-break space, comma
    assert i18n.text(gap_report.LABELS, "p_targets_method", "xx") == MARKER
    assert kinds.pack_link().match("051_gap_xx.html")


def test_a_missing_text_names_language_domain_and_key(dummy_language):
    path = dummy_language / "gap_report.toml"
    path.write_text(re.sub(r"(?m)^s_targets = .*\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"catalogue 'gap_report' of language 'xx' has no text 's_targets'"):
        i18n.text(gap_report.LABELS, "s_targets", "xx")
    assert i18n.text(gap_report.LABELS, "s_targets", "en") == "1. 2025 targets against the baseline"


def test_a_bad_language_folder_is_a_config_error(tmp_path, monkeypatch):
    (tmp_path / "zz").mkdir()
    (tmp_path / "zz" / "language.toml").write_text('name = "Z"\nlocale = "zz_ZZ"\n', encoding="utf-8")
    monkeypatch.setenv(i18n.SEARCH_PATH, str(tmp_path))
    with pytest.raises(ConfigError, match="babel does not know the locale 'zz_ZZ'"):
        i18n.languages()


@pytest.mark.parametrize("value", ["catalogues", "/nonexistent/catalogues"])
def test_a_search_path_that_is_not_an_absolute_folder_is_refused(monkeypatch, value):
    monkeypatch.setenv(i18n.SEARCH_PATH, value)
    with pytest.raises(ConfigError, match=f"NTM_CATALOGUES names '{value}', which is not an absolute path"):
        i18n.languages()


@pytest.mark.slow
def test_a_third_language_builds_a_page_through_the_real_build(dummy_language, tmp_path):
    out = tmp_path / "pack"
    manifest = build.build(units=["051"], lang="xx", out=out, jobs=1, progress=False)
    assert [r["path"] for r in manifest["reports"]] == ["051_evaluation_xx.html", "051_gap_xx.html"]
    page = (out / "051_gap_xx.html").read_text(encoding="utf-8")
    assert '<html lang="xx">' in page
    assert MARKER in page  # the changed text, from the extra folder, reached the kernel
    assert "Hòa An district" in page  # the unit's name is the same; its type word is the folder's
    # numbers in the folder's locale (fr_FR): the plan total 26.734,5 tỷ đồng, a pace of 16,67 communes a year
    assert "26\u202f734,5" in page and "16,67" in page
    assert "has no text" not in page and "Traceback" not in page
    evaluation = (out / "051_evaluation_xx.html").read_text(encoding="utf-8")
    assert '<html lang="xx">' in evaluation and "11\u202f132,3" in evaluation  # funds mobilised 2017–2021
    assert "has no text" not in evaluation and "Traceback" not in evaluation
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="051_gap_xx.html">' in index


@pytest.mark.slow
def test_editing_a_section_text_changes_the_notebook_and_the_page(tmp_path, monkeypatch):
    """A translator edits the Vietnamese targets paragraph in a copy of the catalogues: the executed notebook shows
    the new text and the page exported from it (as the build exports) does too."""
    import papermill

    root = tmp_path / "catalogues"
    shutil.copytree(i18n.CATALOGUES / "vi", root / "vi")
    edited = "Đoạn văn đã sửa trong danh mục — XX-7361."
    set_text(root / "vi", "gap_report", "p_targets_method", edited)
    monkeypatch.setenv(i18n.SEARCH_PATH, str(root))
    executed = tmp_path / "gap.ipynb"
    papermill.execute_notebook(str(kinds.notebook("gap")), str(executed),
                               parameters={"lang": "vi", "unit": "051", "communes": None}, kernel_name="python3",
                               progress_bar=False, log_output=False, cwd=str(paths.NOTEBOOKS))
    nb = nbformat.read(executed, as_version=4)
    shown = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
    assert edited in shown and "Đánh giá trong bảng dùng phương pháp điều chỉnh" not in shown
    page = report.export_html(nb, title="gap 051", lang="vi")
    assert edited in page and "Đánh giá trong bảng dùng phương pháp điều chỉnh" not in page
