"""Units as analysts name them: codes with or without zeros, numbers (papermill's -p), names in any spelling."""

import pytest

from ntm_analysis.data import reference
from ntm_analysis.errors import UnitError


@pytest.mark.parametrize("value", ["051", "51", 51, "Hòa An", "Hoà An", "hoa an", "HOÀ AN", " Hoà  An ",
                                   "Huyện Hoà An", "Hoa An district"])
def test_every_way_of_naming_hoa_an_gives_its_code(value):
    assert reference.resolve_unit(value) == "051"


@pytest.mark.parametrize(("value", "code"), [
    ("04", "04"), ("4", "04"), (4, "04"), ("Cao Bằng", "04"), ("cao bang", "04"), ("Tỉnh Cao Bằng", "04"),
    ("Thành phố Cao Bằng", "040"), ("thanh pho cao bang", "040"), ("Cao Bằng city", "040"), (40, "040"),
    ("Quảng Hoà", "049"), ("Quảng Hòa", "049"), ("Thạch An", "053"), (53, "053"),
])
def test_province_city_and_districts(value, code):
    assert reference.resolve_unit(value) == code
    assert reference.check_unit(value) == code  # what --unit, the build and the report classes call


@pytest.mark.parametrize("value", ["Hà Nội", 99, "99", "../x", "", None, True, 5.0, "051; rm"])
def test_a_wrong_unit_lists_every_valid_code_and_name(value):
    with pytest.raises(UnitError) as failed:
        reference.resolve_unit(value)
    message = str(failed.value)
    for code, name in zip(reference.districts()["code"], reference.districts()["name_vi"]):
        assert f"{code} {name}" in message
    assert "04 Tỉnh Cao Bằng" in message


def test_no_two_districts_share_a_name_once_accents_are_dropped():
    folded = [reference._fold(n.removeprefix(t).strip())
              for n, t in zip(reference.districts()["name_vi"], reference.districts()["type"])]
    assert len(set(folded)) == len(folded) == 10
