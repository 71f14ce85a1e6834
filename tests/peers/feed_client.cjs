// A partner's delivery feed client: the npm graphql-ws client (graphql-transport-ws) subscribing to
// deliveryEvents (issue 16 point 4). A frame carries a batch of events; the client prints one JSON
// line per event on stdout, then one line {"done": <events>, "last": <the last batch's endCursor>}
// when it stops. Run by tests/delivery/feed/feed_client.py with NODE_PATH pointing at
// .tools/node_modules.
//
// Environment: FEED_URL (ws://host:port/graphql), FEED_TOKEN (a bearer credential: a Homeroom
// token, or a partner key `hrk_...`), FEED_AFTER (optional: resume after this cursor),
// FEED_STOP_AFTER (optional: disconnect after the batch that brings this many events, as a partner
// that drops midway).
'use strict';
const { createClient } = require('graphql-ws');
const WebSocket = require('ws');

const QUERY = `subscription($after: String) {
  deliveryEvents(after: $after) { endCursor events { cursor deliveryId messageId schoolId channel status } }
}`;

function write(line) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(line) + '\n', resolve));
}

async function main() {
  const stopAfter = Number(process.env.FEED_STOP_AFTER || 0);
  const client = createClient({
    url: process.env.FEED_URL,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${process.env.FEED_TOKEN}` },
    retryAttempts: 0,
    lazy: true,
  });
  let received = 0;
  let last = process.env.FEED_AFTER || null;
  try {
    const events = client.iterate({ query: QUERY, variables: { after: process.env.FEED_AFTER || null } });
    for await (const result of events) {
      if (result.errors) {
        await write({ error: result.errors });
        process.exitCode = 1;
        break;
      }
      const batch = result.data.deliveryEvents;
      for (const event of batch.events) await write(event);
      last = batch.endCursor;
      received += batch.events.length;
      if (stopAfter && received >= stopAfter) break; // leaves the subscription (complete) midway
    }
  } catch (error) {
    await write({ error: String(error && (error.reason || error.message || error.code || error)) });
    process.exitCode = 1;
  } finally {
    await client.dispose();
  }
  await write({ done: received, last });
}

main();
