"""The search page's title and content block, built in Python (web/search_page_html.py), are the markup
the page's template made before, character for character: that block is kept here and rendered by Jinja
with autoescape, as Datasette renders its templates, over pages that take every branch."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup

from corpus_db.store.search import SearchPage
from corpus_db.web.search_page_html import PageLinks, page_content, page_title

# corpus_search.html's title and content blocks as they were.
TITLE = "{% if q %}{{ q }} – {% endif %}Search papers"
CONTENT = """
<div class="corpus">
<h1 style="padding-left: 10px; border-left: 10px solid #{{ database_color(database) }}">Ranked search</h1>
<form class="corpus-search-form" action="{{ urls.database(database) }}/search" method="get" role="search">
  <input type="search" name="q" id="q" aria-label="Search papers" placeholder="e.g. mixture of experts, &quot;state space&quot;, quantiz*, an author's name"
         value="{{ q }}" autofocus>
  {% if author %}<input type="hidden" name="author" value="{{ author }}">{% endif %}
  <input type="submit" value="Search">
</form>
<p class="muted">Papers ranked by relevance: a title match counts ten times an abstract match; author names count too.
  Type words, a "quoted phrase" or a prefix*; punctuation is never an error.</p>
{% if author %}<p>Only papers by <strong>{{ author }}</strong> · <a href="{{ urls.database(database) }}/search?q={{ q|urlencode }}">any author</a></p>{% endif %}
{% if page.fallback_reason and page.engine == "fts5" %}<p class="muted search-engine">Answered by SQLite FTS5: {{ page.fallback_reason }}.</p>{% endif %}
{% if hit_count %}
<p class="result-count">Results {{ page.offset + 1 }}–{{ page.offset + hit_count }}{% if page.more %} of more{% endif %}, best match first ·
  <a href="{{ json_url }}">JSON</a> · <a href="{{ export_csv }}">Export CSV</a> · <a href="{{ export_json }}">Export JSON</a></p>
<ol class="search-results" start="{{ page.offset + 1 }}">
{{ hits_html }}
</ol>
<nav class="pagination">{% if prev_url %}<a rel="prev" href="{{ prev_url }}">← Previous</a>{% endif %}
  {% if next_url %}<a rel="next" href="{{ next_url }}">Next page →</a>{% endif %}</nav>
{% elif q or author %}
<p class="zero-results">{% if page.offset %}No more papers match{% else %}No paper matches{% endif %} <strong>{{ q }}</strong>. Try fewer words, or a prefix such as <code>quantiz*</code>.</p>
{% else %}
<p class="muted">Type words to find papers by title, abstract and author. Or browse <a href="{{ urls.database(database) }}/-/papers">all papers by tag, year and code</a>, or <a href="{{ urls.database(database) }}/-/charts">the charts</a>.</p>
{% endif %}
</div>
"""  # noqa: E501

DATABASE_URL = "/my db"


def _links(*, more: bool, number: int) -> PageLinks:
    return PageLinks(
        database_url=DATABASE_URL, json_url="/my db/search.json?q=a&b=<c>", export_csv="/x.csv?q=a&author=b",
        export_json="/x.json?q='a'", next_url="/n?page=2&q=\"a\"" if more else None,
        prev_url="/p?page=1&q=a" if number > 1 else None,
    )


def _template(page: SearchPage, count: int, q: str, author: str | None, links: PageLinks) -> str:
    environment = jinja2.Environment(autoescape=True, keep_trailing_newline=True)
    environment.globals["urls"] = type("Urls", (), {"database": staticmethod(lambda _name: DATABASE_URL)})
    context = {
        "database": "my db", "q": q, "author": author or "", "page": page, "hit_count": count,
        "hits_html": Markup("<li>one</li>"), "next_url": links.next_url, "prev_url": links.prev_url,
        "json_url": links.json_url, "export_csv": links.export_csv, "export_json": links.export_json,
        "database_color": lambda _name: "ff0000",
    }
    return environment.from_string(CONTENT).render(context)


PAGES = {
    "results": (SearchPage([], None, 0, 20, "tantivy", more=True), 20, "mixture <of> & \"experts\"", None),
    "second page by an author": (SearchPage([], None, 20, 20, "tantivy"), 3, "a/b c", "Wang & <Li>"),
    "fts5 fallback": (SearchPage([], None, 0, 20, "fts5", "the index is behind <x>"), 2, "q", None),
    "fts5 asked, no reason": (SearchPage([], None, 0, 20, "fts5"), 2, "q", None),
    "no match": (SearchPage([], None, 0, 20, "tantivy"), 0, "zzz <b>", None),
    "no more": (SearchPage([], None, 40, 20, "tantivy"), 0, "zzz", "x"),
    "nothing typed": (SearchPage([], None, 0, 20, "tantivy"), 0, "", None),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_content_is_the_template_blocks_markup(name: str) -> None:
    page, count, q, author = PAGES[name]
    links = _links(more=page.more, number=page.offset // 20 + 1)
    built = page_content(page, count, b"<li>one</li>" if count else b"", q=q, author=author, links=links)
    assert str(built.markup()) == _template(page, count, q, author, links)
    assert b"".join(built.encoded()) == _template(page, count, q, author, links).encode("utf-8")


@pytest.mark.parametrize("q", ["", "attention", "<b> & \"c\""])
def test_page_title_is_the_title_blocks_text(q: str) -> None:
    rendered = jinja2.Environment(autoescape=True).from_string(TITLE).render({"q": q})
    assert str(Markup.escape(page_title(q))) == rendered
