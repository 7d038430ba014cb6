"""datasette-metadata.yml describes a database called `corpus`; Datasette names a database after its
file. So that any file name works, serve rewrites the metadata for the name being served: the database
entry (descriptions, tables, canned queries, hidden tables) and every link to /corpus/ in its HTML."""

from __future__ import annotations

import copy
import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from datasette.utils import tilde_encode

TEMPLATE_NAME = "corpus"
_LINK = re.compile(r'((?:href|action)=")/corpus(?=[/"?#])')


def database_name(db_path: str | Path) -> str:
    """The name Datasette gives the database in this file: its stem."""
    return Path(db_path).stem


def _rewrite(value: Any, path: str) -> Any:
    if isinstance(value, str):
        return _LINK.sub(lambda m: m.group(1) + path, value)
    if isinstance(value, dict):
        return {k: _rewrite(v, path) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, path) for v in value]
    return value


def metadata_for(template: dict[str, Any], name: str) -> dict[str, Any]:
    """The metadata with the `corpus` database entry and its links moved to database `name`."""
    meta = copy.deepcopy(template)
    databases = meta.get("databases") or {}
    if name != TEMPLATE_NAME and TEMPLATE_NAME in databases and name not in databases:
        databases[name] = databases.pop(TEMPLATE_NAME)
    return _rewrite(meta, "/" + tilde_encode(name))


def write_for(metadata_file: Path, db_path: str | Path) -> Path:
    """A metadata file for serving db_path: the given one when the name is `corpus`, else a rewritten copy
    in the temporary folder (named by its content, so serving again reuses it)."""
    name = database_name(db_path)
    if name == TEMPLATE_NAME:
        return metadata_file
    meta = metadata_for(yaml.safe_load(metadata_file.read_text(encoding="utf-8")) or {}, name)
    text = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / f"corpus-db-metadata-{digest}.yml"
    if not out.exists():
        partial = out.with_suffix(".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(out)
    return out
