"""One exception hierarchy in fact: every public function of the analysis modules, called with a bad argument, raises
an NtmError (never a bare ValueError, KeyError or TypeError), and its message names what was wrong."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from ntm_analysis.analysis import audit, gap, progress
from ntm_analysis.report import charts
from ntm_analysis.data import facts, lineage, reference
from ntm_analysis.report import words
from ntm_analysis.errors import ConfigError, DataError, NotFound, NtmError, UnitError, UsageError

FRAME = pd.DataFrame({"x": [1]})  # a frame with none of the expected columns
FACT = facts.get("ocop_products")

# (function, args, kwargs, expected class, words the message contains)
CASES = [
    # facts
    (facts.parse_printed, ("12 tỷ",), {}, UsageError, "cannot read '12 tỷ'"),
    (facts.parse_printed, (12,), {}, UsageError, "is text, not 12"),
    (facts.decimals, (None,), {}, UsageError, "is text"),
    (facts.half_unit, ("1,2 triệu",), {}, UsageError, "cannot read"),
    (facts.convert, (1, "tỷ đồng", "USD"), {}, UsageError, "unknown unit 'USD'"),
    (facts.convert, (1, "tỷ đồng", "xã"), {}, UsageError, "cannot convert"),
    (facts.schema_problems, (FRAME, "f.csv"), {}, None, None),  # returns Problems, raises nothing
    (facts.load, ("/nonexistent/figures.csv",), {}, DataError, "figures.csv"),
    (facts.get, ("no_such_figure",), {}, NotFound, "no_such_figure"),
    (facts.get, (["list"],), {}, NotFound, "no figure"),
    (facts.to_fact, (pd.Series({"id": "x"}),), {}, UsageError, "a row of the facts table"),
    (facts.topic, ("weather",), {}, NotFound, "unknown topic 'weather'"),
    (facts.not_figures, ("/nonexistent/not_figures.csv",), {}, DataError, "not_figures.csv"),
    (facts.read_district_targets, ("/nonexistent/targets.csv",), {}, DataError, "targets.csv"),
    (facts.read_table, ("/nonexistent/table.csv",), {}, DataError, "table.csv"),
    (facts.unit_label, ("USD", "en"), {}, UsageError, "unknown unit 'USD'"),
    (facts.unit_label, ("xã", "fr"), {}, ConfigError, "unknown language 'fr'"),
    (facts.section_label, ("Chương 3", "en"), {}, UsageError, "part and section"),
    (facts.section_label, (None, "en"), {}, UsageError, "part and section"),
    (FACT.label, ("fr",), {}, ConfigError, "unknown language 'fr'"),
    (FACT.value_in, ("xã",), {}, UsageError, "cannot convert"),
    (FACT.source, ("de",), {}, ConfigError, "unknown language 'de'"),
    # progress
    (progress.assess, (), dict(baseline=1, baseline_year=2021, target=2, target_year=2025, method="log"),
     UsageError, "method must be one of"),
    (progress.assess, (), dict(baseline=1, baseline_year="2021", target=2, target_year=2025), UsageError,
     "baseline_year must be a number"),
    (progress.pace, (1, 2, 0), {}, UsageError, "at least one year"),
    (progress.pace, (0, 2, 4), {"method": "compound"}, UsageError, "positive start"),
    (progress.category, ("fast",), {}, UsageError, "ratio must be a number"),
    (progress.reach_year, (), dict(baseline=0, baseline_year=2021, target=5, pace=0.1, method="compound"),
     UsageError, "positive baseline"),
    (progress.cagr, (5, 0, 2021, 2015), {}, UsageError, "positive base"),
    (progress.open_sdg, ({2015: 1, 2020: 2},), {"direction": 2}, UsageError, "direction"),
    # charts
    (charts.theme, ("fr",), {}, ConfigError, "unknown language"),
    (charts.spec, ("not a chart", "vi"), {}, UsageError, "Altair chart"),
    (charts.source_of, (None,), {}, UsageError, "Vega-Lite dict"),
    (charts.bar, ([1, 2],), dict(category="a", value="b", title="t", unit=None, source="s", lang="vi"), UsageError,
     "must be a DataFrame"),
    (charts.grouped_bar, (FRAME,), dict(category="a", series="s", value="b", title="t", unit=None, source="s",
                                        lang="vi"), UsageError, "not in the data"),
    (charts.progress, (FRAME,), dict(indicator="i", baseline="b", target="t", title="t", unit=None, source="s",
                                     lang="vi"), UsageError, "not in the data"),
    (charts.heatmap, (FRAME,), dict(row="r", column="c", value="v", title="t", source="s", lang="vi"), UsageError,
     "not in the data"),
    (charts.trajectory, (FRAME,), dict(year="y", value="v", series="s", title="t", unit=None, source="s",
                                       lang="vi"), UsageError, "not in the data"),
    # audit
    (audit.between, ("a", 1), {}, UsageError, "two numbers"),
    (audit.quantity, ("ocop_products",), {}, UsageError, "a figure of the facts table"),
    (audit.evaluate, ("a +", {}), {}, UsageError, "not an expression"),
    (audit.evaluate, ("z * 2", {}), {}, NotFound, "'z'"),
    (audit.evaluate, ("1 / 0", {}), {}, UsageError, "divides by zero"),
    (audit.fact_ids, (None,), {}, UsageError, "a formula is text"),
    (audit.run, ("facts.csv",), {}, UsageError, "a facts table"),
    (audit.citation, ("no_such_fact",), {}, DataError, "no_such_fact"),
    (audit.citation, ("recognitions_1999",), {}, NotFound, "recognitions_1999"),
    (audit.run, (FRAME,), {}, DataError, "problem(s) in facts table"),
    (audit.summary, (FRAME,), {}, UsageError, "the table run() returns"),
    # gap
    (gap.province_targets, ("communes.csv",), {}, UsageError, "takes a commune frame"),
    (gap.target_year, ("2025",), {}, UsageError, "a figure"),
    (gap.resources, (), {}, None, None),  # no argument to get wrong
    (gap.latest, ("communes.csv",), {}, UsageError, "not str"),
    (gap.check_frame, (FRAME,), {}, UsageError, "lacks column(s) year, commune_code"),
    (gap.bands, (FRAME,), {}, UsageError, "lacks column(s) year, criteria_met"),
    (gap.summary, (FRAME,), {}, UsageError, "lacks column(s)"),
    (gap.distance, (FRAME,), {}, UsageError, "lacks column(s)"),
    (gap.unmet_by_criterion, (FRAME,), {}, UsageError, "lacks column(s)"),
    (gap.heatmap_data, (FRAME,), {}, UsageError, "lacks column(s)"),
    (gap.nearest, (FRAME,), {}, UsageError, "lacks column(s)"),
    (gap.trajectory, (FRAME, FRAME), {}, UsageError, "lacks column(s)"),
    (words.criterion_label, (20,), {}, NotFound, "no criterion 20"),
    (words.criterion_label, (5, "vi", "2030"), {}, DataError, "criteria set not one of"),
    (words.criterion_label, (5, "fr"), {}, ConfigError, "unknown language"),
    (words.targets, (gap.province_targets(), "fr"), {}, ConfigError, "unknown language"),
    (gap.set_of, (None,), {}, UsageError, "commune frame"),
    (gap.criteria_set_of, (FRAME,), {}, UsageError, "lacks column(s) year"),
    (gap.criteria_set_gap, (), {}, None, None),
    (gap.pace_windows, (), {}, None, None),
    (gap.methods_compared, (), {}, None, None),
    (gap.derived_2016_bounds, (), {}, None, None),
    (lineage.register, (), {}, None, None),
    (lineage.losses, (), {}, None, None),
    (lineage.district_completions, (), {}, None, None),
    (words.register, (lineage.register(), "fr"), {}, ConfigError, "unknown language"),
    (words.district_completions, (lineage.district_completions(), "fr"), {}, ConfigError, "unknown language"),
    (gap.new_set_reading, (), {}, None, None),
    (gap.series_points, (), {}, None, None),
    (words.series_label, ("series_2030", "vi"), {}, NotFound, "no series 'series_2030'"),
    (words.new_set_reading, ("fr",), {}, ConfigError, "unknown language"),
    (words.derived_2016_note, ("fr",), {}, ConfigError, "unknown language"),
    (gap.funding_like_with_like, (), {}, None, None),
    (gap.pace_years, (), {}, None, None),
    (words.funding_overlap_note, ("fr",), {}, ConfigError, "unknown language"),
    (gap.recognised_not_maintaining, (FRAME,), {}, UsageError, "lacks column(s)"),
    (gap.district_target, ("999", None), {}, UnitError, "unknown unit code or name '999'"),
    (gap.national_context, (), {}, None, None),
    (gap.credit_dependence, (), {}, None, None),  # no argument to get wrong
    # reference
    (reference.unit_name, ("999",), {}, UnitError, "unknown unit code or name '999'"),
    (reference.unit_name, ("051", "fr"), {}, ConfigError, "unknown language 'fr'"),
    (reference.check_unit, (None,), {}, UnitError, "unknown unit code or name None"),
    (reference.resolve_unit, ("Hà Nội",), {}, UnitError, "expected one of 04 Tỉnh Cao Bằng"),
    (reference.is_province, (3.5,), {}, UnitError, "unknown unit"),
]

#: Public functions whose every argument is valid (names are shown as text; the tables take none).
TOTAL = {reference.display_name, reference.normalise_name, reference.criteria, reference.units, reference.province,
         reference.districts, reference.communes, reference.unit_codes, reference.valid_units, facts.origin,
         facts.district_targets, facts.citation_problems}


def _name(case) -> str:
    function = case[0]
    return f"{getattr(function, '__module__', '?').rsplit('.', 1)[-1]}.{function.__qualname__}"


@pytest.mark.parametrize("case", CASES, ids=[_name(c) for c in CASES])
def test_a_bad_argument_raises_the_packages_error(case):
    function, args, kwargs, expected, words = case
    if expected is None:
        function(*args, **kwargs)  # valid data of the wrong shape is reported, not raised
        return
    with pytest.raises(NtmError) as raised:
        function(*args, **kwargs)
    assert isinstance(raised.value, expected), f"{type(raised.value).__name__}: {raised.value}"
    assert words in str(raised.value)


def test_every_public_function_is_covered():
    covered = {c[0] for c in CASES} | TOTAL
    for module in (facts, gap, progress, charts, audit, reference, lineage):
        public = {f for name, f in vars(module).items() if inspect.isfunction(f) and not name.startswith("_")
                  and f.__module__ == module.__name__}
        missing = sorted(f.__name__ for f in public - covered)
        assert not missing, f"{module.__name__}: no bad-argument case for {missing}"


def test_the_builtin_bases_keep_callers_that_catch_them_working():
    with pytest.raises(ValueError):
        progress.pace(1, 2, 0)
    with pytest.raises(KeyError):
        facts.get("no_such_figure")
    assert str(NotFound("no figure 'x'")) == "no figure 'x'"  # not quoted as a KeyError would be
    assert issubclass(NotFound, UsageError) and issubclass(UsageError, NtmError)
