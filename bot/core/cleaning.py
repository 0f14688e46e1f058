"""Player-typed text made safe to store and show: no control characters, and no bidirectional
overrides that could make a shown text read differently from what was typed."""

from __future__ import annotations

import unicodedata

# Embeddings, overrides and isolates: they reorder the text that follows them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain(text: str) -> str:
    """The text without control characters (line breaks and tabs stay) or bidi controls."""
    return "".join(
        ch
        for ch in text
        if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS)
    )
