"""Datasette over the seeded corpus, in-process: FTS detected, the ranked canned search, read-only."""

from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from tests.paths import ROOT


@pytest.fixture
def datasette(seeded_db: Path, tmp_path: Path) -> Datasette:
    corpus = tmp_path / "corpus.db"
    seeded_db.rename(corpus)
    metadata = yaml.safe_load((ROOT / "datasette-metadata.yml").read_text())
    return Datasette([str(corpus)], metadata=metadata)


async def test_table_search_box_uses_the_fts_index(datasette: Datasette) -> None:
    response = await datasette.client.get("/corpus/papers.json?_search=mixture+of+experts&_shape=objects&_size=100")
    assert response.status_code == 200
    titles = [row["title"] for row in response.json()["rows"]]
    assert "MH-MoE:Multi-Head Mixture-of-Experts" in titles
    assert len(titles) > 20


async def test_ranked_canned_search_returns_the_expected_papers_first(datasette: Datasette) -> None:
    response = await datasette.client.get("/corpus/search.json?q=mixture+of+experts&_shape=objects")
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert all("mixture" in r["title"].lower() and "expert" in r["title"].lower() for r in rows[:5])
    assert "mixture" in rows[0]["snippet"].lower() and "<mark>" not in rows[0]["snippet"]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


@pytest.mark.parametrize("typed", ["", '"unbalanced', "a AND (", "-", "*"])
async def test_canned_search_never_errors(datasette: Datasette, typed: str) -> None:
    response = await datasette.client.get("/corpus/search.json", params={"q": typed})
    assert response.status_code == 200


async def test_write_sql_is_refused(datasette: Datasette) -> None:
    response = await datasette.client.get("/corpus.json", params={"sql": "delete from papers"})
    assert response.status_code == 400
    count = await datasette.client.get("/corpus.json", params={"sql": "select count(*) as n from papers"})
    assert count.json()["rows"] == [[389]]


async def test_shadow_tables_are_hidden(datasette: Datasette) -> None:
    tables = (await datasette.client.get("/corpus.json")).json()["tables"]
    hidden = {t["name"] for t in tables if t["hidden"]}
    assert {"papers_fts", "papers_fts_data", "papers_fts_idx", "papers_fts_docsize", "papers_fts_config"} <= hidden


# Importing datasette.plugins loads every plugin's entry point: a module of this package that did so at its
# own import, when imported first, got the package registered half-imported, without its hooks.
PLUGIN_HOOKS = """
import importlib, sys
importlib.import_module(sys.argv[1])
from datasette.plugins import pm
plugin = dict(pm.list_name_plugin())["corpus_db"]
print(sorted({caller.name for caller in pm.get_hookcallers(plugin) or []}
             & {"prepare_connection", "asgi_wrapper", "register_routes", "startup"}))
"""


@pytest.mark.parametrize("first", ["corpus_db.web", "corpus_db.web.readonly", "corpus_db.web.search_fast",
                                   "corpus_db.web.search_frame", "corpus_db.web.search_page"])
def test_the_plugin_registers_whole_whichever_module_is_imported_first(first: str) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", PLUGIN_HOOKS, first], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[0] == str(["asgi_wrapper", "prepare_connection", "register_routes", "startup"])
