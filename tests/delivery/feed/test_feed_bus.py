"""The bus's subscription to every message's notices, which wakes the delivery feed's hub (issue 16
point 4): one subscription per process, in process or through one Redis pattern subscription."""

from __future__ import annotations

import asyncio

from domain.delivery import progress_events


def test_one_subscription_hears_every_message_changed_notice(runtime):
    """issue 16 point 4: notices about any message reach the every-message subscription of the run's
    bus (Redis pub/sub with a pattern subscription when the run has Redis), beside the per-message ones."""

    async def scenario() -> tuple[set[int], int]:
        async with runtime.events.subscribe_any() as every, runtime.events.subscribe(72_001) as one:
            await asyncio.sleep(0.2)  # Redis confirms the subscriptions
            progress_events.publish(runtime.events, [72_001, 72_002, None])
            heard = set()
            while len(heard) < 2:
                item = await asyncio.wait_for(every.get(), 10)
                if item is not progress_events.RESYNC:
                    heard.add(item)
            return heard, await asyncio.wait_for(one.get(), 10)

    heard, single = asyncio.run(scenario())
    assert heard == {72_001, 72_002}
    assert single == 72_001
