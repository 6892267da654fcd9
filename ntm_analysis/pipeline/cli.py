"""The `ntm` command: build the report pack, validate a commune file, email the pack.

Exit codes: 0 success; 1 invalid data, a failed build, an output that cannot be written, or a failed send;
2 bad arguments or settings; 3 a partial delivery (some messages went: `ntm send --resume` sends the rest);
130 interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

from pathlib import Path

import click

from ntm_analysis import __version__, i18n
from ntm_analysis.pipeline import build as builder
from ntm_analysis.data import reference
from ntm_analysis.report import kinds
from ntm_analysis.pipeline import send as mail
from ntm_analysis.pipeline.project import Project
from ntm_analysis.errors import (BuildError, ConfigError, DataError, NtmError, OutputError, PartialDelivery, SendError, UnitError,
                     clean)

LABELS = i18n.catalogue("cli")


SHOWN_PROBLEMS = 50  # problems printed by `ntm validate`; --problems writes them all


def t(key: str, lang: str, **values) -> str:
    return i18n.text(LABELS, key, lang, **values)


def echo(message: object = "", *, err: bool = False) -> None:
    """Print `message` with control characters from files (names, headers) escaped, line by line."""
    click.echo("\n".join(clean(line) for line in str(message).split("\n")), err=err)


def _fail(message: str, code: int) -> None:
    echo(message, err=True)
    raise click.exceptions.Exit(code)


def _safe_streams() -> None:
    """A terminal that cannot show some characters (e.g. Latin-1) gets escapes instead of a crash."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _units(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str] | None:
    """Check every --unit code against the reference list (an unknown code, e.g. '../x', is a usage error)."""
    if not value:
        return None
    try:
        return [reference.check_unit(code) for code in value]
    except UnitError as exc:
        raise click.BadParameter(str(exc)) from None


def _addresses(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    """Each --to value must be exactly one address (email.utils rules, strictly); the address part is kept."""
    addresses = []
    for address in value:
        try:
            addresses.append(mail.parse_address(address)[1])
        except ConfigError as exc:
            raise click.BadParameter(clean(str(exc))) from None
    return list(dict.fromkeys(addresses))


def _max_size(ctx: click.Context, param: click.Parameter, value: float) -> float:
    try:
        return mail.check_max_size(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group()
@click.version_option(__version__, prog_name="ntm")
@click.option("--project", "project_root", type=click.Path(path_type=Path), envvar="NTM_ROOT", default=None,
              metavar="DIR", help="Project folder (an office's own copy with data/ and notebooks/). Default: this "
                                  "checkout, or the folder in NTM_ROOT.")
@click.pass_context
def main(ctx: click.Context, project_root: Path | None) -> None:
    """Cao Bằng New Rural Development (NTM) reports: build, validate commune data, send."""
    _safe_streams()
    try:
        i18n.languages()  # NTM_CATALOGUES and every language.toml, before any command runs
    except ConfigError as exc:
        _fail(f"Error: {exc}", 2)
    if project_root is None:
        ctx.obj = Project.current()
        return
    try:
        ctx.obj = Project.at(project_root)  # every missing file listed, before any command runs
    except ConfigError as exc:
        _fail(f"Error: {exc}", 2)


def _project() -> Project:
    """The project `ntm --project` named (the checkout's by default)."""
    found = click.get_current_context().find_object(Project)
    return found if found is not None else Project.current()


def _problem_lines(found: list, lang: str) -> list[str]:
    """Problems in the user's language, the first SHOWN_PROBLEMS of them, then how many more of each kind."""
    from collections import Counter

    from ntm_analysis.data import communes

    lines = [f"  - {clean(communes.describe(problem, lang))}" for problem in found[:SHOWN_PROBLEMS]]
    if len(found) > SHOWN_PROBLEMS:
        lines.append(t("more", lang, count=len(found) - SHOWN_PROBLEMS))
        for kind, count in Counter(getattr(p, "kind", "") or "other" for p in found).most_common():
            lines.append(f"  {kind}: {count}")
    return lines


def _print_coverage(path: Path, lang: str) -> None:
    """The communes the (accepted) commune file covers: the province in one sentence, then each district."""
    from ntm_analysis.data import communes

    reading = communes.inspect(path)
    if reading.problems:  # cannot happen after a build that accepted it; say nothing rather than guess
        return
    frame = reading.frame
    echo(communes.coverage_note(frame, reference.province()["code"], lang))
    cover = communes.coverage(frame)
    covered = cover[cover["communes"] > 0]
    echo(t("coverage", lang, n=int(cover["communes"].sum()), total=int(cover["total"].sum()),
           districts=len(covered), all=len(cover)))
    for row in covered.itertuples():
        echo(f"  {row.district_code} {reference.display_name(row.district_name)}: {row.communes}/{row.total}")


@main.command("build")
@click.option("--unit", "units", multiple=True, callback=_units, metavar="CODE",
              help="Unit code: 04 (province) or a district 040–053. Repeatable. Default: the province and every district.")
@click.option("--lang", type=click.Choice(i18n.LANGS), default="vi", show_default=True, help="Report language.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Pack folder (default: the project's outputs/reports). Replaced as a whole, only when every "
                   "report succeeded.")
@click.option("--communes", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Commune data file (CSV or .xlsx). Default: the project's (the synthetic demonstration "
                   "data).")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: CPU count).")
@click.option("--report", "reports", multiple=True, type=kinds.Choice(),
              help="Report kind. Repeatable. Default: all.")
@click.option("--force", is_flag=True,
              help="Replace a pack that holds files the build did not write (or changed); those are kept.")
@click.option("--timeout", "cell_timeout", type=click.FloatRange(min=0, min_open=True),
              default=builder.DEFAULT_CELL_TIMEOUT, show_default=True, help="Seconds one notebook cell may run.")
@click.option("--report-timeout", type=click.FloatRange(min=0, min_open=True),
              default=builder.DEFAULT_REPORT_TIMEOUT, show_default=True, help="Seconds one whole report may run.")
@click.option("--log", "log_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Build log (default: beside the pack folder, e.g. outputs/reports.log).")
def build_command(units, lang, out, communes, jobs, reports, force, cell_timeout, report_timeout, log_file) -> None:
    """Build the offline HTML report pack (index.html, manifest.json, one page per unit and report)."""
    project = _project()
    out = out if out is not None else project.pack
    log_file = log_file if log_file is not None else builder.default_log_file(out)
    try:
        manifest = builder.build(units=units, lang=lang, out=out, communes=communes, jobs=jobs,
                                 reports=reports or None, progress=True, log_file=log_file, force=force,
                                 limits=builder.Limits(cell=cell_timeout, report=report_timeout), project=project)
    except DataError as exc:
        echo(t("data_problems", lang, count=len(exc.problems)), err=True)
        for line in _problem_lines(exc.problems, lang):
            echo(line, err=True)
        raise click.exceptions.Exit(1)
    except BuildError as exc:
        echo(str(exc), err=True)
        echo(t("build_failed", lang, out=out), err=True)
        _fail(t("log", lang, file=log_file), 1)
    except (ConfigError, UnitError) as exc:
        _fail(f"Error: {exc}", 2)
    except OutputError as exc:
        _fail(t("output_failed", lang, error=exc), 1)
    except NtmError as exc:
        _fail(f"Error: {exc}", 1)
    except OSError as exc:  # not foreseen: still a message, not a traceback
        _fail(t("output_failed", lang, error=f"{exc.strerror or type(exc).__name__} ({exc.filename})"), 1)
    except KeyboardInterrupt:
        _fail(t("interrupted", lang, out=out), 130)
    echo(t("built", lang, count=len(manifest["reports"]), out=out))
    echo(t("index", lang, file=Path(out) / builder.INDEX))
    if manifest["synthetic"]:
        echo(t("synthetic", lang))
    if communes is not None:
        _print_coverage(communes, lang)
    if builder.last_log_error is not None:
        reason = builder.last_log_error.strerror or type(builder.last_log_error).__name__
        echo(t("no_log", lang, file=log_file, reason=reason), err=True)
    else:
        echo(t("log", lang, file=log_file))


@main.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("--lang", type=click.Choice(i18n.LANGS), default="vi", show_default=True, help="Message language.")
@click.option("--normalised", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the data read, in the template's shape (CSV UTF-8), to this file.")
@click.option("--problems", "problems_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write every problem (file, row, column, value, message) to this CSV file.")
@click.option("--quiet", is_flag=True, help="Do not print how the file was read.")
def validate_command(path: Path | None, lang: str, normalised: Path | None, problems_out: Path | None,
                     quiet: bool) -> None:
    """Check a commune data file (CSV or .xlsx; default: the project's own): print how it was read (sheets, header
    rows, column mapping, rows skipped, name matches, coverage) and every problem: file, row, column, value,
    message."""
    import csv
    from collections import Counter

    from ntm_analysis.data import communes

    path = path if path is not None else _project().inputs.demo_communes

    reading = communes.inspect(path)
    if not quiet:
        for line in communes.how_read(reading, lang):
            click.echo(line)
    if problems_out is not None:
        with open(problems_out, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "row", "column", "value", "kind", "message"])
            for p in reading.problems:
                message = communes.describe(p, lang).split(": ", 1)[-1]
                writer.writerow([p.file, p.row or "", p.column or "", "" if p.value is None else p.value,
                                 getattr(p, "kind", ""), message])
    found = reading.problems
    if found:
        for problem in found[:SHOWN_PROBLEMS]:
            click.echo(communes.describe(problem, lang))
        if len(found) > SHOWN_PROBLEMS:
            click.echo(t("more", lang, count=len(found) - SHOWN_PROBLEMS))
            for kind, count in Counter(getattr(p, "kind", "") or "other" for p in found).most_common():
                click.echo(f"  {kind}: {count}")
        _fail(t("invalid", lang, file=path, count=len(found)), 1)
    frame = reading.frame
    years = ", ".join(str(y) for y in sorted(frame["year"].unique()))
    click.echo(t("valid", lang, file=path, rows=len(frame), communes=frame["commune_code"].nunique(), years=years))
    cover = communes.coverage(frame)
    covered = cover[cover["communes"] > 0]
    click.echo(t("coverage", lang, n=int(cover["communes"].sum()), total=int(cover["total"].sum()),
                 districts=len(covered), all=len(cover)))
    for row in covered.itertuples():
        click.echo(f"  {row.district_code} {row.district_name}: {row.communes}/{row.total}")
    if normalised is not None:
        communes.template_frame(frame, extra=True).to_csv(normalised, index=False, encoding="utf-8-sig")
        click.echo(t("normalised", lang, file=normalised))


@main.command("send")
@click.option("--to", "to", multiple=True, callback=_addresses, metavar="ADDRESS",
              help="Recipient. Repeatable. (Or --recipients.)")
@click.option("--recipients", "recipients_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file (email, name, units, lang): each recipient gets one message with only their units' "
                   "reports and the index.")
@click.option("--pdf", is_flag=True, help="With --recipients: also attach a PDF copy of each report (chromium).")
@click.option("--unit", "units", multiple=True, callback=_units, metavar="CODE",
              help="Send only these units' reports. Repeatable. Default: all.")
@click.option("--pack", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Built pack (default: the project's outputs/reports).")
@click.option("--max-size", type=float, callback=_max_size, default=mail.DEFAULT_MAX_MB, show_default=True,
              help=f"Largest message in MB ({mail.MIN_MAX_MB:g}–{mail.MAX_MAX_MB:g}); reports are zipped or split "
                   "to stay under it.")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="INI file with an [smtp] section (host, port, user, password, from, cafile). "
                   "Environment variables NTM_SMTP_* win.")
@click.option("--dry-run", is_flag=True, help="Write .eml files instead of sending.")
@click.option("--eml-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where --dry-run writes (default: the project's outputs/mail).")
@click.option("--resume", is_flag=True,
              help="Send only what the pack's send log does not record as delivered (after a partial delivery).")
def send_command(to, recipients_file, pdf, units, pack, max_size, config, dry_run, eml_dir, resume) -> None:
    """Email the pack's reports (HTML attached, zipped or split to fit --max-size) over SMTP with STARTTLS."""
    project = _project()
    pack = pack if pack is not None else project.pack
    eml_dir = eml_dir if eml_dir is not None else project.mail
    if bool(to) == bool(recipients_file):
        _fail("Error: give either --to or --recipients", 2)
    if recipients_file is not None and units:
        _fail("Error: --unit does not apply with --recipients (the file names each recipient's units)", 2)
    if pdf and recipients_file is None:
        _fail("Error: --pdf applies with --recipients", 2)
    lang = "vi"
    try:
        if recipients_file is not None:
            lang = mail.load_manifest(pack).get("lang", "vi")
            _send_recipients(recipients_file, pdf=pdf, pack=pack, max_size=max_size, config=config, dry_run=dry_run,
                             eml_dir=eml_dir, resume=resume)
            return
        settings = None if dry_run else mail.settings(config=config)
        manifest = mail.load_manifest(pack)
        lang = manifest.get("lang", "vi")
        reports = mail.select(manifest, units)
        files = mail.read_reports(pack, reports)
        sender = settings.sender if settings else mail.sender(config=config)
        messages = mail.compose(manifest, files, to=to, sender=sender, units=units,
                                max_bytes=int(max_size * mail.MB))
        if dry_run:
            for file, size in mail.write_eml(messages, eml_dir):
                echo(t("eml", lang, file=file, size=i18n.number(size / mail.MB, lang, 2)))
            return
        log_file = mail.send_log_path(pack)
        delivery = mail.deliver(messages, to=to, settings=settings, log_file=log_file, resume=resume)
        if delivery.skipped:
            echo(t("skipped", lang, count=len(delivery.skipped), file=log_file))
        echo(t("sent", lang, count=len(delivery.sent), to=", ".join(to)))
    except DataError as exc:
        echo(t("recipient_problems", lang, file=recipients_file, count=len(exc.problems)), err=True)
        for line in _problem_lines(exc.problems, lang):
            echo(line, err=True)
        raise click.exceptions.Exit(1)
    except (ConfigError, UnitError) as exc:
        _fail(f"Error: {exc}", 2)
    except PartialDelivery as exc:
        _fail(t("partial", lang, error=exc, file=mail.send_log_path(pack)), 3)
    except SendError as exc:
        _fail(f"Error: {exc}", 1)
    except OSError as exc:  # e.g. --eml-dir not writable
        _fail(f"Error: {exc.strerror or type(exc).__name__} ({clean(exc.filename)})", 1)
    except KeyboardInterrupt:  # e.g. while printing PDFs: Chromium is stopped, its temporary folder removed
        _fail(t("send_interrupted", lang, file=mail.send_log_path(pack)), 130)


def _send_recipients(file: Path, *, pdf: bool, pack: Path, max_size: float, config, dry_run: bool, eml_dir,
                     resume: bool) -> None:
    """One message per recipient of `file`; every row is checked before anything is composed or sent."""
    settings = None if dry_run else mail.settings(config=config)
    manifest = mail.load_manifest(pack)
    lang = manifest.get("lang", "vi")
    recipients = mail.read_recipients(file, manifest)
    files = mail.recipients_files(pack, manifest, recipients)
    pdfs = None
    if pdf:
        from ntm_analysis.report import pdf as printer

        reports = [r for r in manifest["reports"] if r["path"] in files]
        pdfs = {r["path"]: printer.print_pdf(files[r["path"]], name=r["path"]) for r in reports}
    sender = settings.sender if settings else mail.sender(config=config)
    messages = mail.compose_recipients(manifest, recipients, files, sender=sender, max_bytes=int(max_size * mail.MB),
                                       pdfs=pdfs)
    if dry_run:
        for out, size in mail.write_recipient_eml(messages, recipients, eml_dir):
            echo(t("eml", lang, file=out, size=i18n.number(size / mail.MB, lang, 2)))
        return
    log_file = mail.send_log_path(pack)
    delivery = mail.deliver_each([(m, [r.email]) for m, r in zip(messages, recipients)], settings=settings,
                                 log_file=log_file, resume=resume, each_alone=True)
    if delivery.skipped:
        echo(t("skipped", lang, count=len(delivery.skipped), file=log_file))
    sent = [a for addresses in delivery.sent.values() for a in addresses]
    echo(t("sent", lang, count=len(delivery.sent), to=", ".join(sent) or "-"))


if __name__ == "__main__":
    main()
