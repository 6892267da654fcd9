"""The two national criteria sets as versioned reference data."""

from __future__ import annotations

import json

import pytest

from ntm_analysis.data import criteria_sets
from ntm_analysis import i18n, paths
from ntm_analysis.errors import DataError


def test_both_sets_and_the_renamed_criteria():
    old, new = criteria_sets.criteria("2016_2020"), criteria_sets.criteria("2021_2025")
    assert list(old.index) == list(new.index) == list(range(1, 20))
    assert criteria_sets.renamed() == [3, 11, 12, 13]
    assert new.at[12, "name_vi"] == "Lao động" and old.at[12, "name_vi"] != "Lao động"
    assert (old["group"] == new["group"]).all()


def test_origin_records_each_set_with_its_sha256():
    import hashlib

    origin = json.loads(paths.REFERENCE_ORIGIN.read_text(encoding="utf-8"))
    for set_id, path in paths.CRITERIA_SETS.items():
        entry = origin[path.name]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert criteria_sets.DECISIONS[set_id].replace("QĐ ", "Quyết định ") in entry["producer"]


def test_unknown_set_is_a_data_error():
    with pytest.raises(DataError, match="criteria set not one of"):
        criteria_sets.criteria("2030")


def test_vietnamese_names_are_the_decisions_own_and_every_language_names_every_criterion():
    for set_id in criteria_sets.SETS:
        table = criteria_sets.criteria(set_id)
        for n in table.index:
            assert criteria_sets.name(n, set_id, "vi") == table.at[n, "name_vi"]
            assert criteria_sets.group_name(table.at[n, "group"], "vi") == table.at[n, "group_vi"]
            assert all(criteria_sets.name(n, set_id, lang).strip() for lang in i18n.languages())
    assert criteria_sets.code(5, "vi") == "TC05" and criteria_sets.code(5, "en") == "C05"
    assert criteria_sets.name(12, "2021_2025", "en") != criteria_sets.name(12, "2016_2020", "en")
