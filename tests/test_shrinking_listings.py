"""A listing that silently shrinks must not close findings (issue 14, item 3): count assertions fail
the source when a listing whose items do not leave loses more than `[monitor] listing_shrink`
(20 %) of 50 or more rows; a smaller drop is a data note; a finding whose obligation leaves the
scope is closed as `left_scope` and said so in the digest, and resumes when it returns.

Real demo portal on 127.0.0.1; the declarations register of the demo world, cut by a Fault that
rewrites each letter's answer.
"""
from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any, Callable

import pytest

from monitor import cli
from demo.declarations_world import build_declarations_world, declarations_routes
from demo.server import DemoPortal, Fault

AS_OF = date(2026, 11, 30)
NEXT = date(2026, 12, 1)


def _keep(share: float) -> Callable[[bytes], bytes]:
    """Each letter's answer cut to its first `share` of officials (a valid layout, fewer rows)."""
    def rewrite(body: bytes) -> bytes:
        data = json.loads(body)
        data["retdata"] = data["retdata"][: int(len(data["retdata"]) * share)]
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    return rewrite


def _renaming(old: str, new: str) -> Callable[[bytes], bytes]:
    return lambda body: body.decode("utf-8").replace(old, new).encode("utf-8")


@pytest.fixture(scope="module")
def world():
    return build_declarations_world(AS_OF, officials=300)


def run(world, tmp_path: Path, on: date, fault: Fault | None = None, fmt: str | None = None) -> tuple[int, Any]:
    with DemoPortal(declarations_routes(world)) as portal:
        if fault is not None:
            portal.faults["declarations.search"] = fault
        config = tmp_path / "monitor.toml"
        config.write_text(f'[portals]\nxacxom = "{portal.url}"\n[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 0\n',
                          encoding="utf-8")
        out = io.StringIO()
        code = cli.main(["--config", str(config), "--db", str(tmp_path / "m.db"), "check", "declarations",
                         "--as-of", on.isoformat(), "--json"], stdout=out)
        result = json.loads(out.getvalue())
    if fmt:
        digest = io.StringIO()
        cli.main(["--config", str(config), "--db", str(tmp_path / "m.db"), "digest", "--language", "en",
                  "--format", fmt, "--as-of", on.isoformat()], stdout=digest)
        return code, (result, digest.getvalue())
    return code, result


def open_missing(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["subject"]: f for f in result["findings"] if f["status"] == "missing"}


def test_half_the_register_fails_the_source_and_keeps_every_finding_open(world, tmp_path):
    code, first = run(world, tmp_path, AS_OF)
    assert code == 0
    before = open_missing(first)
    assert before
    code, shrunk = run(world, tmp_path, NEXT, Fault(rewrite=_keep(0.5)))
    assert code == 3
    [source] = shrunk["sources"]
    assert source["ok"] is False and source["error"].startswith("listing shrank from ")
    assert source["error"].endswith(" officials")
    after = open_missing(shrunk)
    assert set(after) == set(before)  # none closed, none new
    assert all(f["state"] == "ongoing" and f["rechecked"] is False for f in after.values())
    assert all(row["unknown"] == sum(row[s] for s in ("met", "late", "missing", "pending", "unknown"))
               for row in shrunk["agencies"])
    code, clean = run(world, tmp_path, date(2026, 12, 2))
    assert code == 0
    again = open_missing(clean)
    assert set(again) == set(before)
    assert all(f["state"] == "ongoing" for f in again.values())  # never "new" again


def test_a_small_drop_is_a_data_note(world, tmp_path):
    run(world, tmp_path, AS_OF)
    code, result = run(world, tmp_path, NEXT, Fault(rewrite=_keep(0.9)))
    assert code == 0
    assert any(n["message"].startswith("listing shrank from ") for n in result["notes"])


def test_an_organisation_renamed_away_leaves_the_scope_visibly_and_its_findings_resume(world, tmp_path):
    code, first = run(world, tmp_path, AS_OF)
    customs = {s: f for s, f in open_missing(first).items() if f["agency"] == "Гаалийн ерөнхий газар"}
    assert customs
    renamed = Fault(rewrite=_renaming("Гаалийн ерөнхий газар", "Гааль, хилийн ерөнхий газар"))
    code, (result, digest) = run(world, tmp_path, NEXT, renamed, fmt="text")
    assert not set(customs) & set(open_missing(result))
    assert "No longer in scope" in digest
    assert all(subject in digest for subject in customs)
    code, back = run(world, tmp_path, date(2026, 12, 2))
    resumed = {s: f for s, f in open_missing(back).items() if s in customs}
    assert set(resumed) == set(customs)
    assert all(f["state"] == "ongoing" for f in resumed.values())
