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
from dataclasses import dataclass, field

import pandas as pd

from ntm_analysis.data import context, lineage
from ntm_analysis.data import facts as facts_module
from ntm_analysis.errors import DataError, NotFound, UsageError


OUTCOMES = ("holds", "inconsistent", "rounding", "not_comparable")

#: ids and numbers: `description` and `note` are keys of the `audit` catalogue (report.words.audit words them).
COLUMNS = ("check", "topic", "description", "formula", "printed", "implied", "difference", "tolerance", "unit",
           "status", "outcome", "note", "values", "words", "facts", "context")
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
    `description`, `note` (always shown) and `on_fail` (shown only when the check fails) are keys of the `audit`
    catalogue, worded by the report layer (report.words). Notes may use {fact_id}, {printed}, {implied},
    {implied_low}, {implied_high}, {gap}, {tolerance}, {unit} and the named formulas in `values`;
    a format spec gives the decimals ({implied:2}). `words` fills a placeholder with another catalogue text."""

    id: str
    topic: str
    printed: str
    implied: str
    description: str
    relation: str = "="
    note: str = ""
    on_fail: str = ""
    values: dict[str, str] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)
    period: str = ""
    #: the outcome when the check fails: inconsistent (default) or not_comparable; `truncation` tries rounding first
    fail_outcome: str = "inconsistent"
    truncation: bool = False
    #: context facts (data/context/) the check rests on, cited in its note
    context: tuple[str, ...] = ()


#: Funding sources whose printed shares are checked (their words: `audit` catalogue, fs_<key> and ps_<key>).
_FUNDING_SOURCES = ("central", "provincial", "integrated", "credit", "community", "other")
_PLAN_SOURCES = ("central", "local", "integrated", "credit", "enterprise", "community")


def _share_checks(prefix: str, topic: str, total: str, sources: tuple[str, ...], words: str, period: str) -> list[Check]:
    """One check per printed share (share = 100 × amount / total) and one that the shares add up to 100 %."""
    checks = [
        Check(
            id=f"{prefix}_{key}_share", topic=topic,
            printed=f"{prefix}_{key}_share", implied=f"100 * {prefix}_{key} / {total}",
            description="d_share", words={"source": f"{words}_{key}"}, period=period,
            note="share", truncation=True,
        )
        for key in sources
    ]
    checks.append(Check(
        id=f"{prefix}_shares_sum", topic=topic,
        printed=" + ".join(f"{prefix}_{key}_share" for key in sources), implied="100",
        description="d_shares_sum", period=period,
    ))
    return checks


FUNDING_SUM = " + ".join(f"funding_2017_2021_{key}" for key in _FUNDING_SOURCES)

CHECKS: list[Check] = [
    # --- management
    Check(
        "management_province_office_staff", "management", "management_province_office_staff",
        "1 + 1 + management_province_office_fulltime + management_province_office_parttime",
        "d_management_province_office_staff",
    ),
    # --- OCOP
    Check("ocop_products_by_rating", "ocop", "ocop_products", "ocop_stars_3 + ocop_stars_4",
          "d_ocop_products_by_rating"),
    Check("ocop_products_by_sector", "ocop", "ocop_products",
          "ocop_sector_food + ocop_sector_drinks + ocop_sector_crafts + ocop_sector_tourism",
          "d_ocop_products_by_sector"),
    Check("ocop_entities_by_type", "ocop", "ocop_entities",
          "ocop_entities_cooperatives + ocop_entities_enterprises + ocop_entities_households",
          "d_ocop_entities_by_type"),
    # --- funding mobilised 2017–2021
    Check("funding_2017_2021_sum_of_sources", "funding_2017_2021", "funding_2017_2021_total", FUNDING_SUM,
          "d_funding_2017_2021_sum_of_sources",
          note="n_funding_2017_2021_sum_of_sources"),
    *_share_checks("funding_2017_2021", "funding_2017_2021", "funding_2017_2021_total", _FUNDING_SOURCES, "fs",
                    "2017–2021"),
    # --- resources 2021–2025
    Check("plan_total_parts", "resources_2021_2025", "plan_total", "plan_budget + plan_nonbudget",
          "d_plan_total_parts"),
    Check("plan_budget_parts", "resources_2021_2025", "plan_budget", "plan_central + plan_local + plan_integrated",
          "d_plan_budget_parts"),
    Check("plan_nonbudget_parts", "resources_2021_2025", "plan_nonbudget", "plan_credit + plan_enterprise + plan_community",
          "d_plan_nonbudget_parts"),
    Check("plan_central_parts", "resources_2021_2025", "plan_central", "plan_central_investment + plan_central_recurrent",
          "d_plan_central_parts",
          note="n_plan_central_parts",
          on_fail="f_plan_central_parts",
          values={"balancing": "plan_central - plan_central_investment"}),
    *_share_checks("plan", "resources_2021_2025", "plan_total", _PLAN_SOURCES, "ps", "2021–2025"),
    # --- communes' attainment 2021
    Check("attainment_2021_all_communes", "attainment_2021", "target_2025_communes_total",
          "attainment_2021_standard + attainment_2021_band_15_18 + attainment_2021_band_10_14 + attainment_2021_band_5_9",
          "d_attainment_2021_all_communes"),
    Check("attainment_2021_average_within_bands", "attainment_2021", "attainment_2021_average",
          "(19 * attainment_2021_standard + between(15, 18) * attainment_2021_band_15_18"
          " + between(10, 14) * attainment_2021_band_10_14 + between(5, 9) * attainment_2021_band_5_9)"
          " / target_2025_communes_total",
          "d_attainment_2021_average_within_bands",
          note="n_attainment_2021_average_within_bands"),
    Check("attainment_2021_new_within_total", "attainment_2021", "attainment_2021_new_standard", "attainment_2021_standard",
          "d_attainment_2021_new_within_total",
          relation="<=",
          note="n_attainment_2021_new_within_total",
          values={"before": "attainment_2021_standard - attainment_2021_new_standard"}),
    # --- results 2019/2020
    Check("results_2019_share_of_communes", "results_2019_2020", "results_2019_standard_share",
          "100 * results_2019_standard / target_2025_communes_total",
          "d_results_2019_share_of_communes",
          note="n_results_2019_share_of_communes",
          on_fail="f_results_2019_share_of_communes",
          values={"base": "100 * results_2019_standard / results_2019_standard_share"},
          fail_outcome="not_comparable", context=("cb_units_before_mergers", "cb_units_after_mergers")),
    Check("results_2019_vs_2021_standard", "results_2019_2020", "attainment_2021_standard", "results_2019_standard",
          "d_results_2019_vs_2021_standard",
          relation=">=",
          note="n_results_2019_vs_2021_standard",
          on_fail="f_results_2019_vs_2021_standard",
          values={"drop": "results_2019_standard - attainment_2021_standard"},
          fail_outcome="not_comparable", context=("recognitions_2018", "recognitions_2019")),
    Check("results_2019_goal_vs_pm_goal", "results_2019_2020", "results_2019_goal_share",
          "100 * results_2019_standard / (100 * ctx_cb_2018_recognised / ctx_cb_2018_share_of_pm_goal)",
          "d_results_2019_goal_vs_pm_goal",
          note="n_results_2019_goal_vs_pm_goal",
          values={"goal": "100 * ctx_cb_2018_recognised / ctx_cb_2018_share_of_pm_goal",
                  "recognised_2018": "ctx_cb_2018_recognised", "share_2018": "ctx_cb_2018_share_of_pm_goal"},
          context=("cb_2018_recognised", "cb_2018_share_of_pm_goal")),
    # --- regional comparison
    Check("region_2020_share_of_communes", "region", "region_2020_province_share",
          "100 * (target_2025_standard - target_2025_standard_increase) / target_2025_communes_total",
          "d_region_2020_share_of_communes",
          note="n_region_2020_share_of_communes",
          on_fail="f_region_2020_share_of_communes",
          fail_outcome="not_comparable",
          values={"end_2020": "target_2025_standard - target_2025_standard_increase",
                  "base": "100 * results_2019_standard / region_2020_province_share"}),
    # --- funding 2021
    Check("funding_2021_vs_2020", "funding_2021", "funding_2021_central_vs_2020_share",
          "100 * funding_2021_central_recurrent / funding_2020_central",
          "d_funding_2021_vs_2020",
          note="share"),
    # --- targets 2025
    Check("target_2025_share_of_communes", "targets_2025", "target_2025_standard_share",
          "100 * target_2025_standard / target_2025_communes_total",
          "d_target_2025_share_of_communes"),
    Check("target_2025_increase_from_2021", "targets_2025", "target_2025_standard_increase",
          "target_2025_standard - attainment_2021_standard",
          "d_target_2025_increase_from_2021"),
    Check("target_2025_model_within_advanced", "targets_2025", "target_2025_model", "target_2025_advanced",
          "d_target_2025_model_within_advanced",
          relation="<=", context=("model_within_advanced_rule",)),
    Check("target_2025_advanced_within_standard", "targets_2025", "target_2025_advanced", "target_2025_standard",
          "d_target_2025_advanced_within_standard",
          relation="<="),
    Check("target_2025_average_floor", "targets_2025", "target_2025_average",
          "(19 * target_2025_standard + target_2025_below_15_threshold"
          " * (target_2025_communes_total - target_2025_standard)) / target_2025_communes_total",
          "d_target_2025_average_floor",
          note="n_target_2025_average_floor"),
    Check("target_2025_villages_one_total", "targets_2025", "target_2025_villages_model_share",
          "100 * target_2025_villages_model / (100 * target_2025_villages_standard / target_2025_villages_standard_share)",
          "d_target_2025_villages_one_total",
          note="n_target_2025_villages_one_total",
          values={"total_standard": "100 * target_2025_villages_standard / target_2025_villages_standard_share",
                  "total_model": "100 * target_2025_villages_model / target_2025_villages_model_share"}),
    # --- movements
    Check("movements_youth_within_total_workdays", "movements", "movements_youth_workdays", "movements_workdays",
          "d_movements_youth_within_total_workdays",
          relation="<=",
          note="n_movements_youth_within_total_workdays",
          on_fail="f_movements_youth_within_total_workdays",
          fail_outcome="not_comparable"),
]

_SYMBOLS = {"=": "=", "<=": "≤", ">=": "≥"}


# ---------------------------------------------------------------------------------------------- running

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


def citation(cid: str) -> str:
    """'title (address): “quote”' for a context fact id, or for the recognitions of a year ('recognitions_2018'):
    the source's own words, the same in every language."""
    if cid.startswith("recognitions_"):
        rows = context.recognitions()
        found = rows[rows["year_recognised"] == cid.rsplit("_", 1)[1]]
        if found.empty:
            raise NotFound(f"no recognitions for {cid!r} in the recognition register")
        row = found.iloc[0]
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
        "rounded": round(implied.value, decimals), "period": check.period,
    }
    tail = check.on_fail if outcome in ("inconsistent", "not_comparable") else ""
    lead = {"holds": "pass", "inconsistent": "fail", "rounding": "truncated", "not_comparable": ""}[outcome]
    return {
        "check": check.id, "topic": check.topic, "description": check.description,
        "formula": f"{check.printed} {_SYMBOLS[check.relation]} {check.implied}",
        "printed": printed.value, "implied": implied.value, "difference": difference, "tolerance": tolerance,
        "unit": unit, "status": status, "outcome": outcome,
        # the note's parts (catalogue keys) and the numbers, words and sources they are filled with
        "note": tuple(k for k in (lead, check.note, tail) if k), "values": values,
        "words": dict(check.words),
        "facts": ",".join(ids), "context": ",".join(check.context),
    }


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
