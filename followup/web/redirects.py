"""Where a redirect may go: a path on this site, judged as a browser would read it."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# A browser drops ASCII tabs and newlines anywhere in a URL, and spaces and other C0 controls at
# either end, before it reads it (WHATWG URL standard); a check must see what the browser will.
_DROPPED = re.compile(r"[\t\n\r]")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_EDGES = "".join(map(chr, range(0x21)))
LONGEST = 2000


def local_path(target: str | None) -> str | None:
    """Return `target` if it is a path on this site once normalised as a browser would, else None."""
    if not target or len(target) > LONGEST:
        return None
    # A browser reads a backslash as a slash in http(s) URLs, so "/\evil.example" is "//evil.example".
    path = _DROPPED.sub("", target.strip(_EDGES)).replace("\\", "/")
    if _CONTROL.search(path) or not path.isascii():
        return None
    for seen in (path, unquote(path).replace("\\", "/")):
        if not seen.startswith("/") or seen.startswith("//") or _CONTROL.search(seen):
            return None
        parts = urlsplit(seen)
        if parts.scheme or parts.netloc:
            return None
    return path
