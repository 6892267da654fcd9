"""`ntm send`: email a built report pack to the steering committee.

Messages are composed from the pack's manifest: a plain-text and a simple HTML body (title, the headline figures of
each attached report, the synthetic-data notice when it applies) and the reports attached. Each message stays under
a size limit: the pages are attached as they are when they fit, zipped (a deterministic zip) when that fits, and
spread over several numbered messages "(1/2)" otherwise. Sending uses SMTP with STARTTLS, always; settings come from
environment variables or an INI file, and credentials are used exactly as given (any Unicode: AUTH is sent
in UTF-8), never trimmed, never printed or logged, not even in part.

Every run appends to a send log beside the pack (`<pack>.send-log.jsonl`): which message (by a key computed from
its subject and attachments) went to which recipients. `resume=True` sends only what the log does not record as
delivered, so a retry after a dropped connection sends no duplicates; a partial delivery raises PartialDelivery.
"""

from __future__ import annotations

import base64
import configparser
import datetime as dt
import hashlib
import hmac
import html
import io
import json
import math
import os
import re
import smtplib
import ssl
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path

from . import i18n, paths, reference
from .errors import ConfigError, PartialDelivery, SendError, clean

DEFAULT_MAX_MB = 10.0
#: --max-size bounds, in MB: a message needs room for its headers and bodies; no server takes more than this.
MIN_MAX_MB, MAX_MAX_MB = 0.05, 1000.0
MB = 1_000_000  # bytes per MB for --max-size (decimal: stays under the limit whichever way a server counts)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same reports give the same zip bytes

#: Setting → (environment variable, key in the [smtp] section of the config file).
SETTINGS = {
    "host": ("NTM_SMTP_HOST", "host"),
    "port": ("NTM_SMTP_PORT", "port"),
    "user": ("NTM_SMTP_USER", "user"),
    "password": ("NTM_SMTP_PASSWORD", "password"),
    "sender": ("NTM_SMTP_FROM", "from"),
    "cafile": ("NTM_SMTP_CAFILE", "cafile"),
}
DEFAULT_PORT = 587

LABELS = {
    "subject": {
        "vi": "Báo cáo nông thôn mới tỉnh Cao Bằng: {count} báo cáo",
        "en": "New Rural Development reports, Cao Bằng province: {count} report(s)",
    },
    "title": {
        "vi": "Báo cáo Chương trình xây dựng nông thôn mới tỉnh Cao Bằng",
        "en": "New Rural Development programme reports, Cao Bằng province",
    },
    "part": {"vi": "Thư {part}/{parts}", "en": "Message {part} of {parts}"},
    "synthetic": {
        "vi": "DỮ LIỆU MÔ PHỎNG: số liệu cấp xã dùng trong các báo cáo này là dữ liệu tổng hợp để minh họa, "
        "KHÔNG phải số liệu chính thức.",
        "en": "SYNTHETIC DATA: the commune-level figures used in these reports are synthetic demonstration data, "
        "NOT official figures.",
    },
    "attached_html": {
        "vi": "Đính kèm {count} báo cáo dạng HTML. Mở tệp bằng trình duyệt; báo cáo không cần kết nối mạng.",
        "en": "{count} report(s) attached as HTML. Open them in a web browser; they work offline.",
    },
    "attached_zip": {
        "vi": "Đính kèm {count} báo cáo, nén trong tệp {file}. Giải nén rồi mở tệp HTML bằng trình duyệt; "
        "báo cáo không cần kết nối mạng.",
        "en": "{count} report(s) attached, zipped in {file}. Unzip, then open the HTML files in a web browser; "
        "they work offline.",
    },
    "file": {"vi": "Tệp", "en": "File"},
    "zip_name": {"vi": "bao_cao_ntm", "en": "ntm_reports"},
}


def t(key: str, lang: str, **values) -> str:
    return i18n.text(LABELS, key, lang, **values)


# --------------------------------------------------------------------------------------------------------------
# Addresses and sizes
# --------------------------------------------------------------------------------------------------------------

_LOCAL = r"[^\s@<>()\[\]\\,;:\"]+"
_LABEL = r"[^\s@<>()\[\]\\,;:\".]+"
_ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")


def parse_address(value: str, *, what: str = "recipient") -> tuple[str, str]:
    """(display name, address) of a value that is exactly one address under email.utils rules, e.g.
    'bcd@example.vn' or 'BCĐ <bcd@example.vn>'. Anything else — two addresses, a stray '<', '>' or ',', no
    domain, control characters — raises ConfigError: 'evil@x>,<bcd@y' is refused, not half-read."""
    text = str(value)
    problem = None
    if not text or text != text.strip() or any(ord(c) < 32 or ord(c) == 127 for c in text):
        problem = "spaces around it or control characters"
    else:
        parsed = getaddresses([text])
        addresses = [(name, addr) for name, addr in parsed if name or addr]
        if len(parsed) != 1 or len(addresses) != 1:
            problem = "it is not exactly one address"
        else:
            name, addr = addresses[0]
            if text.count("@") != 1 or not _ADDRESS.fullmatch(addr):
                problem = "it is not exactly one address of the form name@domain.tld"
            elif text.count("<") + text.count(">") not in (0, 2) or (text.count("<") and not text.endswith(">")):
                problem = "unbalanced angle brackets"
    if problem:
        raise ConfigError(f"{what} {clean(repr(text))} refused: {problem}")
    return name, addr


def check_max_size(megabytes: float) -> float:
    """A usable --max-size in MB (a finite number between MIN_MAX_MB and MAX_MAX_MB); else ConfigError."""
    try:
        value = float(megabytes)
    except (TypeError, ValueError):
        raise ConfigError(f"--max-size must be a number of MB, not {clean(repr(megabytes))}") from None
    if not math.isfinite(value) or not MIN_MAX_MB <= value <= MAX_MAX_MB:
        raise ConfigError(f"--max-size must be between {MIN_MAX_MB:g} and {MAX_MAX_MB:g} MB, not {value:g}")
    return value


# --------------------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """SMTP settings. The password never appears in repr() (and so never in logs or tracebacks' locals)."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    sender: str = ""
    cafile: str | None = None


def _file_settings(config: Path | str | None) -> dict[str, str]:
    """The [smtp] section of an INI file. A value in double quotes is taken verbatim inside them (so that a
    password may begin or end with spaces, which INI files otherwise drop)."""
    if config is None:
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(config, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        # The exception's text may quote a line of the file (a password): name its type only.
        raise ConfigError(f"cannot read the config file {clean(config)}: {type(exc).__name__}") from None
    if not parser.has_section("smtp"):
        raise ConfigError(f"the config file {clean(config)} has no [smtp] section")
    values = {}
    for key, value in parser.items("smtp"):
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values[key] = value
    return values


#: Settings used exactly as given: never trimmed (a space can be part of a password).
VERBATIM = {"user", "password"}


def _lookup(name: str, environ: Mapping[str, str], file: Mapping[str, str]) -> str | None:
    """Environment first, then the config file; empty counts as missing. Credentials are kept as they are;
    other settings lose surrounding spaces (blank = missing)."""
    variable, key = SETTINGS[name]
    value = environ.get(variable)
    if value is None or value == "":
        value = file.get(key)
    if value is None or value == "":
        return None
    if name in VERBATIM:
        return value
    return value.strip() or None


def settings(*, config: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """SMTP settings from the environment (NTM_SMTP_*) or the [smtp] section of `config`; the environment wins.

    A missing setting raises ConfigError naming the variable, never a value.
    """
    environ = os.environ if environ is None else environ
    file = _file_settings(config)
    values = {}
    for name in ("host", "user", "password", "sender"):
        value = _lookup(name, environ, file)
        if value is None:
            variable, key = SETTINGS[name]
            where = f" (or '{key}' in the [smtp] section of {config})" if config else ""
            raise ConfigError(f"missing SMTP setting: set {variable}{where}")
        values[name] = value
    parse_address(values["sender"], what=SETTINGS["sender"][0])
    port = _lookup("port", environ, file) or str(DEFAULT_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{SETTINGS['port'][0]} must be a port number between 1 and 65535")
    cafile = _lookup("cafile", environ, file)
    if cafile and not Path(cafile).is_file():
        raise ConfigError(f"{SETTINGS['cafile'][0]} does not name a readable file")
    return Settings(port=int(port), cafile=cafile, **values)


def sender(*, config: Path | str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """Just the From address, if configured (a dry run needs nothing else); validated like a recipient."""
    value = _lookup("sender", os.environ if environ is None else environ, _file_settings(config))
    if value is not None:
        parse_address(value, what=SETTINGS["sender"][0])
    return value


# --------------------------------------------------------------------------------------------------------------
# Reading a pack
# --------------------------------------------------------------------------------------------------------------


def load_manifest(pack: Path | str) -> dict:
    file = Path(pack) / "manifest.json"
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SendError(f"no report pack at {pack}: {file.name} is missing (build one with `ntm build`)") from None
    except (OSError, ValueError) as exc:
        raise SendError(f"cannot read {file}: {exc}") from None


def select(manifest: dict, units: Iterable[str] | None = None) -> list[dict]:
    """The manifest's reports for `units` (validated codes; None → all), in manifest order."""
    reports = manifest["reports"]
    if units is None:
        return list(reports)
    wanted = list(dict.fromkeys(reference.check_unit(u) for u in units))
    missing = [u for u in wanted if not any(r["unit"] == u for r in reports)]
    if missing:
        raise SendError(f"the pack has no report for unit(s) {', '.join(missing)}")
    return [r for r in reports if r["unit"] in wanted]


def read_reports(pack: Path | str, reports: list[dict]) -> dict[str, bytes]:
    """Each report's bytes, checked against the manifest's sha256 (a changed or missing file is refused)."""
    root = Path(pack).resolve()
    files = {}
    for entry in reports:
        file = (root / entry["path"]).resolve()
        if file.parent != root:
            raise SendError(f"manifest path {entry['path']!r} points outside the pack")
        try:
            data = file.read_bytes()
        except OSError:
            raise SendError(f"report {entry['path']} listed in the manifest is missing from {root}") from None
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise SendError(f"report {entry['path']} does not match its sha256 in the manifest; rebuild the pack")
        files[entry["path"]] = data
    return files


# --------------------------------------------------------------------------------------------------------------
# Composing messages (pure: no disk, no network)
# --------------------------------------------------------------------------------------------------------------


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """A deterministic zip: names sorted, fixed timestamps and permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def _body_text(manifest: dict, group: list[dict], *, lang: str, attached: str, part: int, parts: int) -> str:
    lines = [t("title", lang)]
    if parts > 1:
        lines.append(t("part", lang, part=part, parts=parts))
    lines.append("")
    if manifest.get("synthetic"):
        lines += [t("synthetic", lang), ""]
    lines += [attached, ""]
    for entry in group:
        lines.append(f"{entry['title']}")
        lines.append(f"  {t('file', lang)}: {entry['path']}")
        for item in entry.get("headlines", []):
            note = f" ({item['note']})" if item.get("note") else ""
            lines.append(f"  - {item['label']}: {item['value']}{note}")
        lines.append("")
    return "\n".join(lines)


def _body_html(manifest: dict, group: list[dict], *, lang: str, attached: str, part: int, parts: int) -> str:
    e = html.escape
    out = [f'<!DOCTYPE html><html lang="{e(lang)}"><head><meta charset="utf-8"><title>{e(t("title", lang))}</title>'
           "</head><body style=\"font-family:Arial,sans-serif;color:#1f2933;max-width:44rem\">",
           f"<h1 style=\"font-size:1.3rem\">{e(t('title', lang))}</h1>"]
    if parts > 1:
        out.append(f"<p>{e(t('part', lang, part=part, parts=parts))}</p>")
    if manifest.get("synthetic"):
        out.append('<p style="background:#fff4e5;border-left:4px solid #c2410c;padding:.5rem .8rem;font-weight:bold">'
                   f"{e(t('synthetic', lang))}</p>")
    out.append(f"<p>{e(attached)}</p>")
    for entry in group:
        out.append(f"<h2 style=\"font-size:1.05rem;margin-bottom:.2rem\">{e(entry['title'])}</h2>")
        out.append(f"<p style=\"margin-top:0;color:#52606d\">{e(t('file', lang))}: {e(entry['path'])}</p>")
        if entry.get("headlines"):
            out.append('<table style="border-collapse:collapse">')
            for item in entry["headlines"]:
                note = f" <span style=\"color:#7b8794\">({e(item['note'])})</span>" if item.get("note") else ""
                out.append(f"<tr><td style=\"padding:.1rem .8rem .1rem 0\">{e(item['label'])}</td>"
                           f"<td style=\"font-weight:bold\">{e(item['value'])}{note}</td></tr>")
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def message(manifest: dict, group: list[dict], files: Mapping[str, bytes], *, to: list[str], sender: str | None,
            zipped: bool, part: int = 1, parts: int = 1) -> EmailMessage:
    """One message carrying `group`'s reports, as HTML files or in one zip."""
    lang = manifest["lang"]
    if zipped:
        name = t("zip_name", lang) + (f"_{part}" if parts > 1 else "") + ".zip"
        attachments = [(name, zip_bytes({e["path"]: files[e["path"]] for e in group}), "application", "zip")]
        attached = t("attached_zip", lang, count=len(group), file=name)
    else:
        attachments = [(e["path"], files[e["path"]], "text", "html") for e in group]
        attached = t("attached_html", lang, count=len(group))

    msg = EmailMessage()
    subject = t("subject", lang, count=len(group))
    msg["Subject"] = subject + (f" ({part}/{parts})" if parts > 1 else "")
    if sender:
        msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2] if sender and "@" in sender else "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(_body_text(manifest, group, lang=lang, attached=attached, part=part, parts=parts))
    msg.add_alternative(_body_html(manifest, group, lang=lang, attached=attached, part=part, parts=parts),
                        subtype="html")
    for filename, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def size(msg: EmailMessage) -> int:
    """Bytes on the wire (CRLF line ends)."""
    return len(msg.as_bytes(policy=SMTP_POLICY))


def compose(manifest: dict, files: Mapping[str, bytes], *, to: list[str], sender: str | None = None,
            units: Iterable[str] | None = None, max_bytes: int = int(DEFAULT_MAX_MB * MB)) -> list[EmailMessage]:
    """The fewest messages under `max_bytes` carrying the selected reports: all in one message (as HTML, else
    zipped) when possible; otherwise reports are grouped in order, each group as HTML or zipped, "(1/n)".
    A report that does not fit alone even zipped raises SendError."""
    if not to:
        raise SendError("no recipient given")
    reports = select(manifest, units)
    if not reports:
        raise SendError("the pack holds no report to send")

    def fitting(group: list[dict], part: int, parts: int) -> EmailMessage | None:
        for zipped in (False, True):
            msg = message(manifest, group, files, to=to, sender=sender, zipped=zipped, part=part, parts=parts)
            if size(msg) <= max_bytes:
                return msg
        return None

    whole = fitting(reports, 1, 1)
    if whole is not None:
        return [whole]
    # Group with the widest numbering the split could need; real numbers are never wider, so groups still fit.
    widest = len(reports)
    groups: list[list[dict]] = []
    for entry in reports:
        if fitting([entry], widest, widest) is None:
            limit = max_bytes / MB
            raise SendError(f"report {entry['path']} ({len(files[entry['path']]) / MB:.1f} MB) does not fit in a "
                            f"message of {limit:g} MB even zipped; raise --max-size or send it another way")
        if groups and fitting(groups[-1] + [entry], widest, widest) is not None:
            groups[-1].append(entry)
        else:
            groups.append([entry])
    messages = [fitting(group, i, len(groups)) for i, group in enumerate(groups, start=1)]
    if any(m is None for m in messages):  # cannot happen: numbering only got narrower
        raise SendError("could not split the reports under the size limit")
    return messages


# --------------------------------------------------------------------------------------------------------------
# Writing and sending (the only functions here that touch disk or network)
# --------------------------------------------------------------------------------------------------------------


def write_eml(messages: list[EmailMessage], directory: Path | str | None = None) -> list[tuple[Path, int]]:
    """Write each message as an .eml file (default paths.MAIL); returns (path, size in bytes)."""
    folder = Path(directory) if directory is not None else paths.MAIL
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for i, msg in enumerate(messages, start=1):
            file = folder / f"ntm_reports_{i}_of_{len(messages)}.eml"
            data = msg.as_bytes(policy=SMTP_POLICY)
            file.write_bytes(data)
            written.append((file, len(data)))
    except OSError as exc:
        done = f" ({len(written)} of {len(messages)} written)" if written else ""
        raise SendError(f"cannot write the .eml files in {clean(folder)}: {exc.strerror or type(exc).__name__}"
                        f"{done}") from None
    return written


def _scrub(text: str, *secrets: str) -> str:
    """Remove secrets (and their base64 forms, as AUTH sends them) from a message, should a server echo one."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, base64.b64encode(secret.encode("utf-8")).decode()}:
            text = text.replace(form, "***")
    return text


class _SMTP(smtplib.SMTP):
    """smtplib.SMTP with AUTH in UTF-8 (RFC 4954 / RFC 6531): smtplib encodes credentials as ASCII and fails on
    any other character with an error that quotes it."""

    def auth(self, mechanism, authobject, *, initial_response_ok=True):
        mechanism = mechanism.upper()
        initial = authobject() if initial_response_ok else None
        if initial is not None:
            response = base64.b64encode(initial.encode("utf-8")).decode("ascii")
            code, resp = self.docmd("AUTH", mechanism + " " + response)
            self._auth_challenge_count = 1
        else:
            code, resp = self.docmd("AUTH", mechanism)
            self._auth_challenge_count = 0
        while code == 334:
            self._auth_challenge_count += 1
            challenge = base64.decodebytes(resp)
            response = base64.b64encode(authobject(challenge).encode("utf-8")).decode("ascii")
            code, resp = self.docmd(response)
            if self._auth_challenge_count > smtplib._MAXCHALLENGE:
                raise smtplib.SMTPException("the server's AUTH exchange does not end")
        if code in (235, 503):
            return code, resp
        raise smtplib.SMTPAuthenticationError(code, b"")  # the server's text may echo what it was sent

    def auth_cram_md5(self, challenge=None):
        if challenge is None:
            return None
        return self.user + " " + hmac.HMAC(self.password.encode("utf-8"), challenge, "md5").hexdigest()


def message_key(msg: EmailMessage) -> str:
    """What identifies a message across runs: its subject and the bytes of its attachments (Date and Message-ID
    change with every composition, the rest does not)."""
    digest = hashlib.sha256(str(msg["Subject"]).encode("utf-8"))
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        digest.update(b"\0" + str(part.get_filename()).encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def send_log_path(pack: Path | str) -> Path:
    """The send log of a pack: beside it (never inside: the pack holds only what the build wrote)."""
    folder = Path(os.path.realpath(pack))
    return folder.parent / f"{folder.name}.send-log.jsonl"


def delivered(log_file: Path) -> dict[str, set[str]]:
    """{message key: recipients it was delivered to}, from every run recorded in a send log."""
    done: dict[str, set[str]] = {}
    try:
        lines = Path(log_file).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return done
    except (OSError, UnicodeDecodeError) as exc:
        raise SendError(f"cannot read the send log {clean(log_file)}: {type(exc).__name__}") from None
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash: what it would have said was not confirmed
        if isinstance(entry, dict) and entry.get("status") == "sent":
            done.setdefault(str(entry.get("key")), set()).update(map(str, entry.get("to", [])))
    return done


@dataclass
class Delivery:
    """What a run did: per message (part number), who got it; and what was skipped as already delivered."""

    parts: int
    sent: dict[int, list[str]] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)
    refused: dict[int, list[str]] = field(default_factory=dict)


def deliver(messages: list[EmailMessage], *, to: list[str], settings: Settings, timeout: float = 60,
            log_file: Path | str | None = None, resume: bool = False) -> Delivery:
    """Send over SMTP with STARTTLS (required: a server without it is refused before any credential is sent).

    Each delivered message is appended to `log_file` (JSON lines) at once. With `resume`, what the log records as
    delivered is skipped (per recipient). A failure after some messages went raises PartialDelivery, naming what
    went and what did not; a failure before any went raises SendError. Credentials never appear in a message.
    """
    where = f"{settings.host}:{settings.port}"
    recipients = [parse_address(a)[1] for a in to]
    parse_address(settings.sender, what=SETTINGS["sender"][0])
    keys = [message_key(m) for m in messages]
    done = delivered(Path(log_file)) if (resume and log_file is not None) else {}
    todo = [(i, m, [r for r in recipients if r not in done.get(k, set())]) for i, (m, k) in
            enumerate(zip(messages, keys), start=1)]
    result = Delivery(parts=len(messages), skipped=[i for i, _, rest in todo if not rest])
    todo = [(i, m, rest) for i, m, rest in todo if rest]
    if not todo:
        return result
    handle = None
    if log_file is not None:
        try:
            Path(log_file).parent.mkdir(parents=True, exist_ok=True)
            handle = open(log_file, "a", encoding="utf-8")
        except OSError as exc:
            raise SendError(f"cannot write the send log {clean(log_file)} ({exc.strerror}); nothing was sent") from None

    def record(part: int, key: str, accepted: list[str], refused: list[str]) -> None:
        result.sent[part] = accepted
        if refused:
            result.refused[part] = refused
        if handle is not None:
            entry = {"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "status": "sent",
                     "key": key, "part": part, "parts": len(messages), "subject": str(messages[part - 1]["Subject"]),
                     "to": accepted, "refused": refused}
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    failure: str | None = None
    try:
        context = ssl.create_default_context(cafile=settings.cafile)
        with _SMTP(settings.host, settings.port, timeout=timeout) as smtp:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise SendError(f"the mail server {where} does not offer STARTTLS; refusing to send without encryption")
            smtp.starttls(context=context)
            smtp.ehlo()
            smtp.login(settings.user, settings.password)
            for part, msg, rest in todo:
                refused = smtp.send_message(msg, from_addr=parse_address(settings.sender)[1], to_addrs=rest)
                record(part, keys[part - 1], [r for r in rest if r not in refused], sorted(refused))
    except SendError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        failure = (f"the mail server {where} refused the login (code {exc.smtp_code}); check "
                   f"{SETTINGS['user'][0]} and {SETTINGS['password'][0]}")
    except UnicodeError:  # its text would quote the offending character
        failure = "a setting or an address cannot be encoded for the mail server"
    except smtplib.SMTPRecipientsRefused as exc:
        failure = f"the mail server {where} refused the recipient(s) {', '.join(sorted(exc.recipients))}"
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        failure = "sending through " + where + " failed: " + _scrub(f"{type(exc).__name__}: {exc}",
                                                                    settings.password, settings.user)
    finally:
        if handle is not None:
            handle.close()
    if failure is None and not result.refused:
        return result
    if failure is None:
        failure = "the mail server refused some recipients"
    if not result.sent and not result.skipped:
        raise SendError(failure)
    went = ", ".join(f"{p}/{len(messages)} to {', '.join(r)}" for p, r in sorted(result.sent.items()) if r)
    left = [f"{i}/{len(messages)}" for i, _, rest in todo
            if i not in result.sent or result.refused.get(i)]
    raise PartialDelivery(f"{failure}. PARTIAL DELIVERY: sent {went or 'nothing in this run'}"
                          + (f" (already sent before: {', '.join(f'{p}/{len(messages)}' for p in result.skipped)})"
                             if result.skipped else "")
                          + f"; NOT sent: {', '.join(left)}", result)
