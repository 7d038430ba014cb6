"""The search page without its title and content: what corpus_search.html and base.html put around them,
rendered once per database for the fast path (web/search_fast.py), which then fills in each request's title
and content. Datasette renders the same template for the route at every request (plugin hooks, async
Jinja, ~0.5 ms); for an anonymous request that part of the page is the same whatever was searched, as
long as only Datasette's own plugins and corpus-db's implement the hooks that shape it."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from datasette.utils.asgi import Request
from markupsafe import Markup, escape

from corpus_db.web.empty_search import Channel, Scope
from corpus_db.web.search_page_html import PageContent

TEMPLATE = "corpus_search.html"
# Private-use characters no title or content can put there: the frame is split where they land.
TITLE_MARK = "\ue010corpus-db title\ue011"
CONTENT_MARK = "\ue012corpus-db content\ue013"
# Hooks that can make a page's frame depend on the request or its actor. The frame is kept only while
# every implementation of them is Datasette's own or corpus-db's, whose answers depend on neither for an
# anonymous GET; any other plugin's request goes through Datasette's route.
FRAME_HOOKS = ("extra_template_vars", "extra_body_script", "extra_css_urls", "extra_js_urls", "menu_links",
               "permission_allowed", "actor_from_request")
KNOWN_PLUGIN_MODULES = ("datasette.", "corpus_db.")

_frames: weakref.WeakKeyDictionary[Any, dict[tuple[str, tuple[str, ...]], PageFrame | None]] = (
    weakref.WeakKeyDictionary())


@dataclass(frozen=True)
class PageFrame:
    """The page split around its title and its content, in UTF-8."""

    head: bytes
    middle: bytes
    tail: bytes

    def page(self, title: str, content: PageContent) -> bytes:
        """The whole page: the title escaped as the template escapes it, the content as it is. Joined as
        bytes: the results, the bulk of it, arrive in UTF-8 and are not decoded and encoded again."""
        before, hits, after = content.encoded()
        return b"".join((self.head, str(escape(title)).encode("utf-8"), self.middle, before, hits, after, self.tail))


async def render_page(datasette: Any, database: str, title: str, content: Markup, request: Any) -> str:
    """The page as Datasette renders it: what the route answers."""
    context = {"database": database, "title": title, "content": content}
    return str(await datasette.render_template(TEMPLATE, context, request=request, view_name="search"))


def frame_is_shared() -> bool:
    """Whether every anonymous request would get the same frame: only known plugins shape it."""
    # Imported here: importing datasette.plugins loads every plugin's entry point, this package among them,
    # which would then be registered half imported (its hooks below this module's import not yet defined).
    from datasette.plugins import pm

    for hook in FRAME_HOOKS:
        for implementation in getattr(pm.hook, hook).get_hookimpls():
            module = getattr(implementation.plugin, "__name__", "")
            if not module.startswith(KNOWN_PLUGIN_MODULES):
                return False
    return True


def split_page(html: str) -> PageFrame | None:
    """The frame of a page rendered with the marks, or None when a mark is not there exactly once."""
    title_mark = str(escape(TITLE_MARK))
    if html.count(title_mark) != 1 or html.count(CONTENT_MARK) != 1:
        return None
    head, _, rest = html.partition(title_mark)
    middle, found, tail = rest.partition(CONTENT_MARK)
    if not found:  # the content came before the title
        return None
    return PageFrame(head.encode("utf-8"), middle.encode("utf-8"), tail.encode("utf-8"))


async def _framed(datasette: Any, database: str, scope: Scope, receive: Channel) -> PageFrame | None:
    if not frame_is_shared():
        return None
    # Datasette's CSRF middleware, which runs after the fast path, puts a per-request token maker here; a
    # page that asks for a token (a form that posts) differs per request.
    asked_for_token: list[bool] = []

    def csrftoken() -> str:
        asked_for_token.append(True)
        return ""

    request = Request(dict(scope, csrftoken=csrftoken), receive)
    html = await render_page(datasette, database, TITLE_MARK, Markup(CONTENT_MARK), request)
    return None if asked_for_token else split_page(html)


async def page_frame(datasette: Any, database: str, scope: Scope, receive: Channel) -> PageFrame | None:
    """The frame for this database's search page, rendered at its first anonymous request (scope,
    receive: that request's) and kept for the server's life; None when the page cannot be framed
    (another plugin shapes pages, the page asks for a CSRF token, or the marks do not land once each).
    A new set of databases renders it again: the menu's links depend on it."""
    kept = _frames.setdefault(datasette, {})
    key = (database, tuple(datasette.databases))
    if key not in kept:
        kept[key] = await _framed(datasette, database, scope, receive)
    return kept[key]
