"""A run back-dated behind the database's latest run is refused (issue 14, item 8).

Live portals show today's pages whatever `--as-of` says, and a record's first_seen keeps the
earliest date it was stamped with: a run dated before the latest one would make an item first seen
today look published on that earlier day, so a late item would look on time. Going forward, a
same-day rerun, a first run on an empty database and a replay (`--replay`: the portals serve that
day, as in the tests and the demo) stay allowed.
"""
from __future__ import annotations

import sqlite3

from test_file_system import closed_portals, monitor, one_line


def runs(db) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    rows = conn.execute("select command, as_of from runs order by id").fetchall()
    conn.close()
    return rows


def test_an_as_of_before_the_latest_run_is_refused_unless_the_portals_replay_that_day(tmp_path):
    config, db = closed_portals(tmp_path), tmp_path / "m.db"
    common = ("--config", config, "--db", db)
    assert monitor(*common, "run", "--no-send", "--only", "legal", "--as-of", "2026-11-30")[0] == 3  # an empty database

    for command in (("check", "legal"), ("run", "--no-send", "--only", "legal")):
        code, out, err = monitor(*common, *command, "--as-of", "2026-11-29")
        assert code == 2 and out == ""
        assert f"--as-of 2026-11-29: earlier than the latest run in {db} (2026-11-30)" in one_line(err)
    assert runs(db) == [("run", "2026-11-30")]  # refused before a row or a record was written

    assert monitor(*common, "check", "legal", "--as-of", "2026-11-30")[0] == 3  # the same day again
    assert monitor(*common, "check", "legal", "--as-of", "2026-12-01")[0] == 3  # forward
    assert monitor(*common, "check", "legal", "--as-of", "2026-11-29", "--replay")[0] == 3
    assert monitor(*common, "run", "--no-send", "--only", "legal", "--as-of", "2026-11-28", "--replay")[0] == 3
    assert runs(db) == [("run", "2026-11-30"), ("check legal", "2026-11-30"), ("check legal", "2026-12-01"),
                        ("check legal", "2026-11-29"), ("run", "2026-11-28")]
