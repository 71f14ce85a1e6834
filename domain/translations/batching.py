"""Texts into translator requests within the plugin's declared limits (TRN-01).

A plugin translates exactly what it is given; the core decides how many requests one (message,
language) costs. :func:`batches` packs the texts, in order, into as few requests as the limits
allow: at most ``max_texts_per_request`` texts and ``max_characters_per_request`` characters each
(characters are Unicode code points, markup included, as the Translator service counts them).

A single text over the character limit is refused (``TEXT_TOO_LONG``, permanent) rather than
split: splitting HTML safely means splitting between elements and sentences, and a body of more
than 50,000 characters (the Azure limit) is not a message a family reads; its recipients get the
original, as with any permanent failure.
"""

from __future__ import annotations

from collections.abc import Sequence

from channels.translators.base import TranslatorLimits, TranslatorPermanent, TranslatorPlugin

#: The code of a text longer than one request may carry.
TEXT_TOO_LONG = "TEXT_TOO_LONG"


def batches(texts: Sequence[str], limits: TranslatorLimits) -> list[list[int]]:
    """The indexes of ``texts`` per request, in order, each request within both limits; raises
    TranslatorPermanent(TEXT_TOO_LONG) when one text alone is over the character limit."""
    requests: list[list[int]] = []
    current: list[int] = []
    characters = 0
    for index, text in enumerate(texts):
        size = len(text)
        if size > limits.max_characters_per_request:
            raise TranslatorPermanent(TEXT_TOO_LONG, f"text {index + 1} has {size} characters; one request "
                                                     f"carries at most {limits.max_characters_per_request}")
        if current and (len(current) == limits.max_texts_per_request
                        or characters + size > limits.max_characters_per_request):
            requests.append(current)
            current, characters = [], 0
        current.append(index)
        characters += size
    if current:
        requests.append(current)
    return requests


def translate_in_batches(translator: TranslatorPlugin, texts: Sequence[str], *, source: str, target: str,
                         html: bool) -> list[str]:
    """``texts`` translated by ``translator`` in as few requests as its limits allow, same length and
    order; a plugin answering the wrong number of texts is a permanent BAD_RESPONSE. The plugin's
    TranslatorRetryable / TranslatorPermanent pass through (nothing is kept of earlier batches: the
    caller retries the whole language)."""
    translated = list(texts)
    for request in batches(texts, translator.limits):
        answer = translator.translate([texts[index] for index in request], source=source, target=target, html=html)
        if len(answer) != len(request):
            raise TranslatorPermanent("BAD_RESPONSE", f"{translator.name} answered {len(answer)} texts "
                                                      f"for {len(request)}")
        for index, text in zip(request, answer):
            translated[index] = text
    return translated
