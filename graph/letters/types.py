"""Letter types: a previewed letter, a print job with its progress and download link, and the
print options (CMP-30, CMP-31, CMP-32, SET-02)."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.letters.addressees import AddresseeKind
from domain.letters.language import PrintLanguage as PrintLanguageValue, Untranslated
from domain.letters.preview import LetterPreview as PreviewView
from domain.letters.print_jobs import PRINT_DOWNLOAD, UNTRANSLATED, download_url
from domain.support.global_ids import Kind
from domain.support.signed_ids import expiry_for
from graph.context import Info
from graph.enum_values import describe_values
from graph.node import Node
from graph.pagination import node_id
from models.printing import PrintJob as PrintJobRow, PrintJobStatus

PrintLanguage = describe_values(strawberry.enum(
    PrintLanguageValue, name="PrintLanguage",
    description="The language letters print in (CMP-31, CMP-32). A letter prints the message's translation into "
                "its language (manual, or machine-made when the message was sent); a language the message has no "
                "text in is machine-translated once, for the message, when the print runs. A language still without "
                "one, or every language without the Translations add-on (TRN-08), prints the original, and "
                "PrintJob.untranslatedLanguages says which and why."), {
    PrintLanguageValue.ORIGINAL: "The original text, not each recipient's language version (CMP-31).",
    PrintLanguageValue.RECIPIENT: "Each recipient's own language version (the default): a student's letter in the "
                                  "student's language and a staff member's in theirs, chosen by the district "
                                  "translation setting (TRN-01) as when sending.",
    PrintLanguageValue.PRIMARY_CONTACT: "Every student's letter in the language of the user linked to the student's "
                                        "contact with sort order 1 (CMP-32); that contact card's language when no "
                                        "user is linked, the student's own when there is no such contact; a staff "
                                        "member's letter in their own language.",
})
UntranslatedReasonEnum = describe_values(strawberry.enum(
    Untranslated, name="UntranslatedReason", description="Why letters of a language printed in the original."), {
    Untranslated.ADDON_OFF: "The district does not have the Translations add-on (TRN-08).",
    Untranslated.NOT_TRANSLATED: "The message has no text in that language (no manual translation, none made at "
                                 "send) and the translator makes none (HOMEROOM_TRANSLATOR_PLUGIN none).",
    Untranslated.TRANSLATION_FAILED: "The translator failed, or stayed busy, when the print asked for that language.",
})


@strawberry.type(description="The letters of one language that printed in the original, and why (CMP-31).")
class UntranslatedLetters:
    language: str = strawberry.field(description="The letters' language, a BCP 47 code.")
    reason: UntranslatedReasonEnum = strawberry.field(description="Why they printed the original text.")
PrintJobStatusEnum = describe_values(strawberry.enum(PrintJobStatus, name="PrintJobStatus",
                                                     description="Where a print job is."), {
    PrintJobStatus.QUEUED: "Waiting for a worker.",
    PrintJobStatus.RUNNING: "Rendering letters (lettersDone of lettersTotal).",
    PrintJobStatus.DONE: "The PDF is ready at downloadUrl.",
    PrintJobStatus.FAILED: "Rendering failed; nothing was logged. Print the message again.",
    PrintJobStatus.EXPIRED: "It was done, and its PDF was deleted after the retention "
                            "(HOMEROOM_PRINT_RETENTION_DAYS); downloadUrl is null. Print the message again.",
})
_RECIPIENT_KINDS = {AddresseeKind.STUDENT: Kind.STUDENT, AddresseeKind.USER: Kind.USER}


@strawberry.type(description="One recipient's letter as it will print: letterhead, insert fields filled in, "
                             "language (CMP-30). Nothing was sent, logged or stored to make it.")
class LetterPreview:
    html: str = strawberry.field(description="The letter as an HTML document, with the print's page CSS.")
    recipient_id: strawberry.ID | None = strawberry.field(
        description="The student or staff member the letter is addressed to; null when the message has no "
                    "recipient (its insert fields are then empty).")
    recipient_name: str | None = strawberry.field(description="Their name, first and last.")

    @classmethod
    def of(cls, view: PreviewView) -> LetterPreview:
        person = view.addressee
        return cls(html=view.html,
                   recipient_id=node_id(_RECIPIENT_KINDS[person.kind], person.id) if person else None,
                   recipient_name=f"{person.first_name} {person.last_name}" if person else None)


@strawberry.type(description="A message printed as one PDF of letters, one per recipient student or staff member "
                             "(CMP-31), made by a job; poll printJob(id) for its progress.")
class PrintJob(Node):
    id: strawberry.ID = strawberry.field(description="The print job's id; printJob(id) reads it.")
    message_id: strawberry.ID = strawberry.field(description="The message printed.")
    status: PrintJobStatusEnum = strawberry.field(description="Where the job is.")
    letters_done: int = strawberry.field(description="Letters rendered so far.")
    letters_total: int = strawberry.field(description="Letters the PDF holds once done; 0 until the job starts.")
    page_count: int | None = strawberry.field(description="Pages of the finished PDF; null until done.")
    names_on_each_page: bool = strawberry.field(description="Whether each page's header carries the person's "
                                                            "name and id (SET-02).")
    language: PrintLanguage = strawberry.field(description="The language option recorded (CMP-31, CMP-32).")
    untranslated_languages: list[UntranslatedLetters] = strawberry.field(description=(
        "Once done: the languages whose letters printed in the original text, and why; empty when every letter "
        "printed in the language its option picked."))
    created_at: dt.datetime = strawberry.field(description="When it was asked for (UTC).")
    finished_at: dt.datetime | None = strawberry.field(description="When it finished or failed (UTC).")
    download_url: str | None = strawberry.field(
        description="Once done: a signed link to the PDF, valid until downloadExpiresAt (each read gives a fresh "
                    "one); null before.")
    download_expires_at: dt.datetime | None = strawberry.field(description="When downloadUrl stops working (UTC).")

    @classmethod
    def of(cls, info: Info, row: PrintJobRow) -> PrintJob:
        done = row.status == PrintJobStatus.DONE.value
        links = info.context.runtime.links
        return cls(id=node_id(Kind.PRINT_JOB, row.id), message_id=node_id(Kind.MESSAGE, row.message_id),
                   status=PrintJobStatus(row.status), letters_done=row.letters_done,
                   letters_total=row.letters_total, page_count=row.page_count,
                   names_on_each_page=bool(row.options.get("names_on_each_page")),
                   language=PrintLanguageValue(row.options.get("language", PrintLanguageValue.RECIPIENT.value)),
                   untranslated_languages=[UntranslatedLetters(language=code, reason=Untranslated(reason))
                                           for code, reason in sorted(row.options.get(UNTRANSLATED, {}).items())],
                   created_at=row.created_at, finished_at=row.finished_at,
                   download_url=download_url(row.id, links.base_url, links.keys) if done else None,
                   download_expires_at=dt.datetime.fromtimestamp(expiry_for(PRINT_DOWNLOAD), dt.UTC) if done else None)
