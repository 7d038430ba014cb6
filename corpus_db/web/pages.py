"""corpus-db's own pages, for any database with a papers table, whatever its file is called: the papers
overview with facets, a tag, an author (with co-authors), a source, a repo, and what the last import run
added. Each lists papers newest first and pages to the end (see listing.py). The tags/authors/sources/
repos row URLs are ours for HTML; `.json` and the raw tables stay Datasette's."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from datasette.database import QueryInterrupted
from datasette.utils.asgi import BadRequest, NotFound, Response

from corpus_db.rules.citations import render
from corpus_db.rules.normalize import tag_name
from corpus_db.rules.tags import fold_key, tag_label
from corpus_db.store.export import EXPORT_MAX, export_rows, search_ids
from corpus_db.web import listing, similar

Handler = Callable[[Any, Any], Awaitable[Response]]
SOURCE_LABEL = "coalesce(s.name, replace(s.locator, rtrim(s.locator, replace(s.locator, '/', '')), ''))"
KIND_TITLES = {"curated": "Tags", "arxiv-category": "arXiv categories", "keyword": "Source keywords"}


def corpus_database(datasette: Any, request: Any) -> Any:
    """The database named by the URL's first segment (as Datasette encodes it)."""
    try:
        return datasette.get_database(route=request.url_vars["database"])
    except KeyError:
        raise NotFound(f"Database not found: {request.url_vars['database']}") from None


def _after(request: Any) -> int | None:
    raw = request.args.get("after") or ""
    return int(raw) if raw.isdigit() else None


async def _one(db: Any, sql: str, params: dict[str, Any]) -> dict[str, Any] | None:
    result = await db.execute(sql, params)
    row = result.first()
    return dict(zip(result.columns, row, strict=True)) if row else None


async def render_list(datasette: Any, request: Any, db: Any, filters: listing.Filters, *, heading: str,
                      subject: dict[str, Any] | None = None, kind: str = "papers", base_path: str | None = None,
                      fixed: tuple[str, ...] = (), extra: dict[str, Any] | None = None) -> Response:
    """A page of papers under a heading, with facets that narrow it and a link to the next page."""
    after = _after(request)
    plan = await listing.plan(db, filters)
    page = await listing.page(db, plan, after)
    facets = await listing.facets(db, filters, plan)
    if facets.matched is not None and facets.matched < listing.FACET_SAMPLE:
        count: int | None = facets.matched  # the facet sample found every match
    else:
        count = await listing.total(db, filters, plan)
    database_url = datasette.urls.database(db.name)
    base = base_path or f"{database_url}/-/papers"
    own = filters.with_(**dict.fromkeys(fixed))  # the filter the page's own URL names stays out of its links
    page_number = int(request.args.get("page") or 1) if (request.args.get("page") or "1").isdigit() else 1
    context = {
        "database": db.name,
        "database_url": database_url,
        "heading": heading,
        "subject": subject,
        "page_kind": kind,
        "filters": filters,
        "papers": page.papers,
        "total": count,
        "page_number": page_number,
        "page_size": listing.PAGE_SIZE,
        "next_url": (f"{base}{listing.query_string(own, after=page.next_after, page=page_number + 1)}"
                     if page.next_after is not None else None),
        "first_url": f"{base}{listing.query_string(own)}" if after is not None else None,
        "browse_url": f"{database_url}/-/papers",
        "facets": facets,
        "kind_titles": KIND_TITLES,
        "tag_label": tag_label,
        "narrow": lambda **changes: f"{database_url}/-/papers{listing.query_string(filters.with_(**changes))}",
        "export_json": f"{database_url}/-/export.json{listing.query_string(filters)}",
        "export_csv": f"{database_url}/-/export.csv{listing.query_string(filters)}",
        "database_color": lambda _name: "ff0000",
        **(extra or {}),
    }
    html = await datasette.render_template("corpus_list.html", context, request=request, view_name="corpus_list")
    return Response.html(html)


def _filters(request: Any, **fixed: Any) -> listing.Filters:
    try:
        return listing.Filters.from_args(request.args).with_(**fixed)
    except listing.BadFilter as exc:
        raise BadRequest(str(exc)) from None


async def papers_view(datasette: Any, request: Any) -> Response:
    db = corpus_database(datasette, request)
    filters = _filters(request)
    heading = "Papers" if filters.is_empty() else "Papers matching the filters"
    return await render_list(datasette, request, db, filters, heading=heading)


async def tag_view(datasette: Any, request: Any) -> Response:
    db = corpus_database(datasette, request)
    tag_id = int(request.url_vars["id"])
    tag = await _one(db, "SELECT id, name, kind, paper_count, fold_key FROM tags WHERE id = :id", {"id": tag_id})
    if tag is None:
        raise NotFound(f"No tag {tag_id}")
    filters = _filters(request, tag=tag_id)
    path = f"{datasette.urls.table(db.name, 'tags')}/{tag_id}"
    recommended = await similar.tag_section(db, tag_id) if _after(request) is None else {}  # first page only
    return await render_list(datasette, request, db, filters, heading=tag_label(tag["name"]), subject=tag,
                             kind="tag", base_path=path, fixed=("tag",), extra=recommended)


async def author_view(datasette: Any, request: Any) -> Response:
    db = corpus_database(datasette, request)
    author_id = int(request.url_vars["id"])
    author = await _one(db, "SELECT id, name FROM authors WHERE id = :id", {"id": author_id})
    if author is None:
        raise NotFound(f"No author {author_id}")
    coauthors = await db.execute(
        """SELECT a.id, a.name, count(DISTINCT other.paper_id) AS n FROM paper_authors mine
           JOIN paper_authors other ON other.paper_id = mine.paper_id AND other.author_id != mine.author_id
           JOIN authors a ON a.id = other.author_id
           WHERE mine.author_id = :id GROUP BY a.id ORDER BY n DESC, a.name LIMIT 30""",
        {"id": author_id}, custom_time_limit=200)
    filters = _filters(request, author=author_id)
    path = f"{datasette.urls.table(db.name, 'authors')}/{author_id}"
    return await render_list(datasette, request, db, filters, heading=author["name"], subject=author,
                             kind="author", base_path=path, fixed=("author",),
                             extra={"coauthors": [dict(zip(("id", "name", "count"), r, strict=True))
                                                  for r in coauthors.rows]})


async def source_view(datasette: Any, request: Any) -> Response:
    db = corpus_database(datasette, request)
    source_id = int(request.url_vars["id"])
    source = await _one(db, f"SELECT s.*, {SOURCE_LABEL} AS label FROM sources s WHERE s.id = :id", {"id": source_id})
    if source is None:
        raise NotFound(f"No source {source_id}")
    filters = _filters(request, source=source_id)
    path = f"{datasette.urls.table(db.name, 'sources')}/{source_id}"
    return await render_list(datasette, request, db, filters, heading=source["label"], subject=source,
                             kind="source", base_path=path, fixed=("source",))


async def repo_view(datasette: Any, request: Any) -> Response:
    db = corpus_database(datasette, request)
    repo_id = int(request.url_vars["id"])
    repo = await _one(db, "SELECT id, url, host, owner, name, kind FROM repos WHERE id = :id", {"id": repo_id})
    if repo is None:
        raise NotFound(f"No repo {repo_id}")
    filters = _filters(request, repo=repo_id)
    path = f"{datasette.urls.table(db.name, 'repos')}/{repo_id}"
    return await render_list(datasette, request, db, filters, heading=repo["url"], subject=repo, kind="repo",
                             base_path=path, fixed=("repo",))


async def tag_by_name_view(datasette: Any, request: Any) -> Response:
    """/<db>/-/tag?name=NAME: the tag page of a name as lists show it (search results carry names, not ids);
    a near-duplicate spelling finds the tag it folds into."""
    db = corpus_database(datasette, request)
    name = (request.args.get("name") or "").strip()
    found = await _one(db, "SELECT id FROM tags WHERE name = :n", {"n": name}) if name else None
    if found is None and name:
        found = await _one(db, "SELECT id FROM tags WHERE fold_key = :k", {"k": fold_key(tag_name(name))})
    if found is None:
        raise NotFound(f"No tag named {name!r}")
    return Response.redirect(f"{datasette.urls.table(db.name, 'tags')}/{found['id']}")


LAST_RUN_SQL = """SELECT * FROM import_runs WHERE finished_at IS NOT NULL AND status != 'failed'
ORDER BY id DESC LIMIT 1"""


async def new_view(datasette: Any, request: Any) -> Response:
    """Papers the last import run (or ?run=N) stored for the first time, or that a source listed for the
    first time in it."""
    db = corpus_database(datasette, request)
    requested = request.args.get("run") or ""
    if requested.isdigit():
        run = await _one(db, "SELECT * FROM import_runs WHERE id = :id", {"id": int(requested)})
    else:
        run = await _one(db, LAST_RUN_SQL, {})
    runs = await db.execute("SELECT id, started_at, status, command, inserted, merged, updated FROM import_runs "
                            "ORDER BY id DESC LIMIT 20")
    extra = {"run": run, "runs": [dict(zip(runs.columns, r, strict=True)) for r in runs.rows]}
    if run is None:
        filters = listing.Filters(run=0)
        heading = "New since the last sync: no import has finished yet"
    else:
        filters = _filters(request, run=run["id"])
        heading = f"New since the last sync (run #{run['id']}, {run['started_at']})"
    return await render_list(datasette, request, db, filters, heading=heading, kind="new",
                             base_path=f"{datasette.urls.database(db.name)}/-/new", extra=extra)


def answer_or_explain(handler: Handler) -> Handler:
    """A list that runs past the time limit is a clean page that says so, not a traceback."""

    async def wrapped(datasette: Any, request: Any) -> Response:
        try:
            return await handler(datasette, request)
        except (QueryInterrupted, sqlite3.OperationalError) as exc:
            if isinstance(exc, sqlite3.OperationalError) and "interrupt" not in str(exc):
                raise
            html = await datasette.render_template(
                "corpus_error.html", {"message": "This page took longer than the time limit to compute. "
                                      "Try fewer filters, or a tag, author or source page."},
                request=request)
            return Response.html(html, status=503)

    return wrapped


def routes(prefix: str = r"^/(?P<database>[^/]+)") -> list[tuple[str, Handler]]:
    return [(pattern, answer_or_explain(handler)) for pattern, handler in _routes(prefix)]


def _routes(prefix: str) -> list[tuple[str, Handler]]:
    return [
        (prefix + r"/-/papers$", papers_view),
        (prefix + r"/-/new$", new_view),
        (prefix + r"/-/tag$", tag_by_name_view),
        (prefix + r"/tags/(?P<id>\d+)$", tag_view),
        (prefix + r"/authors/(?P<id>\d+)$", author_view),
        (prefix + r"/sources/(?P<id>\d+)$", source_view),
        (prefix + r"/repos/(?P<id>\d+)$", repo_view),
        (prefix + r"/-/export\.(?P<format>csv|json)$", export_view),
    ]


EXPORT_LIMIT = 1000


async def export_view(datasette: Any, request: Any) -> Response:
    """/<db>/-/export.csv|json?q=... (a search, best first) or with list filters (newest first): one clean
    row per paper. ?limit= up to EXPORT_MAX."""
    db = corpus_database(datasette, request)
    fmt = request.url_vars["format"]
    raw_limit = request.args.get("limit") or str(EXPORT_LIMIT)
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= EXPORT_MAX:
        raise BadRequest(f"limit must be a number from 1 to {EXPORT_MAX}")
    limit = int(raw_limit)
    query = (request.args.get("q") or "").strip()
    if query:
        if not db.path:
            raise BadRequest("search needs a database file")
        ids = await asyncio.to_thread(search_ids, db.path, query, limit=limit)
        name = "search-" + ("-".join(query.split())[:40] or "all")
    else:
        plan = await listing.plan(db, _filters(request))
        ids = [row[0] for row in await listing.paper_ids(db, plan, None, limit, columns="p.id")]
        name = "papers"
    rows = await db.execute_fn(lambda conn: export_rows(conn, ids))
    text = render([r.as_dict() for r in rows], fmt)
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json; charset=utf-8"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
    return Response(text, content_type=content_type,
                    headers={"content-disposition": f'attachment; filename="{safe}.{fmt}"'})
