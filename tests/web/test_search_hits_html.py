"""The search page's results list, built in Python (web/search_hits_html.py), is the markup the page's
template loop made before, character for character: that loop is kept here and rendered by Jinja with
autoescape, as Datasette renders its templates, over hits that take every branch."""

from __future__ import annotations

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from corpus_db.store.search import SearchHit
from corpus_db.web import search_hits_html
from corpus_db.web.search_hits_html import MATCH_CLOSE, MATCH_OPEN, hits_html, marked

# corpus_search.html's loop as it was, with the view's context ("hits": hit and marked snippet).
TEMPLATE_LOOP = """{% for item in hits %}{% set h = item.hit %}
  <li class="search-result">
    <div class="result-title"><a class="paper-title" href="{{ papers_url }}/{{ h.id }}">{{ h.title }}</a>{% if h.year %} <span class="muted">{{ h.year }}</span>{% endif %}</div>
    {% if h.authors %}<div class="result-authors muted">{{ h.authors[:8]|join(", ") }}{% if h.authors|length > 8 %} et al.{% endif %}</div>{% endif %}
    <div class="snippet">{{ item.snippet }}</div>
    <div class="result-meta">{% for tag in h.tags %}<a class="tag" href="{{ tag_url }}{{ tag|urlencode }}">{{ tag }}</a> {% endfor %}
      {% if h.arxiv_id %}<a class="muted" href="https://arxiv.org/abs/{{ h.arxiv_id }}">arXiv:{{ h.arxiv_id }}</a>{% endif %}
      {% if h.doi %}<a class="muted" href="https://doi.org/{{ h.doi }}">doi:{{ h.doi }}</a>{% endif %}</div>
    {% if h.repos %}<div class="result-repos">{% for url in h.repos[:5] %}<a class="repo-link" href="{{ url }}">{{ url }}</a> {% endfor %}</div>{% endif %}
  </li>
{% endfor %}"""  # noqa: E501

PAPERS_URL = "/corpus/papers"
TAG_URL = "/corpus/-/tag?name="


def _hit(pid: int, **fields: object) -> SearchHit:
    base: dict[str, object] = {
        "id": pid, "title": "A title", "snippet": "plain", "score": 1.0, "arxiv_id": None, "doi": None,
        "year": None, "authors": [], "tags": [], "keywords": [], "repos": [], "sources": 1,
    }
    return SearchHit(**{**base, **fields})  # type: ignore[arg-type]


HITS = [
    _hit(1),
    _hit(2, title='Attention <is> "all" & you\'re', year=2017, arxiv_id="1706.03762", doi="10.1/a<b>&c",
         authors=["Ashish Vaswani", "Noam <Shazeer>", "Niki & Parmar"],
         snippet=f"we {MATCH_OPEN}attend{MATCH_CLOSE} to <tags> & {MATCH_OPEN}att{MATCH_CLOSE}ention",
         tags=["cs.CL", "large language models", "a/b", "ümlaut & <x>", "100%"],
         repos=["https://github.com/a/b", "https://github.com/c/d?x=1&y=<2>"]),
    _hit(3, year=0, authors=[f"Author {n}" for n in range(9)], repos=[f"https://github.com/o/r{n}" for n in range(7)]),
    _hit(4, authors=[f"Author {n}" for n in range(8)], tags=["cs.LG"], doi="10.5/x"),
]


def _template(hits: list[SearchHit], papers_url: str, tag_url: str) -> str:
    environment = jinja2.Environment(autoescape=True)
    context = {"hits": [{"hit": h, "snippet": marked(h.snippet)} for h in hits], "papers_url": papers_url,
               "tag_url": tag_url}
    return environment.from_string(TEMPLATE_LOOP).render(context)


@pytest.mark.parametrize("hits", [HITS, HITS[:1], []], ids=["every-branch", "bare", "none"])
def test_hits_html_is_the_template_loops_markup(hits: list[SearchHit]) -> None:
    assert str(hits_html(hits, PAPERS_URL, TAG_URL)) == _template(hits, PAPERS_URL, TAG_URL)


def test_urls_with_characters_to_escape_are_escaped_as_the_template_did() -> None:
    papers, tags = '/base "x"/corpus/papers', "/base&x/corpus/-/tag?name="
    assert str(hits_html(HITS, papers, tags)) == _template(HITS, papers, tags)


def test_matches_are_marked_and_text_escaped() -> None:
    html = str(hits_html(HITS[1:2], PAPERS_URL, TAG_URL))
    assert "we <mark>attend</mark> to &lt;tags&gt; &amp; <mark>att</mark>ention" in html
    assert "Noam &lt;Shazeer&gt;" in html and "<Shazeer>" not in html
    assert f'href="{TAG_URL}%C3%BCmlaut%20%26%20%3Cx%3E"' in html
    assert 'href="/corpus/-/tag?name=a/b"' in html


@given(st.one_of(st.text(), st.integers()))
def test_text_escapes_as_markupsafe_does(value: object) -> None:
    assert search_hits_html.escaped_text(value) == str(escape(value))


def test_a_tag_chip_is_made_once_per_tag() -> None:
    search_hits_html._tag_link.cache_clear()
    hits_html([HITS[1], HITS[1], HITS[3]], PAPERS_URL, TAG_URL)
    assert search_hits_html._tag_link.cache_info().misses == len(HITS[1].tags) + len(HITS[3].tags)
