"""Links to code, models, datasets and project pages: found in free text and folded to one canonical
URL per repository, whatever shape the author wrote them in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from corpus_db.model import Repo
from corpus_db.rules.normalize import lower_for_search

# Scheme optional, "https: //" and "~https://" and "frameworkhttps://" as authors (and PDF extraction)
# leave them; hosts we know carry repositories; then path characters up to a space or a brace.
_CODE_HOST_LINK = re.compile(
    r"(?:https?:\s?//\s?)?(?:www\.)?"
    r"(?P<host>github\.com|gitlab\.com|bitbucket\.org|huggingface\.co|hf\.co|hf-proxy[\w.-]*\.workers\.dev)"
    r"/(?P<path>[^\s{}<>\"'\\]+)",
    re.IGNORECASE,
)
_ANY_LINK = re.compile(r"https?://(?P<host>[\w.-]+\.[a-z]{2,})(?P<path>/[^\s{}<>\"'\\]*)?", re.IGNORECASE)
# Each _CODE_HOST_LINK match contains one of these, at most _LONGEST_PREFIX characters after the match's
# start ("https: // www."). That regex has no literal prefix for re to search for, so finditer costs
# ~160 us on a 1.5 KB abstract; it is tried only just before where a host name occurs.
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "huggingface.co", "hf.co", "hf-proxy")
_LONGEST_PREFIX = len("https:") + 1 + len("//") + 1 + len("www.")
_HOST_PARTS = (".co", ".org", "hf-proxy")  # every one of _CODE_HOSTS contains one of these
_NOT_REPOS = re.compile(r"(^|\.)(arxiv\.org|doi\.org|dx\.doi\.org|openreview\.net|aclanthology\.org)$", re.I)
_TRAILING = ".,;:!?'\"`*"
_HF_SECTIONS = {"datasets": "dataset", "spaces": "space", "collections": "collection"}
_HF_NOT_REPOS = {"papers", "docs", "blog", "learn", "join", "login", "pricing", "models", "tasks", "settings"}


def _trim(path: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets an author put after a link. One pass
    from the end with the bracket counts kept as characters go: linear, where slicing and recounting per
    character took 14 s for one record with 100,000 closing parentheses."""
    end = len(path)
    closing = {")": path.count(")"), "]": path.count("]")}
    opening = {")": path.count("("), "]": path.count("[")}
    while end:
        last = path[end - 1]
        if last in _TRAILING:
            end = len(path[:end].rstrip(_TRAILING))  # a run of dots goes at C speed
        elif last in closing and opening[last] < closing[last]:
            closing[last] -= 1
            end -= 1
        else:
            break
    return path[:end]


def _code_host_repo(host: str, path: str) -> Repo | None:
    host = host.lower()
    if host == "hf.co" or host.endswith(".workers.dev"):
        host = "huggingface.co"  # short domain and mirrors of the Hub name the same repository
    parts = [p for p in _trim(path).split("/") if p]
    if host == "huggingface.co":
        return _hub_repo(parts)
    if len(parts) < 2:
        return None  # a user or organisation page, not a repository
    owner, name = parts[0], parts[1].removesuffix(".git")
    if not name or owner.lower() in {"orgs", "topics", "features", "about", "sponsors"}:
        return None
    url = f"https://{host}/{owner}/{name}".lower()
    return Repo(url=url, host=host, owner=owner.lower(), name=name.lower(), kind="code")


def _hub_repo(parts: list[str]) -> Repo | None:
    if not parts or parts[0].lower() in _HF_NOT_REPOS:
        return None
    kind = _HF_SECTIONS.get(parts[0].lower())
    if kind is not None:
        parts = parts[1:]
    else:
        kind = "model"
    if not parts:
        return None
    if len(parts) == 1:
        owner, name = parts[0], None
        kind = "collection" if kind == "collection" else "profile"
    else:
        owner, name = parts[0], parts[1]
    section = {"dataset": "datasets/", "space": "spaces/", "collection": "collections/"}.get(kind, "")
    tail = f"{owner}/{name}" if name else owner
    url = f"https://huggingface.co/{section}{tail}".lower()
    return Repo(url=url, host="huggingface.co", owner=owner.lower(), name=name.lower() if name else None, kind=kind)


def _page_repo(host: str, path: str) -> Repo | None:
    host = host.lower().removeprefix("www.")
    if _NOT_REPOS.search(host):
        return None
    path = _trim(path or "").rstrip("/")
    kind = "code" if host == "anonymous.4open.science" else "project"
    return Repo(url=f"https://{host}{path}", host=host, owner=None, name=None, kind=kind)


def canonical_repo(link: str) -> Repo | None:
    """The canonical repository a link points at, or None for links that are not repositories."""
    link = link.strip()
    match = _CODE_HOST_LINK.match(link) or _CODE_HOST_LINK.search(link)
    if match is not None:
        return _code_host_repo(match.group("host"), match.group("path"))
    if "://" not in link:
        link = f"https://{link}"
    parts = urlsplit(link)
    if not parts.hostname:
        return None
    return _page_repo(parts.hostname, parts.path)


def find_links(text: str | None) -> list[tuple[str, Repo]]:
    """Every repository link in free text, as (link as written, canonical repo), first mention first,
    one entry per canonical repository."""
    if not text:
        return []
    found: dict[str, tuple[str, Repo]] = {}
    spans: list[tuple[int, int]] = []
    for match in _code_host_links(text):
        repo = _code_host_repo(match.group("host"), match.group("path"))
        spans.append(match.span())
        if repo is not None:
            found.setdefault(repo.url, (_trim(match.group(0)), repo))
    for match in _ANY_LINK.finditer(text) if "://" in text else ():
        if any(start <= match.start() < end for start, end in spans):
            continue
        repo = _page_repo(match.group("host"), match.group("path") or "")
        if repo is not None:
            found.setdefault(repo.url, (_trim(match.group(0)), repo))
    return list(found.values())


def _code_host_links(text: str) -> Iterator[re.Match[str]]:
    """What _CODE_HOST_LINK.finditer(text) yields, trying the regex only at the offsets a match could
    start at: the few before each occurrence of a host name (none, for most abstracts). Offsets are
    tried in increasing order from where the last match ended, so the matches are finditer's own."""
    lowered = lower_for_search(text)
    if lowered is None:
        yield from _CODE_HOST_LINK.finditer(text)
        return
    if not any(part in lowered for part in _HOST_PARTS):
        return  # most abstracts: three substring tests instead of a search for each of six hosts
    hosts = sorted({at for host in _CODE_HOSTS for at in _occurrences(lowered, host)})
    resume = 0
    for at in hosts:
        if at < resume:
            continue
        for start in range(max(resume, at - _LONGEST_PREFIX), at + 1):
            match = _CODE_HOST_LINK.match(text, start)
            if match is not None:
                yield match
                resume = match.end()
                break


def _occurrences(haystack: str, needle: str) -> Iterator[int]:
    at = haystack.find(needle)
    while at != -1:
        yield at
        at = haystack.find(needle, at + 1)
