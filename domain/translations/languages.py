"""The languages a message can be translated into (TRN-01, TRN-04): BCP 47 codes as the
Translator service and the speech voices name them, with each language's English name for pickers.
A manual translation or a recipient language outside this list is rejected (UNSUPPORTED_LANGUAGE).
"""

from __future__ import annotations

#: Code → English name. The Translator service's codes (Translator v3 ``languages`` scope
#: ``translation``), limited to the languages a US district's families most often read.
SUPPORTED_LANGUAGES: dict[str, str] = {
    "am": "Amharic", "ar": "Arabic", "bn": "Bangla", "bs": "Bosnian", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "fa": "Persian", "fil": "Filipino", "fr": "French", "gu": "Gujarati",
    "ha": "Hausa", "he": "Hebrew", "hi": "Hindi", "hmn": "Hmong Daw", "ht": "Haitian Creole", "hy": "Armenian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "km": "Khmer", "ko": "Korean", "lo": "Lao",
    "mr": "Marathi", "my": "Myanmar (Burmese)", "ne": "Nepali", "pa": "Punjabi", "pl": "Polish", "ps": "Pashto",
    "pt": "Portuguese (Brazil)", "pt-pt": "Portuguese (Portugal)", "ro": "Romanian", "ru": "Russian",
    "so": "Somali", "sq": "Albanian", "sr-Cyrl": "Serbian (Cyrillic)", "sr-Latn": "Serbian (Latin)",
    "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai", "ti": "Tigrinya", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek (Latin)", "vi": "Vietnamese", "yo": "Yoruba",
    "zh-Hans": "Chinese Simplified", "zh-Hant": "Chinese Traditional",
}

#: The language messages are written in unless a district says otherwise.
ORIGINAL_LANGUAGE = "en"

_BY_FOLDED_CODE = {code.casefold(): code for code in SUPPORTED_LANGUAGES}


def supported_language(code: str) -> str | None:
    """``code`` in its canonical spelling when supported (case does not matter), else None."""
    return _BY_FOLDED_CODE.get(code.strip().casefold())
