"""TRN-04: the languages a list of manual translations may name."""

from domain.translations.manual import check_translation_languages


def test_trn04_codes_are_canonical_and_problems_name_each_bad_entry():
    canonical, problems = check_translation_languages(["ES", "xx", "en", "es", "zh-hans"])
    assert canonical == ["es", "xx", "en", "es", "zh-Hans"]
    assert [(problem.path, problem.code) for problem in problems] == [
        (("translations", 1, "language"), "UNSUPPORTED_LANGUAGE"),
        (("translations", 2, "language"), "SAME_AS_ORIGINAL"),
        (("translations", 3, "language"), "DUPLICATE_LANGUAGE"),
    ]


def test_trn04_any_number_of_distinct_supported_languages_is_accepted():
    canonical, problems = check_translation_languages(["vi", "so", "ar", "ht"], path=("input", "translations"))
    assert canonical == ["vi", "so", "ar", "ht"] and problems == []
