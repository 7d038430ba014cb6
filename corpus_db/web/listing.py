"""Lists of papers, newest first, filtered by tag, author, source, repo, year, month, code or import run,
paged to the end with a cursor (the last paper shown), never with OFFSET.

Two plans, chosen by how many papers the most selective filter names (SQLite cannot choose between them):
- few (<= GATHER_MAX): collect that filter's paper ids from its link table, then sort them;
- many: walk papers newest first along the index on (published, id) and keep those that pass every
  filter, each check an index look-up. A tag with 50k of a million papers needs ~20 look-ups a row.
Both read indexes added by revision 0010; nothing here scans a table."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlencode

from corpus_db.web.cache import cached

PAGE_SIZE = 50
GATHER_MAX = 300  # sorting this many papers costs as many row reads, random ones on a cold cache
DRIVER_MAX = 50_000  # a set this big is still cheap to build from an index, and a fast membership test
FACET_SAMPLE = 1000
COUNT_TIME_LIMIT_MS = 40  # a count that needs a walk of the papers gives up: "many"

_COLUMNS = "p.id, p.title, p.published, p.year, p.arxiv_id, p.doi"
CODE_EXISTS = ("EXISTS (SELECT 1 FROM paper_repos x JOIN repos r ON r.id = x.repo_id "
               "WHERE x.paper_id = p.id AND r.kind = 'code')")


class BadFilter(ValueError):
    """A filter value that is not what the page expects (a word where an id goes)."""


@dataclass(frozen=True)
class Filters:
    """What a list shows: every filter given must hold."""

    tag: int | None = None
    author: int | None = None
    source: int | None = None
    repo: int | None = None
    year: int | None = None
    month: str | None = None  # YYYY-MM
    has_code: bool = False
    run: int | None = None  # papers new in this import run, or listed by a source for the first time in it

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        values: dict[str, Any] = {}
        for name in ("tag", "author", "source", "repo", "year", "run"):
            raw = (args.get(name) or "").strip()
            if raw:
                if not raw.isdigit():
                    raise BadFilter(f"{name} must be a number, not {raw!r}")
                values[name] = int(raw)
        month = (args.get("month") or "").strip()
        if month:
            if len(month) != 7 or not (month[:4].isdigit() and month[4] == "-" and month[5:].isdigit()):
                raise BadFilter(f"month must look like 2024-05, not {month!r}")
            values["month"] = month
        values["has_code"] = (args.get("has_code") or "") in ("1", "on", "true", "yes")
        return cls(**values)

    def params(self) -> dict[str, str]:
        """The filters as URL parameters (the ones set)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is True:
                out[f.name] = "1"
            elif value not in (None, False):
                out[f.name] = str(value)
        return out

    def with_(self, **changes: Any) -> Filters:
        return replace(self, **changes)

    def is_empty(self) -> bool:
        return not self.params()


def query_string(filters: Filters, **extra: object) -> str:
    params = filters.params()
    params.update({k: str(v) for k, v in extra.items() if v is not None})
    return ("?" + urlencode(params)) if params else ""


@dataclass
class Plan:
    """SQL pieces for one set of filters."""

    conditions: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    gather: str | None = None  # a subquery of paper ids to drive from, when the set is small
    walk_index: str = "ix_papers_published_id"
    no_undated: bool = False  # a month filter: papers without a date cannot match
    driver: str | None = None  # paper ids from an index alone (<= DRIVER_MAX), for facet samples
    driver_condition: int | None = None  # which of `conditions` the driver is


_LINKS = {  # filter -> (link table, its column), for tag, author, source, repo
    "tag": ("paper_tags", "tag_id"),
    "author": ("paper_authors", "author_id"),
    "source": ("paper_sources", "source_id"),
    "repo": ("paper_repos", "repo_id"),
}


async def _scalar(db: Any, sql: str, params: Mapping[str, Any], *, limit_ms: int | None = None) -> Any:
    try:
        result = await db.execute(sql, dict(params), custom_time_limit=limit_ms)
    except Exception as exc:  # Datasette raises QueryInterrupted on the time limit
        if type(exc).__name__ == "QueryInterrupted":
            return None
        raise
    row = result.first()
    return row[0] if row else None


async def _column(db: Any, sql: str, params: Mapping[str, Any]) -> list[Any]:
    return [row[0] for row in (await db.execute(sql, dict(params))).rows]


async def run_window(db: Any, run: int) -> tuple[int, int] | None:
    """(first paper id, first link id) of an import run: what it added has ids from there on."""
    rows = (await db.execute(
        "SELECT first_paper_id, first_link_id, started_at FROM import_runs WHERE id = :id", {"id": run})).rows
    if not rows:
        return None
    first_paper, first_link, started = rows[0]
    if first_paper is None or first_link is None:  # a run from before revision 0010: go by the clock
        first_paper = await _scalar(db, "SELECT id FROM papers INDEXED BY ix_papers_first_seen WHERE first_seen >= :t "
                                    "ORDER BY first_seen, id LIMIT 1", {"t": started})
        first_link = await _scalar(db, "SELECT max(id) + 1 FROM paper_sources", {})
        first_paper = first_paper if first_paper is not None else await _scalar(
            db, "SELECT coalesce(max(id), 0) + 1 FROM papers", {})
    return int(first_paper), int(first_link or 0)


async def estimate(db: Any, name: str, value: Any) -> int | None:
    """How many papers one filter names, cheaply (an index count or a kept count); None = unknown/many."""
    if name == "tag":
        return await _scalar(db, "SELECT paper_count FROM tags WHERE id = :v", {"v": value})
    if name in _LINKS:
        table, column = _LINKS[name]
        return await _scalar(db, f"SELECT count(*) FROM {table} WHERE {column} = :v", {"v": value},
                             limit_ms=COUNT_TIME_LIMIT_MS)
    return None


async def plan(db: Any, filters: Filters) -> Plan:
    """The conditions for these filters, and the sets to drive from: `gather` when one filter names few
    papers (sort them), `driver` when one names a set an index gives without reading rows (a membership
    test for the walk, and a sample for the facets)."""
    result = Plan()
    smallest: tuple[int, str] | None = None
    driver: tuple[int, str, int] | None = None  # (size, subquery, index of its condition)
    for name, (table, column) in _LINKS.items():
        value = getattr(filters, name)
        if value is None:
            continue
        result.params[name] = value
        gather = f"SELECT paper_id FROM {table} WHERE {column} = :{name}"
        size = await estimate(db, name, value)
        index_only = name != "source"  # paper_sources rows carry the raw record: no index gives paper ids
        if index_only and size is not None and size <= DRIVER_MAX:
            result.conditions.append(f"p.id IN ({gather})")
            if driver is None or size < driver[0]:
                driver = (size, gather, len(result.conditions) - 1)
        else:
            result.conditions.append(
                f"EXISTS (SELECT 1 FROM {table} x WHERE x.{column} = :{name} AND x.paper_id = p.id)")
        if size is not None and size <= GATHER_MAX and (smallest is None or size < smallest[0]):
            smallest = (size, gather)
    if filters.run is not None:
        window = await run_window(db, filters.run)
        first_paper, first_link = window if window else (1 << 62, 1 << 62)
        result.params.update(run_paper=first_paper, run_link=first_link)
        gather = ("SELECT id AS paper_id FROM papers WHERE id >= :run_paper "
                  "UNION SELECT paper_id FROM paper_sources WHERE id >= :run_link")
        # At most this many (ids only grow): two look-ups at the ends of the rowid trees, whatever the run.
        size = await _scalar(
            db, "SELECT max(0, (SELECT coalesce(max(id), 0) FROM papers) - :a + 1) "
            "+ max(0, (SELECT coalesce(max(id), 0) FROM paper_sources) - :b + 1)", {"a": first_paper, "b": first_link})
        if size is not None and size <= DRIVER_MAX:
            # The run's rows are read once per database version, not once per query of every page view.
            ids = await cached(db, f"run-{filters.run}", lambda: _column(db, gather, result.params))
            result.params["run_ids"] = json.dumps(ids)
            gather = "SELECT value AS paper_id FROM json_each(:run_ids)"
            result.conditions.append(f"p.id IN ({gather})")
            if driver is None or size < driver[0]:
                driver = (size, gather, len(result.conditions) - 1)
        else:  # a big run (a first import): a set of a million ids costs more than checking each paper
            result.conditions.append("(p.id >= :run_paper OR EXISTS (SELECT 1 FROM paper_sources x "
                                     "WHERE x.paper_id = p.id AND x.id >= :run_link))")
        if size is not None and size <= GATHER_MAX and (smallest is None or size < smallest[0]):
            smallest = (size, gather)
    if filters.year is not None:
        result.params["year"] = filters.year
        result.conditions.append("p.year = :year")
        result.walk_index = "ix_papers_year_published_id"
    if filters.month is not None:
        result.params.update(month_lo=filters.month, month_hi=filters.month + "~")
        result.conditions.append("p.published >= :month_lo AND p.published < :month_hi")
        result.no_undated = True
    if filters.has_code:
        result.conditions.append(CODE_EXISTS)
    if smallest is not None:
        result.gather = smallest[1]
    # A year or month is checked on the papers row unless the walk reads it from its index: then a sample
    # or count over the set would read a row per member, the walk none.
    if driver is not None and filters.year is None and filters.month is None:
        result.driver = driver[1]
        result.driver_condition = driver[2]
    return result


@dataclass
class Page:
    """One page of a list: its papers, and the cursor of the next page (None at the end)."""

    papers: list[dict[str, Any]]
    next_after: int | None


async def _cursor(db: Any, after: int | None) -> tuple[str | None, int] | None:
    if after is None:
        return None
    rows = (await db.execute("SELECT published FROM papers WHERE id = :id", {"id": after})).rows
    return (rows[0][0] if rows else None, after)


async def paper_ids(db: Any, p: Plan, after: int | None, limit: int, columns: str = _COLUMNS) -> list[Any]:
    """Rows of the papers that pass the plan, newest first (undated last), after the cursor paper."""
    cursor = await _cursor(db, after)
    params = dict(p.params, limit=limit)
    where = list(p.conditions)
    if p.gather is not None:
        if cursor is not None:
            params.update(cp=cursor[0], ci=cursor[1])
            where.append("(p.published IS NULL OR p.published < :cp OR (p.published = :cp AND p.id < :ci))"
                         if cursor[0] is not None else "(p.published IS NULL AND p.id < :ci)")
        sql = (f"SELECT {columns} FROM papers p WHERE p.id IN ({p.gather})"
               + "".join(f" AND {c}" for c in where)
               + " ORDER BY p.published IS NULL, p.published DESC, p.id DESC LIMIT :limit")
        return list((await db.execute(sql, params)).rows)
    rows: list[Any] = []
    if cursor is None or cursor[0] is not None:  # dated papers first, along the index
        dated = [*where, "p.published IS NOT NULL"]
        if cursor is not None:
            params.update(cp=cursor[0], ci=cursor[1])
            dated.append("(p.published < :cp OR (p.published = :cp AND p.id < :ci))")
        sql = (f"SELECT {columns} FROM papers p INDEXED BY {p.walk_index} WHERE " + " AND ".join(dated)
               + " ORDER BY p.published DESC, p.id DESC LIMIT :limit")
        rows = list((await db.execute(sql, params)).rows)
    if len(rows) < limit and not p.no_undated:
        undated = [*where, "p.published IS NULL"]
        if cursor is not None and cursor[0] is None:
            params["ci"] = cursor[1]
            undated.append("p.id < :ci")
        params["limit"] = limit - len(rows)
        sql = (f"SELECT {columns} FROM papers p INDEXED BY {p.walk_index} WHERE " + " AND ".join(undated)
               + " ORDER BY p.id DESC LIMIT :limit")
        rows += list((await db.execute(sql, params)).rows)
    return rows


async def page(db: Any, p: Plan, after: int | None, size: int = PAGE_SIZE) -> Page:
    """The papers after the cursor, with their first authors, tags (not keywords) and a code link."""
    rows = await paper_ids(db, p, after, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    papers = [dict(zip(("id", "title", "published", "year", "arxiv_id", "doi"), row, strict=True)) for row in rows]
    await _decorate(db, papers)
    return Page(papers, papers[-1]["id"] if more and papers else None)


async def _decorate(db: Any, papers: list[dict[str, Any]]) -> None:
    if not papers:
        return
    ids = json.dumps([p["id"] for p in papers])
    by_id = {p["id"]: p for p in papers}
    for p in papers:
        p.update(authors=[], more_authors=False, tags=[], code=None)
    authors = await db.execute(
        """SELECT pa.paper_id, pa.position, a.id, coalesce(a.name, pa.raw_name) FROM paper_authors pa
           LEFT JOIN authors a ON a.id = pa.author_id
           WHERE pa.paper_id IN (SELECT value FROM json_each(:ids)) AND pa.position <= 4
           ORDER BY pa.paper_id, pa.position""", {"ids": ids})
    for paper_id, position, author_id, name in authors.rows:
        if position <= 3:
            by_id[paper_id]["authors"].append({"id": author_id, "name": name})
        else:
            by_id[paper_id]["more_authors"] = True
    tags = await db.execute(
        """SELECT DISTINCT pt.paper_id, t.id, t.name, t.kind FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id
           WHERE pt.paper_id IN (SELECT value FROM json_each(:ids)) AND t.kind != 'keyword'
           ORDER BY pt.paper_id, t.kind, t.name""", {"ids": ids})
    for paper_id, tag_id, name, kind in tags.rows:
        by_id[paper_id]["tags"].append({"id": tag_id, "name": name, "kind": kind})
    code = await db.execute(
        """SELECT pr.paper_id, min(r.url) FROM paper_repos pr JOIN repos r ON r.id = pr.repo_id
           WHERE pr.paper_id IN (SELECT value FROM json_each(:ids)) AND r.kind = 'code' GROUP BY pr.paper_id""",
        {"ids": ids})
    for paper_id, url in code.rows:
        by_id[paper_id]["code"] = url


async def total(db: Any, filters: Filters, p: Plan) -> int | None:
    """How many papers pass the filters: exact where an index or a kept count gives it at once, else a
    count under a time limit (None when it runs out)."""
    set_filters = filters.params()
    if not set_filters:
        return await cached(db, "papers", lambda: _scalar(db, "SELECT count(*) FROM papers", {}))
    if list(set_filters) == ["tag"]:
        return await _scalar(db, "SELECT paper_count FROM tags WHERE id = :v", {"v": filters.tag})
    if list(set_filters) == ["year"]:
        return await _scalar(db, "SELECT count(*) FROM papers WHERE year = :v", {"v": filters.year})
    if len(set_filters) == 1 and set_filters.keys() & _LINKS.keys():
        name = next(iter(set_filters))
        table, column = _LINKS[name]
        return await _scalar(db, f"SELECT count(*) FROM {table} WHERE {column} = :v",
                             {"v": getattr(filters, name)}, limit_ms=COUNT_TIME_LIMIT_MS)
    if p.driver is not None:  # count the set an index gives, checking the other filters on each
        sql = "SELECT count(*) FROM " + _driven(p)
    elif p.gather is not None:
        sql = f"SELECT count(*) FROM papers p WHERE p.id IN ({p.gather})" + "".join(f" AND {c}" for c in p.conditions)
    else:
        sql = f"SELECT count(*) FROM papers p INDEXED BY {p.walk_index} WHERE " + " AND ".join(p.conditions)
    return await _scalar(db, sql, p.params, limit_ms=COUNT_TIME_LIMIT_MS)


@dataclass
class Facets:
    """Counts that narrow a list: tags by kind, years, code; `sample` says how many papers they count."""

    tags: dict[str, list[dict[str, Any]]]
    years: list[tuple[int, int]]
    with_code: int | None
    sample: int | None  # None: all papers (kept counts); else the newest N that match
    matched: int | None = None  # papers the sample found: all of them when fewer than FACET_SAMPLE


def _driven(p: Plan) -> str:
    """FROM clause: the driver's paper ids that pass the plan's other conditions."""
    others = [c for i, c in enumerate(p.conditions) if i != p.driver_condition]
    return (f"({p.driver}) d"
            + (" JOIN papers p ON p.id = d.paper_id WHERE " + " AND ".join(others) if others else ""))


async def _sample(db: Any, p: Plan) -> list[int]:
    """Up to FACET_SAMPLE matching paper ids: any of them when an index-only set drives (no order needed,
    no row read for it), else the newest along the walk."""
    if p.driver is None or p.gather is not None:
        return [row[0] for row in await paper_ids(db, p, None, FACET_SAMPLE, columns="p.id")]
    sql = "SELECT d.paper_id FROM " + _driven(p) + " LIMIT :limit"
    rows = await db.execute(sql, dict(p.params, limit=FACET_SAMPLE))
    return [row[0] for row in rows.rows]


async def _years(db: Any) -> list[tuple[int, int]]:
    """Papers per year over the whole corpus: one pass over the (year, published, id) index."""
    rows = await db.execute("SELECT year, count(*) FROM papers WHERE year IS NOT NULL GROUP BY year ORDER BY year DESC")
    return [(r[0], r[1]) for r in rows.rows]


async def facets(db: Any, filters: Filters, p: Plan, per_kind: int = 12) -> Facets:
    if filters.is_empty():
        kinds: dict[str, list[dict[str, Any]]] = {}
        for kind in ("curated", "arxiv-category", "keyword"):
            rows = await db.execute(
                "SELECT id, name, paper_count FROM tags WHERE kind = :k AND paper_count > 0 "
                "ORDER BY paper_count DESC LIMIT :n", {"k": kind, "n": per_kind})
            kinds[kind] = [{"id": i, "name": n, "count": c} for i, n, c in rows.rows]
        return Facets(kinds, await cached(db, "years", lambda: _years(db)), None, None)
    ids = await _sample(db, p)
    sample = json.dumps(ids)
    kinds = {"curated": [], "arxiv-category": [], "keyword": []}
    rows = await db.execute(
        """SELECT t.id, t.name, t.kind, c.n FROM (
             SELECT pt.tag_id, count(DISTINCT pt.paper_id) AS n FROM json_each(:ids) j
             CROSS JOIN paper_tags pt ON pt.paper_id = j.value GROUP BY pt.tag_id) c
           JOIN tags t ON t.id = c.tag_id""", {"ids": sample})
    for tag_id, name, kind, n in sorted(rows.rows, key=lambda r: (-r[3], r[1])):
        if tag_id != filters.tag and len(kinds.setdefault(kind, [])) < per_kind:
            kinds[kind].append({"id": tag_id, "name": name, "count": n})
    years = await db.execute(
        "SELECT year, count(*) FROM papers WHERE id IN (SELECT value FROM json_each(:ids)) AND year IS NOT NULL "
        "GROUP BY year ORDER BY year DESC", {"ids": sample})
    with_code = await _scalar(
        db, f"SELECT count(*) FROM papers p WHERE p.id IN (SELECT value FROM json_each(:ids)) AND {CODE_EXISTS}",
        {"ids": sample})
    return Facets(kinds, [tuple(r) for r in years.rows], with_code, len(ids) if len(ids) >= FACET_SAMPLE else 0,
                  len(ids))
