"""Fetching one URL for the importer: a single polite GET with urllib, errors as FetchError.

No retries (one attempt per URL, so a broken site never gets a request storm), http/https only,
a size cap, and a User-Agent that says who is asking.
"""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from digest import __version__

__all__ = ["FetchError", "USER_AGENT", "MAX_BYTES", "fetch_url"]

USER_AGENT = f"digest/{__version__} (+https://github.com/; news digest importer)"
MAX_BYTES = 20 * 1024 * 1024  # a news page or feed is far smaller; this stops runaway bodies


class FetchError(Exception):
    """A URL could not be fetched: bad URL, unsupported scheme, HTTP error, timeout, network."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"could not fetch {url}: {reason}")
        self.url = url
        self.reason = reason


def fetch_url(url: str, timeout: float = 15.0) -> tuple[bytes, str]:
    """GET url once and return (body bytes, Content-Type header or "").

    Raises FetchError for anything but a successful response.
    """
    if not isinstance(url, str) or not url.strip():
        raise FetchError(str(url), "empty URL")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "no scheme"
        raise FetchError(url, f"only http:// and https:// URLs can be fetched (got {shown})")
    if not parts.hostname:
        raise FetchError(url, "the URL has no host name")
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
            "application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            final = response.geturl() or url
            if urlsplit(final).scheme.lower() not in ("http", "https"):
                raise FetchError(url, f"redirected to a non-http URL ({final})")
            body = response.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise FetchError(url, f"response larger than {MAX_BYTES // (1024 * 1024)} MB")
            content_type = response.headers.get("Content-Type", "") or ""
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(url, f"HTTP {exc.code} {exc.reason}".strip()) from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise FetchError(url, f"timed out after {timeout:g}s") from exc
        if isinstance(reason, socket.gaierror):
            raise FetchError(url, f"cannot resolve host name {parts.hostname!r}") from exc
        if isinstance(reason, ConnectionRefusedError):
            raise FetchError(url, "connection refused") from exc
        if isinstance(reason, OSError) and reason.strerror:
            raise FetchError(url, reason.strerror) from exc
        raise FetchError(url, str(reason)) from exc
    except TimeoutError as exc:
        raise FetchError(url, f"timed out after {timeout:g}s") from exc
    except (ValueError, OSError, http.client.HTTPException) as exc:
        raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc
    return body, content_type
