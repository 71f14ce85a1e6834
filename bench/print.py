"""Time a 2,000-letter print: one-page letters under a letterhead with four insert fields.

    python bench/print.py [--letters 2000] [--database-url URL]

Seeds a district (default: a temporary SQLite file; a PostgreSQL URL is wiped first, as
bench/seed.py does), stores a message to ``--letters`` students with a letterhead, and runs the
print job's body exactly as the ``print_letters`` actor does (domain.letters.print_jobs.run_print_job:
addressees and fields read set-based, letters rendered by WeasyPrint in chunks, merged with pypdf,
the PDF stored). In the same run, the baseline: WeasyPrint alone rendering the same HTML documents
(the same chunks), with nothing of Homeroom around it. Peak memory is the process's peak RSS
(resource.getrusage) when the print is done, before the baseline runs. Last line:
``letters=… seconds=… pages_per_s=… base_pages_per_s=… ratio=… peak_mb=…``.
"""

from __future__ import annotations

import argparse
import pathlib
import resource
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
# Run as a file, this script's folder is first on sys.path, where bench/email.py would shadow the
# standard library's email; the project root goes there instead, and siblings are bench.<name>.
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import models  # noqa: E402,F401  (registers every table on SQLModel.metadata)
from domain.demo.seeding import seed_district  # noqa: E402
from models.db import make_engine  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

HEADER = ("<p style='text-align:center'><strong>Lakeside Unified School District</strong><br>"
          "Office of Student Services</p>")
FOOTER = "<p style='text-align:center'>100 Lake Road, Springfield · (555) 010-0100</p>"
#: Four insert fields (CMP-25), one page.
BODY = ("<p>Dear {{recipient.name}},</p><p>We are pleased to share that {{student.first_name}} has completed "
        "the first marking period in grade {{student.grade_level}} at {{student.school}}. Report cards are "
        "available in the portal, and conferences are scheduled for the week of November 16.</p>"
        "<p>Please contact the school office with any questions.</p><p>Sincerely,<br>The Principal</p>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args(argv)

    from sqlalchemy import insert, select

    from domain.letters.addressees import addressees
    from domain.letters.content import letter_content
    from domain.letters.layout import Layout, LetterContent, document_html, letter_html
    from domain.letters.pdf import LETTERS_PER_CHUNK, render_pdf
    from domain.letters.print_jobs import run_print_job
    from models.db import session_scope
    from models.directory import Student, User
    from models.messaging import Message, MessageStudent
    from models.printing import PrintJob
    from models.templates import Letterhead

    with tempfile.TemporaryDirectory(prefix="homeroom-bench-") as scratch:
        url = args.database_url or f"sqlite:///{scratch}/print.db"
        engine = make_engine(url)
        if engine.dialect.name == "postgresql":
            SQLModel.metadata.drop_all(engine)
        SQLModel.metadata.create_all(engine)
        seed_district(engine, students=args.letters + args.letters // 10 + 10, seed=7)
        with session_scope(engine) as session:
            admin = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
            letterhead = Letterhead(name="District", header_html=HEADER, footer_html=FOOTER,
                                    available_for=["COMMUNICATION"])
            session.add(letterhead)
            session.flush()
            message = Message(sender_id=admin, subject="First marking period", html_body=BODY, text_body="",
                              recipient_type="PRIMARY_CONTACTS", channels=["EMAIL"], letterhead_id=letterhead.id)
            session.add(message)
            session.flush()
            students = session.execute(select(Student.id).where(Student.status == "ACTIVE").order_by(Student.id)
                                       .limit(args.letters)).scalars().all()
            session.execute(insert(MessageStudent), [{"message_id": message.id, "student_id": s} for s in students])
            job = PrintJob(message_id=message.id, requested_by_id=admin,
                           options={"names_on_each_page": True, "language": "RECIPIENT"})
            session.add(job)
            session.flush()
            job_id, message_id = job.id, message.id

        render_pdf(document_html(["<p>warm-up</p>"], LetterContent(body_html="")))  # fonts loaded once, for both
        started = time.perf_counter()
        run_print_job(engine, job_id)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with session_scope(engine) as session:
            job = session.get(PrintJob, job_id)
            pages, letters, status, size = job.page_count, job.letters_done, job.status, len(job.pdf or b"")
            message = session.get(Message, message_id)
            content = letter_content(session, message)
            people = addressees(session, message, fields=content.fields)
        engine.dispose()

    import weasyprint

    layout = Layout(names_on_each_page=True)
    documents = [document_html([letter_html(content, person, layout) for person in people[i:i + LETTERS_PER_CHUNK]],
                               content) for i in range(0, len(people), LETTERS_PER_CHUNK)]
    started = time.perf_counter()
    for document in documents:
        weasyprint.HTML(string=document).write_pdf()
    base_seconds = time.perf_counter() - started
    base_pages = pages  # the same documents hold the same pages
    pages_per_s, base_pages_per_s = pages / seconds, base_pages / base_seconds
    print(f"print job {status}: {letters:,} letters, {pages:,} pages, {size / 1e6:.1f} MB PDF in {seconds:.1f} s "
          f"({pages_per_s:.1f} pages/s); peak RSS {peak_mb:.0f} MB")
    print(f"WeasyPrint alone, the same {len(documents)} documents: {base_seconds:.1f} s ({base_pages_per_s:.1f} pages/s)")
    print(f"letters={letters} seconds={seconds:.1f} pages_per_s={pages_per_s:.1f} base_pages_per_s={base_pages_per_s:.1f} "
          f"ratio={pages_per_s / base_pages_per_s:.2f} peak_mb={peak_mb:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
