"""Console output that cannot crash on an encoding.

Clerks run the tool on Chinese Windows and redirect or pipe its output, where
the stream is cp936/GBK: Chinese encodes, but symbols such as "✗" and "✓" do
not, and a file name may hold any character (or, on Linux, undecodable bytes
as surrogates).  Every stream gets an error handler that degrades a symbol to
text ("✗" → "[错]") and anything else to "?"; a stream that cannot hold
Chinese at all (``ascii``, ``LANG=C``) is switched to UTF-8.
"""

from __future__ import annotations

import codecs
import sys
from typing import Any

__all__ = ["HANDLER", "PLAIN", "plain_marks", "setup_streams"]

#: Name of the codec error handler registered here.
HANDLER = "govinfo-console"

#: Text for symbols a stream may not encode, first choice first.
PLAIN: dict[str, tuple[str, ...]] = {
    "✗": ("[错]", "[x]"),
    "✘": ("[错]", "[x]"),
    "✓": ("√", "[对]", "[ok]"),
    "✔": ("√", "[对]", "[ok]"),
    "！": ("!",),
    "－": ("-",),
    "—": ("-",),
    "…": ("...",),
    "　": ("  ",),
    "“": ('"',),
    "”": ('"',),
}


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _degrade(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start:exc.end]:
        choice = next((alt for alt in PLAIN.get(ch, ()) if _encodable(alt, exc.encoding)), "?")
        out.append(choice)
    return "".join(out), exc.end


codecs.register_error(HANDLER, _degrade)


def plain_marks(stream: Any) -> dict[str, str]:
    """Symbols the stream cannot show, with the text that replaces them (for explicit replacement)."""
    enc = getattr(stream, "encoding", None) or "ascii"
    out = {}
    for sym, alts in PLAIN.items():
        if not _encodable(sym, enc):
            out[sym] = next((a for a in alts if _encodable(a, enc)), "?")
    return out


def setup_streams() -> None:
    """Make stdout and stderr safe: degrade what the encoding cannot hold, UTF-8 where Chinese cannot be held."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            if not _encodable("校验", stream.encoding or "ascii"):
                reconfigure(encoding="utf-8", errors=HANDLER)
            else:
                reconfigure(errors=HANDLER)
        except (ValueError, OSError):  # a detached or closed stream: nothing to configure
            pass
