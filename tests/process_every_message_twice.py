"""Loaded by a test worker (``dramatiq homeroom.worker process_every_message_twice``): every job this worker
finishes is put back on its queue once more, as a broker that redelivers would."""

from __future__ import annotations

import dramatiq


REPEAT = "homeroom_test_repeat"


class ProcessEveryMessageTwice(dramatiq.Middleware):
    def after_process_message(self, broker, message, *, result=None, exception=None):
        if not message.options.get(REPEAT):
            broker.enqueue(message.copy(options={**message.options, REPEAT: True}))


dramatiq.get_broker().add_middleware(ProcessEveryMessageTwice())  # the runtime's, installed by homeroom.worker
