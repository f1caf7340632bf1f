"""Which language a comment is in, and whether the active model reads it.

Each comment's language is detected from its text (py3langid, whose model ships inside the pip
package: nothing is downloaded) by the classifier job, just before it tags (about 10,000
comments/s on one core, against ~500/s tagging; detecting at ingest would have halved bulk
import speed). A detection is kept only when its probability is at least ``MIN_PROBABILITY``;
below it (a few words, emoji, a product name) the language is ``und``: undetermined, and scored.

The embedded encoder reads English only. A comment detected in another language is stored but
*not scored*: it gets no tags, so it is kept out of every figure, and the overview counts it
("38 comments in 2 languages not scored"). A multilingual encoder named by ``GAPWATCH_MODEL``
scores every language.
"""

from __future__ import annotations

from functools import cache

MIN_PROBABILITY = 0.8
UNDETERMINED = "und"
EMBEDDED_LANGUAGES = frozenset({"en"})

NAMES = {
    "en": "English", "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "de": "German", "fr": "French",
    "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian", "nb": "Norwegian", "fi": "Finnish", "pl": "Polish", "cs": "Czech", "ru": "Russian",
    "uk": "Ukrainian", "tr": "Turkish", "ar": "Arabic", "he": "Hebrew", "hi": "Hindi", "th": "Thai",
    "vi": "Vietnamese", "id": "Indonesian", "ms": "Malay", "el": "Greek", "hu": "Hungarian",
    "ro": "Romanian", "bg": "Bulgarian", "ca": "Catalan", "fa": "Persian", "und": "undetermined",
}  # fmt: skip


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language, or ``und`` when it cannot be told reliably."""
    if not text or not text.strip():
        return UNDETERMINED
    language, probability = _identifier().classify(text[:2000])
    return language if probability >= MIN_PROBABILITY else UNDETERMINED


def name(code: str | None) -> str:
    return NAMES.get(code or UNDETERMINED, code or "undetermined")


def scored_languages(model_setting: str | None) -> frozenset[str] | None:
    """The languages the active model reads (None: every language). The embedded encoder is
    English-only; another encoder named by GAPWATCH_MODEL is taken to read every language."""
    if not model_setting or model_setting == "embedded":
        return EMBEDDED_LANGUAGES
    return None


def is_scored(code: str | None, scored: frozenset[str] | None) -> bool:
    return scored is None or code in (None, UNDETERMINED) or code in scored
