"""Downloading a URL source to a local file: a conditional GET (a 304 costs nothing), streamed to disk
(the body never sits in memory), with connect/read timeouts, a size limit, and bounded retries with
exponential back-off for the failures that tend to go away (connection errors, 429, 5xx)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

import httpx

from corpus_db.units import format_size

_CHUNK = 1024 * 1024


class FetchError(RuntimeError):
    """A download that failed for good; the message names the URL and the reason."""


class _Retryable(FetchError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class FetchOptions:
    """How patient and how trusting a download is."""

    connect_timeout: float = 10.0  # seconds to establish the connection
    read_timeout: float = 60.0  # seconds the server may stay silent, before headers or mid-body
    retries: int = 3  # further attempts after a retryable failure
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_delay: float = 60.0  # no single wait is longer, whatever Retry-After says
    max_bytes: int = 2 * 1024**3  # abort a download beyond this many bytes (as written to disk)
    deadline: float = 3600.0  # seconds one source's download may take in all, retries included


@dataclass(frozen=True)
class Fetched:
    """The outcome of a successful request: new bytes in `path`, or none needed (304 Not Modified)."""

    url: str
    not_modified: bool
    path: Path | None
    etag: str | None
    last_modified: str | None
    size: int = 0
    attempts: int = 1


def _user_agent() -> str:
    try:
        version = metadata.version("corpus-db")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"corpus-db/{version} (+sync)"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.strip().isdigit() else None


def _download(client: httpx.Client, url: str, dest: Path, headers: dict[str, str], options: FetchOptions,
              etag: str | None, last_modified: str | None, give_up_at: float) -> Fetched:
    with client.stream("GET", url, headers=headers) as response:
        status = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
        if response.status_code == 304:
            # A 304 may carry fresh validators; otherwise the ones we sent still hold.
            return Fetched(url, True, None, response.headers.get("etag") or etag,
                           response.headers.get("last-modified") or last_modified)
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(f"{url}: {status}", _retry_after(response))
        if not 200 <= response.status_code < 300:
            raise FetchError(f"{url}: {status}")
        length = response.headers.get("content-length", "")
        if not response.headers.get("content-encoding") and length.isdigit() and int(length) > options.max_bytes:
            raise FetchError(
                f"{url}: the server announces {format_size(int(length))}, over the size limit of "
                f"{format_size(options.max_bytes)} (--max-size); not downloaded"
            )
        size = 0
        with dest.open("wb") as out:
            # Chunks as they arrive (not _CHUNK at a time), so a server trickling bytes meets the deadline.
            for chunk in response.iter_bytes():  # decodes Content-Encoding: gzip
                if time.monotonic() > give_up_at:
                    raise FetchError(
                        f"{url}: not finished within the deadline of {options.deadline:g}s (--deadline); "
                        f"download aborted after {format_size(size)}"
                    )
                size += len(chunk)
                if size > options.max_bytes:
                    raise FetchError(
                        f"{url}: larger than the size limit of {format_size(options.max_bytes)} (--max-size); "
                        f"download aborted after {format_size(size)}"
                    )
                out.write(chunk)
        return Fetched(url, False, dest, response.headers.get("etag"), response.headers.get("last-modified"), size)


def _transport_message(url: str, exc: httpx.TransportError, options: FetchOptions) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"{url}: could not connect within {options.connect_timeout:g}s (connect timeout)"
    if isinstance(exc, httpx.ReadTimeout):
        return f"{url}: the server sent nothing for {options.read_timeout:g}s (read timeout)"
    if isinstance(exc, httpx.ConnectError):
        return f"{url}: could not connect: {exc}"
    return f"{url}: the connection failed: {type(exc).__name__}: {exc}"


def fetch(
    url: str,
    dest: Path,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    options: FetchOptions | None = None,
) -> Fetched:
    """GET `url` into `dest`, conditionally when validators of the last good download are given.
    Raises FetchError (naming the URL and the HTTP status or network error) once retries are spent;
    `dest` never holds a partial download afterwards."""
    opts = options or FetchOptions()
    headers = {"User-Agent": _user_agent(), "Accept-Encoding": "gzip"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(opts.read_timeout, connect=opts.connect_timeout)
    give_up_at = time.monotonic() + opts.deadline
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        attempt = 0
        while True:
            attempt += 1
            try:
                fetched = _download(client, url, dest, headers, opts, etag, last_modified, give_up_at)
                return replace(fetched, attempts=attempt)
            except _Retryable as exc:
                failure, wait_hint = str(exc), exc.retry_after
            except httpx.TransportError as exc:
                failure, wait_hint = _transport_message(url, exc, opts), None
            except httpx.HTTPError as exc:  # too many redirects, undecodable gzip: retrying will not help
                dest.unlink(missing_ok=True)
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
            except BaseException:
                dest.unlink(missing_ok=True)
                raise
            dest.unlink(missing_ok=True)
            if attempt > opts.retries:
                tries = f" (gave up after {attempt} attempts)" if attempt > 1 else ""
                raise FetchError(failure + tries)
            delay = min(max(opts.backoff * 2 ** (attempt - 1), wait_hint or 0.0), opts.max_delay)
            if time.monotonic() + delay > give_up_at:
                raise FetchError(f"{failure} (no time left for a retry within the --deadline of {opts.deadline:g}s)")
            time.sleep(delay)
