"""The command line (interface.md): run, check, findings, agencies, site, send and digest for email, probe and prune.

Exit 0 ok, 3 a source failed, 4 every source was read but a digest is still queued (the mail
server refused it or could not be reached; 3 wins when both apply; `send` exits 4 too), 2 bad
usage, configuration or a file-system problem (a database or file that is missing, read-only or
cannot be written, a newer monitor's or a damaged database, an --as-of behind the latest run),
1 anything else (a storage error, such as a full disk, in one line naming the file and the cause).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Sequence, TextIO

from . import __version__
from .agencies import stored_agencies
from .calendar import today_in_ulaanbaatar
from .config import LANGUAGES, Config, load_config
from .describe import describe_checks
from .digest import DigestView, digest_context, render_digest, write_digests
from .errors import ConfigError, MonitorError
from .datasette import explore
from .export import findings_csv
from .findings import finding_json
from .mailer import send_queued
from .outbox import queue_digests, unsubscribe_address
from .probe import probe, save, secrets_of
from .prune import prune
from .registry import available_checks
from .runner import (EXIT_DIGEST_QUEUED, EXIT_ERROR, EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, CheckResult, Runner,
                     delivery_exit_code, run_exit_code, run_lock)
from .site import build_site, check_site_folder
from .store import Store, is_storage_fault, prepare_location

log = logging.getLogger("monitor")


class UsageError(ConfigError):
    """Bad command-line usage: argparse's own errors, as one line and exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, instead of argparse's usage dump
        raise UsageError(message)


REPLAY_HELP = ("the portals serve a replay of the --as-of day (a test, the demo): allows an --as-of "
               "earlier than the database's latest run")


def build_parser(check_names: Sequence[str]) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help="TOML configuration (default monitor.toml)")
    common.add_argument("--db", default=argparse.SUPPRESS, help="SQLite store (overrides monitor.db)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log each step, with tracebacks of unexpected errors")
    parser = _Parser(prog="monitor", parents=[common],
                     description="Nightly monitor of what Mongolian agencies must publish, and whether they did.")
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", parents=[common], help="the nightly job: every check, then the digests")
    run.add_argument("--as-of", type=_as_of, help="behave as on this day (YYYY-MM-DD)")
    run.add_argument("--replay", action="store_true", help=REPLAY_HELP)
    run.add_argument("--only", nargs="+", choices=check_names, metavar="CHECK", help="run only these checks")
    run.add_argument("--no-send", action="store_true", help="write the digests to files, send nothing")
    run.add_argument("--init", action="store_true", help="create the database's folder if it does not exist")

    check = commands.add_parser("check", parents=[common], help="one check, now; stores what it saw, sends nothing")
    check.add_argument("check", choices=check_names, metavar="CHECK", help=" | ".join(check_names))
    check.add_argument("--as-of", type=_as_of, help="behave as on this day (YYYY-MM-DD)")
    check.add_argument("--replay", action="store_true", help=REPLAY_HELP)
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument("--init", action="store_true", help="create the database's folder if it does not exist")

    send = commands.add_parser("send", parents=[common], help="send the digests still queued in the outbox")
    send.set_defaults(as_of=None)

    digest = commands.add_parser("digest", parents=[common], help="render a digest without sending it")
    digest.add_argument("--recipient", metavar="NAME", help="as this recipient gets it (filters, language)")
    digest.add_argument("--language", choices=LANGUAGES, default="mn", help="without --recipient (default mn)")
    digest.add_argument("--format", choices=["html", "text"], default="text")
    digest.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    digest.add_argument("--as-of", type=_as_of, help="the digest's date (default: the latest run's)")

    prune = commands.add_parser("prune", parents=[common],
                                help="drop old request rows and bodies, keeping every finding's evidence; VACUUM")
    prune.add_argument("--keep-days", type=_days, metavar="N",
                       help="keep everything of the last N days before the latest run (default [store] keep_days)")

    site = commands.add_parser("site", parents=[common],
                               help="write the report site (static, bilingual) into OUT_DIR, replacing the one there")
    site.add_argument("out_dir", metavar="OUT_DIR", help="a new or empty folder, or a site the monitor wrote before")
    site.add_argument("--as-of", type=_as_of, help="the site's date (default: the latest run's)")

    commands.add_parser("checks", help="every check's help: its portals, sources, rules and decisions")

    probe = commands.add_parser("probe", parents=[common],
                                help="read one page of each source through its parser; stores nothing, judges nothing")
    probe.add_argument("--source", nargs="+", default=[], metavar="NAME",
                       help="only these sources (e.g. tender.results)")
    probe.add_argument("--save", metavar="DIR", help="write each raw answer, its headers and the verdicts here")

    findings = commands.add_parser("findings", parents=[common], help="the open findings")
    output = findings.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="as JSON")
    output.add_argument("--csv", action="store_true", help="as CSV, for a spreadsheet")
    findings.add_argument("--all", action="store_true", help="every finding ever raised, not only open ones")

    browse = commands.add_parser("explore", parents=[common], help="browse the database in Datasette (the explore extra)")
    browse.add_argument("--port", type=int, default=8001, help="serve on 127.0.0.1:PORT (default 8001)")
    agencies = commands.add_parser("agencies", parents=[common],
                                   help="every agency, with the keys under which each portal lists it")
    agencies.add_argument("--unmatched", action="store_true",
                          help="only those known to one portal and to no alias row: candidates for an alias")
    return parser


def log_formatter(stream: TextIO) -> logging.Formatter:
    """On a terminal the reader knows when; in a log file (cron, a service) each line says when."""
    if stream.isatty():
        return logging.Formatter("%(levelname)s %(name)s: %(message)s")
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%Y-%m-%dT%H:%M:%S%z")


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _days(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days (0 or more)")
    return int(value)


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    db_path = "the database"  # until the configuration names it
    try:
        checks = available_checks()
        args = build_parser(sorted(checks)).parse_args(argv)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(log_formatter(sys.stderr))
        logging.basicConfig(level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING,
                            handlers=[handler])
        if args.command == "checks":
            out.write(describe_checks(checks[name] for name in sorted(checks)))
            return EXIT_OK
        config = load_config(getattr(args, "config", None), checks)
        db_path = getattr(args, "db", None) or config.db
        if args.command == "probe":
            return _probe(args, config, checks, out)
        if args.command == "findings":
            return _findings(args, Store(db_path, read_only=True), out)
        if args.command == "digest":
            return _digest(args, config, Store(db_path, read_only=True), out)
        if args.command == "explore":
            Store(db_path, read_only=True).close()  # one line, exit 2, for a database that is missing or too old
            return explore(db_path, args.port)
        if args.command == "agencies":
            return _agencies(args, Store(db_path, read_only=True), out)
        if args.command == "site":
            store = Store(db_path, read_only=True)
            as_of = args.as_of or store.latest_run_date() or today_in_ulaanbaatar()
            print(build_site(store, as_of, args.out_dir, config.methodology_url).line(), file=out)
            return EXIT_OK
        prepare_location(db_path, may_create=args.command in ("run", "check"), init=getattr(args, "init", False))
        with run_lock(db_path):
            store = Store(db_path)
            try:
                if args.command == "send":
                    return EXIT_OK if _deliver(config, store, out) else EXIT_DIGEST_QUEUED
                if args.command == "prune":
                    keep_days = config.keep_days if args.keep_days is None else args.keep_days
                    print(prune(store, keep_days).summary(), file=out)
                    return EXIT_OK
                return _run(args, config, store, checks, out, db_path)
            finally:
                store.close()
    except BrokenPipeError:  # `monitor findings | head`: the reader has all it wanted
        _silence_stdout()
        print("monitor: standard output: closed before everything was written (broken pipe)", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MonitorError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # the last guard: one line, never a traceback unless asked for
        if is_storage_fault(exc):  # the file or its disk (full, an I/O error), not a bug: which file, and why
            print(f"monitor: {db_path}: storage error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        log.debug("unexpected error", exc_info=True)
        print(f"monitor: unexpected error: {type(exc).__name__}: {exc} (run with -v for details)", file=sys.stderr)
        return EXIT_ERROR


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's own flush at exit does not fail on the closed pipe."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _run(args: argparse.Namespace, config: Config, store: Store, checks: dict, out: TextIO, db_path: str) -> int:
    """`check` or `run`; the `runs` row gets the exit code the process exits with."""
    as_of = args.as_of or today_in_ulaanbaatar()
    _refuse_rewriting_history(args, store)
    runner = Runner(config, store, checks)
    if args.command == "check":
        with runner.recorded(as_of, f"check {args.check}") as run:
            [result] = runner.run_checks(run.id, [args.check], as_of)
            if args.json:
                json.dump(result.as_json(), out, ensure_ascii=False, indent=2)
                out.write("\n")
            else:
                _print_result(result, out)
            _report_error(result)
            run.exit_code = result.exit_code
        return run.exit_code
    if config.site_dir:
        check_site_folder(config.site_dir)
    with runner.recorded(as_of, "run") as run:
        results = runner.run_checks(run.id, args.only or sorted(checks), as_of, keep_obligations=False)
        for result in results:
            _print_summary(result, out)
            _report_error(result)
        out_dir = Path(config.digest_dir) if config.digest_dir else Path(db_path).parent / "digests"
        for path in write_digests(store, as_of, out_dir, config.languages, config.methodology_url):
            print(f"digest written: {path}", file=out)
        all_sent = True
        if not args.no_send:
            queued = queue_digests(store, config, as_of)
            print(f"digests queued: {len(queued)}" + (f" ({', '.join(queued)})" if queued else ""), file=out)
            all_sent = _deliver(config, store, out)
        if config.site_dir:  # after the mail: a site that cannot be written holds no digest back
            print(build_site(store, as_of, config.site_dir, config.methodology_url).line(), file=out)
        run.exit_code = delivery_exit_code(run_exit_code(results), all_sent)
    return run.exit_code


def _refuse_rewriting_history(args: argparse.Namespace, store: Store) -> None:
    """Live portals show today's pages whatever --as-of says, and first_seen keeps the earliest
    date: a run back-dated behind the database's latest would make a late item look on time.
    Going forward, or again on the latest day, is fine; so is any day when the portals replay it."""
    latest = store.latest_run_as_of()
    if args.as_of is None or args.replay or latest is None or args.as_of >= latest:
        return
    raise ConfigError(f"--as-of {args.as_of}: earlier than the latest run in {store.path} ({latest}); "
                      "live portals would have today's pages stamped with that day (--replay if they replay it)")


def _report_error(result: CheckResult) -> None:
    if result.error:
        print(f"monitor: {result.check}: {result.error} (findings kept as they were; run with -v for details)",
              file=sys.stderr)


def _deliver(config: Config, store: Store, out: TextIO) -> bool:
    """Send what is queued; True when nothing is left in the outbox."""
    delivery = send_queued(store, config.smtp, unsubscribe_address(config), os.environ)
    if delivery.sent:
        print(f"digests sent: {len(delivery.sent)} ({', '.join(delivery.sent)})", file=out)
    for recipient, reason in delivery.failed:
        print(f"monitor: digest for {recipient} still queued: {reason}", file=sys.stderr)
    for recipient, reason in delivery.given_up:
        print(f"monitor: digest for {recipient} given up, refused by the server: {reason}", file=sys.stderr)
    return not delivery.failed and not delivery.given_up


def _probe(args: argparse.Namespace, config: Config, checks: dict, out: TextIO) -> int:
    """One page of each source; 0 when every one is ok, else 3. No database is opened."""
    outcomes = probe(config, checks, args.source, today_in_ulaanbaatar(), os.environ)
    for outcome in outcomes:
        print(outcome.line(), file=out)
    good = sum(outcome.ok for outcome in outcomes)
    print(f"{good} of {len(outcomes)} sources ok", file=out)
    if args.save:
        save(outcomes, Path(args.save), secrets_of(config, os.environ))
        print(f"answers saved in {args.save}", file=out)
    return EXIT_OK if good == len(outcomes) else EXIT_SOURCE_FAILED


def _digest(args: argparse.Namespace, config: Config, store: Store, out: TextIO) -> int:
    as_of = args.as_of or store.latest_run_date() or today_in_ulaanbaatar()  # the date of the data shown
    if args.recipient:
        recipient = next((r for r in config.recipients if r.name == args.recipient), None)
        if recipient is None:
            raise ConfigError(f"--recipient: no recipient named {args.recipient!r} in the configuration")
        view = DigestView.for_recipient(recipient, store.last_digest_date(recipient.name, as_of))
    else:
        view = DigestView(language=args.language)
    text = render_digest(digest_context(store, as_of, view, methodology_url=config.methodology_url), args.format)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{args.out}: cannot write the digest there ({exc.strerror})") from None
    else:
        out.write(text)
    return EXIT_OK


def _print_summary(result: CheckResult, out: TextIO) -> None:
    print(f"{result.check}: {sum(result.counts.values())} obligations ("
          + ", ".join(f"{n} {status}" for status, n in result.counts.items()) + "); findings "
          + ", ".join(f"{n} {state}" for state, n in result.finding_states.items()), file=out)
    for source in result.sources:
        if not source["ok"]:
            print(f"  source {source['name']} could not be read: {source['error']}", file=out)


def _print_result(result: CheckResult, out: TextIO) -> None:
    print(f"{result.check} as of {result.as_of.isoformat()}", file=out)
    print("\nSources", file=out)
    for source in result.sources:
        print(f"  {'ok    ' if source['ok'] else 'FAILED'}  {source['name']}"
              + (f": {source['error']}" if source["error"] else ""), file=out)
    print(f"\nFindings ({len(result.findings)})", file=out)
    rows = [[f["state"] + ("" if f["rechecked"] else " (not re-checked)"), f["status"], f["due"],
             str(f["days_overdue"] if f["status"] == "missing" else f["days_late"]), f["rule"],
             f["agency"], f["subject"]] for f in result.findings]
    _table(["STATE", "STATUS", "DUE", "DAYS", "RULE", "AGENCY", "SUBJECT"], rows, out)
    print("\nAgencies", file=out)
    rows = [[a["rule"], a["agency"], *(str(a[s]) for s in ("met", "late", "missing", "pending", "unknown")),
             "too few" if a["on_time_rate"] is None else f"{a['on_time_rate']:.0%}"]
            for a in result.as_json()["agencies"]]
    _table(["RULE", "AGENCY", "MET", "LATE", "MISSING", "PENDING", "UNKNOWN", "ON TIME"], rows, out)
    for note in result.notes:
        print(f"note ({note['source']}): {note['message']}", file=out)


def _table(header: list[str], rows: list[list[str]], out: TextIO) -> None:
    if not rows:
        print("  (none)", file=out)
        return
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for row in [header, *rows]:
        print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip(), file=out)


def _write_utf8(out: TextIO, text: str) -> None:
    """UTF-8 bytes whatever the locale's encoding, when the stream has a byte layer beneath it."""
    binary = getattr(out, "buffer", None)
    if binary is None:
        out.write(text)
        return
    out.flush()
    binary.write(text.encode("utf-8"))
    binary.flush()


def _agencies(args: argparse.Namespace, store: Store, out: TextIO) -> int:
    """The agencies as the last run joined them, one line per portal key, for a user writing aliases."""
    rows = []
    for agency in stored_agencies(store):
        if args.unmatched and not agency.unmatched:
            continue
        for check, key, name in agency.keys:
            rows.append([agency.id, agency.name_en or "", ",".join(agency.matched_by) or "-", f"{check}:{key}", name])
    _table(["ID", "ENGLISH", "MATCHED BY", "KEY", "NAME ON THE PORTAL"], rows, out)
    return EXIT_OK


def _findings(args: argparse.Namespace, store: Store, out: TextIO) -> int:
    rows = store.findings(open_only=not args.all)
    if args.json:
        json.dump([{**finding_json(r), "first_raised_on": r["first_raised_on"], "judged_on": r["judged_on"],
                    "open": bool(r["is_open"])} for r in rows], out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif args.csv:
        _write_utf8(out, findings_csv(rows))
    else:
        _table(["STATUS", "DUE", "RULE", "AGENCY", "SUBJECT"],
               [[r["status"], r["due"], r["rule"], r["agency"], r["subject"]] for r in rows], out)
    return EXIT_OK
