"""The recognition register: the 2018 and 2019 recognitions with their 2021 codes and fates."""

from __future__ import annotations

from ntm_analysis.data import facts, lineage
from ntm_analysis.errors import DataError
from ntm_analysis.report import words

import pytest


def test_register_worked():
    reg = words.register(lineage.register(), "en").set_index("commune")
    assert len(reg) == 10 and sorted(reg["year"].unique()) == [2018, 2019]
    assert reg.at["Minh Thanh", "status"] == "merged" and reg.at["Minh Thanh", "code_2021"] == "01762"
    assert "Xã Vũ Minh (code 01762)" in reg.at["Minh Thanh", "fate"]
    assert reg.at["Quang Hán", "status"] == "exists" and reg.at["Quang Hán", "code_2021"] == "01456"
    for name in ("Bế Triều", "Phù Ngọc", "Đình Minh"):
        assert reg.at[name, "status"] == "unknown" and "not in the 2021 list" in reg.at[name, "fate"]
    assert reg.at["Vĩnh Quang", "decision"] == "46/QĐ-UBND 20/01/2020"
    assert reg.at["Minh Thanh", "successor"] == "Xã Vũ Minh" and "fate" not in lineage.register()  # ids, not words
    vi = words.register(lineage.register(), "vi").set_index("commune")
    assert vi.at["Minh Thanh", "fate"].startswith("đã sáp nhập vào Xã Vũ Minh")


def test_losses_explain_20_to_17():
    # 10 recognised in 2018–2019: 6 still exist, 1 merged into a new commune, 3 gone without a known fate.
    assert lineage.losses() == {"recognised": 10, "exists": 6, "merged": 1, "unknown": 3, "gone": 4}
    # 4 gone ≥ the net fall of 3 (20 in 2019 → 17 in 2021)
    assert lineage.losses()["gone"] >= facts.get("results_2019_standard").value - facts.get("attainment_2021_standard").value


def test_district_completions():
    done = lineage.district_completions()
    assert done["status"].tolist() == ["district_done"]
    assert "completed the new rural development task" in words.district_completions(done, "en")["status"].iloc[0]
    assert done["district_code"].tolist() == ["040"]
    assert "hoàn thành nhiệm vụ xây dựng nông thôn mới" in done["quote"].iloc[0]


def test_district_targets_file_is_checked(tmp_path):
    t = facts.district_targets()
    assert t["district_code"].tolist() == ["040", "051", "049"]
    assert t["target"].tolist() == ["hoan_thanh_nhiem_vu", "dat_chuan", "dat_chuan"]
    bad = tmp_path / "d.csv"
    lines = facts.paths.DISTRICT_TARGETS_CSV.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")  # drops Quảng Hòa: 2 rows for a count of 3
    with pytest.raises(DataError, match="2 rows, but the figure counts 3 units"):
        facts.read_district_targets(bad)
    bad.write_text("\n".join([lines[0], lines[1].replace("hoàn thành", "hoàn tất"), *lines[2:]]) + "\n",
                   encoding="utf-8")
    with pytest.raises(DataError, match="quote not found verbatim"):
        facts.read_district_targets(bad)
