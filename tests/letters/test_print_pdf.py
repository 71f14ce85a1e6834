"""The printed PDF, read back with pypdf (CMP-31, SET-02, CMP-25): one letter per recipient, each
starting on a new page, the insert fields of its own student, and SET-02's name line in the page
header of the right pages, with and without a letterhead. The job runs here, in the test's thread
(domain.letters.print_jobs.run_print_job); tests/letters/test_print_message.py runs it in a worker."""

from __future__ import annotations

import re

from sqlalchemy import select

from domain.letters.language import PrintLanguage
from domain.letters.print_jobs import PrintOptions, request_print, run_print_job
from factories import add_user, first_school_id
from letters_support import FOOTER, HEADER, long_body, make_message, make_students, pages_text, print_policy
from models.db import session_scope
from models.printing import PrintJob
from resolve import viewer_for


class RecordedJobs:
    def __init__(self):
        self.job_ids: list[int] = []

    def print_letters(self, job_id: int) -> None:
        self.job_ids.append(job_id)


def printed(engine, message_id: int, options: PrintOptions, *, letters_per_chunk: int = 100) -> PrintJob:
    jobs = RecordedJobs()
    with session_scope(engine) as session:
        job_id = request_print(session, viewer_for(session, "admin"), message_id, options, jobs,
                               policy=print_policy()).id
    assert jobs.job_ids == [job_id]  # handed to the job after the commit, not run in the request
    run_print_job(engine, job_id, letters_per_chunk=letters_per_chunk)
    with session_scope(engine) as session:
        job = session.get(PrintJob, job_id)
        session.expunge(job)
    return job


def test_cmp_31_set_02_two_hundred_letters_one_per_recipient_with_headers_on_the_right_pages(engine):
    """CMP-31, SET-02 (issue 18's acceptance point): 200 letters of several pages under a letterhead,
    printed in chunks of 64 and merged: every letter fills the same number of pages, starts on a new
    page and names its own student; the letterhead header is on its first page only, the name line
    `Last, First ID` on every other page of it and not on the first (which carries the letterhead
    header); the letterhead footer on every page."""
    tag, students = make_students(engine, 200)
    message_id = make_message(engine, "admin", students, html_body=long_body(45), letterhead=(HEADER, FOOTER))
    job = printed(engine, message_id, PrintOptions(names_on_each_page=True), letters_per_chunk=64)
    assert (job.status, job.letters_done, job.letters_total) == ("DONE", 200, 200)
    pages = pages_text(job.pdf)
    size = len(pages) // 200
    assert len(pages) == job.page_count == 200 * size and size >= 2
    for n, student_id in enumerate(students):
        first, *rest = pages[size * n: size * (n + 1)]
        line = f"{tag}{n:03d}, Kid{n:03d} {student_id}"
        assert "Lakeside Unified School District" in first and f"Paragraph 0 for Kid{n:03d}" in first, n
        assert re.search(rf"{tag}\d{{3}}, Kid\d{{3}} \d+", first) is None, n  # nobody's line on a first page
        for page in rest:
            assert line in page and f"for Kid{n:03d}" in page, n
            assert "Lakeside Unified School District" not in page, n
        assert all("100 Lake Road, Springfield" in page for page in (first, *rest)), n


def test_set_02_without_a_letterhead_every_page_carries_the_name_line_staff_letters_too(engine):
    """SET-02 without a letterhead: each page of each letter carries its person's line, the first
    page included; a staff member's letter carries theirs (CMP-31: one letter per student or user)."""
    tag, students = make_students(engine, 3)
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher", first_name="Dana",
                         last_name=tag + "Lee", email=f"{tag.lower()}@staff.example.org")
    message_id = make_message(engine, "admin", students, staff_ids=[colleague], html_body=long_body(45))
    job = printed(engine, message_id, PrintOptions(names_on_each_page=True))
    pages = pages_text(job.pdf)
    size = len(pages) // 4
    assert len(pages) == 4 * size and size >= 2 and job.letters_total == 4
    for n, student_id in enumerate(students):
        for page in pages[size * n: size * (n + 1)]:
            assert f"{tag}{n:03d}, Kid{n:03d} {student_id}" in page
    for page in pages[3 * size:]:
        assert f"{tag}Lee, Dana {colleague}" in page and "for :" in page  # no student: its fields are empty


def test_set_02_follows_the_districts_setting_when_the_print_does_not_choose(engine):
    """SET-02: the district's setting decides when printMessage leaves the option unset; off, no page
    carries a name line. The language option is recorded (CMP-31, CMP-32; tests/translations/test_print_languages.py
    prints each language)."""
    from helpers import set_district

    tag, students = make_students(engine, 2)
    message_id = make_message(engine, "admin", students, letterhead=(HEADER, FOOTER))
    previous = set_district(engine, pdf_names_on_each_page=False)
    try:
        off = printed(engine, message_id, PrintOptions(language=PrintLanguage.PRIMARY_CONTACT))
        set_district(engine, pdf_names_on_each_page=True)
        on = printed(engine, message_id, PrintOptions())
    finally:
        set_district(engine, **previous)
    assert off.options == {"names_on_each_page": False, "language": "PRIMARY_CONTACT"}
    assert on.options == {"names_on_each_page": True, "language": "RECIPIENT"}
    assert all(tag not in page for page in pages_text(off.pdf))
    # One-page letters under a letterhead header: the line is left off every (first) page.
    assert all(tag not in page for page in pages_text(on.pdf)) and len(pages_text(on.pdf)) == 2
    with session_scope(engine) as session:
        assert session.execute(select(PrintJob.id).where(PrintJob.message_id == message_id)).all()
