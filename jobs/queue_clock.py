"""The communication queue's clock: one ``homeroom scheduler`` per deployment (a thread in the
demo) runs a queue tick every ``HOMEROOM_QUEUE_INTERVAL_SECONDS`` and hands due work to dispatch."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import threading

from sqlalchemy import select

from domain.announcements.activation import post_due_announcements
from domain.feed.retention import prune_events
from domain.delivery.policy import after_commit, dispatch_after_commit, hand_on_after_commit
from domain.delivery.queue_run import Due, due_work
from domain.scheduling.due_sends import send_due_scheduled
from domain.delivery.recovery import reconcile_stuck_sending
from domain.letters.print_upkeep import expire_pdfs, fail_stuck_jobs, resend_lost_jobs
from jobs.runtime import current
from jobs.webhooks import DramatiqWebhookJobs
from models.db import session_scope, utcnow
from models.messaging import Message

log = logging.getLogger(__name__)
THREAD_NAME = "homeroom-queue"


def queue_tick(now=None, broker=None, registry=None) -> Due:
    """One queue run: reconcile deliveries a crash left in SENDING, send due scheduled messages,
    post the announcements due (ANN-13), release and collect due deliveries, find print jobs whose
    queue message was lost, fail those whose run was killed (RUNNING past the actor's time limit),
    delete PDFs past their retention, prune the delivery feed past its retention, then, once that
    is committed (so the database holds the truth whatever happens to the queue), hand scheduled
    and announcement messages on and enqueue dispatch in chunks, the lost print jobs (on the
    runtime's broker) and the webhook pump (on ``broker`` and with ``registry``'s plugins, by
    default the installed runtime's)."""
    now = now or utcnow()
    runtime = current()
    jobs = _jobs_on(runtime, broker, registry)
    with session_scope(runtime.engine) as session:
        reconciled = reconcile_stuck_sending(session, jobs.registry, now)
        scheduled = send_due_scheduled(session, now)
        announced = post_due_announcements(session, now, runtime.events)
        due = due_work(session, now, jobs.chunk_sizes())
        to_hand_on = scheduled.sent + [posted.message_id for posted in announced if posted.message_id]
        for message_id, emergency, priority in session.execute(
                select(Message.id, Message.emergency, Message.priority)
                .where(Message.id.in_(to_hand_on))).all() if to_hand_on else ():
            hand_on_after_commit(session, jobs, message_id, emergency=emergency, priority=priority)
        for lane, message_id in due.fan_outs:
            after_commit(session, functools.partial(jobs.hand_on, message_id, lane))
        dispatch_after_commit(session, jobs, due.chunks)
        print_policy = runtime.print_policy
        # On the runtime's broker, whatever ``broker`` a test hands the dispatch work to.
        lost_prints = resend_lost_jobs(session, runtime.print_jobs, now, print_policy.lost_after)
        stuck_prints = fail_stuck_jobs(session, now, print_policy.stuck_after)
        expired_prints = expire_pdfs(session, now, print_policy.retention)
    if scheduled.sent or scheduled.failed:
        log.info("queue run: %d scheduled messages sent, %d failed (%d errored)", len(scheduled.sent),
                 len(scheduled.failed), len(scheduled.errored))
    if announced:
        log.info("queue run: %d announcements posted", len(announced))
    if reconciled:
        log.warning("queue run reconciled deliveries left in SENDING: %s", dict(reconciled))
    if due.chunks:
        log.info("queue run: released %d deferred deliveries, enqueued %d chunks", due.released, len(due.chunks))
    if lost_prints:
        log.warning("queue run: %d print jobs had lost their queue message and were sent again", len(lost_prints))
    if stuck_prints:
        log.warning("queue run: %d print jobs still RUNNING past their time limit (worker lost) were marked FAILED",
                    stuck_prints)
    if expired_prints:
        log.info("queue run: deleted the PDFs of %d prints past their retention", expired_prints)
    pruned = prune_events(runtime.engine, now, dt.timedelta(hours=runtime.settings.delivery_event_retention_hours))
    if pruned:
        log.info("queue run: pruned %d delivery feed events past their retention", pruned)
    fetch_reply_mailbox()
    run_status_updates_job(broker)
    DramatiqWebhookJobs(broker or runtime.broker).pump()  # webhooks catch up (domain.webhooks.pump)
    return due


def _jobs_on(runtime, broker=None, registry=None):
    """The runtime's job queue, or one on another broker (whose workers read its own emergency
    board) or with other plugins: what a test or a benchmark hands a queue run."""
    from jobs.dispatch import urgent_board

    jobs = runtime.jobs
    if broker is not None:
        jobs = dataclasses.replace(jobs, broker=broker, urgent=urgent_board(broker))
    if registry is not None:
        jobs = dataclasses.replace(jobs, registry=registry)
    return jobs


def run_status_updates_job(broker=None) -> None:
    """JOB-06/JOB-07: publish re-enrolment forms for unreachable numbers and completed forms to
    the responsible users; the messages it writes go out through the normal lane."""
    from domain.support.signed_ids import signing_keys
    from domain.reenrolment.status_updates import run_status_updates

    runtime = current()
    jobs = _jobs_on(runtime, broker)
    with session_scope(runtime.engine) as session:
        done = run_status_updates(session, runtime.settings.public_base_url, signing_keys(runtime.settings))
        for message_id in done.messages:
            hand_on_after_commit(session, jobs, message_id, emergency=False, priority=False)
    if done.published or done.reported:
        log.info("status updates: %d forms published, %d completed forms reported", len(done.published),
                 len(done.reported))


def fetch_reply_mailbox() -> None:
    """JOB-03: file the replies waiting in the central reply mailbox, when one is configured. A
    mailbox that cannot be read is logged (without its credentials) and tried again next run."""
    from domain.inbound.reply_mailbox import MailboxError, fetch_replies

    runtime = current()
    url = runtime.settings.reply_mailbox_url
    if url is None:
        return
    try:
        report = fetch_replies(runtime.engine, url.get_secret_value(), runtime.links.keys, filer=runtime.reply_filer)
    except MailboxError as error:
        log.warning("queue run: %s", error)
        return
    if report.fetched:
        log.info("queue run: %d messages from the reply mailbox: %s", report.fetched, report.outcomes)


def run_forever(stop: threading.Event, interval_seconds: float | None = None) -> None:
    """Tick until ``stop`` is set; a failed tick is logged and the next one tries again."""
    interval = interval_seconds or current().settings.queue_interval_seconds
    while not stop.is_set():
        try:
            queue_tick()
        except Exception:  # noqa: BLE001  (the next run makes good what this one missed)
            log.exception("queue run failed")
        stop.wait(interval)


def start_thread(interval_seconds: float | None = None) -> tuple[threading.Thread, threading.Event]:
    """Embedded mode: the queue clock on a daemon thread of the serving process."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(stop, interval_seconds), name=THREAD_NAME,
                              daemon=True)
    thread.start()
    return thread, stop
