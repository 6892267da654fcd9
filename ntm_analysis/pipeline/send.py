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

With a recipients file (`read_recipients`, `compose_recipients`) each recipient gets one message addressed to them
alone, holding only their units' reports (named for people: `Hoa_An_danh_gia_2017_2021.html`) and the index, with
a greeting and the headline figures. Every body, plain text and HTML, is rendered from the templates in
templates/mail/ (report.render: autoescaped, the palette's colours inline).
"""

from __future__ import annotations

import base64
import configparser
import datetime as dt
import hashlib
import hmac
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

from ntm_analysis import i18n, paths
from ntm_analysis.data import reference
from ntm_analysis.report import render
from ntm_analysis.errors import ConfigError, DataError, PartialDelivery, Problem, SendError, UnitError, clean

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

LABELS = i18n.catalogue("send")


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


def _summary(manifest: dict, group: list[dict], *, lang: str, attached: str, part: int, parts: int) -> dict:
    """What the bodies of a message to the --to addresses show (templates/mail/summary.*.j2)."""
    return dict(lang=lang, title=t("title", lang), part=t("part", lang, part=part, parts=parts) if parts > 1 else "",
                synthetic=t("synthetic", lang) if manifest.get("synthetic") else "", attached=attached,
                reports=[{"title": e["title"], "filename": e["path"], "headlines": e.get("headlines", [])}
                         for e in group],
                labels={"file": t("file", lang)}, palette=render.palette())


def _body_text(manifest: dict, group: list[dict], *, lang: str, attached: str, part: int, parts: int) -> str:
    return render.render("mail/summary.txt.j2", **_summary(manifest, group, lang=lang, attached=attached, part=part,
                                                           parts=parts))


def _body_html(manifest: dict, group: list[dict], *, lang: str, attached: str, part: int, parts: int) -> str:
    return render.render("mail/summary.html.j2", **_summary(manifest, group, lang=lang, attached=attached, part=part,
                                                            parts=parts))


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
    recipients = [parse_address(a)[1] for a in to]
    return deliver_each([(m, recipients) for m in messages], settings=settings, timeout=timeout,
                        log_file=log_file, resume=resume)


def deliver_each(jobs: list[tuple[EmailMessage, list[str]]], *, settings: Settings, timeout: float = 60,
                 log_file: Path | str | None = None, resume: bool = False, each_alone: bool = False) -> Delivery:
    """Like `deliver`, each message to its own recipients (one SMTP session, one send-log line per message).
    `each_alone`: a message whose recipients the server refuses does not stop the others (one per recipient)."""
    where = f"{settings.host}:{settings.port}"
    parse_address(settings.sender, what=SETTINGS["sender"][0])
    messages = [m for m, _ in jobs]
    keys = [message_key(m) for m in messages]
    done = delivered(Path(log_file)) if (resume and log_file is not None) else {}
    todo = [(i, m, [r for r in (parse_address(a)[1] for a in rcpts) if r not in done.get(k, set())])
            for i, ((m, rcpts), k) in enumerate(zip(jobs, keys), start=1)]
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
                try:
                    refused = smtp.send_message(msg, from_addr=parse_address(settings.sender)[1], to_addrs=rest)
                except smtplib.SMTPRecipientsRefused as exc:
                    if not each_alone:
                        raise
                    refused = exc.recipients  # smtplib has reset the transaction: the session goes on
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
        refused = sorted({r for rs in result.refused.values() for r in rs})
        failure = f"the mail server refused the recipient(s) {', '.join(refused)}"
    if not any(result.sent.values()) and not result.skipped:
        raise SendError(failure)
    went = ", ".join(f"{p}/{len(messages)} to {', '.join(r)}" for p, r in sorted(result.sent.items()) if r)
    left = [f"{i}/{len(messages)}" for i, _, rest in todo
            if i not in result.sent or result.refused.get(i)]
    raise PartialDelivery(f"{failure}. PARTIAL DELIVERY: sent {went or 'nothing in this run'}"
                          + (f" (already sent before: {', '.join(f'{p}/{len(messages)}' for p in result.skipped)})"
                             if result.skipped else "")
                          + f"; NOT sent: {', '.join(left)}", result)


# --------------------------------------------------------------------------------------------------------------
# One message per recipient: `ntm send --recipients FILE`
# --------------------------------------------------------------------------------------------------------------

RECIPIENT_COLUMNS = ("email", "name", "units")  # required; "lang" is optional (default: the pack's language)
_UNIT_SPLIT = re.compile(r"[;\n]+")


@dataclass(frozen=True)
class Recipient:
    """One row of a recipients file: the address part of `email`, the name to greet, unit codes, language."""

    email: str
    name: str
    units: tuple[str, ...]
    lang: str
    row: int


def _units_of(value: str) -> list[str] | None:
    """Unit codes named in a cell: parts separated by semicolons, each a code or name ("Hòa An", "051"); a part
    that is no single unit is read as codes or names separated by spaces ("04 051"). None if anything is unknown."""
    codes = []
    for part in (p.strip() for p in _UNIT_SPLIT.split(value)):
        if not part:
            continue
        try:
            codes.append(reference.resolve_unit(part))
            continue
        except UnitError:
            pass
        try:
            codes.extend(reference.resolve_unit(word) for word in part.split())
        except UnitError:
            return None
    return list(dict.fromkeys(codes))


def read_recipients(file: Path | str, manifest: dict) -> list[Recipient]:
    """Every recipient of a CSV file (UTF-8; columns email, name, units, lang), each row checked against the pack.

    A bad address, an empty name, an unknown unit, a language the pack was not built in, a unit the pack holds no
    report for, or an address given twice is a Problem (file, row, column, value); all are raised together in one
    DataError, and nothing is sent."""
    import csv

    name = str(file)
    problems: list[Problem] = []
    try:
        with open(file, encoding="utf-8-sig", newline="") as handle:
            table = list(csv.reader(handle))
    except FileNotFoundError:
        raise DataError(Problem(name, None, None, None, "recipients file not found")) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(Problem(name, None, None, None, f"cannot read the recipients file as UTF-8 CSV "
                                                        f"({type(exc).__name__})")) from None
    if not table:
        raise DataError(Problem(name, None, None, None, "the recipients file is empty"))
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in RECIPIENT_COLUMNS if c not in header]
    if missing:
        raise DataError([Problem(name, 1, c, None, "required column missing (columns: email, name, units, lang)")
                         for c in missing])
    pack_lang = manifest.get("lang", "vi")
    in_pack = {(r["unit"], r["lang"]) for r in manifest["reports"]}
    recipients, seen = [], {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        row = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)}
        before = len(problems)
        address = row["email"]
        try:
            address = parse_address(address.strip())[1]
        except ConfigError:
            problems.append(Problem(name, number, "email", row["email"], "not exactly one email address"))
        else:
            if address.lower() in seen:
                problems.append(Problem(name, number, "email", row["email"],
                                        f"address already given in row {seen[address.lower()]}"))
            seen.setdefault(address.lower(), number)
        person = row["name"].strip()
        if not person or any(ord(c) < 32 or ord(c) == 127 for c in person):
            problems.append(Problem(name, number, "name", row["name"], "a name to greet is needed (no control "
                                                                       "characters)"))
        lang = (row.get("lang") or "").strip().lower() or pack_lang
        if lang not in i18n.LANGS:
            problems.append(Problem(name, number, "lang", row.get("lang"), f"language must be one of "
                                                                          f"{', '.join(i18n.LANGS)}"))
        codes = _units_of(row["units"])
        if codes is None:
            problems.append(Problem(name, number, "units", row["units"], "unknown unit: expected codes or names "
                                                                         "such as 04, 051, Hòa An"))
        elif not codes:
            problems.append(Problem(name, number, "units", row["units"], "no unit given"))
        elif lang in i18n.LANGS:
            absent = [c for c in codes if (c, lang) not in in_pack]
            if absent:
                problems.append(Problem(name, number, "units", row["units"],
                                        f"the pack holds no report in '{lang}' for "
                                        f"{', '.join(f'{c} {reference.unit_name(c)}' for c in absent)}"))
        if len(problems) == before:
            recipients.append(Recipient(address, person, tuple(codes), lang, number))
    if problems:
        raise DataError(problems)
    if not recipients:
        raise DataError(Problem(name, None, None, None, "the recipients file lists no recipient"))
    return recipients


def ascii_fold(text: str) -> str:
    """'Hòa An' → 'Hoa_An', 'Đức' → 'Duc': letters without marks (unicodedata), đ → d, other runs → '_'."""
    import unicodedata

    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def unit_file_stem(unit: str, lang: str) -> str:
    """The unit as a file name reads best: 'Hoa_An', 'Thanh_pho_Cao_Bang' / 'Cao_Bang_city', 'Cao_Bang'."""
    name = reference.unit_name(unit, lang)
    name = re.sub(r"^(Huyện|Tỉnh) | (district|province)$", "", name)
    return ascii_fold(name)


def attachment_name(entry: dict, lang: str, suffix: str = ".html") -> str:
    """'Hoa_An_danh_gia_2017_2021.html' (vi), 'Hoa_An_evaluation_2017_2021.html' (en): deterministic."""
    return f"{unit_file_stem(entry['unit'], lang)}_{t('file_' + entry['report'], lang)}{suffix}"


def relink(page: bytes, renamed: Mapping[str, str]) -> bytes:
    """The page with its links to pack files (href="051_gap_vi.html") pointing to their attachment names."""
    for old, new in renamed.items():
        for quote in (b'"', b"'"):
            page = page.replace(b"href=" + quote + old.encode() + quote, b"href=" + quote + new.encode() + quote)
    return page


def _join(names: list[str], lang: str) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + t("and", lang) + names[-1]


def recipient_reports(manifest: dict, recipient: Recipient) -> list[dict]:
    """The manifest's reports for the recipient's units, in their language, in manifest order."""
    return [r for r in manifest["reports"] if r["unit"] in recipient.units and r["lang"] == recipient.lang]


def recipient_message(manifest: dict, recipient: Recipient, files: Mapping[str, bytes], *, sender: str | None,
                      zipped: bool = False, pdfs: Mapping[str, bytes] | None = None) -> EmailMessage:
    """One message for one recipient: To is that one address; their units' reports (named for people), their
    PDF copies if given, and the index; the body greets them and lists each report's headline figures."""
    from email.headerregistry import Address

    lang, pdfs = recipient.lang, pdfs or {}
    reports = recipient_reports(manifest, recipient)
    units = _join([reference.unit_name(u, lang) for u in recipient.units], lang)
    named = []  # (file name, bytes, maintype, subtype)
    shown = []
    for entry in reports:
        filename = attachment_name(entry, lang)
        pdf = attachment_name(entry, lang, ".pdf") if entry["path"] in pdfs else None
        named.append((filename, files[entry["path"]], "text", "html"))
        if pdf:
            named.append((pdf, pdfs[entry["path"]], "application", "pdf"))
        shown.append({"title": entry["title"], "filename": filename, "pdf": pdf,
                      "headlines": entry.get("headlines", [])})
    index_name = t("file_index", lang) + ".html"
    index = manifest.get("index")
    if index:
        named.append((index_name, files[index["path"]], "text", "html"))
    # Links between the attached pages follow their new names (the pages link to 051_gap_vi.html, index.html).
    renamed = {e["path"]: attachment_name(e, lang) for e in reports}
    if index:
        renamed[index["path"]] = index_name
    named = [(n, relink(d, renamed) if sub == "html" else d, main, sub) for n, d, main, sub in named]
    if zipped:
        zip_name = f"{t('zip_name', lang)}_{unit_file_stem(recipient.units[0], lang)}.zip"
        attachments = [(zip_name, zip_bytes({n: d for n, d, _, _ in named}), "application", "zip")]
        attached = t("attached_zip", lang, count=len(reports), file=zip_name)
    else:
        attachments, attached = named, t("attached_html", lang, count=len(reports))

    subject = t("unit_subject", lang, units=units)
    values = dict(lang=lang, subject=subject, greeting=t("greeting", lang, name=recipient.name),
                  intro=t("intro", lang, count=len(reports), units=units), reports=shown, attached=attached,
                  synthetic=t("synthetic", lang) if manifest.get("synthetic") else "",
                  index_note=t("index_note", lang, file=index_name) if index else "",
                  labels={"file": t("file", lang), "also_pdf": t("also_pdf", lang)}, title=subject,
                  palette=render.palette())
    msg = EmailMessage()
    msg["Subject"] = subject
    if sender:
        msg["From"] = sender
    msg["To"] = Address(display_name=recipient.name, addr_spec=recipient.email)
    msg["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2].rstrip(">") if sender and "@" in sender else "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(render.render("mail/recipient.txt.j2", **values))
    msg.add_alternative(render.render("mail/recipient.html.j2", **values), subtype="html")
    for filename, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def compose_recipients(manifest: dict, recipients: list[Recipient], files: Mapping[str, bytes], *,
                       sender: str | None = None, max_bytes: int = int(DEFAULT_MAX_MB * MB),
                       pdfs: Mapping[str, bytes] | None = None) -> list[EmailMessage]:
    """One message per recipient, as HTML attachments or, when that is too big, zipped; a recipient whose reports
    do not fit one message even zipped raises SendError (naming them) before anything is sent."""
    messages = []
    for recipient in recipients:
        for zipped in (False, True):
            msg = recipient_message(manifest, recipient, files, sender=sender, zipped=zipped, pdfs=pdfs)
            if size(msg) <= max_bytes:
                break
        else:
            raise SendError(f"the reports for {recipient.email} (row {recipient.row}) do not fit in a message of "
                            f"{max_bytes / MB:g} MB even zipped; raise --max-size")
        messages.append(msg)
    return messages


def recipients_files(pack: Path | str, manifest: dict, recipients: list[Recipient]) -> dict[str, bytes]:
    """The bytes of every report the recipients get, and the index, each checked against the manifest."""
    wanted = [r for r in manifest["reports"] if any(r in recipient_reports(manifest, p) for p in recipients)]
    if manifest.get("index"):
        wanted.append(manifest["index"])
    return read_reports(pack, wanted)


def eml_name(number: int, recipient: Recipient) -> str:
    """'01_bcd_hoaan_example_vn.eml': the row order and the address, folded to ASCII."""
    return f"{number:02d}_{ascii_fold(recipient.email)}.eml"


def write_recipient_eml(messages: list[EmailMessage], recipients: list[Recipient],
                        directory: Path | str | None = None) -> list[tuple[Path, int]]:
    """One .eml per recipient (default paths.MAIL)."""
    folder = Path(directory) if directory is not None else paths.MAIL
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for i, (msg, recipient) in enumerate(zip(messages, recipients), start=1):
            file = folder / eml_name(i, recipient)
            data = msg.as_bytes(policy=SMTP_POLICY)
            file.write_bytes(data)
            written.append((file, len(data)))
    except OSError as exc:
        raise SendError(f"cannot write the .eml files in {clean(folder)}: {exc.strerror or type(exc).__name__}"
                        f" ({len(written)} of {len(messages)} written)") from None
    return written
