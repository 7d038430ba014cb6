"""`corpus-db serve` with any file name: the metadata, canned queries, search page and links follow the
database served; a missing file is refused; a busy port gets a message that suggests --port."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette
from datasette.utils import tilde_encode

from corpus_db.cli import cli
from corpus_db.web.served_metadata import metadata_for, write_for
from tests.paths import ROOT
from tests.sync_support import cli_env
from tests.web_support import METADATA_FILE, SERVE_SETTINGS, metadata


def copy_as(source: Path, target: Path) -> Path:
    src, dest = sqlite3.connect(source), sqlite3.connect(target)
    src.backup(dest)
    src.close()
    dest.close()
    return target


def test_metadata_follows_the_served_name() -> None:
    meta = metadata_for(metadata(), "real")
    assert "corpus" not in meta["databases"] and meta["databases"]["real"]["queries"]["papers_with_code"]
    assert 'action="/real/search"' in meta["databases"]["real"]["description_html"]
    assert '"/corpus/' not in yaml.safe_dump(meta) and 'href="/real/-/papers"' in meta["description_html"]
    odd = metadata_for(metadata(), "my papers?")
    assert f'href="/{tilde_encode("my papers?")}/-/papers"' in odd["description_html"]
    assert write_for(METADATA_FILE, Path("corpus.db")) == METADATA_FILE


async def test_a_database_not_named_corpus_gets_search_queries_and_links(seeded_template: Path,
                                                                         tmp_path: Path) -> None:
    path = copy_as(seeded_template, tmp_path / "real.db")
    ds = Datasette([str(path)], metadata=metadata_for(metadata(), "real"), settings=SERVE_SETTINGS)
    home = (await ds.client.get("/real")).text
    assert 'href="/real/-/papers"' in home and "alembic_version" not in home and "papers_with_tag" in home
    for page in ("/real/search?q=granularity", "/real/papers_with_code?page=1", "/real/-/papers", "/real/-/charts",
                 "/real/-/new", "/real/tags/1", "/real/papers/1"):
        response = await ds.client.get(page)
        assert response.status_code == 200, page
    assert "search-results" in (await ds.client.get("/real/search?q=granularity")).text
    assert "Listed by" in (await ds.client.get("/real/papers/1")).text


def test_serve_refuses_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nothere.db"
    result = CliRunner().invoke(cli, ["serve", str(missing)])
    assert result.exit_code == 1 and "no such database file" in result.output
    assert not missing.exists()


def test_serve_says_the_port_is_busy_and_suggests_another(seeded_template: Path, tmp_path: Path) -> None:
    path = copy_as(seeded_template, tmp_path / "corpus.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", str(path), "--port", str(port)])
    assert result.exit_code == 1
    assert f"--port {port + 1}" in result.output and "PORT=" in result.output and "Serving" not in result.output


@pytest.mark.timeout(120)
def test_a_real_serve_of_real_db(seeded_template: Path, tmp_path: Path) -> None:
    path = copy_as(seeded_template, tmp_path / "real.db")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "corpus_db", "serve", str(path), "--port", str(port)],
                               cwd=ROOT, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/real/search?q=granularity", timeout=5) as response:
                    body = response.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None and time.monotonic() < deadline, process.stderr.read().decode()
                time.sleep(0.3)
        assert "search-results" in body
        with urllib.request.urlopen(base + "/") as response:
            assert 'href="/real/-/papers"' in response.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)
