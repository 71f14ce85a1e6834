"""GraphQL for translations: the manual translation input and type every carrier shares (TRN-04),
a recipient's original and translated text (TRN-03), and the languages messages can be translated
into (TRN-01, TRN-04).

- ``manual``: MessageTranslationInput, the Translation type and their loaders.
- ``loaders``: the translation of each (message, language) a page reads, one statement per page.
- ``queries``: supportedLanguages.
- ``types``: MessageText, TranslatedMessageText, SupportedLanguage.
"""
