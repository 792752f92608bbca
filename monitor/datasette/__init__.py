"""The database for analysts: Datasette, with the metadata that names and explains every table.

Datasette is an optional extra (`explore`); nothing here imports it until `monitor explore` runs.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError

METADATA = "metadata.yml"
METADATA_DATABASE = "monitor"  # the database's name in metadata.yml: the default database's, monitor.db
INSTALL_HINT = "monitor explore needs Datasette: pip install 'disclosure-monitor[explore]'"


def metadata(database_name: str = METADATA_DATABASE) -> dict[str, Any]:
    """The bundled metadata, its database named as Datasette names the database served (its file's stem)."""
    import yaml  # Datasette's own dependency: present wherever Datasette is

    data = yaml.safe_load(resources.files(__package__).joinpath(METADATA).read_text(encoding="utf-8"))
    data["databases"] = {database_name: data["databases"][METADATA_DATABASE]}
    return data


def explore(db_path: str | Path, port: int) -> int:
    """Serve the database read-only on 127.0.0.1 with Datasette until interrupted; Datasette's exit status."""
    if importlib.util.find_spec("datasette") is None:
        raise ConfigError(INSTALL_HINT)
    path = Path(db_path)
    with tempfile.TemporaryDirectory(prefix="monitor-explore-") as folder:
        metadata_file = Path(folder) / "metadata.json"
        metadata_file.write_text(json.dumps(metadata(path.stem), ensure_ascii=False), encoding="utf-8")
        command = [sys.executable, "-m", "datasette", "serve", str(path), "--metadata", str(metadata_file),
                   "--host", "127.0.0.1", "--port", str(port)]
        try:
            return subprocess.call(command)
        except KeyboardInterrupt:
            return 0
