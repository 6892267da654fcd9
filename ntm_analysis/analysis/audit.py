"""The report's own arithmetic: totals against their parts, printed shares against amounts, targets against counts.

Each check is a small declaration: two formulas over fact ids, `printed` (what the report prints, usually one
figure) and `implied` (what its other figures imply), and the relation between them. Formulas allow + − × ÷,
numbers, and `between(lo, hi)` for a quantity only known to lie in a range (a band of criteria).

Rounding: every figure carries half a unit of its last printed digit ('11.132,3' ± 0,05; '175' ± 0,5); exact counts
(communes, products … printed as whole numbers without a qualifier) carry none. The error bounds travel through
the formula by interval arithmetic, so `tolerance` = rounding of the printed side + rounding of the implied side.
A check passes when the two sides agree within that tolerance; otherwise it fails, and the data keeps what was
printed.

A failure has one of three outcomes (`outcome`), each explained in the note: `inconsistent` (the figures cannot all
be right), `rounding` (the printed figure is the computed one cut, not rounded, to its printed digits: truncation)
and `not_comparable` (the two sides measure different things, e.g. counts before and after the 2020 mergers). A
check may rest on a context fact (data/context/, named `ctx_<id>` in its formula); it then cites it.
"""

from __future__ import annotations

import ast
import math
import operator
import string
from dataclasses import dataclass, field

import pandas as pd

from ntm_analysis.data import context, lineage
from ntm_analysis import i18n
from ntm_analysis.data import facts as facts_module
from ntm_analysis.errors import DataError, NotFound, UsageError

LABELS = i18n.catalogue("audit")

OUTCOMES = ("holds", "inconsistent", "rounding", "not_comparable")

COLUMNS = ("check", "topic", "description_vi", "description_en", "formula", "printed", "implied", "difference",
           "tolerance", "unit", "status", "outcome", "note_vi", "note_en", "facts", "context")
CONTEXT_PREFIX = "ctx_"


# ---------------------------------------------------------------------------------------------- quantities

@dataclass(frozen=True)
class Quantity:
    """A value with the interval it may lie in, given the rounding of the printed figures it comes from."""

    value: float
    low: float
    high: float

    @classmethod
    def exact(cls, value: float) -> Quantity:
        return cls(value, value, value)

    @property
    def margin(self) -> float:
        return max(self.value - self.low, self.high - self.value)

    def _combine(self, other: Quantity, op) -> Quantity:
        ends = [op(a, b) for a in (self.low, self.high) for b in (other.low, other.high)]
        return Quantity(op(self.value, other.value), min(ends), max(ends))

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.value + other.value, self.low + other.low, self.high + other.high)

    def __sub__(self, other: Quantity) -> Quantity:
        return Quantity(self.value - other.value, self.low - other.high, self.high - other.low)

    def __mul__(self, other: Quantity) -> Quantity:
        return self._combine(other, operator.mul)

    def __truediv__(self, other: Quantity) -> Quantity:
        if other.low <= 0 <= other.high:
            raise ZeroDivisionError("division by a quantity that may be zero")
        return self._combine(other, operator.truediv)

    def __neg__(self) -> Quantity:
        return Quantity(-self.value, -self.high, -self.low)


def between(low: float, high: float) -> Quantity:
    """A quantity only known to lie in [low, high], taken at the middle."""
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)) or low > high:
        raise UsageError(f"between() needs two numbers, low ≤ high, not {low!r}, {high!r}")
    return Quantity((low + high) / 2, low, high)


def quantity(fact: facts_module.Fact) -> Quantity:
    """A figure as a Quantity: exact for whole counts without qualifier and for words, else ± half a unit."""
    if not isinstance(fact, facts_module.Fact) or fact.unit not in facts_module.UNITS:
        raise UsageError(f"quantity() needs a figure of the facts table with a known unit, not {fact!r}")
    counted = facts_module.UNITS[fact.unit]["counted"] and fact.qualifier == "exact"
    margin = 0.0 if counted else facts_module.half_unit(fact.printed)
    return Quantity(fact.value, fact.value - margin, fact.value + margin)


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def evaluate(formula: str, names: dict[str, Quantity]) -> Quantity:
    """Evaluate a check formula over named quantities (fact ids)."""

    def walk(node: ast.AST) -> Quantity:
        match node:
            case ast.Constant(value=int() | float() as number):
                return Quantity.exact(float(number))
            case ast.Name(id=name):
                if name not in names:
                    raise NotFound(f"formula {formula!r} uses {name!r}, which is not a figure in the facts table")
                return names[name]
            case ast.BinOp(left=left, op=op, right=right) if type(op) in _OPERATORS:
                return _OPERATORS[type(op)](walk(left), walk(right))
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return -walk(operand)
            case ast.Call(func=ast.Name(id="between"), args=[ast.Constant(value=lo), ast.Constant(value=hi)]):
                return between(float(lo), float(hi))
        raise UsageError(f"formula {formula!r}: unsupported expression {ast.unparse(node)!r}")

    try:
        return walk(_parse(formula).body)
    except ZeroDivisionError:
        raise UsageError(f"formula {formula!r} divides by zero") from None


def _parse(formula: str) -> ast.Expression:
    """A check formula as a Python expression tree; UsageError if it is not one."""
    if not isinstance(formula, str):
        raise UsageError(f"a formula is text, not {formula!r}")
    try:
        return ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        raise UsageError(f"formula {formula!r} is not an expression: {exc.msg}") from None


def fact_ids(formula: str) -> list[str]:
    """The fact ids a formula uses, in reading order."""
    nodes = [n for n in ast.walk(_parse(formula)) if isinstance(n, ast.Name) and n.id != "between"]
    return [n.id for n in sorted(nodes, key=lambda n: n.col_offset)]


# ---------------------------------------------------------------------------------------------- declarations

@dataclass(frozen=True)
class Check:
    """One arithmetic claim of the report. `relation`: '=' (agree), '<=' (printed at most implied), '>='.
    `note` is always shown; `on_fail` only when the check fails. Notes may use {fact_id}, {printed}, {implied},
    {implied_low}, {implied_high}, {gap}, {tolerance}, {unit} and the named formulas in `values`;
    a format spec gives the decimals ({implied:2})."""

    id: str
    topic: str
    printed: str
    implied: str
    description: dict[str, str]
    relation: str = "="
    note: dict[str, str] = field(default_factory=dict)
    on_fail: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    #: the outcome when the check fails: inconsistent (default) or not_comparable; `truncation` tries rounding first
    fail_outcome: str = "inconsistent"
    truncation: bool = False
    #: context facts (data/context/) the check rests on, cited in its note
    context: tuple[str, ...] = ()


def _t(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


_SHARE_NOTE = LABELS["share"]

_FUNDING_SOURCES = {
    "central": _t("ngân sách Trung ương", "central budget"),
    "provincial": _t("ngân sách tỉnh", "provincial budget"),
    "integrated": _t("vốn lồng ghép", "integrated funds"),
    "credit": _t("vốn tín dụng", "credit"),
    "community": _t("vốn cộng đồng dân cư", "community contributions"),
    "other": _t("vốn huy động khác", "other funds"),
}
_PLAN_SOURCES = {
    "central": _t("ngân sách trung ương", "central budget"),
    "local": _t("ngân sách địa phương", "local budget"),
    "integrated": _t("vốn lồng ghép", "integrated funds"),
    "credit": _t("tín dụng", "credit"),
    "enterprise": _t("doanh nghiệp", "enterprises"),
    "community": _t("cộng đồng dân cư", "community"),
}


def _share_checks(prefix: str, topic: str, total: str, sources: dict[str, dict[str, str]], period: str) -> list[Check]:
    """One check per printed share (share = 100 × amount / total) and one that the shares add up to 100 %."""
    checks = [
        Check(
            id=f"{prefix}_{key}_share", topic=topic,
            printed=f"{prefix}_{key}_share", implied=f"100 * {prefix}_{key} / {total}",
            description=_t(f"Tỷ trọng {name['vi']} {period} in ra so với tỷ trọng tính từ số tiền",
                           f"Printed share of {name['en']} {period} against the share computed from the amounts"),
            note=_SHARE_NOTE, truncation=True,
        )
        for key, name in sources.items()
    ]
    checks.append(Check(
        id=f"{prefix}_shares_sum", topic=topic,
        printed=" + ".join(f"{prefix}_{key}_share" for key in sources), implied="100",
        description=_t(f"Các tỷ trọng in ra {period} cộng lại bằng 100%",
                       f"The printed shares {period} add up to 100%"),
    ))
    return checks


FUNDING_SUM = " + ".join(f"funding_2017_2021_{key}" for key in _FUNDING_SOURCES)

CHECKS: list[Check] = [
    # --- management
    Check(
        "management_province_office_staff", "management", "management_province_office_staff",
        "1 + 1 + management_province_office_fulltime + management_province_office_parttime",
        _t("Văn phòng Điều phối cấp tỉnh: tổng số người bằng Chánh Văn phòng và Phó Chánh Văn phòng (mỗi chức danh "
           "một người) cộng cán bộ chuyên trách và kiêm nhiệm",
           "Provincial coordination office: total staff equals the head and the deputy head (one each) plus the "
           "full-time and part-time officials"),
    ),
    # --- OCOP
    Check("ocop_products_by_rating", "ocop", "ocop_products", "ocop_stars_3 + ocop_stars_4",
          _t("Sản phẩm OCOP bằng tổng số sản phẩm 3 sao và 4 sao", "OCOP products equal the 3-star plus 4-star products")),
    Check("ocop_products_by_sector", "ocop", "ocop_products",
          "ocop_sector_food + ocop_sector_drinks + ocop_sector_crafts + ocop_sector_tourism",
          _t("Sản phẩm OCOP bằng tổng theo ngành (thực phẩm, đồ uống, thủ công mỹ nghệ, du lịch nông thôn)",
             "OCOP products equal the sum by sector (food, drinks, handicrafts, rural tourism)")),
    Check("ocop_entities_by_type", "ocop", "ocop_entities",
          "ocop_entities_cooperatives + ocop_entities_enterprises + ocop_entities_households",
          _t("Chủ thể OCOP bằng hợp tác xã + doanh nghiệp + hộ kinh doanh",
             "OCOP entities equal cooperatives + enterprises + household businesses")),
    # --- funding mobilised 2017–2021
    Check("funding_2017_2021_sum_of_sources", "funding_2017_2021", "funding_2017_2021_total", FUNDING_SUM,
          _t("Tổng vốn huy động 2017–2021 bằng tổng sáu nguồn", "Total funds 2017–2021 equal the sum of the six sources"),
          note=_t("Tổng sáu nguồn: {implied} tỷ đồng; tổng in ra: {printed} tỷ đồng.",
                  "Sum of the six sources: {implied} billion VND; printed total: {printed} billion VND.")),
    *_share_checks("funding_2017_2021", "funding_2017_2021", "funding_2017_2021_total", _FUNDING_SOURCES, "2017–2021"),
    # --- resources 2021–2025
    Check("plan_total_parts", "resources_2021_2025", "plan_total", "plan_budget + plan_nonbudget",
          _t("Tổng nguồn lực 2021–2025 bằng vốn ngân sách cộng nguồn ngoài ngân sách",
             "Total resources 2021–2025 equal budget plus non-budget resources")),
    Check("plan_budget_parts", "resources_2021_2025", "plan_budget", "plan_central + plan_local + plan_integrated",
          _t("Vốn ngân sách bằng ngân sách trung ương + ngân sách địa phương + vốn lồng ghép",
             "Budget funds equal central budget + local budget + integrated funds")),
    Check("plan_nonbudget_parts", "resources_2021_2025", "plan_nonbudget", "plan_credit + plan_enterprise + plan_community",
          _t("Nguồn ngoài ngân sách bằng tín dụng + doanh nghiệp + cộng đồng dân cư",
             "Non-budget resources equal credit + enterprises + community")),
    Check("plan_central_parts", "resources_2021_2025", "plan_central", "plan_central_investment + plan_central_recurrent",
          _t("Ngân sách trung ương bằng vốn đầu tư phát triển + vốn sự nghiệp",
             "Central budget equals development investment + recurrent funds"),
          note=_t("Vốn sự nghiệp in là {plan_central_recurrent} triệu đồng; để khớp tổng cần {balancing:0} triệu đồng "
                  "(ngân sách trung ương trừ vốn đầu tư phát triển).",
                  "Recurrent funds are printed as {plan_central_recurrent} million VND; the total balances with "
                  "{balancing:0} million VND (central budget minus development investment)."),
          on_fail=_t("Dấu phân cách hàng nghìn có lẽ đã bị in thành dấu thập phân; dữ liệu giữ nguyên con số in.",
                     "A thousands separator was probably printed as a decimal comma; the data keeps the printed figure."),
          values={"balancing": "plan_central - plan_central_investment"}),
    *_share_checks("plan", "resources_2021_2025", "plan_total", _PLAN_SOURCES, "2021–2025"),
    # --- communes' attainment 2021
    Check("attainment_2021_all_communes", "attainment_2021", "target_2025_communes_total",
          "attainment_2021_standard + attainment_2021_band_15_18 + attainment_2021_band_10_14 + attainment_2021_band_5_9",
          _t("Xã đạt chuẩn cộng các nhóm 15–18, 10–14 và 5–9 tiêu chí bằng tổng số xã của tỉnh",
             "Standard communes plus the 15–18, 10–14 and 5–9 criteria bands equal the province's communes")),
    Check("attainment_2021_average_within_bands", "attainment_2021", "attainment_2021_average",
          "(19 * attainment_2021_standard + between(15, 18) * attainment_2021_band_15_18"
          " + between(10, 14) * attainment_2021_band_10_14 + between(5, 9) * attainment_2021_band_5_9)"
          " / target_2025_communes_total",
          _t("Bình quân tiêu chí/xã nằm trong khoảng mà các nhóm xã cho phép",
             "The average criteria per commune lies within the range the bands allow"),
          note=_t("Các nhóm cho phép bình quân từ {implied_low:2} đến {implied_high:2} tiêu chí/xã.",
                  "The bands allow an average from {implied_low:2} to {implied_high:2} criteria per commune.")),
    Check("attainment_2021_new_within_total", "attainment_2021", "attainment_2021_new_standard", "attainment_2021_standard",
          _t("Xã đạt chuẩn mới 2017–2021 không vượt tổng số xã đạt chuẩn",
             "Communes newly at the standard in 2017–2021 do not exceed all standard communes"),
          relation="<=",
          note=_t("Ngụ ý {before:0} xã đã đạt chuẩn trước năm 2017; báo cáo không nêu con số này.",
                  "Implies {before:0} communes were at the standard before 2017; the report does not say so."),
          values={"before": "attainment_2021_standard - attainment_2021_new_standard"}),
    # --- results 2019/2020
    Check("results_2019_share_of_communes", "results_2019_2020", "results_2019_standard_share",
          "100 * results_2019_standard / target_2025_communes_total",
          _t("Tỷ lệ xã đạt chuẩn năm 2019 so với số xã đạt chuẩn trên tổng số xã",
             "Share of standard communes in 2019 against the count over the province's communes"),
          note=_t("{results_2019_standard:0} xã là {implied:1}% của {target_2025_communes_total:0} xã hiện nay; "
                  "tỷ lệ {printed}% ứng với khoảng {base:0} xã.",
                  "{results_2019_standard:0} communes are {implied:1}% of today's {target_2025_communes_total:0}; "
                  "{printed}% corresponds to about {base:0} communes."),
          on_fail=_t("Không so sánh được: tỷ lệ được tính trên số xã trước khi sáp nhập năm 2020 (toàn tỉnh "
                     "{ctx_cb_units_before_mergers:0} → {ctx_cb_units_after_mergers:0} đơn vị cấp xã), không phải "
                     "trên số xã hiện nay.",
                     "Not comparable: the share was computed on the communes before the 2020 mergers (the province "
                     "went from {ctx_cb_units_before_mergers:0} to {ctx_cb_units_after_mergers:0} commune-level "
                     "units), not on today's."),
          values={"base": "100 * results_2019_standard / results_2019_standard_share"},
          fail_outcome="not_comparable", context=("cb_units_before_mergers", "cb_units_after_mergers")),
    Check("results_2019_vs_2021_standard", "results_2019_2020", "attainment_2021_standard", "results_2019_standard",
          _t("Số xã đạt chuẩn năm 2021 không thấp hơn năm 2019",
             "Standard communes in 2021 are not fewer than in 2019"),
          relation=">=",
          note=_t("Năm 2019: {results_2019_standard:0} xã; năm 2021: {attainment_2021_standard:0} xã, trong đó "
                  "{attainment_2021_new_standard:0} xã đạt chuẩn mới trong 2017–2021.",
                  "2019: {results_2019_standard:0} communes; 2021: {attainment_2021_standard:0}, of which "
                  "{attainment_2021_new_standard:0} newly reached the standard in 2017–2021."),
          on_fail=_t("Không so sánh được: năm 2019 đếm các xã trước sáp nhập, năm 2021 đếm các xã sau sáp nhập. Trong "
                     "{ctx_lineage_recognised:0} xã được công nhận năm 2018–2019 (QĐ 46/QĐ-UBND ngày 14/01/2019 và "
                     "20/01/2020), {ctx_lineage_merged:0} xã đã sáp nhập vào xã mới (Minh Thanh → Vũ Minh) và "
                     "{ctx_lineage_unknown:0} xã không còn trong danh mục năm 2021 (Bế Triều, Phù Ngọc, Đình Minh): "
                     "{ctx_lineage_gone:0} xã đã công nhận không còn, nhiều hơn mức giảm ròng {drop:0} xã.",
                     "Not comparable: 2019 counts communes before the mergers, 2021 after them. Of the "
                     "{ctx_lineage_recognised:0} communes recognised in 2018–2019 (QĐ 46/QĐ-UBND of 14/01/2019 and "
                     "20/01/2020), {ctx_lineage_merged:0} merged into a new commune (Minh Thanh → Vũ Minh) and "
                     "{ctx_lineage_unknown:0} are no longer in the 2021 list (Bế Triều, Phù Ngọc, Đình Minh): "
                     "{ctx_lineage_gone:0} recognised communes gone, more than the net fall of {drop:0}."),
          values={"drop": "results_2019_standard - attainment_2021_standard"},
          fail_outcome="not_comparable", context=("recognitions_2018", "recognitions_2019")),
    Check("results_2019_goal_vs_pm_goal", "results_2019_2020", "results_2019_goal_share",
          "100 * results_2019_standard / (100 * ctx_cb_2018_recognised / ctx_cb_2018_share_of_pm_goal)",
          _t("Mức hoàn thành mục tiêu 5 năm so với mục tiêu Thủ tướng Chính phủ giao (suy từ nguồn công khai: "
             "15 xã cuối 2018 = 75% mục tiêu)",
             "Attainment of the five-year goal against the goal set by the Prime Minister (from a public source: "
             "15 communes at end-2018 = 75% of the goal)"),
          note=_t("Mục tiêu của Thủ tướng: {ctx_cb_2018_recognised:0} ÷ {ctx_cb_2018_share_of_pm_goal:0}% = {goal:0} "
                  "xã; {results_2019_standard:0} xã năm 2019 là {implied:0}% mục tiêu. Danh sách "
                  "{management_target_communes_2017_2020:0} xã phấn đấu của tỉnh (QĐ 668/QĐ-UBND) là một mục tiêu "
                  "khác, không phải mục tiêu báo cáo đo.",
                  "The Prime Minister's goal: {ctx_cb_2018_recognised:0} ÷ {ctx_cb_2018_share_of_pm_goal:0}% = "
                  "{goal:0} communes; the {results_2019_standard:0} of 2019 are {implied:0}% of it. The province's "
                  "own list of {management_target_communes_2017_2020:0} communes (QĐ 668/QĐ-UBND) is a different "
                  "goal, not the one the report measures."),
          values={"goal": "100 * ctx_cb_2018_recognised / ctx_cb_2018_share_of_pm_goal"},
          context=("cb_2018_recognised", "cb_2018_share_of_pm_goal")),
    # --- regional comparison
    Check("region_2020_share_of_communes", "region", "region_2020_province_share",
          "100 * (target_2025_standard - target_2025_standard_increase) / target_2025_communes_total",
          _t("Tỷ lệ xã đạt chuẩn cuối năm 2020 so với số xã đạt chuẩn cuối giai đoạn 2016–2020 (suy từ mục tiêu 2025)",
             "Share of standard communes at the end of 2020 against the count at the end of 2016–2020 "
             "(from the 2025 target)"),
          note=_t("Mục tiêu 2025 ({target_2025_standard:0} xã, tăng {target_2025_standard_increase:0} xã) ngụ ý "
                  "{end_2020:0} xã cuối giai đoạn 2016–2020, tức {implied:1}% của {target_2025_communes_total:0} xã.",
                  "The 2025 target ({target_2025_standard:0} communes, {target_2025_standard_increase:0} more) implies "
                  "{end_2020:0} communes at the end of 2016–2020, i.e. {implied:1}% of {target_2025_communes_total:0}."),
          on_fail=_t("Không so sánh được: {printed}% trùng tỷ lệ năm 2019 ({results_2019_standard:0} xã trên khoảng {base:0} xã trước "
                     "sáp nhập); so sánh với vùng Miền núi phía Bắc dùng mẫu số cũ.",
                     "Not comparable: {printed}% repeats the 2019 share ({results_2019_standard:0} of about {base:0} communes before "
                     "the mergers); the comparison with the Northern Mountains uses the old base."),
          fail_outcome="not_comparable",
          values={"end_2020": "target_2025_standard - target_2025_standard_increase",
                  "base": "100 * results_2019_standard / region_2020_province_share"}),
    # --- funding 2021
    Check("funding_2021_vs_2020", "funding_2021", "funding_2021_central_vs_2020_share",
          "100 * funding_2021_central_recurrent / funding_2020_central",
          _t("Vốn trung ương 2021 so với năm 2020: tỷ lệ in ra so với tỷ lệ tính từ số tiền",
             "Central funds 2021 against 2020: printed share against the share computed from the amounts"),
          note=_SHARE_NOTE),
    # --- targets 2025
    Check("target_2025_share_of_communes", "targets_2025", "target_2025_standard_share",
          "100 * target_2025_standard / target_2025_communes_total",
          _t("Tỷ lệ xã đạt chuẩn mục tiêu 2025 so với số xã trên tổng số xã",
             "Target share of standard communes 2025 against the count over all communes")),
    Check("target_2025_increase_from_2021", "targets_2025", "target_2025_standard_increase",
          "target_2025_standard - attainment_2021_standard",
          _t("Số xã tăng thêm bằng mục tiêu 2025 trừ số xã đạt chuẩn hiện có",
             "The increase equals the 2025 target minus the communes already at the standard")),
    Check("target_2025_model_within_advanced", "targets_2025", "target_2025_model", "target_2025_advanced",
          _t("Xã kiểu mẫu nằm trong số xã nâng cao (QĐ 319/QĐ-TTg: xã kiểu mẫu là xã đạt chuẩn nâng cao)",
             "Model communes are counted within the advanced ones (QĐ 319/QĐ-TTg: a model commune is an advanced "
             "commune)"),
          relation="<=", context=("model_within_advanced_rule",)),
    Check("target_2025_advanced_within_standard", "targets_2025", "target_2025_advanced", "target_2025_standard",
          _t("Xã nâng cao (kể cả kiểu mẫu) nằm trong số xã đạt chuẩn",
             "Advanced communes (model ones included) are among the standard communes"),
          relation="<="),
    Check("target_2025_average_floor", "targets_2025", "target_2025_average",
          "(19 * target_2025_standard + target_2025_below_15_threshold"
          " * (target_2025_communes_total - target_2025_standard)) / target_2025_communes_total",
          _t("Bình quân tiêu chí/xã mục tiêu 2025 so với mức tối thiểu suy từ hai mục tiêu: xã đạt chuẩn (19 tiêu chí) "
             "và không còn xã dưới 15 tiêu chí",
             "Target average criteria per commune 2025 against the floor implied by the other two targets: standard "
             "communes (19 criteria) and no commune below 15"),
          note=_t("Khi {target_2025_standard:0} xã đạt 19 tiêu chí và các xã còn lại đạt đúng "
                  "{target_2025_below_15_threshold:0} tiêu chí, bình quân là {implied:3} tiêu chí/xã.",
                  "With {target_2025_standard:0} communes at 19 criteria and all others at exactly "
                  "{target_2025_below_15_threshold:0}, the average is {implied:3} criteria per commune.")),
    Check("target_2025_villages_one_total", "targets_2025", "target_2025_villages_model_share",
          "100 * target_2025_villages_model / (100 * target_2025_villages_standard / target_2025_villages_standard_share)",
          _t("Hai cặp số thôn ↔ tỷ lệ (đạt chuẩn, kiểu mẫu) cùng ứng với một tổng số thôn",
             "The two village count ↔ share pairs (standard, model) imply one village total"),
          note=_t("{target_2025_villages_standard:0} thôn ↔ {target_2025_villages_standard_share:0}% ngụ ý khoảng "
                  "{total_standard:0} thôn; {target_2025_villages_model:0} thôn ↔ {target_2025_villages_model_share:0}% "
                  "ngụ ý khoảng {total_model:0} thôn.",
                  "{target_2025_villages_standard:0} villages ↔ {target_2025_villages_standard_share:0}% imply about "
                  "{total_standard:0} villages; {target_2025_villages_model:0} ↔ {target_2025_villages_model_share:0}% "
                  "imply about {total_model:0}."),
          values={"total_standard": "100 * target_2025_villages_standard / target_2025_villages_standard_share",
                  "total_model": "100 * target_2025_villages_model / target_2025_villages_model_share"}),
    # --- movements
    Check("movements_youth_within_total_workdays", "movements", "movements_youth_workdays", "movements_workdays",
          _t("Ngày công của phong trào thanh niên không vượt tổng ngày công nhân dân đóng góp",
             "Workdays of the youth movement do not exceed all workdays contributed by residents"),
          relation="<=",
          note=_t("Phong trào thanh niên: {movements_youth_workdays:0} ngày công (mục I.5b); nhân dân đóng góp: "
                  "hơn {movements_workdays:0} ngày công (mục I.5a).",
                  "Youth movement: {movements_youth_workdays:0} workdays (section I.5b); residents' contribution: "
                  "more than {movements_workdays:0} workdays (section I.5a)."),
          on_fail=_t("Không so sánh được: ngày công của đoàn viên thanh niên (mục I.5b) và ngày công nhân dân đóng góp "
                     "(mục I.5a) đo những việc khác nhau; con số thứ nhất không phải một phần của con số thứ hai.",
                     "Not comparable: the youth union's workdays (section I.5b) and the residents' contributed "
                     "workdays (section I.5a) measure different work; the first is not part of the second."),
          fail_outcome="not_comparable"),
]

_SYMBOLS = {"=": "=", "<=": "≤", ">=": "≥"}


# ---------------------------------------------------------------------------------------------- running

class _Numbers(string.Formatter):
    """Formats numbers in note templates in the language's style. Format spec: the decimals ({x:2}), or 'g' for
    two significant digits below 1 (so 0,0052 and 0,0050 stay apart)."""

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value, format_spec):
        if not isinstance(value, (int, float)):
            return super().format_field(value, format_spec)
        if format_spec == "g":
            small = 0 < abs(value) < 1
            return i18n.number(value, self.lang, 1 - math.floor(math.log10(abs(value))) if small else None)
        return i18n.number(value, self.lang, int(format_spec) if format_spec else None)


def _holds(relation: str, difference: float, tolerance: float) -> bool:
    slack = tolerance + 1e-9 * max(1.0, abs(difference))
    return {"=": abs(difference) <= slack, "<=": difference <= slack, ">=": difference >= -slack}[relation]


def _outcome(check: Check, status: str, printed: Quantity, implied: Quantity, table: pd.DataFrame) -> str:
    if status == "pass":
        return "holds"
    if check.truncation and len(ids := fact_ids(check.printed)) == 1:
        places = facts_module.decimals(table.loc[table["id"] == ids[0], "printed"].iloc[0])
        cut = math.floor(implied.value * 10 ** places + 1e-9) / 10 ** places
        if abs(cut - printed.value) < 1e-9:
            return "rounding"
    return check.fail_outcome


def _citation(cid: str, lang: str) -> str:
    """'title (address): “quote”' for a context fact id, or for the recognitions of a year ('recognitions_2018')."""
    if cid.startswith("recognitions_"):
        rows = context.recognitions()
        row = rows[rows["year_recognised"] == cid.rsplit("_", 1)[1]].iloc[0]
        return f"{row['source_title']} ({row['source_url']}): “{row['quote']}”"
    fact = context.get(cid)
    return f"{fact.source_title} ({fact.source_url}): “{fact.quote}”"


def _row(check: Check, names: dict[str, Quantity], table: pd.DataFrame) -> dict:
    printed, implied = evaluate(check.printed, names), evaluate(check.implied, names)
    difference = printed.value - implied.value
    tolerance = printed.margin + implied.margin
    status = "pass" if _holds(check.relation, difference, tolerance) else "fail"
    outcome = _outcome(check, status, printed, implied, table)
    ids = [i for i in dict.fromkeys(fact_ids(check.printed) + fact_ids(check.implied))
           if not i.startswith(CONTEXT_PREFIX)]
    unit = table.loc[table["id"] == ids[0], "unit"].iloc[0]
    decimals = facts_module.decimals(table.loc[table["id"] == ids[0], "printed"].iloc[0])
    values = {
        **{fid: q.value for fid, q in names.items()},
        **{name: evaluate(formula, names).value for name, formula in check.values.items()},
        "printed": printed.value, "implied": implied.value, "implied_low": implied.low, "implied_high": implied.high,
        "gap": abs(difference), "tolerance": tolerance, "decimals": decimals,
        "rounded": round(implied.value, decimals),
    }
    row = {
        "check": check.id, "topic": check.topic,
        "description_vi": check.description["vi"], "description_en": check.description["en"],
        "formula": f"{check.printed} {_SYMBOLS[check.relation]} {check.implied}",
        "printed": printed.value, "implied": implied.value, "difference": difference, "tolerance": tolerance,
        "unit": unit, "status": status, "outcome": outcome, "facts": ",".join(ids),
        "context": ",".join(check.context),
    }
    for lang in i18n.LANGS:
        fmt = _Numbers(lang)
        lead = {"holds": LABELS["pass"], "inconsistent": LABELS["fail"], "rounding": LABELS["truncated"],
                "not_comparable": None}[outcome]
        tail = check.on_fail if outcome in ("inconsistent", "not_comparable") else {}
        parts = [t[lang] for t in (lead, check.note, tail) if t]
        text = " ".join(fmt.format(p, unit=facts_module.unit_label(unit, lang), **values) for p in parts)
        if check.context:
            sources = "; ".join(dict.fromkeys(_citation(c, lang) for c in check.context))
            text += " " + LABELS["cites"][lang].format(sources=sources)
        row[f"note_{lang}"] = text
    return row


def _context_names() -> dict[str, Quantity]:
    """Context figures as quantities (ctx_<id>): counts exact, other values ± half a unit of their last digit; and
    the recognition register's counts (ctx_lineage_*)."""
    names = {}
    for row in context.series().itertuples(index=False):
        text = f"{row.value:g}"
        places = len(text.split(".")[1]) if "." in text else 0
        counted = row.unit in facts_module.UNITS and facts_module.UNITS[row.unit]["counted"]
        margin = 0.0 if counted and places == 0 else 0.5 * 10 ** -places
        names[f"{CONTEXT_PREFIX}{row.id}"] = Quantity(row.value, row.value - margin, row.value + margin)
    for key, value in lineage.losses().items():
        names[f"{CONTEXT_PREFIX}lineage_{key}"] = Quantity.exact(float(value))
    return names


def run(facts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every check on the facts table (default: the validated project table), one row per check (COLUMNS)."""
    if facts is None:
        table = facts_module.load()
    elif not isinstance(facts, pd.DataFrame):
        raise UsageError(f"run() needs a facts table (a DataFrame), not {type(facts).__name__}")
    elif problems := facts_module.schema_problems(facts, "facts table"):
        raise DataError(problems)
    else:
        table = facts
    names = {row["id"]: quantity(facts_module.to_fact(row)) for _, row in table.iterrows()}
    names |= _context_names()
    return pd.DataFrame([_row(check, names, table) for check in CHECKS], columns=list(COLUMNS))


def summary(table: pd.DataFrame) -> dict:
    """{'checks': n, 'pass': …, 'fail': …, 'failed': [check ids], 'outcomes': {outcome: count}}."""
    if not isinstance(table, pd.DataFrame) or not {"check", "status", "outcome"} <= set(table.columns):
        raise UsageError("summary() needs the table run() returns (columns check, status, outcome)")
    failed = table.loc[table["status"] == "fail", "check"].tolist()
    return {"checks": len(table), "pass": int((table["status"] == "pass").sum()), "fail": len(failed), "failed": failed,
            "outcomes": {o: int((table["outcome"] == o).sum()) for o in OUTCOMES}}
