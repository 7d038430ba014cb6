"""The sources file (sources.yml): which dumps `corpus-db sync` imports, read and validated in full
before anything runs, so that every mistake is reported as `FILE:LINE: entry N (name): what is wrong`.

    sources:
      - name: seeds            # required, unique
        glob: seeds/*.txt      # exactly one of path (a file or a directory), glob, url (http or https)
        format: listing        # optional: detected from the content when absent
        tags: [seeds]          # optional: tag every paper this source lists

Relative paths and globs are relative to the directory of the sources file.
"""

from __future__ import annotations

import glob as globbing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from corpus_db.importers import FORMAT_NAMES
from corpus_db.ingest.files import dump_files
from corpus_db.rules.credentials import redact_url

LOCATION_KEYS = ("path", "glob", "url")
ENTRY_KEYS = ("name", *LOCATION_KEYS, "format", "tags")


class SourcesFileError(ValueError):
    """A sources file that cannot be used; the message names the file, line, entry and problem."""


@dataclass(frozen=True)
class SourceEntry:
    """One validated entry: where its dumps are, how to read them, how to tag them."""

    name: str
    number: int  # 1-based position in the file, for messages
    kind: str  # path, glob or url
    location: str  # an absolute path or pattern, or the URL
    format: str | None = None
    tags: tuple[str, ...] = ()

    def local_paths(self) -> list[Path]:
        """The files a path or glob entry names now: a file, the dumps in a directory and its subfolders (in
        path order: an OpenAlex snapshot folder is one source whose later updated_date=... partitions update
        the works they repeat), or the files a glob matches; empty when nothing is there."""
        if self.kind == "path":
            path = Path(self.location)
            if path.is_dir():
                return dump_files(path)
            return [path] if path.exists() else []
        if self.kind == "glob":
            return sorted(Path(p) for p in globbing.glob(self.location, recursive=True) if Path(p).is_file())
        return []


def _entry_lines(text: str) -> list[int]:
    """The line each entry of the `sources` list starts on (for messages), best effort."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    node = root
    if isinstance(root, yaml.MappingNode):
        node = next((v for k, v in root.value if getattr(k, "value", None) == "sources"), None)
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def _check_entry(raw: Any, base: Path) -> SourceEntry | str:
    """The entry, or what is wrong with it."""
    if not isinstance(raw, dict):
        return f"expected a mapping with name and one of {', '.join(LOCATION_KEYS)}, found {type(raw).__name__}"
    unknown = sorted(str(k) for k in raw if k not in ENTRY_KEYS)
    if unknown:
        return f"unknown key {', '.join(map(repr, unknown))} (expected {', '.join(ENTRY_KEYS)})"
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        return "needs a name (a non-empty string)"
    given = [k for k in LOCATION_KEYS if k in raw]
    if len(given) != 1:
        return f"needs exactly one of {', '.join(LOCATION_KEYS)}, found {', '.join(given) or 'none'}"
    kind = given[0]
    value = raw[kind]
    if not isinstance(value, str) or not value.strip():
        return f"{kind} must be a non-empty string"
    value = value.strip()
    if kind == "url":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return f"url {redact_url(value)!r} is not an http(s) URL"
        location = value
    else:
        if "://" in value:
            return f"{kind} {value!r} looks like a URL: use url: for downloads"
        location = str((base / Path(value).expanduser()).resolve()) if kind == "path" else _absolute(base, value)
    fmt = raw.get("format")
    if fmt is not None and (not isinstance(fmt, str) or fmt not in FORMAT_NAMES):
        return f"unknown format {fmt!r} (known: {', '.join(sorted(FORMAT_NAMES))}; one name, or leave it out to detect)"
    tags = raw.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        return "tags must be a list of non-empty strings"
    return SourceEntry(
        name=name.strip(), number=0, kind=kind, location=location, format=fmt, tags=tuple(t.strip() for t in tags)
    )


def _absolute(base: Path, pattern: str) -> str:
    expanded = Path(pattern).expanduser()
    return str(expanded if expanded.is_absolute() else base.resolve() / expanded)


def parse_sources(text: str, where: str, base: Path) -> list[SourceEntry]:
    """Validate the text of a sources file; `where` names it in messages, `base` anchors relative paths."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise SourcesFileError(f"{where}{line}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if isinstance(data, dict):
        extra = sorted(str(k) for k in data if k != "sources")
        if extra:
            raise SourcesFileError(f"{where}: unknown top-level key {', '.join(map(repr, extra))} (expected sources)")
        data = data.get("sources")
    if not isinstance(data, list) or not data:
        raise SourcesFileError(f"{where}: expected a non-empty list of sources under `sources:`")
    lines = _entry_lines(text)
    entries: list[SourceEntry] = []
    seen: dict[str, int] = {}
    problems: list[str] = []
    for number, raw in enumerate(data, start=1):
        line = f":{lines[number - 1]}" if len(lines) == len(data) else ""
        label = f"{where}{line}: entry {number}"
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            label += f" ({raw['name']})"
        checked = _check_entry(raw, base)
        if isinstance(checked, str):
            problems.append(f"{label}: {checked}")
            continue
        if checked.name in seen:
            problems.append(f"{label}: name {checked.name!r} is already used by entry {seen[checked.name]}")
            continue
        seen[checked.name] = number
        entries.append(replace(checked, number=number))
    if problems:
        raise SourcesFileError("\n".join(problems))
    return entries


def load_sources(path: str | Path) -> list[SourceEntry]:
    """Read and validate a sources file; raises SourcesFileError naming every bad entry."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise SourcesFileError(f"{file}: cannot read it: {exc}") from None
    return parse_sources(text, str(file), file.resolve().parent)
