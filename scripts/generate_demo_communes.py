"""Write the commune data template (CSV + .xlsx) and the SYNTHETIC 2021 demonstration dataset.

No public commune-level table of NTM results exists for Cao Bằng, so the demo dataset is invented by a seeded
generator over the 139 real communes and calibrated so that its province aggregates equal the 2021 figures of the
report (communes per band of criteria met, average criteria per commune). It is labelled SYNTHETIC everywhere.

Deterministic: rerunning gives byte-identical files.   python scripts/generate_demo_communes.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from ntm_analysis.data import communes, facts, reference
from ntm_analysis import paths

SEED = 20220720  # the report's date
YEAR = 2021
VERSION_DATE = "2026-11-29"  # date this version of the dataset was defined; change it with the generator
#: Criteria the report (Phần I, mục II.2) names as hard to meet: more often unmet.
HARD_CRITERIA = {5: 4.0, 6: 4.0, 10: 4.0, 11: 4.0, 13: 4.0, 17: 4.0}
#: Criterion 1 (planning): "quy hoạch xã nông thôn mới tất cả các xã ... không đạt" — unmet below 19/19.
ALWAYS_UNMET = 1
#: Units the report's 2025 targets single out (Cao Bằng city; Hòa An, Quảng Hòa): their communes rank higher.
DISTRICT_LIFT = {"040": 1.2, "051": 0.6, "049": 0.6}
BAND_FACTS = {"19": "attainment_2021_standard", "15-18": "attainment_2021_band_15_18",
              "10-14": "attainment_2021_band_10_14", "5-9": "attainment_2021_band_5_9"}
AVERAGE_FACT = "attainment_2021_average"
ROWS_WITH_VALIDATION = 1000
FIXED_TIME = dt.datetime(2022, 7, 20)


# ---------------------------------------------------------------------------------------------- calibration targets

def targets() -> dict:
    """Communes per band and the total of criteria met, from the report's 2021 figures."""
    total = len(reference.communes())
    bands = {band: int(facts.get(fact_id).value) for band, fact_id in BAND_FACTS.items()}
    bands["0-4"] = total - sum(bands.values())
    average = facts.get(AVERAGE_FACT).value
    decimals = len(facts.get(AVERAGE_FACT).printed.split(",")[-1]) if "," in facts.get(AVERAGE_FACT).printed else 0
    # Every total of criteria whose average rounds to the printed figure; take the one nearest average × communes.
    candidates = [s for s in range(19 * total + 1) if round(s / total, decimals) == round(average, decimals)]
    criteria_total = min(candidates, key=lambda s: (abs(s - average * total), s))
    return {"communes": total, "bands": bands, "average": average, "criteria_total": criteria_total}


# ------------------------------------------------------------------------------------------------------ generation

def generate(*, seed: int = SEED, goal: dict | None = None) -> pd.DataFrame:
    """The synthetic dataset as a normalised commune frame (pure: no disk)."""
    goal = goal or targets()
    rng = np.random.default_rng(seed)
    units = reference.communes().sort_values("code").reset_index(drop=True)
    score = rng.normal(size=len(units)) + units["district_code"].map(DISTRICT_LIFT).fillna(0.0).to_numpy()
    ranked = np.argsort(-score, kind="stable")

    met = np.zeros(len(units), dtype=int)
    start = 0
    for name, low, high in communes.BANDS:
        size = goal["bands"][name]
        members = ranked[start:start + size]
        met[members] = np.sort(rng.integers(low, high + 1, size=size))[::-1]  # stronger score, more criteria
        start += size
    _calibrate(met, ranked, goal, rng)

    table = pd.DataFrame({"commune_code": units["code"], "year": str(YEAR)})
    unmet = {code: _unmet(19 - k, rng) for code, k in zip(units["code"], met)}
    for n in communes.CRITERIA:
        table[f"c{n:02d}"] = ["Chưa đạt" if n in unmet[code] else "Đạt" for code in units["code"]]
    table["level"] = ["Đạt chuẩn" if k == 19 else "Chưa đạt" for k in met]
    return communes.validate(table, file="synthetic")


def _calibrate(met: np.ndarray, ranked: np.ndarray, goal: dict, rng: np.random.Generator) -> None:
    """Move communes one criterion at a time, within their band, until the total equals the target."""
    low = np.empty_like(met)
    high = np.empty_like(met)
    start = 0
    for name, lo, hi in communes.BANDS:
        members = ranked[start:start + goal["bands"][name]]
        low[members], high[members] = lo, hi
        start += goal["bands"][name]
    while (gap := goal["criteria_total"] - met.sum()) != 0:
        step = 1 if gap > 0 else -1
        movable = np.flatnonzero(met + step <= high) if step > 0 else np.flatnonzero(met + step >= low)
        if movable.size == 0:
            raise ValueError("calibration targets cannot be met within the bands")
        met[rng.choice(movable)] += step


def _unmet(count: int, rng: np.random.Generator) -> set[int]:
    """Which criteria a commune misses: planning always (below 19), then the hard ones more often."""
    if count == 0:
        return set()
    others = [n for n in communes.CRITERIA if n != ALWAYS_UNMET]
    weights = np.array([HARD_CRITERIA.get(n, 1.0) for n in others])
    chosen = rng.choice(others, size=count - 1, replace=False, p=weights / weights.sum())
    return {ALWAYS_UNMET, *map(int, chosen)}


# ----------------------------------------------------------------------------------------------------------- files

def csv_text(frame: pd.DataFrame | None = None) -> str:
    """The template layout as CSV text (header only for the empty template)."""
    table = communes.template_frame(frame)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows(table.itertuples(index=False))
    return out.getvalue()


def meta(frame: pd.DataFrame, goal: dict) -> dict:
    achieved = frame["band"].value_counts()
    average = frame["criteria_met"].mean()
    calibration = [
        {"fact": fact_id, "quantity": f"communes with {band} criteria met", "target": goal["bands"][band],
         "achieved": int(achieved.get(band, 0))}
        for band, fact_id in BAND_FACTS.items()
    ]
    calibration.append({"fact": AVERAGE_FACT, "quantity": "average criteria met per commune",
                        "target": goal["average"], "achieved": round(float(average), 4),
                        "criteria_total": int(frame["criteria_met"].sum())})
    return {
        "title": "Dữ liệu xã năm 2021 — TỔNG HỢP (giả lập) / Commune data 2021 — SYNTHETIC",
        "synthetic": True,
        "description": {
            "vi": ("Dữ liệu TỔNG HỢP (giả lập) để minh họa, KHÔNG phải số liệu chính thức. Tạo bằng bộ sinh số "
                   "ngẫu nhiên có hạt giống cố định trên 139 xã thật của tỉnh Cao Bằng, hiệu chỉnh để các số tổng "
                   "hợp toàn tỉnh năm 2021 bằng đúng số liệu trong báo cáo của Sở NN&PTNT ngày 20/07/2022 (số xã "
                   "theo nhóm tiêu chí, bình quân 11,63 tiêu chí/xã). Việc xã nào đạt tiêu chí nào là giả định: "
                   "tiêu chí 1 (quy hoạch) chưa đạt ở mọi xã chưa đạt 19 tiêu chí, các tiêu chí báo cáo nêu là khó "
                   "(5, 6, 10, 11, 13, 17) chưa đạt thường hơn, xã của TP Cao Bằng, Hòa An, Quảng Hòa xếp cao hơn. "
                   "Số thôn, thu nhập và tỷ lệ hộ nghèo để trống vì không có căn cứ."),
            "en": ("SYNTHETIC demonstration data, NOT official figures. Made by a seeded random generator over "
                   "Cao Bằng's 139 real communes and calibrated so that the province's 2021 aggregates equal the "
                   "figures of the Department of Agriculture and Rural Development's report of 20/07/2022 "
                   "(communes per band of criteria met, average 11.63 criteria per commune). Which commune meets "
                   "which criterion is invented: criterion 1 (planning) is unmet in every commune below 19 "
                   "criteria, the criteria the report calls hard (5, 6, 10, 11, 13, 17) are unmet more often, and "
                   "communes of Cao Bằng city, Hòa An and Quảng Hòa rank higher. Villages, income and poverty are "
                   "left blank: there is no basis to invent them."),
        },
        "year": YEAR,
        "communes": len(frame),
        "generator": paths.DEMO_GENERATOR.relative_to(paths.ROOT).as_posix(),
        "seed": SEED,
        "calibration": calibration,
        "source_report": "data/raw/cao_bang_ntm_report_2017_2021.txt (Phần I, mục I.9)",
        "date": VERSION_DATE,
    }


def template_xlsx() -> bytes:
    """The Excel template: instructions, a data sheet with drop-downs, and the list of the 139 communes."""
    book = Workbook()
    book.properties.creator = "ntm-analysis"
    book.properties.created = book.properties.modified = FIXED_TIME
    guide = book.active
    guide.title = "Hướng dẫn"
    for line in GUIDE:
        guide.append([line])
    guide.column_dimensions["A"].width = 140
    guide["A1"].font = guide[f"A{GUIDE.index('') + 2}"].font = Font(bold=True, size=13)

    data = book.create_sheet("Dữ liệu")
    header = list(communes.HEADERS.values())
    data.append(header)
    for cell in data[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    data.freeze_panes = "E2"
    position = {key: n for n, key in enumerate(communes.HEADERS, start=1)}
    letter = {key: data.cell(row=1, column=n).column_letter for key, n in position.items()}
    last = ROWS_WITH_VALIDATION + 1
    for key, width in {"commune_code": 9, "commune_name": 22, "district_name": 20, "year": 7, "level": 14}.items():
        data.column_dimensions[letter[key]].width = width
    for row in range(2, last + 1):
        data[f"{letter['commune_code']}{row}"].number_format = "@"  # keep the leading zero

    code_list = f"'Danh sách xã'!$A$2:$A${len(reference.communes()) + 1}"
    rules = [
        (DataValidation(type="list", formula1=code_list), ["commune_code"], "Chọn mã xã trong trang 'Danh sách xã'"),
        (DataValidation(type="whole", operator="between", formula1=str(communes.YEARS[0]),
                        formula2=str(communes.YEARS[1])), ["year"], "Năm từ 2010 đến 2035"),
        (DataValidation(type="list", formula1='"Đạt,Chưa đạt"'), communes.CRITERIA_COLUMNS, "Chọn Đạt hoặc Chưa đạt"),
        (DataValidation(type="list", formula1='"' + ",".join(communes.LABELS[lvl]["vi"] for lvl in communes.LEVELS)
                        + '"'), ["level"], "Chọn Chưa đạt, Đạt chuẩn, Nâng cao hoặc Kiểu mẫu"),
        (DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0"), communes.OPTIONAL_INT,
         "Số nguyên từ 0 trở lên"),
        (DataValidation(type="decimal", operator="between", formula1="0", formula2=str(communes.INCOME_MAX)),
         ["income"], "Triệu đồng/người/năm, lớn hơn 0"),
        (DataValidation(type="decimal", operator="between", formula1="0", formula2="100"), ["poverty_rate"],
         "Phần trăm, từ 0 đến 100"),
    ]
    for rule, keys, message in rules:
        rule.error, rule.errorTitle, rule.showErrorMessage = message, "Giá trị không hợp lệ", True
        rule.allow_blank = True
        for key in keys:
            rule.add(f"{letter[key]}2:{letter[key]}{last}")
        data.add_data_validation(rule)

    listing = book.create_sheet("Danh sách xã")
    listing.append(["Mã xã", "Tên xã", "Mã huyện", "Huyện"])
    for cell in listing[1]:
        cell.font = Font(bold=True)
    for row in reference.communes().sort_values(["district_code", "code"]).itertuples():
        listing.append([row.code, row.name, row.district_code, row.district_name])
    for column, width in zip("ABCD", (9, 24, 10, 22)):
        listing.column_dimensions[column].width = width
        for cell in listing[column][1:]:
            cell.number_format = "@"
    return _fixed_zip(_save(book))


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()  # not save_workbook(): it stamps the current time
    return buffer.getvalue()


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every entry's timestamp fixed, so that rebuilding gives identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


GUIDE = [
    "MẪU NHẬP DỮ LIỆU XÃ — Chương trình MTQG xây dựng nông thôn mới, tỉnh Cao Bằng",
    "1. Mỗi xã, mỗi năm nhập một dòng ở trang 'Dữ liệu'. Giữ nguyên tên cột; có thể thêm cột ghi chú (bị bỏ qua).",
    "2. Mã xã: mã đơn vị hành chính 5 chữ số (giữ số 0 ở đầu, ví dụ 01693), xem trang 'Danh sách xã'. "
    "Chỉ nhập xã; phường, thị trấn không thuộc phạm vi bộ tiêu chí xã nông thôn mới.",
    "3. Năm: năm đánh giá, từ 2010 đến 2035. Mỗi xã chỉ một dòng cho mỗi năm.",
    "4. TC01–TC19: 'Đạt' hoặc 'Chưa đạt' (cũng chấp nhận: x / để trống, 1 / 0, TRUE / FALSE, Có / Không).",
    "5. Mức đạt chuẩn: Chưa đạt, Đạt chuẩn, Nâng cao hoặc Kiểu mẫu (để trống = Chưa đạt). Xã Đạt chuẩn trở lên "
    "phải đạt đủ 19 tiêu chí.",
    "6. Không bắt buộc: Số thôn, Thôn đạt chuẩn, Thôn kiểu mẫu (số nguyên ≥ 0; không vượt số thôn; thôn kiểu mẫu "
    "không vượt thôn đạt chuẩn); Thu nhập bình quân (triệu đồng/người/năm, > 0); Tỷ lệ hộ nghèo đa chiều (%, 0–100).",
    "7. Tên xã và Huyện chỉ để dễ đọc: mã xã là căn cứ; tên không khớp với mã sẽ bị báo lỗi.",
    "8. Nếu lưu thành CSV, chọn 'CSV UTF-8'. Kiểm tra tệp bằng lệnh: ntm validate <tệp> — mọi lỗi được liệt kê "
    "theo dòng, cột và giá trị.",
    "",
    "COMMUNE DATA TEMPLATE — National Target Programme on New Rural Development, Cao Bằng province",
    "1. One row per commune and year on the 'Dữ liệu' (data) sheet. Keep the column names; extra note columns are "
    "ignored.",
    "2. Mã xã (commune code): the 5-digit official code, leading zero kept (e.g. 01693); see the 'Danh sách xã' "
    "sheet. Communes (xã) only: wards and towns are outside the commune criteria.",
    "3. Năm (year): the assessment year, 2010–2035. One row per commune and year.",
    "4. TC01–TC19 (criteria): 'Đạt' (met) or 'Chưa đạt' (not met); also accepted: x / blank, 1 / 0, TRUE / FALSE, "
    "yes / no.",
    "5. Mức đạt chuẩn (level): Chưa đạt, Đạt chuẩn, Nâng cao or Kiểu mẫu (not met, standard, advanced, model; "
    "blank = not met). Standard or above requires all 19 criteria met.",
    "6. Optional: villages, standard villages, model villages (whole numbers ≥ 0, not above the number of "
    "villages; model not above standard); income (million VND per person per year, > 0); multidimensional "
    "poverty rate (%, 0–100).",
    "7. Commune and district names are for reading only: the code decides; a name that contradicts the code is "
    "reported.",
    "8. When saving as CSV choose 'CSV UTF-8'. Check a file with: ntm validate <file> — every problem is listed "
    "with its row, column and value.",
]


def main() -> None:
    goal = targets()
    frame = generate(goal=goal)
    paths.COMMUNES.mkdir(parents=True, exist_ok=True)
    paths.TEMPLATE_CSV.write_text(csv_text(), encoding="utf-8-sig")
    paths.TEMPLATE_XLSX.write_bytes(template_xlsx())
    paths.DEMO_COMMUNES.write_text(csv_text(frame), encoding="utf-8-sig")
    paths.DEMO_COMMUNES_META.write_text(
        json.dumps(meta(frame, goal), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for path in (paths.TEMPLATE_CSV, paths.TEMPLATE_XLSX, paths.DEMO_COMMUNES, paths.DEMO_COMMUNES_META):
        print(path.relative_to(paths.ROOT))


if __name__ == "__main__":
    main()
