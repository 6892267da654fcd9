"""`ntm send --recipients`: one message per recipient with only their units' reports and the index, names for
people, a greeting and the headline figures; every bad row reported; --resume per recipient after a dropped
connection (a real SMTP server on loopback, as in test_send); and PDF copies printed by headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from test_send import FULL_ENV, PASSWORD, attachments, certificate, make_pack, sha, smtp_server  # noqa: E402,F401

from ntm_analysis.pipeline import build, send  # noqa: E402
from ntm_analysis.report import pdf  # noqa: E402
from ntm_analysis.pipeline.cli import main  # noqa: E402
from ntm_analysis.errors import ConfigError, DataError  # noqa: E402

UNITS = ("04", "040", "051", "053")


def headlines(unit: str) -> list[dict]:
    """Distinct figures per unit, so that a body showing another unit's figure is caught."""
    return [{"label": "Xã đạt chuẩn NTM", "value": f"{int(unit) % 40 + 3}", "note": "năm 2021"}]


@pytest.fixture()
def pack(tmp_path) -> Path:
    folder = tmp_path / "pack"
    make_pack(folder, units=UNITS, kinds=("evaluation", "gap"), kbytes=4)
    manifest = json.loads((folder / build.MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["reports"]:
        entry["headlines"] = headlines(entry["unit"])
    index = b'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>index</title></head><body></body>' \
            b"</html>"
    (folder / build.INDEX).write_bytes(index)
    manifest["index"] = {"path": build.INDEX, "sha256": sha(index)}
    (folder / build.MANIFEST).write_text(build.manifest_json(manifest), encoding="utf-8")
    return folder


def recipients_csv(path: Path, rows: list[list[str]], header=("email", "name", "units", "lang")) -> Path:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


GOOD = [
    ["bcd.hoaan@example.vn", "Ông Nông Văn Hải", "Hòa An", ""],
    ["bcd.thachan@example.vn", "Bà Lục Thị Mai", "053", "vi"],
    ["vpdp@example.vn", "Văn phòng Điều phối", "04; Thành phố Cao Bằng", ""],
]


def parsed(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def test_each_recipient_gets_only_their_units_and_the_index(pack, tmp_path):
    manifest = send.load_manifest(pack)
    people = send.read_recipients(recipients_csv(tmp_path / "r.csv", GOOD), manifest)
    assert [(p.email, p.units, p.lang) for p in people] == [
        ("bcd.hoaan@example.vn", ("051",), "vi"), ("bcd.thachan@example.vn", ("053",), "vi"),
        ("vpdp@example.vn", ("04", "040"), "vi")]
    files = send.recipients_files(pack, manifest, people)
    messages = send.compose_recipients(manifest, people, files, sender="VPĐP <office@example.org>")
    assert len(messages) == 3
    by_path = {r["path"]: r["sha256"] for r in manifest["reports"]}
    expected_names = [
        ["Hoa_An_danh_gia_2017_2021.html", "Hoa_An_khoang_cach_2021_2025.html", "Trang_chinh.html"],
        ["Thach_An_danh_gia_2017_2021.html", "Thach_An_khoang_cach_2021_2025.html", "Trang_chinh.html"],
        ["Cao_Bang_danh_gia_2017_2021.html", "Cao_Bang_khoang_cach_2021_2025.html",
         "Thanh_pho_Cao_Bang_danh_gia_2017_2021.html", "Thanh_pho_Cao_Bang_khoang_cach_2021_2025.html",
         "Trang_chinh.html"],
    ]
    for person, message, names in zip(people, messages, expected_names):
        raw = message.as_bytes(policy=policy.SMTP)
        msg = parsed(raw)
        got = attachments(raw)
        assert list(got) == names
        # The bytes are the pack's own: exactly this person's units' reports, and the index.
        wanted = {f"{u}_{k}_vi.html" for u in person.units for k in ("evaluation", "gap")}
        assert sorted(sha(d) for n, d in got.items() if n != "Trang_chinh.html") == \
            sorted(by_path[p] for p in wanted)
        assert sha(got["Trang_chinh.html"]) == manifest["index"]["sha256"]
        # One address in To, nobody else anywhere in the headers.
        assert [a for _, a in getaddresses(msg.get_all("To"))] == [person.email]
        assert msg["Cc"] is None and msg["Bcc"] is None
        head = raw.split(b"\r\n\r\n", 1)[0].decode()
        assert all(other.email not in head for other in people if other is not person)
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert f"Kính gửi {person.name}," in text and f"Kính gửi {person.name}," in html
        for unit in person.units:
            figure = headlines(unit)[0]["value"]
            assert f"\n  - Xã đạt chuẩn NTM: {figure} (năm 2021)\n" in text and f">{figure} <span" in html
    assert parsed(messages[0].as_bytes())["Subject"] == "Báo cáo nông thôn mới: Huyện Hòa An"
    assert parsed(messages[2].as_bytes())["Subject"] == \
        "Báo cáo nông thôn mới: Tỉnh Cao Bằng và Thành phố Cao Bằng"
    assert "Xã đạt chuẩn NTM: 14" not in messages[1].get_body(("plain",)).get_content()  # not Hòa An's figure


def test_the_html_body_escapes_what_the_file_says(pack, tmp_path):
    rows = [["a@example.org", "<b>Ông</b> & bà", "051", ""]]
    manifest = send.load_manifest(pack)
    people = send.read_recipients(recipients_csv(tmp_path / "r.csv", rows), manifest)
    msg = send.compose_recipients(manifest, people, send.recipients_files(pack, manifest, people))[0]
    html = msg.get_body(("html",)).get_content()
    assert "&lt;b&gt;Ông&lt;/b&gt; &amp; bà" in html and "<b>Ông" not in html
    assert "<b>Ông</b> & bà" in msg.get_body(("plain",)).get_content()


def test_english_recipient_names(tmp_path):
    folder = tmp_path / "en"
    make_pack(folder, units=("051",), kinds=("evaluation",), kbytes=2)
    manifest = json.loads((folder / build.MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["reports"]:  # the same page, as an English pack would list it
        entry["lang"] = "en"
    manifest["lang"] = "en"
    people = [send.Recipient("a@example.org", "Ms Mai", ("051",), "en", 2)]
    files = send.read_reports(folder, manifest["reports"])
    msg = send.recipient_message(manifest, people[0], files, sender=None)
    assert [p.get_filename() for p in msg.iter_attachments()] == ["Hoa_An_evaluation_2017_2021.html"]
    assert msg["Subject"] == "New Rural Development reports: Hòa An district"
    assert "Dear Ms Mai," in msg.get_body(("plain",)).get_content()


def test_ascii_names_are_deterministic():
    assert send.ascii_fold("Đường Hòa An – Đức") == "Duong_Hoa_An_Duc"
    assert send.attachment_name({"unit": "051", "report": "gap"}, "vi") == "Hoa_An_khoang_cach_2021_2025.html"
    assert send.attachment_name({"unit": "040", "report": "evaluation"}, "en") == \
        "Cao_Bang_city_evaluation_2017_2021.html"


def test_a_bad_recipients_file_lists_every_problem_and_sends_nothing(pack, tmp_path, smtp_server, monkeypatch):
    for key, value in {**FULL_ENV, "NTM_SMTP_PORT": str(smtp_server.port), "NTM_SMTP_CAFILE": smtp_server.cafile}.items():
        monkeypatch.setenv(key, value)
    rows = [
        ["bcd.hoaan@example.vn", "Ông Hải", "Hòa An", ""],           # good
        ["evil@x.vn>,<bcd@y.vn", "Kẻ gian", "051", ""],               # row 3: two addresses
        ["b@example.vn", "Bà Mai", "Huyện Không Có", ""],             # row 4: unknown unit
        ["BCD.HOAAN@example.vn", "Ông Hải", "04", ""],                # row 5: duplicate address
        ["c@example.vn", "Ông Long", "045", ""],                      # row 6: no report in the pack
        ["d@example.vn", "Bà Lan", "051", "en"],                      # row 7: the pack is Vietnamese only
        ["e@example.vn", "", "051", "fr"],                            # row 8: no name, unknown language
    ]
    file = recipients_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(DataError) as info:
        send.read_recipients(file, send.load_manifest(pack))
    found = [(p.row, p.column, p.value) for p in info.value.problems]
    assert found == [(3, "email", "evil@x.vn>,<bcd@y.vn"), (4, "units", "Huyện Không Có"),
                     (5, "email", "BCD.HOAAN@example.vn"), (6, "units", "045"), (7, "units", "051"),
                     (8, "name", ""), (8, "lang", "fr")]
    assert all(p.file == str(file) for p in info.value.problems)
    result = CliRunner().invoke(main, ["send", "--recipients", str(file), "--pack", str(pack)])
    assert result.exit_code == 1 and "7 lỗi; chưa gửi thư nào" in result.stderr
    for text in ("row 3, column 'email'", "row 4, column 'units'", "already given in row 2",
                 "no report in 'vi' for 045", "no report in 'en' for 051", "row 8, column 'lang'"):
        assert text in result.stderr, text
    assert smtp_server.messages == [] and smtp_server.logins == []
    missing = recipients_csv(tmp_path / "cols.csv", [["a@example.org", "051"]], header=("mail", "units"))
    with pytest.raises(DataError) as info:
        send.read_recipients(missing, send.load_manifest(pack))
    assert [(p.row, p.column) for p in info.value.problems] == [(1, "email"), (1, "name")]


def test_dry_run_writes_one_eml_per_recipient(pack, tmp_path, monkeypatch):
    for variable in FULL_ENV:
        monkeypatch.delenv(variable, raising=False)
    file = recipients_csv(tmp_path / "r.csv", GOOD)
    eml = tmp_path / "mail"
    result = CliRunner().invoke(main, ["send", "--recipients", str(file), "--pack", str(pack), "--dry-run",
                                       "--eml-dir", str(eml)])
    assert result.exit_code == 0, result.output
    files = sorted(eml.glob("*.eml"))
    assert [f.name for f in files] == ["01_bcd_hoaan_example_vn.eml", "02_bcd_thachan_example_vn.eml",
                                       "03_vpdp_example_vn.eml"]
    assert [parsed(f.read_bytes())["To"].addresses[0].addr_spec for f in files] == [r[0] for r in GOOD]


def test_to_and_recipients_are_exclusive(pack, tmp_path):
    file = recipients_csv(tmp_path / "r.csv", GOOD)
    both = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--recipients", str(file), "--dry-run",
                                     "--pack", str(pack)])
    neither = CliRunner().invoke(main, ["send", "--dry-run", "--pack", str(pack)])
    assert both.exit_code == 2 and neither.exit_code == 2 and "--recipients" in both.output


def test_resume_after_a_dropped_connection_sends_only_the_missing_recipients(pack, tmp_path, smtp_server,
                                                                            monkeypatch):
    for key, value in {**FULL_ENV, "NTM_SMTP_PORT": str(smtp_server.port), "NTM_SMTP_CAFILE": smtp_server.cafile}.items():
        monkeypatch.setenv(key, value)
    file = recipients_csv(tmp_path / "r.csv", GOOD)
    args = ["send", "--recipients", str(file), "--pack", str(pack)]
    smtp_server.drop_at = 2  # the connection drops when the second recipient's message arrives
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3, result.output
    assert "PARTIAL DELIVERY: sent 1/3 to bcd.hoaan@example.vn" in result.output
    assert "NOT sent: 2/3, 3/3" in result.output
    assert [rcpt for _, rcpt, _ in smtp_server.messages] == [["bcd.hoaan@example.vn"]]
    log = [json.loads(line) for line in send.send_log_path(pack).read_text(encoding="utf-8").splitlines()]
    assert [entry["to"] for entry in log] == [["bcd.hoaan@example.vn"]]

    result = CliRunner().invoke(main, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert "Bỏ qua 1 thư" in result.output and "Đã gửi 2 thư" in result.output
    assert [rcpt for _, rcpt, _ in smtp_server.messages] == [
        ["bcd.hoaan@example.vn"], ["bcd.thachan@example.vn"], ["vpdp@example.vn"]]
    for (_, rcpt, raw) in smtp_server.messages:  # envelope and To agree: one address each
        assert [a.addr_spec for a in parsed(raw)["To"].addresses] == rcpt
    again = CliRunner().invoke(main, [*args, "--resume"])
    assert again.exit_code == 0 and "Bỏ qua 3 thư" in again.output and len(smtp_server.messages) == 3


# --------------------------------------------------------------------------------------------------------------
# PDF copies (headless Chromium)
# --------------------------------------------------------------------------------------------------------------


def need_chromium() -> None:
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        if os.environ.get("NTM_REQUIRE_BROWSER"):
            pytest.fail("NTM_REQUIRE_BROWSER is set but chromium is not installed")
        pytest.skip("chromium is not installed")


def pdf_pages(data: bytes, tmp_path: Path) -> int:
    if shutil.which("pdfinfo"):
        file = tmp_path / "check.pdf"
        file.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(file)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


def test_pdf_copies_are_attached_beside_the_html(pack, tmp_path, monkeypatch):
    need_chromium()
    for variable in FULL_ENV:
        monkeypatch.delenv(variable, raising=False)
    file = recipients_csv(tmp_path / "r.csv", GOOD[:1])
    eml = tmp_path / "mail"
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("ntm-pdf-*"))
    result = CliRunner().invoke(main, ["send", "--recipients", str(file), "--pack", str(pack), "--dry-run", "--pdf",
                                       "--eml-dir", str(eml)])
    assert result.exit_code == 0, result.output
    msg = parsed(next(eml.glob("*.eml")).read_bytes())
    parts = {p.get_filename(): p for p in msg.iter_attachments()}
    assert sorted(parts) == ["Hoa_An_danh_gia_2017_2021.html", "Hoa_An_danh_gia_2017_2021.pdf",
                             "Hoa_An_khoang_cach_2021_2025.html", "Hoa_An_khoang_cach_2021_2025.pdf",
                             "Trang_chinh.html"]
    for name in ("Hoa_An_danh_gia_2017_2021.pdf", "Hoa_An_khoang_cach_2021_2025.pdf"):
        data = parts[name].get_content()
        assert parts[name].get_content_type() == "application/pdf"
        assert data.startswith(b"%PDF") and pdf_pages(data, tmp_path) >= 1
    assert "bản PDF: Hoa_An_danh_gia_2017_2021.pdf" in msg.get_body(("plain",)).get_content()
    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("ntm-pdf-*")) == before  # temp folders removed


def test_a_missing_chromium_is_a_clear_error(pack, tmp_path, monkeypatch):
    monkeypatch.setenv("NTM_CHROMIUM", str(tmp_path / "no-chromium-here"))
    with pytest.raises(ConfigError, match="install the Debian package `chromium`"):
        pdf.chromium()
    for variable in FULL_ENV:
        monkeypatch.delenv(variable, raising=False)
    file = recipients_csv(tmp_path / "r.csv", GOOD[:1])
    result = CliRunner().invoke(main, ["send", "--recipients", str(file), "--pack", str(pack), "--dry-run", "--pdf",
                                       "--eml-dir", str(tmp_path / "mail")])
    assert result.exit_code == 2 and "chromium" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "mail").exists()


def test_a_chromium_that_hangs_is_stopped_and_its_folder_removed(tmp_path, monkeypatch):
    """A stand-in 'chromium' that starts a child and sleeps: the timeout kills the whole group."""
    fake = tmp_path / "chromium"
    pids = tmp_path / "pids"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $$ $! > {pids}\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setenv("NTM_CHROMIUM", str(fake))
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("ntm-pdf-*"))
    with pytest.raises(send.SendError, match="took more than 2 s"):
        pdf.print_pdf(b"<p>x</p>", timeout=2)
    for pid in map(int, pids.read_text().split()):
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower() \
            or " Z " in Path(f"/proc/{pid}/stat").read_text()
    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("ntm-pdf-*")) == before


def test_links_between_attached_pages_follow_their_new_names(pack, tmp_path):
    page = b'<p><a href="index.html">index</a> <a href="051_gap_vi.html">gap</a> <a href="04_gap_vi.html">x</a></p>'
    manifest = send.load_manifest(pack)
    people = [send.Recipient("a@example.org", "Ông Hải", ("051",), "vi", 2)]
    files = {**send.recipients_files(pack, manifest, people), "051_evaluation_vi.html": page}
    got = attachments(send.recipient_message(manifest, people[0], files, sender=None).as_bytes())
    assert got["Hoa_An_danh_gia_2017_2021.html"] == (
        b'<p><a href="Trang_chinh.html">index</a> <a href="Hoa_An_khoang_cach_2021_2025.html">gap</a> '
        b'<a href="04_gap_vi.html">x</a></p>')  # a page not attached keeps its pack name


def test_ctrl_c_while_printing_stops_chromium_and_removes_its_folder(pack, tmp_path):
    """A real SIGINT to a real `ntm send --pdf` while a (stand-in, hanging) Chromium prints."""
    import signal
    import time

    fake, pids = tmp_path / "chromium", tmp_path / "pids"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $$ $! > {pids}.tmp && mv {pids}.tmp {pids}\nwait\n")
    fake.chmod(0o755)
    file = recipients_csv(tmp_path / "r.csv", GOOD[:1])
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NTM_SMTP_")}
    env.update(NTM_CHROMIUM=str(fake), TMPDIR=str(temp))
    process = subprocess.Popen([sys.executable, "-m", "ntm_analysis.pipeline.cli", "send", "--recipients", str(file),
                                "--pack", str(pack), "--dry-run", "--pdf", "--eml-dir", str(tmp_path / "mail")],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not pids.exists():  # wait until Chromium (the stand-in) runs
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        assert list(temp.glob("ntm-pdf-*"))
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err and "--resume" in err
    for pid in map(int, pids.read_text().split()):
        alive = Path(f"/proc/{pid}/stat")
        assert not alive.exists() or alive.read_text().split(")")[1].split()[0] == "Z"
    assert list(temp.glob("ntm-pdf-*")) == [] and not (tmp_path / "mail").exists()


@pytest.fixture()
def refusing_server(certificate):
    """Like smtp_server, but the mailbox of one address does not exist (550 at RCPT)."""
    from test_send import Mailbox, serving

    class Refusing(Mailbox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address == "bcd.thachan@example.vn":
                return "550 5.1.1 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    yield from serving(Refusing(), certificate)


def test_a_refused_recipient_does_not_stop_the_others(pack, tmp_path, refusing_server, monkeypatch):
    for key, value in {**FULL_ENV, "NTM_SMTP_PORT": str(refusing_server.port),
                       "NTM_SMTP_CAFILE": refusing_server.cafile}.items():
        monkeypatch.setenv(key, value)
    file = recipients_csv(tmp_path / "r.csv", GOOD)
    result = CliRunner().invoke(main, ["send", "--recipients", str(file), "--pack", str(pack)])
    assert result.exit_code == 3, result.output
    assert "refused the recipient(s) bcd.thachan@example.vn" in result.output
    assert "NOT sent: 2/3" in result.output and "3/3 to vpdp@example.vn" in result.output
    assert [rcpt for _, rcpt, _ in refusing_server.messages] == [["bcd.hoaan@example.vn"], ["vpdp@example.vn"]]
