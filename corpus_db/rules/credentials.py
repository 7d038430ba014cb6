"""Credentials in URLs (user:password@host, ?token=...) never reach the database, the terminal or the web:
every locator is stored and shown redacted. The redacted form is stable, so a source keeps its identity
across runs (and across a change of token)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"
# Query parameters that carry secrets in the wild (case-insensitive, compared without - and _).
_SECRET_PARAMS = {
    "token", "accesstoken", "apikey", "key", "secret", "password", "passwd", "pwd", "auth", "authorization",
    "signature", "sig", "xamzsignature", "xamzcredential", "xamzsecuritytoken", "clientsecret", "sessionid",
    "privatetoken", "jwt", "code",
}  # fmt: skip
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)


def _secret(name: str) -> bool:
    key = name.lower().replace("-", "").replace("_", "")
    return key in _SECRET_PARAMS or key.endswith(("token", "secret", "password", "apikey"))


def redact_url(url: str) -> str:
    """`url` with its user info and secret-looking query values replaced by REDACTED; anything that is
    not a URL comes back as it was."""
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(_secret(k) for k, _ in pairs):
                query = urlencode([(k, REDACTED if _secret(k) else v) for k, v in pairs], safe="/:")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:  # a malformed URL (bad port, brackets): keep the scheme and host only
        head = url.split("://", 1)
        return f"{head[0]}://{REDACTED}"


def redact_text(text: str) -> str:
    """Every URL in free text (an error message, say) redacted."""
    if "://" not in text:
        return text
    return _URL.sub(lambda m: redact_url(m.group(0)), text)
