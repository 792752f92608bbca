"""One agency, one identity: the keys under which each portal lists an agency, joined into one agency.

Each check keys agencies its own way (tender by `clientId`, budget by Glass Account entity id, the
consolidated report by name, declarations by the register's organisation id, legal by issuing body,
extractives by the holder's register number). Obligations keep those keys; this layer, rebuilt
after each run's checks, gives each (check, key) an agency id for the digest and the reports.

Keys are joined, in this order, by
1. a state register number two keys share (where a check declares one: Check.registers);
2. the alias table: the bundled monitor/data/agencies.csv and the `[agencies] aliases` file, whose
   rows name an agency (`id`, `name_mn`, `name_en`, `register_no`, `aliases`: other names or
   `check:key` pairs, separated by `|`);
3. the normalised name (normalised_name: NFC, case, quotes, whitespace, the usual abbreviations).
Nothing else: names that match none stay separate agencies, and two keys with different register
numbers are never joined, whatever their names.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

from .check import Check
from .errors import ConfigError
from .mongolian import fold_name, normalize_text, transliterate
from .store import Store

CSV_COLUMNS = ("id", "name_mn", "name_en", "register_no", "aliases")
_KEY_ALIAS = re.compile(r"^([a-z][a-z0-9_]*):(.+)$")
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")

# Written out in full or abbreviated, one agency: each phrase (folded) is read as its abbreviation.
_ABBREVIATIONS = (
    ("нийслэлийн засаг даргын тамгын газар", "нздтг"),
    ("аймгийн засаг даргын тамгын газар", "аздтг"),
    ("засаг даргын тамгын газар", "здтг"),
    ("хязгаарлагдмал хариуцлагатай компани", "ххк"),
    ("төрийн өмчит хувьцаат компани", "төхк"),
    ("хувьцаат компани", "хк"),
    ("төрийн өмчит үйлдвэрийн газар", "төүг"),
    ("орон нутгийн өмчит үйлдвэрийн газар", "онөүг"),
    ("төрийн бус байгууллага", "тбб"),
)
# An abbreviation that stands for a word and an abbreviation: "Өмнөговь АЗДТГ" is "Өмнөговь аймгийн ЗДТГ".
_COMPOUNDS = {"аздтг": "аймгийн здтг", "нздтг": "нийслэлийн здтг"}


def normalised_name(name: str | None) -> str:
    """A name as compared: NFC, case-folded, quotes dropped, whitespace collapsed, and the usual
    abbreviations (ЗДТГ, ХХК, ТӨХК, ХК, ТӨҮГ, ОНӨҮГ, ТББ) read the same as their full forms."""
    text = fold_name(name).replace(" ,", ",")
    for phrase, short in _ABBREVIATIONS:
        text = re.sub(rf"(?<!\w){phrase}(?!\w)", short, text)
    return " ".join(_COMPOUNDS.get(word, word) for word in text.split())


@dataclass(frozen=True)
class AliasRow:
    """One agency of the alias table."""

    id: str
    name: str
    name_en: str | None = None
    register_no: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass
class Agency:
    """One agency: its id, names, register number, how its keys were joined, and its keys."""

    id: str
    name: str
    name_en: str | None
    register_no: str | None
    matched_by: tuple[str, ...]  # "register", "alias", "name": what joined it (empty: one key, no alias)
    keys: list[tuple[str, str, str]] = field(default_factory=list)  # (check, key, name as the portal writes it)

    @property
    def unmatched(self) -> bool:
        """Known to one portal only and to no alias row: a candidate for an alias a user adds."""
        return "alias" not in self.matched_by and len({check for check, _, _ in self.keys}) == 1


def bundled_aliases() -> list[AliasRow]:
    """The alias table shipped with the monitor (monitor/data/agencies.csv)."""
    text = resources.files("monitor").joinpath("data/agencies.csv").read_text(encoding="utf-8")
    return read_aliases(text, "monitor/data/agencies.csv")


def load_aliases(path: str | Path | None) -> list[AliasRow]:
    """The bundled table, extended by a user's file: a row with a bundled id adds its aliases (and
    its English name or register number, when given) to that agency; other rows add agencies."""
    rows = {row.id: row for row in bundled_aliases()}
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ConfigError(f"agencies.aliases: {path}: cannot read it ({exc.strerror})") from None
        for row in read_aliases(text, str(path)):
            old = rows.get(row.id)
            rows[row.id] = row if old is None else AliasRow(
                old.id, old.name, row.name_en or old.name_en, row.register_no or old.register_no,
                old.aliases + (row.name,) + row.aliases)
    return list(rows.values())


def read_aliases(text: str, source: str) -> list[AliasRow]:
    """Rows of an alias CSV; a ConfigError naming the file and line for a row it cannot use."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"id", "name_mn"} - set(reader.fieldnames or ())
    if missing:
        raise ConfigError(f"{source}: the alias table needs the columns {', '.join(CSV_COLUMNS)} "
                          f"(missing {', '.join(sorted(missing))})")
    rows = []
    for line, raw in enumerate(reader, start=2):
        agency_id, name = (raw.get("id") or "").strip(), normalize_text(raw.get("name_mn"))
        if not agency_id or not name:
            raise ConfigError(f"{source}, line {line}: an alias row needs an id and a name_mn")
        aliases = tuple(a for a in (normalize_text(a) for a in (raw.get("aliases") or "").split("|")) if a)
        rows.append(AliasRow(agency_id, name, normalize_text(raw.get("name_en")) or None,
                             normalize_text(raw.get("register_no")) or None, aliases))
    return rows


class _Joins:
    """Union-find over nodes (a portal key, or an alias row) that never joins two register numbers."""

    def __init__(self) -> None:
        self.parent: dict[tuple, tuple] = {}
        self.number: dict[tuple, str | None] = {}
        self.reasons: dict[tuple, set[str]] = {}

    def add(self, node: tuple, number: str | None) -> None:
        self.parent[node], self.number[node], self.reasons[node] = node, number, set()

    def root(self, node: tuple) -> tuple:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def join(self, a: tuple, b: tuple, reason: str) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            self.reasons[ra].add(reason)
            return
        if self.number[ra] and self.number[rb] and self.number[ra] != self.number[rb]:
            return  # two register numbers: two agencies, whatever their names say
        ra, rb = sorted((ra, rb))
        self.parent[rb] = ra
        self.number[ra] = self.number[ra] or self.number[rb]
        self.reasons[ra] |= self.reasons[rb] | {reason}


def match_agencies(keys: Iterable[tuple[str, str, str]], registers: Mapping[tuple[str, str], str],
                   aliases: Iterable[AliasRow]) -> list[Agency]:
    """Agencies from (check, key, name) triples, the register number of some keys, and the alias table."""
    keys = sorted(set(keys))
    aliases = list(aliases)
    joins = _Joins()
    for check, key, _ in keys:
        joins.add(("key", check, key), registers.get((check, key)))
    for order, row in enumerate(aliases):
        joins.add(("alias", order), row.register_no)
    by_number: dict[str, tuple] = {}
    for node in list(joins.parent):
        number = joins.number[node]
        if number and by_number.setdefault(number, node) != node:
            joins.join(by_number[number], node, "register")
    by_name: dict[str, list[tuple]] = {}
    for check, key, name in keys:
        by_name.setdefault(normalised_name(name), []).append(("key", check, key))
    for order, row in enumerate(aliases):
        for alias in (row.name, *row.aliases):
            if m := _KEY_ALIAS.match(alias):
                targets = [("key", m[1], m[2])] if ("key", m[1], m[2]) in joins.parent else []
            else:
                targets = by_name.get(normalised_name(alias), [])
            for target in targets:
                joins.join(("alias", order), target, "alias")
    for nodes in by_name.values():
        for node in nodes[1:]:
            joins.join(nodes[0], node, "name")
    return _agencies(keys, aliases, joins)


def _agencies(keys: list[tuple[str, str, str]], aliases: list[AliasRow], joins: _Joins) -> list[Agency]:
    members: dict[tuple, list[tuple[str, str, str]]] = {}
    for check, key, name in keys:
        members.setdefault(joins.root(("key", check, key)), []).append((check, key, name))
    alias_of = {}
    for order, row in enumerate(aliases):
        alias_of.setdefault(joins.root(("alias", order)), row)
    agencies = []
    for root, agency_keys in members.items():
        row = alias_of.get(root)
        number = joins.number[root]
        check, key, name = agency_keys[0]
        agencies.append(Agency(
            id=row.id if row else (f"reg-{number}" if number else _key_id(check, key)),
            name=row.name if row else name, name_en=row.name_en if row else None, register_no=number,
            matched_by=tuple(sorted(joins.reasons[root] & {"register", "alias", "name"})), keys=agency_keys))
    return sorted(agencies, key=lambda a: (a.name, a.id))


def _key_id(check: str, key: str) -> str:
    """An id from a portal key: as it is when short and plain, else a digest of it (a name)."""
    if _SAFE_ID.match(key):
        return f"{check}-{key}"
    return f"{check}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


def rebuild_agencies(store: Store, checks: Mapping[str, type[Check]], aliases_path: str | None = None) -> list[Agency]:
    """Rebuild the store's agency tables from its obligations, its records' register numbers and
    the alias table; what a run's digest and `check --json` name agencies by."""
    names = store.agency_key_names()
    registers: dict[tuple[str, str], str] = {}
    for name, check in checks.items():
        for register in check.registers:
            for key, number in store.register_numbers(register.kind, register.key, register.number).items():
                registers.setdefault((name, key), number)
    agencies = match_agencies([(check, key, name) for check, key, name, _ in names], registers,
                              load_aliases(aliases_path))
    store.replace_agencies(
        [(a.id, a.name, a.name_en, a.register_no, ",".join(a.matched_by) or None) for a in agencies],
        [(check, key, name, registers.get((check, key)), a.id) for a in agencies for check, key, name in a.keys])
    return agencies


def stored_agencies(store: Store) -> list[Agency]:
    """The agencies as the last rebuild stored them."""
    return [Agency(row["id"], row["name"], row["name_en"], row["register_no"],
                   tuple((row["matched_by"] or "").split(",")) if row["matched_by"] else (),
                   [(key["check"], key["key"], key["name"]) for key in row["keys"]])
            for row in store.agencies()]


def display_name(name: str, name_en: str | None, language: str) -> str:
    """An agency's name for a reader: Mongolian as the portal writes it; in English the English name
    where the alias table gives one, else the name transliterated (MNS 5217:2012, in ASCII)."""
    if language == "mn":
        return name
    return name_en or transliterate(name, ascii_only=True)
