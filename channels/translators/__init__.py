"""Translator plugins (namespace ``homeroom.translators``): the contract in ``base``, the offline
``none`` default, and ``azure`` (Translator Text v3)."""
