"""Every number printed in the report is either a figure of the facts table or a documented non-figure.

The report text is split into number tokens (Vietnamese format: '1.589', '11.132,3', '28,60', '02'; '3-5', '19/19'
and dates give one token per number; superscripts such as '¹' and 'm²' count too), each with its character offset.
A token is *covered* when it lies inside a figure's `printed` where that occurs in the figure's `quote` in the text,
and *excluded* when it lies inside a match of a rule in `data/facts/not_figures.csv`. Every token must be one of
the two, never both. A failure lists each stray number with its offset and the words around it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd
import pytest

from ntm_analysis.data import facts
from ntm_analysis import paths
from ntm_analysis.errors import DataError

RAW = paths.REPORT_TEXT.read_text(encoding="utf-8")

#: A number as printed: digits with dot-grouped thousands and a decimal comma, or a run of superscript digits.
NUMBER = re.compile(r"[0-9]+(?:\.[0-9]{3})*(?:,[0-9]+)?|[⁰¹²³⁴⁵⁶⁷⁸⁹]+")


class Token(NamedTuple):
    start: int
    end: int
    text: str


def tokens(text: str) -> list[Token]:
    """Every number in `text`, with its offset."""
    return [Token(m.start(), m.end(), m.group()) for m in NUMBER.finditer(text)]


def occurrences(needle: str, haystack: str, offset: int = 0) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of `needle`, shifted by `offset`."""
    return [offset + m.start() for m in re.finditer(f"(?={re.escape(needle)})", haystack)]


def inside(token: Token, start: int, end: int) -> bool:
    return start <= token.start and token.end <= end


def figure_tokens(table: pd.DataFrame, text: str) -> dict[Token, set[str]]:
    """Tokens covered by a figure → the ids covering them ('05 tập thể và 05 cá nhân': both '05' are in both
    figures' quote). A `printed` occurrence counts only where it is made of whole tokens (printed '1' inside '15'
    covers nothing)."""
    all_tokens = tokens(text)
    covered: dict[Token, set[str]] = {}
    for row in table.itertuples(index=False):
        for quote_start in occurrences(row.quote, text):
            for start in occurrences(row.printed, row.quote, quote_start):
                end = start + len(row.printed)
                touching = [t for t in all_tokens if t.start < end and t.end > start]
                if touching and all(inside(t, start, end) for t in touching):
                    for token in touching:
                        covered.setdefault(token, set()).add(row.id)
    return covered


def excluded_tokens(rules: pd.DataFrame, text: str) -> dict[Token, int]:
    """Tokens inside a match of an exclusion pattern → the rule's row number in not_figures.csv (header = 1)."""
    all_tokens = tokens(text)
    excluded: dict[Token, int] = {}
    for row_number, regex in enumerate(rules["regex"], start=2):
        for match in regex.finditer(text):
            for token in all_tokens:
                if inside(token, match.start(), match.end()):
                    excluded.setdefault(token, row_number)
    return excluded


def uncovered(table: pd.DataFrame, rules: pd.DataFrame, text: str) -> list[Token]:
    """Numbers that are neither a figure nor excluded by a rule."""
    known = figure_tokens(table, text).keys() | excluded_tokens(rules, text).keys()
    return [t for t in tokens(text) if t not in known]


def describe(token: Token, text: str = RAW, width: int = 50) -> str:
    around = text[max(0, token.start - width):token.end + width].replace("\n", " ")
    return f"offset {token.start}: {token.text!r} in “…{around}…”"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return facts.load()


@pytest.fixture(scope="module")
def rules() -> pd.DataFrame:
    return facts.not_figures()


# ------------------------------------------------------------------------------------------------- the tokeniser

@pytest.mark.parametrize(("text", "expected"), [
    ("được 1.589 cuộc", ["1.589"]),
    ("là 11.132,3 tỷ đồng", ["11.132,3"]),
    ("Miền núi phía Bắc (28,60%)", ["28,60"]),
    ("có 04 cán bộ chuyên trách và 03 cán bộ", ["04", "03"]),
    ("hơn 443 nghìn ngày công", ["443"]),
    ("**26.734.494 triệu đồng**", ["26.734.494"]),
    ("chiếm 1,5 %.", ["1,5"]),
    ("từ 3-5 cán bộ", ["3", "5"]),
    ("hoàn thành 19/19 tiêu chí", ["19", "19"]),
    ("có 50/139 xã", ["50", "139"]),
    ("ngày 20/7/2022", ["20", "7", "2022"]),
    ("Công văn số 727-CV/BTGTU", ["727"]),
    ("Nghị quyết số 100/2015/QH13", ["100", "2015", "13"]),
    ("trên 610.000 m² đất", ["610.000", "²"]),
    ("nông thôn mới¹.", ["¹"]),
    ("1. Vai trò", ["1"]),
])
def test_tokeniser_reads_vietnamese_numbers(text, expected):
    assert [t.text for t in tokens(text)] == expected


def test_tokens_carry_their_offset():
    found = tokens("biểu dương 02 tập thể và 01 cá nhân")
    assert found == [Token(11, 13, "02"), Token(25, 27, "01")]


# ------------------------------------------------------------------------------------------------- coverage

def test_every_number_in_the_report_is_a_figure_or_excluded(table, rules):
    stray = uncovered(table, rules, RAW)
    assert not stray, (
        f"{len(stray)} number(s) in {paths.REPORT_TEXT.name} are neither a figure of {paths.FACTS_CSV.name} nor "
        f"excluded by {paths.NOT_FIGURES_CSV.name}:\n" + "\n".join(describe(t) for t in stray)
    )


def test_no_number_is_both_a_figure_and_excluded(table, rules):
    figures, excluded = figure_tokens(table, RAW), excluded_tokens(rules, RAW)
    both = [f"{describe(t)}: figure {', '.join(sorted(figures[t]))}, rule on row {excluded[t]}" for t in tokens(RAW)
            if t in figures and t in excluded]
    assert not both, "exclusion rules hide figures:\n" + "\n".join(both)


def test_every_numeric_figure_is_anchored_to_whole_numbers_of_its_quote(table):
    covered = set().union(*figure_tokens(table, RAW).values())
    numeric = table[~table["printed"].str.lower().isin(facts.WORD_VALUES)]
    assert set(numeric["id"]) - covered == set()


# ------------------------------------------------------------------------------------------------- the rules

def test_every_rule_excludes_some_number(rules):
    unused = [f"row {i}: {row.rule} {row.pattern!r}" for i, row in enumerate(rules.itertuples(), start=2)
              if not any(inside(t, m.start(), m.end()) for m in row.regex.finditer(RAW) for t in tokens(RAW))]
    assert not unused, "rules that match no number in the report:\n" + "\n".join(unused)


def test_rules_use_the_documented_names(rules):
    assert set(rules["rule"]) <= set(facts.NOT_FIGURE_RULES)
    assert list(rules.columns) == [*facts.NOT_FIGURE_COLUMNS, "regex"]
    assert (rules["reason"].str.len() > 10).all()


def test_a_repeat_excludes_only_the_number_of_the_figure_it_repeats(rules):
    repeats = rules[rules["rule"] == "repeat"]
    assert len(repeats) >= 1
    for row in repeats.itertuples():
        numbers = {t.text for m in row.regex.finditer(RAW) for t in tokens(RAW) if inside(t, m.start(), m.end())}
        assert numbers == {facts.get(row.fact).printed}, row.fact


@pytest.mark.parametrize(("number", "context", "rule"), [
    ("2022", "ngày 20 tháng 7 năm 2022", "date"),
    ("618", "Quyết định số 618/QĐ-UBND", "document_number"),
    ("13", "Nghị quyết số 100/2015/QH13", "document_number"),
    ("2021", "giai đoạn 2017-2021 tỉnh", "year"),
    ("5", "Tiêu chí số 5 Trường học", "criterion_number"),
    ("02", "Sau 02 năm triển khai", "duration"),
    ("¹", "chuẩn nông thôn mới¹", "footnote"),
])
def test_known_non_figures_are_excluded_by_their_rule(rules, number, context, rule):
    start = RAW.index(context) + context.index(number)
    token = next(t for t in tokens(RAW) if t.start == start)
    assert rules["rule"].iloc[excluded_tokens(rules, RAW)[token] - 2] == rule


# ------------------------------------------------------------------------------------------------- the check fails

def test_a_missing_figure_is_reported_with_its_offset(table, rules):
    without = table[table["id"] != "capacity_classes"]
    stray = uncovered(without, rules, RAW)
    offset = RAW.index("được 117 lớp") + len("được ")
    assert stray == [Token(offset, offset + 3, "117")]
    assert describe(stray[0]).startswith(f"offset {offset}: '117' in “…") and "7.505 lượt người" in describe(stray[0])


def test_a_mistyped_printed_figure_leaves_its_number_uncovered(table, rules):
    mistyped = table.copy()
    mistyped.loc[mistyped["id"] == "communication_issue_minutes", "printed"] = "1"   # '1' is inside '15'
    assert [t.text for t in uncovered(mistyped, rules, RAW)] == ["15"]


def test_a_mistyped_quote_leaves_its_numbers_uncovered(table, rules):
    mistyped = table.copy()
    mistyped.loc[mistyped["id"] == "ocop_sector_food", "quote"] = "41 sản phẩm thuộc ngành thực phẩm chức năng"
    assert [t.text for t in uncovered(mistyped, rules, RAW)] == ["41"]


def test_a_too_broad_rule_is_caught(table, rules):
    broad = pd.concat([rules, pd.DataFrame([{"rule": "name", "pattern": "[0-9]+ lớp", "example": "117 lớp",
                                             "fact": "", "reason": "too broad",
                                             "regex": re.compile("[0-9]+ lớp")}])], ignore_index=True)
    figures, excluded = figure_tokens(table, RAW), excluded_tokens(broad, RAW)
    assert [t.text for t in figures.keys() & excluded.keys()] == ["117"]


# ------------------------------------------------------------------------------------------------- broken rule files

GOOD_ROW = {"rule": "date", "pattern": "tháng [0-9]{1,2}/[0-9]{4}", "example": "tháng 8/2022", "fact": "",
            "reason": "A month."}


@pytest.mark.parametrize(("change", "column", "message"), [
    ({"rule": "misc"}, "rule", "rule not one of"),
    ({"pattern": "([0-9]+"}, "pattern", "not a valid regular expression"),
    ({"reason": ""}, "reason", "empty"),
    ({"example": "tháng 13/2030"}, "example", "not found verbatim"),
    ({"pattern": "quý [0-9]"}, "pattern", "does not match its example"),
    ({"fact": "capacity_classes"}, "fact", "a repeat names the figure"),
    ({"rule": "repeat", "fact": "no_such_figure"}, "fact", "no figure with this id"),
])
def test_a_broken_rule_file_names_file_row_and_column(tmp_path, change, column, message):
    path = tmp_path / "not_figures.csv"
    pd.DataFrame([GOOD_ROW, {**GOOD_ROW, **change}]).to_csv(path, index=False)
    with pytest.raises(DataError) as caught:
        facts.not_figures(path)
    problems = caught.value.problems
    assert any(p.file == str(path) and p.row == 3 and p.column == column and message in p.message
               for p in problems), problems


def test_a_rule_file_missing_a_column_is_rejected(tmp_path):
    path = tmp_path / "not_figures.csv"
    pd.DataFrame([GOOD_ROW]).drop(columns="reason").to_csv(path, index=False)
    with pytest.raises(DataError, match="reason"):
        facts.not_figures(path)
