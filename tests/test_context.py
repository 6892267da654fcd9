"""Context facts: cited public figures, validated, each with its page and quote."""

from __future__ import annotations

import pytest

from ntm_analysis.data import context, reference
from ntm_analysis.errors import DataError


def test_series_values_and_citations():
    assert context.get("cb_2022_average_new_set").value == pytest.approx(9.19)
    assert context.get("cb_2022_standard_new_set").value == 0
    assert context.get("cb_2022_best_new_set").value == 17
    assert context.get("national_2021_standard_share").value == pytest.approx(68.2)
    assert context.get("national_2025_target_share").value == 80
    assert context.get("national_2025_06_standard_share").value == pytest.approx(79.3)
    for row in context.series().itertuples():
        assert row.source_url.startswith("http") and row.source_title and row.quote and row.as_of
    # every quote carries its figure as printed on the page
    assert "9,19 tiêu chí/xã" in context.get("cb_2022_average_new_set").quote
    assert "68,2%" in context.get("national_2021_standard_share").quote
    assert "80%" in context.get("national_2025_target_share").quote


def test_unknown_id_is_a_data_error():
    with pytest.raises(DataError, match="no context fact"):
        context.get("nothing_here")


def test_bad_series_file_reports_row_and_column(tmp_path):
    bad = tmp_path / "s.csv"
    text = context.paths.CONTEXT_SERIES.read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace(",cao_bang,", ",mars,", 1)
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        context.read_series(bad)
    problem = err.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "area", "mars")


def test_recognitions_codes_match_the_2021_units():
    rec = context.recognitions()
    units = reference.units().set_index("unit_code")
    assert len(rec[rec["level"] == "dat_chuan"]) == 10
    for row in rec[rec["status_2021"] == "exists"].itertuples():
        if row.commune_code_2021:
            assert units.at[row.commune_code_2021, "unit_name"].endswith(row.commune_name_as_printed)
    # the three with no known fate are absent from the 2021 list by name
    names = set(units["unit_name"])
    for name in ("Bế Triều", "Phù Ngọc", "Đình Minh"):
        assert f"Xã {name}" not in names
