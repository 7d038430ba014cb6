"""The search page's list of results as HTML, built in Python, in a search worker where there is one:
Datasette renders templates with async Jinja, where every loop step and filter is awaited, and the 20
results' loop took ~60% of the server's event-loop thread, the page's bottleneck (py-spy, 1M papers,
8 connections). Same markup as the template's loop made, character for character (a test renders both).
At 1M, wrk over the bench's 200 queries: 215-226 pages/s (p95 49-57 ms) before, 291-336 (p95 32-38 ms)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup, escape

from corpus_db.store.search import SearchHit, SearchPage

SHOWN_AUTHORS = 8
SHOWN_REPOS = 5
# Private-use characters around matches in a snippet: escaped with the text, then turned into <mark>.
MATCH_OPEN, MATCH_CLOSE = "\ue000", "\ue001"


def marked(text: str) -> Markup:
    """The snippet escaped, its matches in <mark>."""
    return Markup(str(escape(text)).replace(MATCH_OPEN, "<mark>").replace(MATCH_CLOSE, "</mark>"))


_SPECIAL = re.compile(r"[&<>'\"]")


def escaped_text(value: object) -> str:
    """markupsafe's escape, character for character, at about half its cost on text with nothing to escape
    (most of it): a page escapes ~500 values."""
    text = str(value)
    if _SPECIAL.search(text) is None:
        return text
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


@lru_cache(maxsize=4096)
def _tag_link(tag_url: str, tag: str) -> str:
    """A tag's chip: tags come from a small vocabulary, so each is quoted and escaped once."""
    # Jinja's urlencode filter: quote() keeping "/" (then escaped as any printed value).
    return f'<a class="tag" href="{tag_url}{escaped_text(quote(tag))}">{escaped_text(tag)}</a> '


def _escaped_year(year: object) -> str:
    return str(year) if type(year) is int else escaped_text(year)  # an int holds nothing to escape


def _hit(hit: SearchHit, papers_url: str, tag_url: str) -> str:
    year = f' <span class="muted">{_escaped_year(hit.year)}</span>' if hit.year else ""
    authors = ""
    if hit.authors:
        more = " et al." if len(hit.authors) > SHOWN_AUTHORS else ""
        # Escaped once joined (", " holds nothing to escape): one call instead of one a name.
        names = escaped_text(", ".join(hit.authors[:SHOWN_AUTHORS]))
        authors = f'<div class="result-authors muted">{names}{more}</div>'
    tags = "".join([_tag_link(tag_url, tag) for tag in hit.tags])
    arxiv_id, doi_name = escaped_text(hit.arxiv_id), escaped_text(hit.doi)
    arxiv = f'<a class="muted" href="https://arxiv.org/abs/{arxiv_id}">arXiv:{arxiv_id}</a>' if hit.arxiv_id else ""
    doi = f'<a class="muted" href="https://doi.org/{doi_name}">doi:{doi_name}</a>' if hit.doi else ""
    repos = ""
    if hit.repos:
        shown = hit.repos[:SHOWN_REPOS]
        links = "".join(f'<a class="repo-link" href="{url}">{url}</a> ' for url in map(escaped_text, shown))
        repos = f'<div class="result-repos">{links}</div>'
    return (
        f'\n  <li class="search-result">\n'
        f'    <div class="result-title"><a class="paper-title" href="{papers_url}/{hit.id}">'
        f"{escaped_text(hit.title)}</a>"
        f"{year}</div>\n"
        f"    {authors}\n"
        f'    <div class="snippet">{marked(hit.snippet)}</div>\n'
        f'    <div class="result-meta">{tags}\n'
        f"      {arxiv}\n"
        f"      {doi}</div>\n"
        f"    {repos}\n"
        f"  </li>\n"
    )


def hits_html(hits: list[SearchHit], papers_url: str, tag_url: str) -> Markup:
    """The <li> items of the results list, for the page's <ol>. papers_url: a paper's URL is this, "/" and
    its id; tag_url: a tag's URL is this and its name, quoted."""
    papers, tags = escaped_text(papers_url), escaped_text(tag_url)
    return Markup("".join(_hit(hit, papers, tags) for hit in hits))


@dataclass(frozen=True)
class RenderedPage:
    """What the search page's template needs of a search: the page without its hits (offset, more,
    engine, fallback reason), how many there were, and their markup in UTF-8. What a worker sends back:
    as bytes it is pickled and sent as it is, and the server puts it into the page's bytes without
    decoding and encoding ~20 KB again (a str crossed as UTF-8 all the same)."""

    page: SearchPage
    count: int
    html: bytes


def rendered_page(page: SearchPage, papers_url: str, tag_url: str) -> RenderedPage:
    """The page with its hits rendered (hits_html) in place of the hits themselves."""
    html = str(hits_html(page.hits, papers_url, tag_url)).encode("utf-8")
    return RenderedPage(replace(page, hits=[]), len(page.hits), html)
