// The GraphQL over HTTP audit of the npm package graphql-http (issue 17 point 4): runs its
// auditServer against AUDIT_URL (http://host:port/graphql) and prints one JSON line per audit:
// {"id", "name", "status": "ok" | "warn" | "error" | "notice", "reason"?, "responseStatus"?,
// "responseBody"?}. A failing MUST is an error, a failing SHOULD a warning, a failing MAY a notice.
// Run by tests/shell/test_graphql_over_http.py with NODE_PATH pointing at .tools/node_modules.
'use strict';
const { auditServer } = require('graphql-http');

async function describe(result) {
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status === 'ok') return line;
  line.reason = result.reason;
  if (result.response) {
    line.responseStatus = result.response.status;
    try {
      line.responseBody = (await result.response.text()).slice(0, 500);
    } catch (error) {
      line.responseBody = `(body already read: ${error.message})`;
    }
  }
  return line;
}

async function main() {
  const results = await auditServer({ url: process.env.AUDIT_URL });
  for (const result of results) process.stdout.write(JSON.stringify(await describe(result)) + '\n');
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + '\n');
  process.exitCode = 2;
});
