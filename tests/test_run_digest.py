"""`monitor run --no-send`: every check, then the digests written in both languages and formats."""
from __future__ import annotations

import io
from datetime import date

from expectations import in_english
from monitor import cli
from demo.server import DemoPortal
from demo.tender_world import build_tender_world, tender_routes

AS_OF = date(2026, 11, 29)


def test_run_writes_digests_naming_the_agencies_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", "t")
    world = build_tender_world(AS_OF, seed=11)
    with DemoPortal(tender_routes(world, token="t")) as portal:
        config = tmp_path / "monitor.toml"
        config.write_text(f'[portals]\ntender_opendata = "{portal.url}"\ntender = "{portal.url}"\n'
                          f'[fetch]\ndelay = 0.0\n[digest]\nout_dir = "{tmp_path / "out"}"\n', encoding="utf-8")
        out = io.StringIO()
        code = cli.main(["--config", str(config), "--db", str(tmp_path / "m.db"), "run", "--only", "tender",
                         "--no-send", "--as-of", AS_OF.isoformat()], stdout=out)
    assert code == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"digest-{AS_OF}.{lang}.{fmt}" for lang in ("en", "mn") for fmt in ("html", "txt")] + [
        f"findings-{AS_OF}.csv"]
    silent = [a for a in world.agencies if a.habit == "silent"]
    english = (tmp_path / "out" / f"digest-{AS_OF}.en.html").read_text(encoding="utf-8")
    mongolian = (tmp_path / "out" / f"digest-{AS_OF}.mn.txt").read_text(encoding="utf-8")
    assert "Still behind, oldest first" in english and "Хоцорсон хэвээр" in mongolian
    for agency in silent:
        assert in_english(agency.name) in english and agency.name.strip() in mongolian
    assert f"digest written: {tmp_path / 'out'}" in out.getvalue()
