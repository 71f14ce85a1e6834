"""Benchmark scripts (run as files: python bench/<name>.py). A package so the scripts can share
helpers as ``bench.<module>`` without their folder on sys.path, where bench/email.py would shadow
the standard library's email module."""
