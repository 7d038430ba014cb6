"""Papers per tag, per month and per year as bar charts drawn server-side in inline SVG: no JavaScript
and nothing fetched from elsewhere, so the page works offline and in any browser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from corpus_db.rules.tags import tag_label
from corpus_db.web.cache import cached

TOP_TAGS = 30
RECENT_MONTHS = 36
MAX_YEARS = 80

TAGS_SQL = f"""
SELECT id, name, paper_count AS n FROM tags WHERE kind = :kind AND paper_count > 0
ORDER BY paper_count DESC, name LIMIT {TOP_TAGS}"""
MONTHS_SQL = """
SELECT substr(published, 1, 7) AS month, count(*) AS n FROM papers INDEXED BY ix_papers_published_id
WHERE published >= '0000-00' AND published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*' GROUP BY month ORDER BY month"""
YEARS_SQL = "SELECT year, count(*) AS n FROM papers WHERE year IS NOT NULL GROUP BY year ORDER BY year"
COUNTS_SQL = "SELECT count(*) FROM papers"


@dataclass
class Bar:
    """One bar: what it counts, how many, and where a click takes you."""

    label: str
    value: int
    href: str


def month_range(last: str, count: int) -> list[str]:
    """The `count` months ending with `last` (YYYY-MM), oldest first."""
    year, month = int(last[:4]), int(last[5:7])
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def fill_months(counts: dict[str, int], limit: int = RECENT_MONTHS) -> list[tuple[str, int]]:
    """The last `limit` months up to the newest dated paper, months without papers shown as zero."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    months = [m for m in month_range(last, limit) if m >= first]
    return [(m, counts.get(m, 0)) for m in months]


def fill_years(counts: dict[int, int], limit: int = MAX_YEARS) -> list[tuple[int, int]]:
    """Every year from the oldest to the newest (at most `limit` of the newest), gaps as zero."""
    if not counts:
        return []
    last = max(counts)
    first = max(min(counts), last - limit + 1)
    return [(y, counts.get(y, 0)) for y in range(first, last + 1)]


def horizontal_bars(bars: list[Bar], *, title: str, width: int = 760, label_width: int = 230) -> Markup:
    """Labelled horizontal bars, longest first (as given); each bar is a link."""
    if not bars:
        return Markup("")
    label_w, row_h, pad = label_width, 24, 50
    plot_w = width - label_w - pad
    peak = max(b.value for b in bars) or 1
    height = row_h * len(bars) + 10
    parts = [Markup('<svg class="chart hbar" role="img" viewBox="0 0 {0} {1}" width="{0}" height="{1}">'
                    '<title>{2}</title>').format(width, height, title)]
    for i, bar in enumerate(bars):
        y = 5 + i * row_h
        w = max(2, round(plot_w * bar.value / peak))
        parts.append(Markup(
            '<a href="{href}"><title>{label}: {value}</title>'
            '<text x="{lx}" y="{ty}" text-anchor="end" class="label">{label}</text>'
            '<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="3"></rect>'
            '<text x="{vx}" y="{ty}" class="value">{value}</text></a>'
        ).format(href=bar.href, label=bar.label, value=bar.value, lx=label_w - 8, ty=y + row_h * 0.68,
                 x=label_w, y=y + 2, w=w, h=row_h - 6, vx=label_w + w + 6))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def column_bars(bars: list[Bar], *, title: str, width: int = 760, height: int = 260) -> Markup:
    """Vertical columns in time order with rotated labels underneath; each column is a link."""
    if not bars:
        return Markup("")
    left, bottom, top = 45, 70, 20  # room on the left for the first rotated label
    plot_h = height - bottom - top
    step = (width - left - 10) / len(bars)
    bar_w = min(max(2.0, step * 0.75), 48.0)  # a few years must not become slabs
    peak = max(b.value for b in bars) or 1
    every = max(1, round(len(bars) / 36))  # keep labels readable when there are many columns
    parts = [Markup('<svg class="chart vbar" role="img" viewBox="0 0 {0} {1}" width="{0}" height="{1}">'
                    '<title>{2}</title>').format(width, height, title)]
    parts.append(Markup('<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" class="axis"></line>').format(
        left, top + plot_h, width - 10))
    for i, bar in enumerate(bars):
        x = left + i * step + (step - bar_w) / 2
        h = round(plot_h * bar.value / peak) if bar.value else 0
        y = top + plot_h - h
        cx = x + bar_w / 2
        label = (Markup('<text x="{0:.1f}" y="{1}" transform="rotate(-55 {0:.1f} {1})" text-anchor="end" '
                        'class="label">{2}</text>').format(cx, top + plot_h + 14, bar.label)
                 if i % every == 0 else Markup(""))
        value = (Markup('<text x="{0:.1f}" y="{1}" text-anchor="middle" class="value">{2}</text>').format(
            cx, y - 4, bar.value) if bar.value else Markup(""))
        parts.append(Markup(
            '<a href="{href}"><title>{label}: {value}</title>'
            '<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}" rx="2"></rect></a>{vt}{lt}'
        ).format(href=bar.href, label=bar.label, value=bar.value, x=x, y=y, w=bar_w, h=h, vt=value, lt=label))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


async def chart_context(db: Any, database_url: str) -> dict[str, Any]:
    """Template variables for the charts page of one database (URLs built under database_url): tag bars
    from the kept paper counts, months and years from one pass over an index, kept per database version."""
    return await cached(db, "charts", lambda: _chart_context(db, database_url))


async def _chart_context(db: Any, database_url: str) -> dict[str, Any]:
    tags = (await db.execute(TAGS_SQL, {"kind": "curated"})).rows
    categories = (await db.execute(TAGS_SQL, {"kind": "arxiv-category"})).rows
    months = {row["month"]: row["n"] for row in (await db.execute(MONTHS_SQL)).rows}
    years = {row["year"]: row["n"] for row in (await db.execute(YEARS_SQL)).rows}
    total = (await db.execute(COUNTS_SQL)).first()[0]
    tag_bars = [Bar(r["name"], r["n"], f"{database_url}/tags/{r['id']}") for r in tags]
    category_bars = [Bar(tag_label(r["name"]), r["n"], f"{database_url}/tags/{r['id']}") for r in categories]
    month_bars = [Bar(m, n, f"{database_url}/-/papers?month={m}") for m, n in fill_months(months)]
    year_bars = [Bar(str(y), n, f"{database_url}/-/papers?year={y}") for y, n in fill_years(years)]
    return {
        "total": total,
        "dated_months": sum(months.values()),
        "dated_years": sum(years.values()),
        "category_chart": horizontal_bars(category_bars, title="Papers per arXiv category", label_width=330),
        "category_chart_size": len(category_bars),
        "tag_chart": horizontal_bars(tag_bars, title="Papers per tag"),
        "month_chart": column_bars(month_bars, title="Papers per month"),
        "year_chart": column_bars(year_bars, title="Papers per year"),
        "months_shown": len(month_bars),
        "tag_chart_size": len(tag_bars),
    }
