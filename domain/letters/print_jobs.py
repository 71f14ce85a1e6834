"""Print (CMP-31): a message's letters as one PDF, made by a job with progress, never in the
request; the finished PDF is fetched through a signed link that expires (PRINT_DOWNLOAD).

``request_print`` records the job and its options and hands it to the job after the commit, unless
the user already has ``PrintPolicy.max_unfinished`` prints queued or running (RATE_LIMITED); the
policy is the runtime's (the operator's settings), which every caller passes.
``run_print_job`` (the actor's body) first claims the job, QUEUED to RUNNING with ``started_at``, in
one conditional UPDATE: a job already RUNNING or finished is left alone, so a message delivered
twice (a re-send of a job that was only waiting, a broker redelivering) never renders it twice at
once. Anything that stops a run, an error or an interrupt (Dramatiq's time limit, a shutdown), marks
it FAILED; a run killed outright leaves it RUNNING until the queue clock fails it
(domain.letters.print_upkeep). Its last transaction stores the PDF and, with Add Log Record, writes
the letter log of every student printed (CMP-10), under a lock, so two runs never log twice.
Each letter prints in the language the job's option picks (domain.letters.language, CMP-31,
CMP-32); a language the message has no text in is machine-translated once, before rendering, with
the runtime's translator; the languages that still print the original are recorded with the job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.access.viewer import Viewer
from domain.delivery.policy import after_commit
from channels.translators.base import TranslatorPlugin
from domain.letters.addressees import Addressee, AddresseeKind, addressees
from domain.letters.content import letter_content, names_on_each_page_by_default, visible_message
from domain.letters.jobs import PrintJobs
from domain.letters.language import PrintLanguage, Untranslated, letter_texts
from domain.letters.layout import Layout, LetterContent, document_html, letter_html
from domain.letters.letter_log import log_printed
from domain.letters.pdf import LETTERS_PER_CHUNK, merged, render_pdf
from domain.support.signed_ids import BadSignedId, Purpose, SigningKeys, read_signed_id, signed_id
from domain.support.errors import FieldProblem, InvalidInput
from domain.translations.machine import ensure_message_translations
from models.db import session_scope, utcnow
from models.directory import User
from models.messaging import Message
from models.printing import PrintJob, PrintJobStatus

#: A download link is a credential: it lives an hour from when the job was read (a new read, a new link).
PRINT_DOWNLOAD = Purpose("print-download", dt.timedelta(hours=1), dt.timedelta(minutes=1))
FINISHED = (PrintJobStatus.DONE.value, PrintJobStatus.FAILED.value, PrintJobStatus.EXPIRED.value)
UNFINISHED = (PrintJobStatus.QUEUED.value, PrintJobStatus.RUNNING.value)
RATE_LIMITED = "RATE_LIMITED"
#: The key of PrintJob.options a finished job records its untranslated languages under: {code: Untranslated}.
UNTRANSLATED = "untranslated"
#: The print_letters actor's time limit (jobs.printing): Dramatiq interrupts a run that takes longer.
PRINT_TIME_LIMIT = dt.timedelta(minutes=30)
#: How long after its time limit a RUNNING job is taken for dead (its worker killed before it could
#: record the failure): the clocks of the worker and the queue clock may differ a little.
STUCK_MARGIN = dt.timedelta(minutes=5)


@dataclasses.dataclass(frozen=True)
class PrintPolicy:
    """The operator's limits on printing (HOMEROOM_PRINT_MAX_UNFINISHED_JOBS,
    HOMEROOM_PRINT_RETENTION_DAYS): a district-wide print is minutes of a worker, so one user queues a
    few at a time; finished PDFs are letters with personal data, kept only for a while."""

    max_unfinished: int = 3
    retention: dt.timedelta = dt.timedelta(days=7)
    #: A job QUEUED this long (since it was asked for or last re-sent) has lost its queue message,
    #: and the queue clock sends it again (domain.letters.print_upkeep).
    lost_after: dt.timedelta = dt.timedelta(minutes=5)
    #: A job RUNNING this long since it was claimed outlived the actor's time limit: its worker was
    #: killed without recording the failure, and the queue clock marks it FAILED.
    stuck_after: dt.timedelta = PRINT_TIME_LIMIT + STUCK_MARGIN


@dataclasses.dataclass(frozen=True)
class PrintOptions:
    """CMP-31's choices; ``names_on_each_page`` None follows the district's setting (SET-02)."""

    names_on_each_page: bool | None = None
    language: PrintLanguage = PrintLanguage.RECIPIENT

    def recorded(self, session: Session) -> dict:
        """The options as the job keeps them, the district's default resolved now."""
        names = names_on_each_page_by_default(session) if self.names_on_each_page is None else self.names_on_each_page
        return {"names_on_each_page": names, "language": self.language.value}


def request_print(session: Session, viewer: Viewer, message_id: int, options: PrintOptions,
                  jobs: PrintJobs, *, policy: PrintPolicy) -> PrintJob:
    """Record a print of a message the viewer may see; its job starts once this commits. ``policy``
    has no default: it is the runtime's (``Runtime.print_policy``), so the operator's limits hold."""
    message = visible_message(session, viewer, message_id)
    _refuse_over_the_cap(session, viewer, policy.max_unfinished)
    job = PrintJob(message_id=message.id, requested_by_id=viewer.id, options=options.recorded(session))
    session.add(job)
    session.flush()
    job_id = job.id
    after_commit(session, lambda: jobs.print_letters(job_id))
    return job


def _refuse_over_the_cap(session: Session, viewer: Viewer, cap: int) -> None:
    """RATE_LIMITED (nothing written) when the viewer already has ``cap`` prints queued or running.
    The user's row, locked (FOR NO KEY UPDATE on PostgreSQL), makes two prints racing for the last
    slot count one after the other."""
    session.execute(select(User.id).where(User.id == viewer.id).with_for_update(key_share=True))
    unfinished = session.execute(select(func.count()).select_from(PrintJob).where(
        PrintJob.requested_by_id == viewer.id, PrintJob.status.in_(UNFINISHED))).scalar_one()
    if unfinished >= cap:
        raise InvalidInput([FieldProblem((), RATE_LIMITED, f"You have {unfinished} prints queued or running, the "
                                                           f"most at a time; print again once one has finished.")])


def viewer_job(session: Session, viewer: Viewer, job_id: int) -> PrintJob | None:
    """One of the viewer's own print jobs; anyone else's is not found."""
    return session.execute(select(PrintJob).where(PrintJob.id == job_id, PrintJob.requested_by_id == viewer.id)
                           ).scalars().first()


def run_print_job(engine: Engine, job_id: int, *, translator: TranslatorPlugin | None = None,
                  letters_per_chunk: int = LETTERS_PER_CHUNK) -> None:
    """Claim the job, render its letters chunk by chunk, recording progress after each, then store
    the PDF. A job that is not QUEUED (another run has it, or it is finished) is left alone.
    ``translator``: the runtime's, for the languages the letters need that the message has no text in."""
    if not _claimed(engine, job_id):
        return
    try:
        with session_scope(engine) as session:
            job = session.get(PrintJob, job_id)
            message = session.get(Message, job.message_id)
            language = PrintLanguage(job.options.get("language", PrintLanguage.RECIPIENT.value))
            content = letter_content(session, message, language)
            people = addressees(session, message, fields=content.fields, language=language)
            layout = Layout(names_on_each_page=bool(job.options.get("names_on_each_page")))
            job.letters_done, job.letters_total = 0, len(people)
            subject, requested_by, message_id = message.subject, job.requested_by_id, message.id
        content, untranslated = _with_missing_translations(engine, message_id, content, people, translator)
        chunks = []
        for start in range(0, max(len(people), 1), letters_per_chunk):
            letters = [letter_html(content, person, layout) for person in people[start:start + letters_per_chunk]]
            chunks.append(render_pdf(document_html(letters or [letter_html(content, None, layout)], content,
                                                   title=subject)))
            _progress(engine, job_id, min(start + letters_per_chunk, len(people)))
        pdf, pages = merged(chunks)
        students = [person.id for person in people if person.kind is AddresseeKind.STUDENT]
        with session_scope(engine) as session:
            job = session.get(PrintJob, job_id, with_for_update=True)
            if job.status != PrintJobStatus.RUNNING.value:  # the queue clock gave it up (print_upkeep)
                return
            job.pdf, job.page_count, job.letters_done = pdf, pages, len(people)
            if untranslated:  # the languages printed in the original, and why (a new dict: the JSON is written)
                job.options = {**job.options, UNTRANSLATED: {code: why.value for code, why in untranslated.items()}}
            job.status, job.finished_at = PrintJobStatus.DONE, utcnow()
            log_printed(session, session.get(Message, job.message_id), students, requested_by)
    except BaseException:  # an interrupt too (TimeLimitExceeded, Shutdown): never left RUNNING
        _progress(engine, job_id, None, status=PrintJobStatus.FAILED)
        raise


def _with_missing_translations(engine: Engine, message_id: int, content: LetterContent, people: list[Addressee],
                               translator: TranslatorPlugin | None) -> tuple[LetterContent, dict[str, Untranslated]]:
    """The content with the texts of the letters' languages that had none, machine-translated once
    for the message (and kept: a later print or reader finds them), and the languages that still
    print the original, with why. Machine translations keep the insert fields as marked, so the
    addressees' values already read fill them in."""
    if content.texts is None:
        return content, {}
    languages = [person.language for person in people]
    missing = content.texts.missing(languages) if content.texts.addon_on else []
    if not missing or translator is None or not translator.translates:
        return content, content.texts.untranslated(languages)
    run = ensure_message_translations(engine, message_id, missing, translator)
    failed = {language for language, _ in run.failed} | (set(missing) - set(run.written) if run.stopped else set())
    with session_scope(engine) as session:
        texts = letter_texts(session, message_id, content.body_html, PrintLanguage.RECIPIENT)
    return dataclasses.replace(content, texts=texts), texts.untranslated(languages, failed)


def _claimed(engine: Engine, job_id: int) -> bool:
    """QUEUED to RUNNING in one conditional UPDATE: of two runs of one job, exactly one claims it."""
    with session_scope(engine) as session:
        return session.execute(
            update(PrintJob).where(PrintJob.id == job_id, PrintJob.status == PrintJobStatus.QUEUED.value)
            .values(status=PrintJobStatus.RUNNING.value, started_at=utcnow(), letters_done=0)
            .execution_options(synchronize_session=False)).rowcount == 1


def _progress(engine: Engine, job_id: int, done: int | None, *, status: PrintJobStatus | None = None) -> None:
    values = {} if done is None else {"letters_done": done}
    if status is not None:
        values.update(status=status.value, finished_at=utcnow())
    with session_scope(engine) as session:
        session.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.status.not_in(FINISHED)).values(**values))


def download_token(job_id: int, keys: SigningKeys) -> str:
    return signed_id(PRINT_DOWNLOAD, job_id, keys)


def download_url(job_id: int, base_url: str, keys: SigningKeys) -> str:
    """The signed, expiring link of a finished job's PDF (homeroom/routes/printing.py)."""
    return f"{base_url.rstrip('/')}/printing/{download_token(job_id, keys)}/letters.pdf"


class BadDownloadLink(Exception):
    pass


class ExpiredPrint(BadDownloadLink):
    """The link is genuine, but the job's PDF was deleted after the retention (PrintPolicy)."""


def downloadable_pdf(session: Session, token: str, keys: SigningKeys) -> tuple[int, bytes]:
    """The job id and PDF a genuine, unexpired link names; BadDownloadLink otherwise."""
    try:
        job_id = read_signed_id(PRINT_DOWNLOAD, token, keys)
    except BadSignedId:
        raise BadDownloadLink("this download link is not valid or has expired; print the message again") from None
    row = session.execute(select(PrintJob.status, PrintJob.pdf).where(PrintJob.id == job_id)).first()
    if row is not None and row.status == PrintJobStatus.EXPIRED.value:
        raise ExpiredPrint("this print's PDF was deleted after the district's retention period; print the message "
                           "again")
    if row is None or row.status != PrintJobStatus.DONE.value or row.pdf is None:
        raise BadDownloadLink("this download link is not valid or has expired; print the message again")
    return job_id, row.pdf
