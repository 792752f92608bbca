"""The database for analysts: the demo's database served by Datasette with the bundled metadata."""
from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from monitor import cli
from monitor.datasette import INSTALL_HINT, metadata
from demo.__main__ import run_demo
from demo.worlds import DEMO_TOKEN
from monitor.store import Store

datasette_app = pytest.importorskip("datasette.app", reason="datasette is in the test extra: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 12, 3)
INTERNAL = {"requests", "http_cache", "snapshots", "outbox", "officials"}
PERSONAL = {"officials", "outbox", "snapshots"}  # tables that hold or may hold officials' names


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """The demo's database after two nights a week apart."""
    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)  # run_demo sets it; restored after
        with pytest.MonkeyPatch.context() as quiet:
            quiet.setattr(sys, "stdout", io.StringIO())
            assert run_demo(out, TODAY, nights_before_today=(7, 0)) == 0
    return out / "monitor.db"


def served(db: Path, path: str) -> tuple[int, object]:
    """GET a path of Datasette serving `db` with the bundled metadata, through Datasette's own client."""
    async def get():
        ds = datasette_app.Datasette([str(db)], metadata=metadata(db.stem))
        await ds.invoke_startup()
        response = await ds.client.get(path)
        return response.status_code, response.json() if response.status_code == 200 else None
    return asyncio.run(get())


def rows(db: Path, query: str, **params: str) -> list[dict]:
    arguments = "".join(f"&{name}={value}" for name, value in params.items())
    status, body = served(db, f"/{db.stem}/{query}.json?_shape=array{arguments}")
    assert status == 200
    return body


def schema(db: sqlite3.Connection) -> dict[str, list[str]]:
    tables = [name for (name,) in db.execute("select name from sqlite_master where type = 'table' "
                                              "and name not like 'sqlite_%' order by name")]
    return {table: [column[1] for column in db.execute(f"pragma table_info([{table}])")] for table in tables}


def test_every_table_and_column_of_the_schema_is_described(tmp_path):
    store = Store(tmp_path / "fresh.db")  # every migration applied
    tables = schema(store.db.conn)
    store.close()
    described = metadata()["databases"]["monitor"]["tables"]
    assert set(described) == set(tables), "metadata.yml and the schema name different tables"
    for table, columns in tables.items():
        assert described[table].get("description"), f"{table}: no description"
        columns_described = described[table].get("columns", {})
        missing = [c for c in columns if not columns_described.get(c)]
        assert missing == [], f"{table}: columns without a description in metadata.yml: {missing}"
        assert set(columns_described) <= set(columns), f"{table}: metadata.yml describes columns it lacks"


def test_the_internal_tables_are_hidden_and_officials_names_are_not_served(demo_db):
    status, database = served(demo_db, "/monitor.json")
    assert status == 200
    hidden = {table["name"] for table in database["tables"] if table["hidden"]}
    listed = {table["name"] for table in database["tables"]}
    assert hidden == INTERNAL - PERSONAL and listed & PERSONAL == set()  # not even listed as hidden
    for table in PERSONAL:
        assert served(demo_db, f"/monitor/{table}.json")[0] == 403
    tables = metadata()["databases"]["monitor"]["tables"]
    assert all("label_column" not in tables[table] for table in PERSONAL)
    for name, query in metadata()["databases"]["monitor"]["queries"].items():
        assert "officials" not in query["sql"].lower(), f"{name} reads the officials table"
    assert tables["runs"]["label_column"] == "as_of"
    status, health = served(demo_db, "/monitor/source_health.json?_shape=array&_labels=on&_size=1")
    assert health[0]["run_id"]["label"] == "2026-11-26"  # a run id shows the run's date


def test_agencies_behind_this_month_are_the_open_missing_findings_by_agency(demo_db):
    store = Store(demo_db, read_only=True)
    expected = Counter((f["check_name"], f["agency_key"], f["agency"]) for f in store.findings()
                       if f["status"] == "missing" and f["due"] < "2027-01-01")
    store.close()
    got = rows(demo_db, "agencies_behind_this_month")
    assert {(r["check_name"], r["agency_key"], r["agency"]): r["missing"] for r in got} == expected
    assert [r["missing"] for r in got] == sorted((r["missing"] for r in got), reverse=True)
    assert "Сангийн яам" in {r["agency"] for r in got}  # agency names as the portals write them
    assert sum(r["fell_due_this_month"] for r in got) < sum(expected.values())


def test_an_agencys_history_is_its_on_time_rate_by_month_of_the_due_date(demo_db):
    store = Store(demo_db, read_only=True)
    months: dict[str, Counter] = defaultdict(Counter)
    for ob in store.obligations():
        if ob.agency_key == "10064":
            months[ob.due.isoformat()[:7]][ob.status] += 1
    store.close()
    got = rows(demo_db, "agency_history", agency_key="10064")
    assert [r["month"] for r in got] == sorted(months) and len(got) > 6
    for row in got:
        counts = months[row["month"]]
        due = counts["met"] + counts["late"] + counts["missing"]
        assert (row["met"], row["late"], row["missing"], row["fell_due"]) == (
            counts["met"], counts["late"], counts["missing"], due)
        assert row["on_time_rate"] == (round(counts["met"] / due, 3) if due else None)
    assert {r["on_time_rate"] for r in got} >= {0.0, 1.0}  # the demo agency was both late and on time


def test_late_contracts_above_80m_are_the_late_or_missing_contract_obligations(demo_db):
    store = Store(demo_db, read_only=True)
    expected = {(ob.agency_key, ob.subject, ob.status) for ob in store.obligations("tender")
                if ob.rule == "tender.contract_published" and ob.status in ("late", "missing")}
    store.close()
    got = rows(demo_db, "late_contracts_above_80m")
    assert {(r["agency_key"], r["tender"], r["status"]) for r in got} == expected and expected
    statuses = [r["status"] for r in got]
    assert statuses == sorted(statuses, key=lambda s: s != "missing")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_monitor_explore_serves_the_database_under_its_own_name(demo_db, tmp_path):
    copy = tmp_path / "nightly.db"  # not monitor.db: the metadata follows the database's name
    with sqlite3.connect(demo_db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    port = free_port()
    explore = subprocess.Popen([sys.executable, "-m", "monitor", "--db", str(copy), "explore", "--port", str(port)],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)  # its own group: Datasette, its child, ends with it
    try:
        url = f"http://127.0.0.1:{port}/nightly/late_contracts_above_80m.json?_shape=array"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    contracts = json.load(response)
                break
            except OSError:
                assert explore.poll() is None, explore.stderr.read().decode()
                assert time.monotonic() < deadline, "monitor explore did not answer within 60 s"
                time.sleep(0.3)
        assert contracts and {c["status"] for c in contracts} == {"late", "missing"}
        with pytest.raises(urllib.error.HTTPError) as refused:  # the metadata applies under the new name
            urllib.request.urlopen(f"http://127.0.0.1:{port}/nightly/officials.json", timeout=5)
        assert refused.value.code == 403
    finally:
        os.killpg(explore.pid, signal.SIGTERM)
        explore.wait(timeout=30)


def test_monitor_explore_without_datasette_says_how_to_install_it(demo_db, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "datasette", None)  # as if Datasette were not installed
    assert cli.main(["--db", str(demo_db), "explore"]) == 2
    assert capsys.readouterr().err == f"monitor: {INSTALL_HINT}\n"


def test_monitor_explore_refuses_a_missing_database(tmp_path, capsys):
    assert cli.main(["--db", str(tmp_path / "none.db"), "explore"]) == 2
    assert "no database there" in capsys.readouterr().err


def test_the_wheel_ships_the_metadata(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("*.whl")
    assert "monitor/datasette/metadata.yml" in zipfile.ZipFile(wheel).namelist()
