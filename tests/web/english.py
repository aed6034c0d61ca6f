"""Finding English words left in a page meant to be in another language."""

from __future__ import annotations

import re
from html import unescape

# Everyday English words that are not Spanish words (names, codes, addresses and
# URLs are not checked: the word list has none of them).
ENGLISH_WORDS = frozenset(
    [
        "the",
        "you",
        "your",
        "and",
        "of",
        "to",
        "is",
        "are",
        "with",
        "for",
        "this",
        "that",
        "what",
        "how",
        "where",
        "when",
        "has",
        "have",
        "will",
        "can",
        "from",
        "on",
        "in",
        "at",
        "by",
        "an",
        "it",
        "its",
        "was",
        "were",
        "be",
        "been",
        "or",
        "not",
        "do",
        "does",
        "did",
        "any",
        "our",
        "we",
        "they",
        "their",
        "case",
        "letter",
        "hearing",
        "appeals",
        "notice",
        "tax",
        "court",
        "sign",
        "look",
        "up",
        "help",
        "here",
        "next",
        "steps",
        "date",
    ]
)


def main_text(html: str) -> str:
    """The text of <main>, without scripts, styles, SVG and anything marked lang="en"."""
    m = re.search(r"<main\b[^>]*>(.*)</main>", html, re.S)
    body = m.group(1) if m else html
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r'<(\w+)[^>]*\slang="en"[^>]*>.*?</\1>', " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", unescape(body)).strip()


def english_words(text: str) -> list[str]:
    """English words in ``text`` (URLs and e-mail-like runs skipped)."""
    text = re.sub(r"\S+\.(gov|com|org|pdf)\S*", " ", text)
    # whole words, accented letters included: "análisis" is one Spanish word, not "an" + "lisis"
    return [w for w in re.findall(r"[^\W\d_]+", text) if w.lower() in ENGLISH_WORDS]
