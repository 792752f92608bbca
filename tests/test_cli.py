"""The command line's contract (interface.md): exit codes, one-line errors, the findings exports."""
from __future__ import annotations

import csv
import io
import json

import pytest

from monitor import cli
from monitor.store import Store


def run(args: list[str], tmp_path, capsys) -> tuple[int, str, str]:
    out = io.StringIO()
    code = cli.main(["--db", str(tmp_path / "m.db"), *args], stdout=out)
    return code, out.getvalue(), capsys.readouterr().err


@pytest.mark.parametrize("toml, message", [
    ("[checks.tender]\nresult_due_days = 'thirty'\n", "checks.tender.result_due_days: expected an integer, got 'thirty'"),
    ("[checks.tender]\nresult_due_dayz = 30\n", "checks.tender.result_due_dayz: unknown key"),
    ("[monitor]\ndays_off = ['2026-13-01']\n", "monitor.days_off: '2026-13-01' is not a date (YYYY-MM-DD)"),
    ("[portals]\ntender = 'ftp://x'\n", "portals.tender: expected an http(s) URL, got 'ftp://x'"),
    ("[checks.nosuch]\n", "checks.nosuch: unknown check"),
    ("[fetch]\nconcurrency = 0\n", "fetch.concurrency: must be at least 1"),
    ("[fetch]\ndelay = -1\n", "fetch.delay: must not be negative"),
    ("[monitor\n", "not valid TOML"),
    # keys checked by their names, for every check alike (monitor.config._check_by_key_names)
    ("[checks.extractives]\nreport_due = '4-15'\n", "checks.extractives.report_due: '4-15' is not a month and day"),
    ("[checks.extractives]\nyears = [1999]\n", "checks.extractives.years: 1999 is not a year"),
    ("[checks.legal]\nfull_walk_days = -1\n", "checks.legal.full_walk_days: must not be negative"),
    ("[checks.tender]\ncontract_due_days = -3\n", "checks.tender.contract_due_days: must not be negative"),
])
def test_a_bad_config_is_one_line_naming_the_key_and_exit_2(toml, message, tmp_path, capsys):
    config = tmp_path / "monitor.toml"
    config.write_text(toml, encoding="utf-8")
    code, out, err = run(["--config", str(config), "check", "tender", "--json"], tmp_path, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err


def test_a_missing_config_file_named_explicitly_is_an_error(tmp_path, capsys):
    code, _, err = run(["--config", str(tmp_path / "nope.toml"), "findings"], tmp_path, capsys)
    assert code == 2 and "not found" in err


def test_an_empty_config_file_is_valid(tmp_path, capsys):
    Store(tmp_path / "m.db").close()
    config = tmp_path / "monitor.toml"
    config.write_text("", encoding="utf-8")
    code, out, _ = run(["--config", str(config), "findings", "--json"], tmp_path, capsys)
    assert code == 0 and json.loads(out) == []


@pytest.mark.parametrize("args", [["check", "nosuch"], ["check", "tender", "--as-of", "2026-02-30"], ["frobnicate"]])
def test_bad_usage_exits_2_with_one_line(args, tmp_path, capsys):
    code, _, err = run(args, tmp_path, capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith("monitor: ")


def test_findings_csv_has_a_header_a_spreadsheet_reads(tmp_path, capsys):
    Store(tmp_path / "m.db").close()
    code, out, _ = run(["findings", "--csv", "--all"], tmp_path, capsys)
    assert code == 0
    text = out.encode("utf-8").decode("utf-8-sig")  # as a script reads the file: encoding="utf-8-sig"
    assert next(csv.reader(io.StringIO(text)))[:5] == ["rule", "agency", "agency_key", "subject", "status"]


def test_findings_csv_is_utf8_with_a_bom_whatever_the_locale(tmp_path):
    """Excel takes a CSV without the mark for the local code page: the Cyrillic must survive a double-click."""
    store = Store(tmp_path / "m.db")
    store.save_findings([{"rule": "budget.monthly_report", "agency_key": "10323", "subject": "10323/2026-02",
                          "check_name": "budget", "agency": "Хишиг-Өндөр сумын сургууль", "status": "missing",
                          "due": "2026-03-10", "days_overdue": 265, "state": "new", "rechecked": 1,
                          "judged_on": "2026-11-30", "first_raised_on": "2026-11-30", "is_open": 1}])
    store.close()
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")  # a C locale's stdout
    assert cli.main(["--db", str(tmp_path / "m.db"), "findings", "--csv"], stdout=out) == 0
    out.flush()
    assert raw.getvalue().startswith(b"\xef\xbb\xbf")
    [row] = csv.DictReader(io.StringIO(raw.getvalue().decode("utf-8-sig")))
    assert row["agency"] == "Хишиг-Өндөр сумын сургууль" and row["days_overdue"] == "265"
    assert raw.getvalue().count(b"\r\n") == 2  # the CSV's own line ends, never translated


def test_a_check_s_key_named_like_a_checked_one_but_of_another_type_is_left_to_the_check():
    from monitor.check import Check
    from monitor.config import parse_config

    class Office(Check):
        name, sources, rules = "office", (), ()
        defaults = {"office_days": ["Mon"], "years": "all", "handover_due": 5}

    config = parse_config({}, {"office": Office})
    assert config.checks["office"] == {"office_days": ["Mon"], "years": "all", "handover_due": 5}
