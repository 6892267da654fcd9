"""The 2021–2025 target gap analysis report, section by section (the notebook only calls these methods).

Province targets and resources come from the report's own figures (`gap`); the commune-level sections come from
commune data, for the province or one district.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from ntm_analysis.report import charts, release, words, html as report
from ntm_analysis.data import context, lineage
from ntm_analysis.analysis import findings, gap, progress
from ntm_analysis import i18n
from ntm_analysis.report import page
from ntm_analysis.report.page import Group, Page, source_line

LABELS = i18n.catalogue("gap_report")



class GapReport(Page):
    """The 2021–2025 gap analysis for the province ("04") or one district."""

    kind = "gap"
    labels = LABELS
    source_topics = ("attainment_2021", "targets_2025", "funding_2017_2021", "resources_2021_2025")

    contents_keys = ("s_targets", "s_pace", "s_resources", "s_communes", "s_criteria", "s_nearest", "s_trajectory")

    def findings(self) -> list:
        return findings.gap_province() if self.province else findings.district(self.unit, self.all_communes)

    @cached_property
    def target_frame(self) -> pd.DataFrame:
        # Commune data fills baselines the report lacks, but synthetic data never stands in for a real baseline.
        return words.targets(gap.province_targets(None if self.synthetic else self.all_communes), self.lang)

    @property
    def target_ids(self) -> list[str]:
        return _ids(self.target_frame["source"])

    # -- header ------------------------------------------------------------------------------------
    def headline_items(self) -> list[dict]:
        lang, t, n = self.lang, self.t, i18n.number
        if not self.province:
            s = self.commune_summary()
            near = gap.distance(self.communes_frame)
            near = int(((near["missing_to_19"] >= 1) & (near["missing_to_19"] <= 2)).sum())
            note = self.commune_note(t("n_year", y=s["year"]))
            return [
                {"label": t("h_unit_standard"), "value": n(s["standard"], lang, 0),
                 "note": self.commune_note(t("n_of", n=s["communes"]))},
                {"label": t("h_unit_average"), "value": n(s["average"], lang, 2), "note": note},
                {"label": t("h_unit_below15"), "value": n(s["below_15"], lang, 0), "note": note},
                {"label": t("h_unit_near"), "value": n(near, lang, 0), "note": note},
            ]
        sets = gap.criteria_set_gap().set_index(["baseline", "indicator"])
        new, old = sets.loc[("base_2022_new", "standard_communes")], sets.loc[("base_2021_old", "standard_communes")]
        windows = gap.pace_windows().set_index("window")
        res = gap.resources().set_index("source")
        credit = gap.credit_dependence()
        return [
            {"label": t("h_standard_gap_new"), "value": n(new["gap"], lang, 0),
             "note": t("n_gap_old", x=n(old["gap"], lang, 0), start=n(old["start"], lang, 0),
                                   year=int(old["start_year"]))},
            {"label": t("h_pace_new"), "value": n(new["pace_needed"], lang, 2),
             "note": t("n_pace_windows", a=n(windows.at["w_before", "pace"], lang, 1),
                       b=n(windows.at["w_after", "pace"], lang, 1))},
            {"label": t("h_plan"), "value": f"{n(res.at['total', 'planned'], lang, 1)} {t('billion')}",
             "note": t("n_vs", x=n(res.at["total", "mobilised"], lang, 1))},
            {"label": t("h_credit"), "value": i18n.percent(credit["2021-2025"], lang, 1),
             "note": t("n_credit", x=n(credit["2017-2021"], lang, 1))},
        ]

    # -- sections from the report's figures ---------------------------------------------------------
    def _decimals(self, indicator: str) -> int:
        """Counts print whole; averages and the income multiple print as the report does (2 decimals)."""
        return 2 if indicator in ("average_criteria", "income") else 0

    def target_rows(self) -> pd.DataFrame:
        """Each 2025 target against its baseline (criteria set and window named): what is left, and the adapted
        (linear) Open SDG assessment."""
        tg, t, lang = self.target_frame, self.t, self.lang
        fmt = [lambda v, d=self._decimals(i): i18n.number(v, lang, d) for i in tg["indicator"]]
        return pd.DataFrame({
            t("c_indicator"): tg["label"],
            t("c_unit"): tg["unit"],
            t("c_baseline"): [f(v) for f, v in zip(fmt, tg["baseline"])],
            t("c_target"): [f(v) for f, v in zip(fmt, tg["target"])],
            t("c_gap"): [f(v) for f, v in zip(fmt, tg["gap"])],
            t("c_criteria_set"): [words.criteria_set_label(c, lang) for c in tg["baseline_criteria_set"]],
            t("c_window"): [w or "—" for w in tg["window"]],
            t("c_category"): tg["category_label"],
        })

    def pace_rows(self) -> pd.DataFrame:
        """Pace needed from the baseline, against the pace achieved where an earlier observation exists, with R and
        the year reached at that pace (adapted, linear)."""
        tg, t, lang = self.target_frame, self.t, self.lang
        n = lambda v: i18n.number(v, lang, 2)  # noqa: E731
        return pd.DataFrame({
            t("c_indicator"): tg["label"],
            t("c_needed"): [f"{n(v)} {u}" if pd.notna(v) else "—" for v, u in zip(tg["pace_needed"], tg["pace_unit"])],
            t("c_achieved"): [n(v) for v in tg["pace_achieved"]],
            t("c_r"): [n(v) for v in tg["ratio"]],
            t("c_reach"): [str(int(v)) if pd.notna(v) else "—" for v in tg["reach_year"]],
            t("c_note"): tg["note"].fillna(""),
        })

    def targets(self) -> Group:
        lang, t = self.lang, self.t
        known = self.target_frame.dropna(subset=["baseline"])
        source = source_line(self.target_ids, lang)
        chart = charts.progress(known, indicator="label", baseline="baseline", target="target",
                                title=t("ch_progress"), unit=None, source=source, lang=lang)
        return self.section(
            "s_targets",
            None if self.province else report.note(t("province_level")),
            *self.criteria_sets().parts,
            report.heading(t("s_all_targets"), 3),
            report.paragraph(t("p_targets_method")),
            report.figure(chart, lang=lang),
            report.note(t("p_tables_in_annex")),
            *self.national().parts,
        )

    # -- the gap on each criteria set, national context ----------------------------------------------
    def criteria_set_rows(self) -> pd.DataFrame:
        g, t, lang = words.criteria_set_gap(gap.criteria_set_gap(), self.lang), self.t, self.lang
        d = [2 if i == "average_criteria" else 0 for i in g["indicator"]]
        return pd.DataFrame({
            t("c_indicator"): g["label"],
            t("c_start"): g["baseline_label"],
            t("c_set"): g["criteria_set_label"],
            t("c_start_value"): [i18n.number(v, lang, k) for v, k in zip(g["start"], d)],
            t("c_target"): [i18n.number(v, lang, k) for v, k in zip(g["target"], d)],
            t("c_gap"): [i18n.number(v, lang, k) for v, k in zip(g["gap"], d)],
            t("c_window"): g["window"],
            t("c_needed"): [i18n.number(v, lang, 2) for v in g["pace_needed"]],
            t("c_method"): g["method_label"],
            t("c_read"): [words.gap_text("read_this", lang) if r else "" for r in g["read"]],
        })

    def criteria_set_source(self) -> str:
        g = gap.criteria_set_gap()
        ids = _ids(g.loc[g["origin"] == "report", "source"])
        return f"{source_line(ids, self.lang)}; {self.t('o_context')}"

    def criteria_sets(self) -> Group:
        """The 2025 targets (2021–2025 set) against the 2021 status (old set) and the 2022 status (new set)."""
        t, lang = self.t, self.lang
        return Group(
            report.heading(t("s_sets"), 3),
            report.paragraph(t("p_sets_targets")),
            report.paragraph(words.new_set_reading(lang)),
            report.table(self.criteria_set_rows(), lang=lang, source=self.criteria_set_source()),
        )

    def national(self) -> Group:
        """Cao Bằng beside the country (share of communes at the standard), each figure with its origin."""
        return national_group(self.lang)

    def pace(self) -> Group:
        """Pace by window around the 2020 mergers, the recognition register, and Open SDG beside the adapted method."""
        w = gap.pace_windows().set_index("window")["pace"]
        n = lambda v: release.fmt("pace", v, self.lang)  # noqa: E731
        lead = report.paragraph(self.t("p_pace", before=n(w["w_before"]), after=n(w["w_after"]),
                                       needed_old=n(w["w_needed_old"]), needed_new=n(w["w_needed_new"])))
        return self.section("s_pace", lead, *self.windows().parts, report.note(self.t("p_pace_in_annex")))

    def full_tables(self) -> Group:
        """Annex A: every target with its assessment, the pace by target, the recognition register and the two
        progress methods side by side (the sections show the main figures)."""
        lang, t = self.lang, self.t
        source = source_line(self.target_ids, lang)
        return Group(release.heading(t("annex_tables"), 3, "annex-tables"),
                     report.heading(t("s_all_targets"), 3),
                     report.table(self.target_rows(), lang=lang, source=source),
                     report.heading(t("s_pace_table"), 3),
                     report.table(self.pace_rows(), lang=lang, source=source),
                     *self.register().parts, *self.methods().parts,
                     report.heading(t("s_resources_table"), 3), self.resources_table(full=True))

    def windows(self) -> Group:
        t, lang = self.t, self.lang
        w = words.pace_windows(gap.pace_windows(), lang)
        shown = pd.DataFrame({
            t("c_window"): w["label"],
            t("c_kind"): [t(f"k_{k}") for k in w["kind"]],
            t("c_set"): w["criteria_set_label"],
            t("c_base"): [f"{a} ({i18n.number(x, lang, 0)}) → {b} ({i18n.number(y, lang, 0)})"
                          for a, x, b, y in zip(w["start_year"], w["start"], w["end_year"], w["end"])],
            t("c_pace_year"): [i18n.number(v, lang, 2) for v in w["pace"]],
            t("c_origin"): w["origin_label"],
        })
        ids = _ids(w["source"])
        return Group(
            report.heading(t("s_windows"), 3),
            report.table(shown, lang=lang, source=f"{source_line(ids, lang)}; {t('o_context')}"),
            report.note(words.derived_2016_note(lang)),
        )

    def register(self) -> Group:
        """The communes recognised in 2018 and 2019 (public decisions) and what the 2020 mergers did to them."""
        t, lang = self.t, self.lang
        reg = words.register(lineage.register(), lang)
        shown = pd.DataFrame({
            t("c_year"): reg["year"].astype(str), t("c_commune"): reg["commune"], t("c_district"): reg["district"],
            t("c_decision"): reg["decision"], t("c_code"): reg["code_2021"], t("c_fate"): reg["fate"],
        })
        return Group(report.heading(t("s_register"), 3),
                     report.table(shown, lang=lang, source=t("o_context")))

    def methods(self) -> Group:
        t, lang = self.t, self.lang
        m = words.methods_compared(gap.methods_compared(), lang)
        rate = lambda v, method: "—" if pd.isna(v) else (  # noqa: E731
            i18n.percent(100 * v, lang, 2) if method == progress.OPEN_SDG else i18n.number(v, lang, 2))
        shown = pd.DataFrame({
            t("c_series"): m["series_label"],
            t("c_method"): m["method_label"],
            t("c_base"): [f"{a} → {b}" for a, b in zip(m["base_year"], m["current_year"])],
            t("c_observed"): [rate(v, k) for v, k in zip(m["observed"], m["method"])],
            t("c_required"): [rate(v, k) for v, k in zip(m["required"], m["method"])],
            t("c_r"): ["—" if pd.isna(v) else i18n.number(v, lang, 2) for v in m["ratio"]],
            t("c_category"): m["category_label"],
            t("c_agree"): m["agree_label"],
        })
        ids = ["target_2025_standard", "results_2019_standard", "attainment_2021_standard",
               "attainment_2021_new_standard"]
        return Group(
            report.heading(t("s_methods"), 3),
            report.paragraph(t("p_methods")),
            report.paragraph(i18n.text(progress.LABELS, "adapted_reason", lang)),
            report.table(shown, lang=lang, source=f"{source_line(ids, lang)}; {t('o_context')}"),
        )

    def resources_rows(self) -> pd.DataFrame:
        """Mobilised and planned per source and group, per year and per year of the plan's pace, the multiple,
        whether the category means the same in both periods, and notes (tỷ đồng throughout)."""
        lang, t, n = self.lang, self.t, i18n.number
        f = words.funding(gap.funding_like_with_like(), lang)
        pace_col = t("c_pace_years", **gap.pace_years())
        return pd.DataFrame({
            t("c_source"): f["label"],
            t("c_mobilised"): f["mobilised"], t("c_planned"): f["planned"],
            t("c_mobilised_year"): f["mobilised_per_year"], t("c_planned_year"): f["planned_per_year"],
            pace_col: f["planned_per_pace_year"],
            t("c_ratio"): ["—" if pd.isna(v) else n(v, lang, 2) for v in f["ratio"]],
            t("c_comparable"): [t("yes") if c else t("no") for c in f["comparable"]],
            t("c_note"): f["note_label"],
        })

    def resources_table(self, *, full: bool) -> report.Table:
        """The resources table: compact in the section (source, mobilised, planned, multiple), full in annex A."""
        shown = self.resources_rows()
        if not full:
            shown = shown[shown.columns[[0, 1, 2, 6]]]
        ids = _ids(gap.funding_like_with_like()["facts"])
        money = [c for c in shown.columns[1:6] if c != self.t("c_ratio")]
        return report.table(shown, lang=self.lang, source=source_line(ids, self.lang),
                            number_format={c: 1 for c in money})

    def resources(self) -> Group:
        """Resources like with like: state budget and non-budget per period and per year; no ratio across a
        category whose meaning changed; credit described as what it is."""
        lang, t, n = self.lang, self.t, i18n.number
        f = words.funding(gap.funding_like_with_like(), lang)
        ids = _ids(f["facts"])
        groups = f.set_index("source")
        chart_rows = f[f["level"] == "group"]
        chart_rows = chart_rows[chart_rows["source"] != "total"]
        long = pd.concat([
            pd.DataFrame({"label": chart_rows["label"], "series": t("s_mobilised"), "value": chart_rows["mobilised_per_year"]}),
            pd.DataFrame({"label": chart_rows["label"], "series": t("s_planned"), "value": chart_rows["planned_per_year"]}),
        ])
        return self.section(
            "s_resources",
            None if self.province else report.note(self.t("province_level")),
            report.paragraph(t("p_funding_like", plan=n(groups.at["total", "planned"], lang, 1),
                               ratio=n(groups.at["total", "ratio"], lang, 2),
                               state=n(groups.at["state_budget", "ratio"], lang, 2),
                               non=n(groups.at["non_budget", "ratio"], lang, 2))),
            report.note(words.funding_overlap_note(lang)),
            report.figure(charts.grouped_bar(long, category="label", series="series", value="value",
                                             title=t("ch_resources"), unit=t("u_billion_year"),
                                             source=source_line(ids, lang), lang=lang, decimals=1), lang=lang),
            self.resources_table(full=False),
            report.note(t("p_resources_in_annex")),
        )

    # -- sections from commune data ---------------------------------------------------------------------
    def communes(self) -> Group:
        lang, t, n = self.lang, self.t, i18n.number
        frame = gap.latest(self.communes_frame)
        s = gap.summary(frame)
        bands = words.bands(gap.bands(frame), lang)
        parts = [
            report.paragraph(t("p_communes", unit=self.unit_name, n=n(s["communes"], lang, 0),
                               standard=n(s["standard"], lang, 0), average=n(s["average"], lang, 2),
                               below=n(s["below_15"], lang, 0))),
            report.figure(charts.bar(bands.assign(text=[n(v, lang, 0) for v in bands["communes"]]),
                                     category="label", value="communes", label="text", sort=list(bands["label"]),
                                     title=t("ch_bands"), unit=t("u_communes"), source=self.commune_source(),
                                     lang=lang), lang=lang),
        ]
        if self.province:
            parts.append(report.table(self.district_table(frame), lang=lang, source=self.commune_source(),
                                      number_format={t("c_average"): 2}))
        return self.section("s_communes", *parts, *self.district_targets().parts, *self.recognition().parts)

    def recognition(self) -> Group:
        """Recognised communes not maintaining every criterion, per district (from commune data)."""
        t, lang = self.t, self.lang
        counts = gap.recognised_not_maintaining(self.communes_frame)
        shown = pd.DataFrame({
            t("c_district"): [gap.reference.display_name(n) for n in counts["district_name"]],
            t("c_criteria_set"): [words.criteria_set_label(c, lang) for c in counts["criteria_set"]],
            t("c_recognised"): counts["recognised"].astype(int),
            t("c_not_maintaining"): counts["not_maintaining"].astype(int),
        })
        text = t("p_recognition", unit=self.unit_name, n=i18n.number(int(counts["recognised"].sum()), lang, 0),
                 k=i18n.number(int(counts["not_maintaining"].sum()), lang, 0))
        text = f"{text} ({t('synthetic_short')})" if self.synthetic else text
        return Group(report.heading(t("s_recognition"), 3), report.paragraph(text),
                     report.table(shown, lang=lang, source=self.commune_source()))

    def district_targets(self) -> Group:
        """The unit's own 2025 target (footnote 1) and what it implies; the province page lists the three."""
        t, lang, n = self.t, self.lang, i18n.number
        units = list(gap.facts.district_targets()["district_code"]) if self.province else [self.unit]
        done = words.district_completions(lineage.district_completions(), lang).set_index("district_code")
        parts = [report.heading(t("s_district_target"), 3)]
        for unit in units:
            target = words.district_target(gap.district_target(unit, self.all_communes), lang)
            name = gap.reference.unit_name(unit, lang)
            if target is None:
                parts.append(report.paragraph(t("p_no_district_target", unit=name)))
                continue
            data = ""
            if target["more"] is not None:
                data = t("p_district_target_data", year=target["from_year"],
                         set_label=words.criteria_set_label(target["criteria_set"], lang),
                         standard=n(target["standard"], lang, 0), more=n(target["more"], lang, 0),
                         pace=n(target["pace"], lang, 2))
                data = self.commune_note(data) if self.synthetic else data
            parts.append(report.paragraph(t("p_district_target", unit=name, target=target["target_label"],
                                            n=n(target["communes"], lang, 0), years=target["years_new_set"],
                                            pace=n(target["pace_new_set"], lang, 2), data=data)))
            if unit in done.index:  # a public source says the unit has already done it
                parts.append(report.note(t("p_district_done", unit=name, status=done.at[unit, "status"],
                                           title=done.at[unit, "source_title"])))
        return Group(*parts)

    def district_table(self, frame: pd.DataFrame) -> pd.DataFrame:
        t, rows = self.t, []
        for (code, name), part in frame.groupby(["district_code", "district_name"], sort=True):
            s = gap.summary(part)
            rows.append({t("c_district"): gap.reference.display_name(name), t("c_communes"): s["communes"], t("c_standard"): s["standard"],
                         t("c_average"): float(s["average"]), t("c_below15"): s["below_15"]})
        return pd.DataFrame(rows)

    def criteria(self) -> Group:
        lang, t = self.lang, self.t
        frame = gap.latest(self.communes_frame)
        unmet = words.unmet_by_criterion(gap.unmet_by_criterion(frame), lang)
        heat = words.heatmap_data(gap.heatmap_data(frame), lang)
        shown = pd.DataFrame({t("c_criterion"): unmet["label"], t("c_unmet"): unmet["communes_unmet"],
                              t("c_share_unmet"): unmet["share_unmet"]})
        ranked = unmet.sort_values(["communes_unmet", "criterion"], ascending=[False, True])
        worst, best = ranked.iloc[0], ranked.iloc[-1]
        n = lambda v: i18n.number(v, lang, 0)  # noqa: E731
        lead = t("p_criteria", unit=self.unit_name, worst=worst["label"], worst_n=n(worst["communes_unmet"]),
                 best=best["label"], best_n=n(best["communes_unmet"]), total=n(worst["communes"]))
        return self.section(
            "s_criteria",
            report.paragraph(self.commune_note(lead) if self.synthetic else lead),
            report.figure(charts.bar(unmet.assign(text=[i18n.number(v, lang, 0) for v in unmet["communes_unmet"]]),
                                     category="label", value="communes_unmet", label="text",
                                     title=t("ch_unmet"), unit=t("u_communes"), source=self.commune_source(),
                                     lang=lang), lang=lang),
            *self.heatmap(frame, heat),
            report.table(shown, lang=lang, number_format={t("c_share_unmet"): 1}),
        )

    def heatmap(self, frame: pd.DataFrame, heat: pd.DataFrame) -> list:
        """Province: criteria × districts, the share of communes meeting each (the commune detail is in the annex);
        a district: its communes × criteria, met or not. Columns are criterion codes, full names on hover."""
        lang, t = self.lang, self.t
        if self.province:
            by = findings.criteria_by_district(frame)
            full = {k: words.criterion_label(k, lang) for k in range(1, 20)}
            by["row"] = [gap.reference.unit_name(c, lang) for c in by["district_code"]]
            by["col"] = [full[k].split()[0] for k in by["criterion"]]
            by["value"] = by["share_met"].round(1)
            chart = charts.heatmap(by, row="row", column="col", value="value", title=t("ch_heatmap_districts"),
                                   unit=t("u_share_met"), source=self.commune_source(), lang=lang,
                                   column_names={full[k].split()[0]: full[k] for k in full})
            return [report.paragraph(t("p_heatmap_districts")), report.figure(chart, lang=lang)]
        heat = heat.assign(col=[c.split()[0] for c in heat["criterion_label"]],
                           row=[gap.reference.display_name(n) for n in heat["commune_name"]])
        chart = charts.heatmap(heat, row="row", column="col", value="met", title=t("ch_heatmap"),
                               source=self.commune_source(), lang=lang,
                               column_names=dict(zip(heat["col"], heat["criterion_label"])))
        return [report.paragraph(t("p_heatmap")), report.figure(chart, lang=lang)]

    def nearest(self) -> Group:
        lang, t = self.lang, self.t
        near = words.nearest(gap.nearest(gap.latest(self.communes_frame), 10), lang)
        dist = gap.distance(gap.latest(self.communes_frame)).set_index("commune_code")
        shown = pd.DataFrame({
            t("c_commune"): [gap.reference.display_name(n) for n in near["commune_name"]],
            t("c_district"): [gap.reference.display_name(n) for n in near["district_name"]],
            t("c_met"): near["criteria_met"].astype(int),
            t("c_to15"): [int(dist.at[c, "missing_to_15"]) for c in near["commune_code"]],
            t("c_to19"): near["missing"].astype(int),
            t("c_missing"): near["missing_criteria"],
        })
        short = int(((dist["missing_to_19"] >= 1) & (dist["missing_to_19"] <= 2)).sum())
        return self.section("s_nearest", report.paragraph(t("p_nearest", count=short)),
                            report.table(shown, lang=lang, source=self.commune_source()))

    def trajectory(self) -> Group:
        lang, t = self.lang, self.t
        years = sorted(self.communes_frame["year"].unique())
        if len(years) < 2:
            return self.section("s_trajectory", report.note(t("p_trajectory_one", year=years[0] if years else "—")))
        path = words.trajectory(gap.trajectory(self.communes_frame, self.target_frame), lang)
        parts = []
        if not self.province:
            path = path[path["series"] == "observed"]
            parts.append(report.note(t("p_trajectory_district")))
        for indicator, part in path.groupby("indicator", sort=False):
            parts.append(report.figure(charts.trajectory(
                part, year="year", value="value", series="series_label", title=f"{t('ch_trajectory')}: {part['label'].iloc[0]}",
                unit=None, source=self.commune_source(), lang=lang,
                dashed=[s for s in part["series_label"].unique() if s != part.loc[part["series"] == "observed", "series_label"].iloc[0]],
                decimals=2), lang=lang))
        return self.section("s_trajectory", *parts)



    def context_ids(self) -> list[str]:
        ids = ["cb_2022_standard_new_set", "cb_2022_average_new_set", "cb_2022_best_new_set", "cb_2018_recognised",
               "cb_2018_share_of_pm_goal", "cb_units_before_mergers", "cb_units_after_mergers"]
        return ids + [cid for _, cid in gap.NATIONAL]

    def sources(self) -> Group:
        """The annex: the full tables, every figure with its quote, the context sources, and the criteria met by
        each commune."""
        return self.annex(*self.full_tables().parts,
                          *super().sources().parts, *context_sources(self.context_ids(), self.lang).parts,
                          *recognition_sources(self.lang).parts,
                          *release.commune_detail(self.communes_frame, self.lang, self.commune_source()))


def _label(key: str, lang: str, **values) -> str:
    """A word of this module, or of the shared page catalogue (for the helpers the evaluation report uses too)."""
    return i18n.text(LABELS if key in LABELS else page.LABELS, key, lang, **values)


def context_sources(ids: list[str], lang: str) -> Group:
    """The context facts a page uses, apart from the report's figures: value, as of, page, address, quote."""
    rows = context.sources_table(ids)
    t = lambda key: _label(key, lang)  # noqa: E731
    shown = pd.DataFrame({
        t("c_indicator"): rows["id"], t("c_value"): rows["value"], t("c_as_of"): rows["as_of"],
        t("c_title"): rows["source_title"], t("c_url"): rows["source_url"], t("c_quote"): rows["quote"],
    })
    return Group(report.heading(t("s_context_sources"), 3), report.paragraph(t("p_context_sources")),
                 report.table(shown, lang=lang, number_format={t("c_value"): 2}))


def recognition_sources(lang: str) -> Group:
    t = lambda key: _label(key, lang)  # noqa: E731
    i18n.check_lang(lang)
    reg = lineage.register().drop_duplicates("source_url")
    shown = pd.DataFrame({t("c_title"): reg["source_title"], t("c_url"): reg["source_url"], t("c_quote"): reg["quote"]})
    return Group(report.table(shown, lang=lang))


def national_group(lang: str) -> Group:
    """Cao Bằng beside the country (share of communes at the standard), each figure with its origin."""
    t = lambda key: _label(key, lang)  # noqa: E731
    nat = words.national_context(gap.national_context(), lang)
    shown = pd.DataFrame({t("c_indicator"): nat["label"], t("c_share"): nat["share"],
                          t("c_origin"): [t(f"o_{o}") for o in nat["origin"]]})
    report_ids = _ids(nat.loc[nat["origin"] == "report", "id"])
    return Group(report.heading(t("s_national"), 3),
                 report.table(shown, lang=lang, source=f"{source_line(report_ids, lang)}; {t('o_context')}",
                              number_format={t("c_share"): 1}))


def _ids(sources: pd.Series) -> list[str]:
    """Report fact ids from comma-separated source columns, in a stable order (commune-data sources and context
    facts left out: they are cited apart)."""
    known = set(gap.facts.load()["id"])
    return sorted({i.strip() for text in sources for i in str(text).split(",")
                   if i.strip() and ":" not in i and i.strip() in known})
