"""corpus-db's Datasette plugin, a package registered through the distribution's entry points (so
`corpus-db serve` and a plain `datasette` both load it): read-only connections, links in cells, paper
pages, charts. Being a package, Datasette serves its templates/ and static/ folders itself; the modules
beside this one hold the logic the hooks call."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from corpus_db.store.search import register_functions
from corpus_db.web import cells, charts, related, similar
from corpus_db.web.empty_search import ASGIApp, drop_blank_search
from corpus_db.web.readonly import make_read_only

# Datasette mounts a plugin package's static/ folder here, under the distribution's name.
STYLESHEET_PATH = "/-/static-plugins/corpus-db/corpus-db.css"


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str) -> None:
    """fts_query(text) for canned searches (what people type can never be an FTS5 syntax error), and
    a connection that refuses writes."""
    register_functions(conn)
    make_read_only(conn, database)


@hookimpl
def asgi_wrapper() -> Callable[[ASGIApp], ASGIApp]:
    """An empty table search shows the table instead of an FTS syntax error (see web/empty_search.py)."""
    return drop_blank_search


@hookimpl
def render_cell(row: Any, value: object, column: str, table: str | None, database: str, datasette: Any) -> Any:
    return cells.render(row, value, column, table, lambda name: datasette.urls.table(database, name))


@hookimpl
def extra_template_vars(
    view_name: str, table: str | None, database: str | None, request: Any, datasette: Any
) -> Callable[[], Awaitable[dict[str, Any]]] | None:
    """The related rows a corpus row page shows (see templates/row-corpus-*.html)."""
    if view_name != "row" or table not in related.RELATED_TABLES or database is None or request is None:
        return None

    async def inner() -> dict[str, Any]:
        row_id = related.parse_row_id(request.url_vars.get("pks"))
        if row_id is None:
            return {}
        db = datasette.get_database(database)
        if table == "papers":
            return {"corpus_paper": await related.paper_page(db, row_id), **await similar.paper_section(db, row_id)}
        extra = await similar.tag_section(db, row_id) if table == "tags" else {}
        return {"corpus_papers": await related.papers_of(db, table, row_id), **extra}

    return inner


async def _corpus_database(datasette: Any, requested: str | None) -> Any:
    """The database the charts describe: ?database=NAME, else the first one with a papers table."""
    for name, db in datasette.databases.items():
        if name == "_internal" or (requested and name != requested):
            continue
        if await db.table_exists("papers"):
            return db
    raise NotFound("No database with a papers table")


async def charts_view(datasette: Any, request: Any) -> Response:
    db = await _corpus_database(datasette, request.args.get("database"))
    context = await charts.chart_context(db, datasette.urls.database(db.name))
    context["database"] = db.name
    context["database_color"] = lambda _name: "ff0000"  # what Datasette 0.65 views give; they alone add it
    html = await datasette.render_template("corpus_charts.html", context, request=request, view_name="charts")
    return Response.html(html)


@hookimpl
def register_routes() -> list[tuple[str, Callable[..., Awaitable[Response]]]]:
    return [(r"^/-/charts$", charts_view)]


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    """Our stylesheet on every page."""
    return [datasette.urls.path(STYLESHEET_PATH)]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [
        {"href": datasette.urls.path("/-/charts"), "label": "Charts: papers per tag and month"},
    ]
