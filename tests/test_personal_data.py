"""Officials' names are personal data: the officials table is the only table that holds one, and a
digest shows them only to a recipient whose configuration says `name_officials = true`.

The demo is built as `make demo` builds it; every official of its register, on every night, is
then looked for in every table, every export and every digest. A name is found where its last and
first names stand next to each other (in either order), or where a whole value (a column, or a
string inside a JSON column) is one of them: the demo's names are also words of its place names
(Сүхбаатар, Эрдэнэ), so a name part inside a longer text is no finding.

Two places hold names by decision, and are looked at apart: the officials table itself, and the
raw bodies in `snapshots`, which are the evidence of what the register answered (compressed, never
shown or exported); only the register's own answers may name anyone there.
"""
from __future__ import annotations

import io
import json
import re
import sqlite3
import subprocess
import sys
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable, Iterator

import pytest
import sqlite_utils

from monitor import cli
from demo.declarations_world import build_declarations_world, declarations_routes
from demo.server import DemoPortal
from demo.worlds import WorldSizes, demo_routes
from monitor.mongolian import normalize_text
from monitor.store import MIGRATIONS, Store

from smtp_server import Inbox, SmtpServer

TODAY = date(2026, 11, 30)  # the demo's today: three nights, 14 and 7 days before it and on it
NIGHTS = (TODAY - timedelta(days=14), TODAY - timedelta(days=7), TODAY)
WORD = re.compile(r"\w+")
JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
NAMED = '[[recipients]]\nname = "named"\naddress = "named@example.mn"\nlanguage = "en"\nname_officials = true\n'
RECIPIENTS = (NAMED + '[[recipients]]\nname = "anonymous"\naddress = "anonymous@example.mn"\nlanguage = "en"\n'
              '[[recipients]]\nname = "anonymous-mn"\naddress = "mn@example.mn"\n')


def fold(text: str) -> str:
    return normalize_text(text).casefold()


class Names:
    """Every official's name, as the register writes it and as a person writes it."""

    def __init__(self, people: Iterable[tuple[str, str]]) -> None:
        self.parts: set[str] = set()
        self.sequences: set[tuple[str, ...]] = set()
        for last, first in people:
            last_words, first_words = tuple(WORD.findall(fold(last))), tuple(WORD.findall(fold(first)))
            self.sequences |= {last_words + first_words, first_words + last_words}
            self.parts |= {fold(last), fold(first)}
        self.longest = max(len(sequence) for sequence in self.sequences)

    def found_in(self, text: str) -> list[str]:
        """The names `text` holds: next to each other, or as a whole value."""
        found = [value for value in (text, *JSON_STRING.findall(text)) if fold(value) in self.parts]
        words = WORD.findall(fold(text))
        for start in range(len(words)):
            for length in range(2, self.longest + 1):
                if tuple(words[start:start + length]) in self.sequences:
                    found.append(" ".join(words[start:start + length]))
        return found


@pytest.fixture(scope="module")
def names() -> Names:
    people = set()
    for night in NIGHTS:
        world = build_declarations_world(night, officials=WorldSizes().officials, anchor=TODAY)
        for official in world.officials:
            people |= {(official.last_name, official.first_name), (official.written_last, official.written_first)}
    return Names(people)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo's output directory, as `make demo` leaves it, with a configuration naming recipients."""
    out = tmp_path_factory.mktemp("demo")
    done = subprocess.run([sys.executable, "-m", "demo", "--as-of", TODAY.isoformat(), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    config = out / "monitor.toml"
    config.write_text(config.read_text(encoding="utf-8") + RECIPIENTS, encoding="utf-8")
    return out


def monitor(demo: Path, *args: str) -> str:
    out = io.StringIO()
    assert cli.main(["--config", str(demo / "monitor.toml"), *args], stdout=out) == 0
    return out.getvalue()


def rows(db: Path, skip: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(table, value) for every column of every row of every table but those skipped."""
    with sqlite3.connect(db) as conn:
        tables = [name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            if table in skip:
                continue
            for row in conn.execute(f'select * from "{table}"'):
                for value in row:
                    if value is not None:
                        yield table, value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def snapshot_strings(body: bytes) -> str:
    """A raw body's text, JSON strings decoded (a JSON answer may write Cyrillic as \\u escapes)."""
    text = body.decode("utf-8", "replace")
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


def test_no_table_but_officials_holds_a_name(demo, names):
    found = {(table, name) for table, value in rows(demo / "monitor.db", skip=("officials", "snapshots"))
             for name in names.found_in(value)}
    assert found == set()
    with sqlite3.connect(demo / "monitor.db") as conn:
        assert conn.execute("select count(*) from officials").fetchone()[0] >= 1000  # the register's names


def test_only_the_registers_own_answers_name_anyone_among_the_raw_bodies(demo, names):
    with sqlite3.connect(demo / "monitor.db") as conn:
        bodies = conn.execute("select distinct r.source, s.body_zlib from snapshots s "
                              "join requests r on r.snapshot = s.sha256").fetchall()
    naming = {source for source, body in bodies if names.found_in(snapshot_strings(zlib.decompress(body)))}
    assert naming == {"declarations.search"}  # evidence of what the register answered, kept as it came


@pytest.mark.parametrize("export", [["findings"], ["findings", "--json"], ["findings", "--csv"],
                                    ["findings", "--all", "--json"], ["findings", "--all", "--csv"]])
def test_no_export_names_anyone(demo, names, export):
    text = monitor(demo, *export)
    assert "/2025" in text or "/2024" in text  # the declarations findings are there, by register id
    assert names.found_in(text) == []


def test_check_declarations_json_names_nobody(demo, names):
    with DemoPortal(demo_routes(TODAY, anchor=TODAY)) as portal:
        config = demo / "check.toml"
        text = (demo / "monitor.toml").read_text(encoding="utf-8")
        config.write_text(re.sub(r'= "http://127\.0\.0\.1:\d+"', f'= "{portal.url}"', text), encoding="utf-8")
        out = io.StringIO()
        assert cli.main(["--config", str(config), "check", "declarations", "--json",
                         "--as-of", TODAY.isoformat()], stdout=out) == 0
    result = json.loads(out.getvalue())
    assert result["findings"] and names.found_in(out.getvalue()) == []


def test_the_demos_digests_name_nobody(demo, names):
    digests = sorted(path for path in (demo / "digests").iterdir() if path.name.startswith("digest-"))
    assert len(digests) == 12  # three nights, two languages, two formats
    for path in digests:
        assert names.found_in(path.read_text(encoding="utf-8")) == [], path.name


@pytest.mark.parametrize("fmt", ["html", "text"])
def test_only_a_recipient_allowed_to_see_names_sees_them(demo, names, fmt):
    for recipient in ("anonymous", "anonymous-mn"):
        assert names.found_in(monitor(demo, "digest", "--recipient", recipient, "--format", fmt,
                                      "--as-of", TODAY.isoformat())) == []
    named = monitor(demo, "digest", "--recipient", "named", "--format", fmt, "--as-of", TODAY.isoformat())
    store = Store(demo / "monitor.db")
    official_names = store.official_names()
    shown = [f for f in store.findings("declarations") if f["subject"] in named]
    store.close()
    assert shown
    assert all(official_names[f["official"]] in named for f in shown)
    assert names.found_in(named)


# --- a database from before the officials table ---------------------------------------------------

def old_database(path: Path) -> None:
    """A database at schema 3: names in the register's records, and in obligations' and findings' `person`."""
    db = sqlite_utils.Database(path)
    for version, migration in enumerate(MIGRATIONS[:3], start=1):
        with db.conn:
            migration(db)
            db.execute(f"PRAGMA user_version = {version}")
    official = {"aid_user_num": "100234", "first_name": "Батбаяр", "last_name": "Дорждэрэм",
                "organization_name": "Татварын ерөнхий газар", "organization_id": "311",
                "position_num": 1, "position_name": "Байцаагч", "years": [2023]}
    with db.conn:
        db["records"].insert({"kind": "declarations.official", "key": "100234", "first_seen": "2026-03-02",
                              "last_seen": "2026-03-02",
                              "data": json.dumps(official, ensure_ascii=False, sort_keys=True)})
        common = {"check_name": "declarations", "rule": "declarations.published", "agency_key": "311",
                  "agency": "Татварын ерөнхий газар", "due": "2025-04-01", "status": "missing",
                  "days_overdue": 400, "evidence_url": "https://xacxom.iaac.mn/"}
        for subject, person in (("100234/2024", "Дорждэрэм Батбаяр"),
                                ("roster:0123456789abcdef/2024", "Очирхуяг Равдан")):
            db["obligations"].insert({**common, "subject": subject, "person": person, "as_of": "2026-05-10"})
            db["findings"].insert({**common, "subject": subject, "person": person, "state": "new",
                                   "rechecked": 1, "judged_on": "2026-05-10", "first_raised_on": "2026-05-10",
                                   "is_open": 1})
    db.close()


def test_an_old_database_moves_its_names_into_the_officials_table(tmp_path, monkeypatch):
    database = sqlite_utils.Database

    class WithoutSecureDelete(database):
        """As SQLite builds that do not zero deleted content open a database."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.execute("PRAGMA secure_delete = OFF")

    monkeypatch.setattr(sqlite_utils, "Database", WithoutSecureDelete)
    path = tmp_path / "old.db"
    old_database(path)
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.officials() == {"100234": ("Дорждэрэм", "Батбаяр"),  # a name only a finding held:
                                 "roster:0123456789abcdef": ("Очирхуяг Равдан", "")}
    assert {ob.subject: ob.official for ob in store.obligations()} == {
        "100234/2024": "100234", "roster:0123456789abcdef/2024": "roster:0123456789abcdef"}
    assert [f["official"] for f in store.findings()] == ["100234", "roster:0123456789abcdef"]
    assert "first_name" not in store.records("declarations.official")["100234"].data
    store.close()
    names = Names([("Дорждэрэм", "Батбаяр"), ("Очирхуяг", "Равдан")])
    assert {name for _, value in rows(path, skip=("officials",)) for name in names.found_in(value)} == set()
    left_in_file = path.read_bytes()  # the names removed do not linger in the file's free pages
    assert '"first_name": "Батбаяр"'.encode() not in left_in_file
    assert "Дорждэрэм Батбаяр".encode() not in left_in_file
    assert "Очирхуяг Равдан".encode() in left_in_file  # in the officials table, whole


# --- the outbox ----------------------------------------------------------------------------------

def test_a_digest_naming_officials_leaves_no_name_in_the_outbox_once_sent(tmp_path):
    as_of = date(2026, 6, 15)
    world = build_declarations_world(as_of, officials=600)
    names = Names((official.last_name, official.first_name) for official in world.officials)
    inbox = Inbox(refuse=1)
    with DemoPortal(declarations_routes(world)) as portal, SmtpServer(inbox) as server:
        config = tmp_path / "monitor.toml"
        config.write_text(f'[monitor]\ndb = "{tmp_path / "m.db"}"\n[portals]\nxacxom = "{portal.url}"\n'
                          '[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 0\n'
                          f'[digest]\nout_dir = "{tmp_path / "out"}"\n'
                          f'[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
                          'from = "monitor@example.mn"\n' + NAMED, encoding="utf-8")
        cli.main(["--config", str(config), "run", "--only", "declarations", "--as-of", as_of.isoformat()])
        queued = list(rows(tmp_path / "m.db", skip=("officials", "snapshots")))
        assert any(names.found_in(value) for table, value in queued if table == "outbox")  # refused: kept whole
        assert cli.main(["--config", str(config), "send"]) == 0
    [message] = inbox.messages
    assert names.found_in(message.get_body(("plain",)).get_content())  # the recipient may see names
    assert [name for _, value in rows(tmp_path / "m.db", skip=("officials", "snapshots"))
            for name in names.found_in(value)] == []


def test_the_report_site_names_no_official(demo, names, tmp_path):
    monitor(demo, "site", str(tmp_path / "site"))
    files = [path for path in (tmp_path / "site").rglob("*") if path.is_file()]
    assert len(files) > 100
    assert {(path.name, name) for path in files for name in names.found_in(path.read_text(encoding="utf-8"))} == set()
