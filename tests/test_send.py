"""`ntm send`: composing messages under a size limit, .eml dry runs, and delivery to a real SMTP server on
loopback (aiosmtpd, STARTTLS with a certificate made here, AUTH checked against the test password)."""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import socket
import ssl
import subprocess
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from ntm_analysis.pipeline import build, send
from ntm_analysis.pipeline.cli import main
from ntm_analysis.errors import ConfigError, SendError, UnitError

PASSWORD = "s3cret-" + secrets.token_hex(8)
USER = "ntm-office"


# --------------------------------------------------------------------------------------------------------------
# A small pack: pages of known size, mostly incompressible so that zipping helps but not enough
# --------------------------------------------------------------------------------------------------------------


def page(unit: str, kind: str, kbytes: int) -> bytes:
    """An HTML page of about `kbytes` KB whose body is random hex (deflates to about half)."""
    rng = hashlib.sha256(f"{unit}{kind}".encode()).digest()
    body = "".join(hashlib.sha256(rng + i.to_bytes(4, "big")).hexdigest() for i in range(kbytes * 1000 // 64))
    return f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{unit}</title></head>' \
           f"<body><p>{body}</p></body></html>".encode()


def make_pack(folder: Path, *, units=("04", "040", "042"), kinds=("evaluation",), kbytes=150,
              synthetic=True) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for unit in units:
        for kind in kinds:
            data = page(unit, kind, kbytes)
            (folder / build.report_filename(unit, kind, "vi")).write_bytes(data)
            entries.append(build.report_entry(
                unit=unit, report=kind, lang="vi", html_bytes=data, title=build.default_title(unit, kind, "vi"),
                headlines=[{"label": "Xã đạt chuẩn <NTM>", "value": "17", "note": "trên 139 xã"}]))
    manifest = build.assemble_manifest(reports=entries, inputs=[], lang="vi", synthetic=synthetic)
    (folder / build.MANIFEST).write_text(build.manifest_json(manifest), encoding="utf-8")
    return manifest


@pytest.fixture()
def pack(tmp_path) -> Path:
    make_pack(tmp_path / "pack")
    return tmp_path / "pack"


def attachments(raw: bytes) -> dict[str, bytes]:
    """Every report carried by a message (zips opened), by file name."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    found = {}
    for part in msg.iter_attachments():
        data = part.get_content()
        if part.get_content_type() == "application/zip":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                assert archive.testzip() is None
                found.update({name: archive.read(name) for name in archive.namelist()})
        else:
            assert part.get_content_type() == "text/html"
            found[part.get_filename()] = data if isinstance(data, bytes) else data.encode()
    return found


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------------------------
# Composing
# --------------------------------------------------------------------------------------------------------------


def test_one_message_with_html_when_it_fits(pack):
    manifest = send.load_manifest(pack)
    files = send.read_reports(pack, manifest["reports"])
    messages = send.compose(manifest, files, to=["a@example.org"], sender="office@example.org")
    assert len(messages) == 1
    raw = messages[0].as_bytes(policy=policy.SMTP)
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert "(1/" not in msg["Subject"]
    assert [p.get_content_type() for p in msg.iter_attachments()] == ["text/html"] * 3
    got = attachments(raw)
    assert {name: sha(data) for name, data in got.items()} == {r["path"]: r["sha256"] for r in manifest["reports"]}
    # Both bodies: title, headline figures, synthetic notice; the HTML body escapes and has no script.
    text = msg.get_body(("plain",)).get_content()
    body = msg.get_body(("html",)).get_content()
    assert "Xã đạt chuẩn <NTM>: 17 (trên 139 xã)" in text and "DỮ LIỆU MÔ PHỎNG" in text
    assert "Xã đạt chuẩn &lt;NTM&gt;" in body and "<script" not in body.lower() and "DỮ LIỆU MÔ PHỎNG" in body


def test_no_synthetic_notice_for_real_data(tmp_path):
    manifest = make_pack(tmp_path / "p", synthetic=False, kbytes=5)
    files = send.read_reports(tmp_path / "p", manifest["reports"])
    msg = send.compose(manifest, files, to=["a@example.org"])[0]
    assert "MÔ PHỎNG" not in msg.get_body(("plain",)).get_content()


def test_zips_when_html_is_too_big(pack):
    manifest = send.load_manifest(pack)
    files = send.read_reports(pack, manifest["reports"])
    # 3 pages of 150 KB: ~610 KB as base64 HTML, ~330 KB zipped.
    messages = send.compose(manifest, files, to=["a@example.org"], max_bytes=450_000)
    assert len(messages) == 1
    raw = messages[0].as_bytes(policy=policy.SMTP)
    assert len(raw) <= 450_000
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert [p.get_filename() for p in msg.iter_attachments()] == ["bao_cao_ntm.zip"]
    assert {n: sha(d) for n, d in attachments(raw).items()} == {r["path"]: r["sha256"] for r in manifest["reports"]}


def test_splits_into_numbered_messages_under_the_limit(pack):
    manifest = send.load_manifest(pack)
    files = send.read_reports(pack, manifest["reports"])
    limit = 160_000  # one zipped page (~110 KB) fits, two do not; a page as HTML (~205 KB) does not
    messages = send.compose(manifest, files, to=["a@example.org"], max_bytes=limit)
    assert len(messages) == 3
    received = {}
    for i, message in enumerate(messages, start=1):
        raw = message.as_bytes(policy=policy.SMTP)
        assert len(raw) <= limit
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        assert msg["Subject"].endswith(f"({i}/3)")
        assert [p.get_content_type() for p in msg.iter_attachments()] == ["application/zip"]
        received.update(attachments(raw))
    assert {n: sha(d) for n, d in received.items()} == {r["path"]: r["sha256"] for r in manifest["reports"]}


def test_a_report_too_big_even_zipped_is_refused(pack):
    manifest = send.load_manifest(pack)
    files = send.read_reports(pack, manifest["reports"])
    with pytest.raises(SendError, match=r"04_evaluation_vi\.html .* does not fit .* even zipped"):
        send.compose(manifest, files, to=["a@example.org"], max_bytes=60_000)


def test_zip_is_deterministic():
    files = {"b.html": b"<p>b</p>" * 100, "a.html": b"<p>a</p>" * 100}
    first = send.zip_bytes(files)
    assert first == send.zip_bytes(dict(reversed(files.items())))
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["a.html", "b.html"]
        assert {i.date_time for i in archive.infolist()} == {send.ZIP_DATE}


def test_select_by_unit(pack):
    manifest = send.load_manifest(pack)
    assert [r["unit"] for r in send.select(manifest, ["042", "04"])] == ["04", "042"]
    with pytest.raises(UnitError):
        send.select(manifest, ["../x"])
    with pytest.raises(SendError, match="no report for unit"):
        send.select(manifest, ["053"])


def test_a_changed_report_is_refused(pack):
    manifest = send.load_manifest(pack)
    (pack / "040_evaluation_vi.html").write_bytes(b"<p>edited</p>")
    with pytest.raises(SendError, match="sha256"):
        send.read_reports(pack, manifest["reports"])


def test_missing_pack(tmp_path):
    with pytest.raises(SendError, match="ntm build"):
        send.load_manifest(tmp_path)


# --------------------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------------------

FULL_ENV = {"NTM_SMTP_HOST": "127.0.0.1", "NTM_SMTP_PORT": "2525", "NTM_SMTP_USER": USER,
            "NTM_SMTP_PASSWORD": PASSWORD, "NTM_SMTP_FROM": "office@example.org"}


def test_settings_from_environment_and_file(tmp_path):
    ini = tmp_path / "mail.ini"
    ini.write_text("[smtp]\nhost = mail.example.org\nport = 587\nuser = fileuser\npassword = filepass\n"
                   "from = file@example.org\n", encoding="utf-8")
    s = send.settings(config=ini, environ={})
    assert (s.host, s.port, s.user, s.password, s.sender) == ("mail.example.org", 587, "fileuser", "filepass",
                                                              "file@example.org")
    s = send.settings(config=ini, environ={"NTM_SMTP_HOST": "env.example.org", "NTM_SMTP_PASSWORD": PASSWORD})
    assert (s.host, s.user, s.password) == ("env.example.org", "fileuser", PASSWORD)  # environment wins
    assert PASSWORD not in repr(s)


@pytest.mark.parametrize("missing", ["NTM_SMTP_HOST", "NTM_SMTP_USER", "NTM_SMTP_PASSWORD", "NTM_SMTP_FROM"])
def test_missing_setting_names_the_variable_not_values(missing):
    env = {k: v for k, v in FULL_ENV.items() if k != missing}
    with pytest.raises(ConfigError) as info:
        send.settings(environ=env)
    assert missing in str(info.value)
    assert PASSWORD not in str(info.value) and USER not in str(info.value)


def test_bad_port():
    with pytest.raises(ConfigError, match="NTM_SMTP_PORT"):
        send.settings(environ={**FULL_ENV, "NTM_SMTP_PORT": "smtp"})


# --------------------------------------------------------------------------------------------------------------
# A real SMTP server on loopback
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost (openssl CLI)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key


class Mailbox:
    def __init__(self, password: str = PASSWORD):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[str, bool]] = []
        self.password = password
        self.drop_at: int | None = None  # drop the connection when this message (1-based) arrives, once

    async def handle_DATA(self, server, session, envelope):
        if self.drop_at is not None and len(self.messages) + 1 == self.drop_at:
            self.drop_at = None
            server.transport.abort()  # the connection drops: no reply to this message
            return "421 dropped"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
            and auth_data.password == self.password.encode("utf-8")
        self.logins.append((mechanism, ok))
        return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(box: Mailbox, certificate):
    """Serve `box` on a loopback port: STARTTLS required, AUTH required (only after TLS), credentials checked."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True,
                            auth_required=True, auth_require_tls=True, authenticator=box.authenticator)
    controller.start()
    box.port, box.cafile = controller.port, str(cert)
    yield box
    controller.stop()


@pytest.fixture()
def smtp_server(certificate):
    """STARTTLS required, AUTH required (only after TLS), credentials checked."""
    yield from serving(Mailbox(), certificate)


@pytest.fixture()
def plain_server():
    """A server that offers no STARTTLS."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), auth_require_tls=False,
                            authenticator=box.authenticator)
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


def server_settings(box, **changes) -> send.Settings:
    values = dict(host="127.0.0.1", port=box.port, user=USER, password=PASSWORD, sender="office@example.org",
                  cafile=getattr(box, "cafile", None))
    values.update(changes)
    return send.Settings(**values)


def test_delivers_over_starttls_and_attachments_match_the_manifest(pack, smtp_server, capfd, caplog):
    manifest = send.load_manifest(pack)
    files = send.read_reports(pack, manifest["reports"])
    messages = send.compose(manifest, files, to=["a@example.org", "b@example.org"], sender="office@example.org",
                            max_bytes=160_000)
    send.deliver(messages, to=["a@example.org", "b@example.org"], settings=server_settings(smtp_server))

    assert smtp_server.logins and all(ok for _, ok in smtp_server.logins)
    assert len(smtp_server.messages) == 3
    received = {}
    for mail_from, rcpt, raw in smtp_server.messages:
        assert mail_from == "office@example.org" and rcpt == ["a@example.org", "b@example.org"]
        assert len(raw) <= 160_000
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        assert msg["From"] == "office@example.org"
        received.update(attachments(raw))
    assert {n: sha(d) for n, d in received.items()} == {r["path"]: r["sha256"] for r in manifest["reports"]}
    out = capfd.readouterr()
    assert PASSWORD not in out.out + out.err + caplog.text


def test_wrong_password_is_a_send_error_without_the_password(pack, smtp_server):
    manifest = send.load_manifest(pack)
    files = send.read_reports(pack, manifest["reports"])
    messages = send.compose(manifest, files, to=["a@example.org"])
    wrong = PASSWORD + "-wrong"
    with pytest.raises(SendError, match="refused the login") as info:
        send.deliver(messages, to=["a@example.org"], settings=server_settings(smtp_server, password=wrong))
    assert wrong not in str(info.value) and PASSWORD not in str(info.value)
    assert smtp_server.messages == []


def test_untrusted_certificate_is_refused(pack, smtp_server):
    manifest = send.load_manifest(pack)
    files = send.read_reports(pack, manifest["reports"])
    messages = send.compose(manifest, files, to=["a@example.org"])
    with pytest.raises(SendError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        send.deliver(messages, to=["a@example.org"], settings=server_settings(smtp_server, cafile=None))
    assert smtp_server.logins == [] and smtp_server.messages == []


def test_server_without_starttls_is_refused_before_login(pack, plain_server):
    manifest = send.load_manifest(pack)
    files = send.read_reports(pack, manifest["reports"])
    messages = send.compose(manifest, files, to=["a@example.org"])
    with pytest.raises(SendError, match="STARTTLS"):
        send.deliver(messages, to=["a@example.org"], settings=server_settings(plain_server))
    assert plain_server.logins == [] and plain_server.messages == []


# --------------------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------------------


def test_cli_dry_run_writes_eml_files(pack, tmp_path, monkeypatch):
    for variable in FULL_ENV:
        monkeypatch.delenv(variable, raising=False)
    eml = tmp_path / "mail"
    result = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--pack", str(pack), "--dry-run",
                                       "--eml-dir", str(eml), "--max-size", "0.16", "--unit", "04",
                                       "--unit", "042"])
    assert result.exit_code == 0, result.output
    files = sorted(eml.glob("*.eml"))
    assert [f.name for f in files] == ["ntm_reports_1_of_2.eml", "ntm_reports_2_of_2.eml"]
    for file in files:
        assert str(file) in result.output
        assert file.stat().st_size <= 160_000
    received = {}
    for file in files:
        received.update(attachments(file.read_bytes()))
    assert sorted(received) == ["042_evaluation_vi.html", "04_evaluation_vi.html"]


def test_cli_sends_with_environment_settings(pack, smtp_server, monkeypatch):
    env = {**FULL_ENV, "NTM_SMTP_PORT": str(smtp_server.port), "NTM_SMTP_CAFILE": smtp_server.cafile}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--pack", str(pack)])
    assert result.exit_code == 0, result.output
    assert "Đã gửi 1 thư tới a@example.org." in result.output
    assert len(smtp_server.messages) == 1
    assert PASSWORD not in result.output + (result.stderr or "")


def test_cli_send_with_a_config_file(pack, smtp_server, monkeypatch, tmp_path):
    for variable in FULL_ENV:
        monkeypatch.delenv(variable, raising=False)
    ini = tmp_path / "smtp.ini"
    ini.write_text(f"[smtp]\nhost = 127.0.0.1\nport = {smtp_server.port}\nuser = {USER}\npassword = {PASSWORD}\n"
                   f"from = office@example.org\ncafile = {smtp_server.cafile}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--pack", str(pack), "--config", str(ini)])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 1 and PASSWORD not in result.output


def test_cli_missing_settings_exit_2(pack, monkeypatch):
    for variable in FULL_ENV:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NTM_SMTP_PASSWORD", PASSWORD)
    result = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--pack", str(pack)])
    assert result.exit_code == 2
    assert "NTM_SMTP_HOST" in result.output and PASSWORD not in result.output


def test_cli_refuses_plain_server(pack, plain_server, monkeypatch):
    for key, value in {**FULL_ENV, "NTM_SMTP_PORT": str(plain_server.port)}.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--pack", str(pack)])
    assert result.exit_code == 1
    assert "STARTTLS" in result.output and PASSWORD not in result.output
    assert plain_server.messages == []


def test_cli_rejects_bad_address_and_unit(pack):
    result = CliRunner().invoke(main, ["send", "--to", "not-an-address", "--pack", str(pack), "--dry-run"])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--unit", "../x", "--pack", str(pack),
                                       "--dry-run"])
    assert result.exit_code == 2 and "unknown unit code" in result.output


# --------------------------------------------------------------------------------------------------------------
# Strict addresses, credentials as given, partial deliveries and --resume
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["bcd@example.vn", "BCĐ Cao Bằng <bcd@example.vn>", "a.b+c@sub.example.org"])
def test_one_address_is_accepted(value):
    assert send.parse_address(value)[1] == value.rpartition("<")[2].rstrip(">")


@pytest.mark.parametrize("value", [
    "evil@x>,<bcd@y", "evil@x.vn>,<bcd@y.vn", "a@example.org, b@example.org", "a@example.org;b@example.org",
    "<a@example.org", "a@example.org>", "Name <a@example.org> x", "not-an-address", "a@localhost", "@example.org",
    "a@@example.org", " a@example.org", "a@example.org\r\nBcc: x@example.org", "", "<>", '"x@y.vn" <a@example.org>',
])
def test_anything_but_exactly_one_address_is_refused(value):
    with pytest.raises(ConfigError, match="refused"):
        send.parse_address(value)


def test_cli_refuses_a_smuggled_second_recipient(pack, smtp_server, monkeypatch):
    for key, value in {**FULL_ENV, "NTM_SMTP_PORT": str(smtp_server.port), "NTM_SMTP_CAFILE": smtp_server.cafile}.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["send", "--to", "evil@x.vn>,<bcd@y.vn", "--pack", str(pack)])
    assert result.exit_code == 2 and "refused" in result.output
    assert smtp_server.messages == [] and smtp_server.logins == []


def test_the_from_address_is_validated():
    with pytest.raises(ConfigError, match="NTM_SMTP_FROM"):
        send.settings(environ={**FULL_ENV, "NTM_SMTP_FROM": "evil@x.vn>,<office@example.org"})
    with pytest.raises(ConfigError, match="NTM_SMTP_FROM"):
        send.sender(environ={"NTM_SMTP_FROM": "office"})
    assert send.settings(environ={**FULL_ENV, "NTM_SMTP_FROM": "VPĐP <office@example.org>"}).sender == \
        "VPĐP <office@example.org>"


UNICODE_PASSWORD = "  mật khẩu ✓ Ωmega€  "  # spaces at both ends belong to it


def test_credentials_are_kept_as_given(tmp_path):
    s = send.settings(environ={**FULL_ENV, "NTM_SMTP_PASSWORD": UNICODE_PASSWORD, "NTM_SMTP_USER": " user "})
    assert s.password == UNICODE_PASSWORD and s.user == " user "
    ini = tmp_path / "smtp.ini"
    ini.write_text(f'[smtp]\nhost = h.example.org\nuser = u\nfrom = o@example.org\npassword = "{UNICODE_PASSWORD}"\n',
                   encoding="utf-8")
    assert send.settings(config=ini, environ={}).password == UNICODE_PASSWORD


@pytest.fixture()
def unicode_server(certificate):
    yield from serving(Mailbox(password=UNICODE_PASSWORD), certificate)


def test_a_unicode_password_logs_in_in_utf8(pack, unicode_server):
    manifest = send.load_manifest(pack)
    messages = send.compose(manifest, send.read_reports(pack, manifest["reports"]), to=["a@example.org"])
    send.deliver(messages, to=["a@example.org"], settings=server_settings(unicode_server, password=UNICODE_PASSWORD))
    assert unicode_server.logins[-1][1] and len(unicode_server.messages) == 1
    assert unicode_server.logins[-1][0] in {"PLAIN", "LOGIN"}


def test_a_wrong_unicode_password_is_never_echoed_even_in_part(pack, unicode_server, monkeypatch):
    wrong = UNICODE_PASSWORD.strip() + "ß"
    for key, value in {**FULL_ENV, "NTM_SMTP_PORT": str(unicode_server.port), "NTM_SMTP_CAFILE": unicode_server.cafile,
                       "NTM_SMTP_PASSWORD": wrong}.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--pack", str(pack)])
    assert result.exit_code == 1 and "refused the login" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    for char in set(wrong) - set("  abcdefghijklmnopqrstuvwxyz"):  # not one of its rarer characters
        assert char not in result.output, char
    assert unicode_server.messages == []


def test_a_dropped_connection_is_a_partial_delivery_and_resume_sends_only_the_rest(tmp_path, smtp_server, monkeypatch):
    pack = tmp_path / "pack4"
    make_pack(pack, units=("04", "040", "042", "045"))
    for key, value in {**FULL_ENV, "NTM_SMTP_PORT": str(smtp_server.port), "NTM_SMTP_CAFILE": smtp_server.cafile}.items():
        monkeypatch.setenv(key, value)
    args = ["send", "--to", "a@example.org", "--to", "b@example.org", "--pack", str(pack), "--max-size", "0.16"]
    smtp_server.drop_at = 2  # the connection drops when message 2 of 4 arrives
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3, result.output
    assert "PARTIAL DELIVERY" in result.output and "1/4 to a@example.org, b@example.org" in result.output
    assert "NOT sent: 2/4, 3/4, 4/4" in result.output and "--resume" in result.output
    assert len(smtp_server.messages) == 1
    log = send.send_log_path(pack)
    assert [json.loads(line)["part"] for line in log.read_text(encoding="utf-8").splitlines()] == [1]

    result = CliRunner().invoke(main, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert "Bỏ qua 1 thư" in result.output and "Đã gửi 3 thư" in result.output
    subjects = [BytesParser(policy=policy.default).parsebytes(raw)["Subject"] for _, _, raw in smtp_server.messages]
    assert len(subjects) == 4 and len(set(subjects)) == 4  # each message once: no duplicates
    assert sorted(s[-5:] for s in subjects) == ["(1/4)", "(2/4)", "(3/4)", "(4/4)"]

    result = CliRunner().invoke(main, [*args, "--resume"])  # nothing left to send
    assert result.exit_code == 0 and "Bỏ qua 4 thư" in result.output and len(smtp_server.messages) == 4


def test_resume_sends_to_a_new_recipient_only(tmp_path, smtp_server, monkeypatch):
    pack = tmp_path / "p"
    make_pack(pack, kbytes=5)
    for key, value in {**FULL_ENV, "NTM_SMTP_PORT": str(smtp_server.port), "NTM_SMTP_CAFILE": smtp_server.cafile}.items():
        monkeypatch.setenv(key, value)
    assert CliRunner().invoke(main, ["send", "--to", "a@example.org", "--pack", str(pack)]).exit_code == 0
    result = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--to", "c@example.org", "--pack", str(pack),
                                       "--resume"])
    assert result.exit_code == 0, result.output
    assert [rcpt for _, rcpt, _ in smtp_server.messages] == [["a@example.org"], ["c@example.org"]]


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e9", "0.001", "ten"])
def test_max_size_is_validated(pack, value):
    result = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--pack", str(pack), "--dry-run",
                                       "--max-size", value])
    assert result.exit_code == 2 and "--max-size" in result.output


def test_an_unwritable_eml_folder_is_a_send_error(pack, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["send", "--to", "a@example.org", "--pack", str(pack), "--dry-run",
                                       "--eml-dir", str(blocker / "mail")])
    assert result.exit_code == 1 and "cannot write the .eml files" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
