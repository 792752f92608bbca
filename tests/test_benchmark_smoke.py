"""The national benchmark runs end to end at a tiny scale and prints its tables (no timing is asserted)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "national.py"
HEADERS = ("NATIONAL BENCHMARK: scale 0.01 of national", "COLD monitor", "WARM monitor", "REQUESTS PER SOURCE",
           "STANDARD-LIBRARY FLOOR (urllib.request", "cold wall / stdlib floor",
           "TARGETS (issues 7 and 18, for scale 1.0; this run: scale 0.01)")


def test_benchmark_runs_at_a_tiny_scale_and_prints_its_tables() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--scale", "0.01", "--timeout", "120"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for header in HEADERS:
        assert header in done.stdout
