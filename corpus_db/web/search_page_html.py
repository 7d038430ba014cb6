"""The search page's title and content block, built in Python as its results list is (search_hits_html):
the same markup whichever path answers, Datasette's route (the page's template puts these two strings
into base.html) or the fast path (which puts them into that template's output, kept per database).
Character for character the markup the template's block made before (a test renders both)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from corpus_db.store.search import SearchPage
from corpus_db.web.search_hits_html import escaped_text

PAGE_TITLE = "Search papers"
# What Datasette 0.65 gives its own views as database_color (the heading's bar).
DATABASE_COLOR = "ff0000"


def page_title(q: str) -> str:
    """The <title> text, unescaped (the template, or the fast path, escapes it)."""
    return f"{q} – {PAGE_TITLE}" if q else PAGE_TITLE


@dataclass(frozen=True)
class PageLinks:
    """The page's URLs, built by the caller from Datasette's URL builders (None: no such link)."""

    database_url: str
    json_url: str
    export_csv: str
    export_json: str
    next_url: str | None
    prev_url: str | None


def _form(database_url: str, q: str, author: str | None) -> str:
    hidden = f'<input type="hidden" name="author" value="{escaped_text(author)}">' if author else ""
    return (
        f'<form class="corpus-search-form" action="{database_url}/search" method="get" role="search">\n'
        '  <input type="search" name="q" id="q" aria-label="Search papers" placeholder="e.g. mixture of experts, '
        '&quot;state space&quot;, quantiz*, an author\'s name"\n'
        f'         value="{escaped_text(q)}" autofocus>\n'
        f"  {hidden}\n"
        '  <input type="submit" value="Search">\n'
        "</form>\n"
    )


def _results(page: SearchPage, count: int, links: PageLinks) -> tuple[str, str]:
    """The results part, before and after the hits' <li> items."""
    more = " of more" if page.more else ""
    prev = f'<a rel="prev" href="{escaped_text(links.prev_url)}">← Previous</a>' if links.prev_url else ""
    next_ = f'<a rel="next" href="{escaped_text(links.next_url)}">Next page →</a>' if links.next_url else ""
    before = (
        f'<p class="result-count">Results {page.offset + 1}–{page.offset + count}{more}, best match first ·\n'
        f'  <a href="{escaped_text(links.json_url)}">JSON</a> · '
        f'<a href="{escaped_text(links.export_csv)}">Export CSV</a> · '
        f'<a href="{escaped_text(links.export_json)}">Export JSON</a></p>\n'
        f'<ol class="search-results" start="{page.offset + 1}">\n'
    )
    after = (
        "\n</ol>\n"
        f'<nav class="pagination">{prev}\n'
        f"  {next_}</nav>\n"
    )
    return before, after


@dataclass(frozen=True)
class PageContent:
    """The page's content block: its markup before the hits' <li> items, those items (UTF-8, as a search
    worker made them), and its markup after them."""

    before: str
    hits: bytes
    after: str

    def markup(self) -> Markup:
        """The block as one string, for the page's template."""
        return Markup(self.before + self.hits.decode("utf-8") + self.after)

    def encoded(self) -> tuple[bytes, bytes, bytes]:
        """The block's three parts in UTF-8, for a page made of bytes."""
        return self.before.encode("utf-8"), self.hits, self.after.encode("utf-8")


def page_content(page: SearchPage, count: int, hits_html: bytes, *, q: str, author: str | None,
                 links: PageLinks) -> PageContent:
    """The page's content block. page: the search without its hits; count: how many hits it had;
    hits_html: their <li> items (search_hits_html), already markup, in UTF-8."""
    database_url = escaped_text(links.database_url)
    parts = [
        '\n<div class="corpus">\n'
        f'<h1 style="padding-left: 10px; border-left: 10px solid #{DATABASE_COLOR}">Ranked search</h1>\n',
        _form(database_url, q, author),
        '<p class="muted">Papers ranked by relevance: a title match counts ten times an abstract match; '
        "author names count too.\n"
        '  Type words, a "quoted phrase" or a prefix*; punctuation is never an error.</p>\n',
    ]
    if author:
        # Jinja's urlencode filter: quote() keeping "/" (then escaped as any printed value).
        parts.append(f"<p>Only papers by <strong>{escaped_text(author)}</strong> · "
                     f'<a href="{database_url}/search?q={escaped_text(quote(q))}">any author</a></p>')
    parts.append("\n")
    if page.fallback_reason and page.engine == "fts5":
        reason = escaped_text(page.fallback_reason)
        parts.append(f'<p class="muted search-engine">Answered by SQLite FTS5: {reason}.</p>')
    parts.append("\n")
    if count:
        before, after = _results(page, count, links)
        return PageContent("".join(parts) + "\n" + before, hits_html, after + "\n</div>\n")
    if q or author:
        none = "No more papers match" if page.offset else "No paper matches"
        parts.append(f'\n<p class="zero-results">{none} <strong>{escaped_text(q)}</strong>. Try fewer words, '
                     "or a prefix such as <code>quantiz*</code>.</p>\n")
    else:
        parts.append(f'\n<p class="muted">Type words to find papers by title, abstract and author. Or browse '
                     f'<a href="{database_url}/-/papers">all papers by tag, year and code</a>, or '
                     f'<a href="{database_url}/-/charts">the charts</a>.</p>\n')
    parts.append("\n</div>\n")
    return PageContent("".join(parts), b"", "")
