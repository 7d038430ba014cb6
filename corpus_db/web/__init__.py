"""corpus-db's Datasette plugin, a package registered through the distribution's entry points (so
`corpus-db serve` and a plain `datasette` both load it): read-only connections, links in cells, paper
pages, charts. Being a package, Datasette serves its templates/ and static/ folders itself; the modules
beside this one hold the logic the hooks call."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from corpus_db.rules.normalize import tag_name
from corpus_db.rules.tags import fold_key
from corpus_db.store.search import MMAP_BYTES, register_functions
from corpus_db.web import cells, charts, counts, pages, related, search_page, search_workers, similar
from corpus_db.web.empty_search import ASGIApp, drop_blank_search
from corpus_db.web.readonly import make_read_only
from corpus_db.web.search_fast import search_fast_path

# Datasette mounts a plugin package's static/ folder here, under the distribution's name.
STYLESHEET_PATH = "/-/static-plugins/corpus-db/corpus-db.css"


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str) -> None:
    """fts_query(text) for canned searches (what people type can never be an FTS5 syntax error), and
    a connection that refuses writes."""
    register_functions(conn)
    # tag_key(text): the fold key of a tag as a person types it, for canned queries that take a tag.
    conn.create_function("tag_key", 1, lambda text: fold_key(tag_name(text or "")), deterministic=True)
    if database not in ("_internal", "_memory"):
        # Paper lists and search read scattered rows: mapping the file spares a copy per page read.
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    make_read_only(conn, database)


@hookimpl
def startup(datasette: Any) -> None:
    """Table counts kept per database version instead of recounted on every home/database page view
    (see web/counts.py), for database files that can change (immutable ones have their inspect counts);
    the search workers."""
    for name, db in datasette.databases.items():
        if name not in ("_internal", "_memory") and db.path and db.is_mutable:
            db.table_counts = counts.kept_table_counts(db)
    # The search workers start now and open the databases and their indexes while the server starts.
    search_workers.shared_workers(db.path for name, db in datasette.databases.items()
                                  if name not in ("_internal", "_memory") and db.path and not db.is_memory)


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[ASGIApp], ASGIApp]:
    """An empty table search shows the table instead of an FTS syntax error (see web/empty_search.py);
    anonymous GETs of search.json and the search page are answered before Datasette's routing
    (web/search_fast.py)."""
    fast = search_fast_path(datasette)
    return lambda app: fast(drop_blank_search(app))


@hookimpl
def render_cell(row: Any, value: object, column: str, table: str | None, database: str, datasette: Any) -> Any:
    return cells.render(row, value, column, table, lambda name: datasette.urls.table(database, name))


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters["corpus_linkify"] = cells.linkify


def _page_url(request: Any) -> Callable[[int], str]:
    """The current URL with ?page=N: the pager of canned queries that take :page."""

    def url(page: int) -> str:
        args = [(k, v) for k in request.args if k != "page" for v in request.args.getlist(k)]
        args.append(("page", str(page)))
        return request.path + "?" + urlencode(args)

    return url


@hookimpl
def extra_template_vars(
    view_name: str, table: str | None, database: str | None, request: Any, datasette: Any
) -> Callable[[], Awaitable[dict[str, Any]]] | dict[str, Any] | None:
    """The paper page's listings, tags, repos and authors (templates/corpus_paper.html); the pager link
    of paged canned queries."""
    if request is None:
        return None
    if view_name != "row" or table not in related.RELATED_TABLES or database is None:
        return {"corpus_page_url": _page_url(request)}

    async def inner() -> dict[str, Any]:
        row_id = related.parse_row_id(request.url_vars.get("pks"))
        if row_id is None:
            return {}
        db = datasette.get_database(database)
        return {"corpus_paper": await related.paper_page(db, row_id), **await similar.paper_section(db, row_id)}

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
    """/-/charts (the first corpus database, or ?database=NAME) and /<database>/-/charts."""
    if "database" in request.url_vars:
        db = pages.corpus_database(datasette, request)
    else:
        db = await _corpus_database(datasette, request.args.get("database"))
    context = await charts.chart_context(db, datasette.urls.database(db.name))
    context["database"] = db.name
    context["database_color"] = lambda _name: "ff0000"  # what Datasette 0.65 views give; they alone add it
    html = await datasette.render_template("corpus_charts.html", context, request=request, view_name="charts")
    return Response.html(html)


@hookimpl
def register_routes() -> list[tuple[str, Callable[..., Awaitable[Response]]]]:
    return [
        (r"^/-/charts$", charts_view), (r"^/(?P<database>[^/]+)/-/charts$", charts_view),
        (search_page.ROUTE, search_page.search_view), *pages.routes(),
    ]


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    """Our stylesheet on every page."""
    return [datasette.urls.path(STYLESHEET_PATH)]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    links = [{"href": datasette.urls.path("/-/charts"), "label": "Charts: papers per tag and month"}]
    names = [name for name in datasette.databases if name not in ("_internal", "_memory")]
    if len(names) == 1:
        base = datasette.urls.database(names[0])
        links = [{"href": f"{base}/-/papers", "label": "Browse papers by tag, year and source"},
                 {"href": f"{base}/-/new", "label": "New since the last sync"},
                 {"href": f"{base}/-/charts", "label": "Charts: papers per tag and month"}]
    return links
