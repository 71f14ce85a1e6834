// Renders Homeroom's GraphiQL page in jsdom (issue 17 point 5): loads GRAPHIQL_URL as a browser would,
// runs its scripts, records every URL the page fetches, waits for GraphiQL to mount, and prints one
// JSON line: {"requests": [...], "mounted": bool, "editors": n, "errors": [...]}. jsdom lacks a few
// browser APIs GraphiQL's layout code calls (matchMedia, ResizeObserver, ranges): they get inert
// stand-ins; everything GraphiQL loads and fetches is real. Run by tests/shell/test_graphiql.py with
// NODE_PATH pointing at .tools/node_modules.
'use strict';
const { JSDOM, ResourceLoader, VirtualConsole } = require('jsdom');

const requests = [];
const errors = [];

class RecordingLoader extends ResourceLoader {
  fetch(url, options) {
    requests.push(url);
    return super.fetch(url, options);
  }
}

function browserGaps(window) {
  window.TextDecoder = TextDecoder;
  window.TextEncoder = TextEncoder;
  window.structuredClone = structuredClone;
  window.matchMedia = () => ({ matches: false, addListener() {}, removeListener() {},
    addEventListener() {}, removeEventListener() {} });
  window.ResizeObserver = class { observe() {} unobserve() {} disconnect() {} };
  window.document.createRange = () => ({ setStart() {}, setEnd() {}, getBoundingClientRect: () => ({}),
    getClientRects: () => [], commonAncestorContainer: window.document.body });
  window.fetch = (url, init) => {
    requests.push(String(url));
    return fetch(url, init);
  };
}

async function main() {
  const console_ = new VirtualConsole();
  console_.on('jsdomError', (error) => errors.push(String(error.message || error)));
  const dom = await JSDOM.fromURL(process.env.GRAPHIQL_URL, {
    headers: { Accept: 'text/html' }, runScripts: 'dangerously', resources: new RecordingLoader(),
    pretendToBeVisual: true, virtualConsole: console_, beforeParse: browserGaps,
  });
  const root = dom.window.document.getElementById('graphiql');
  const deadline = Date.now() + Number(process.env.GRAPHIQL_WAIT_MS || 20000);
  while (Date.now() < deadline && !(root && root.querySelector('.graphiql-editor'))) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 500)); // the schema fetch GraphiQL starts on mount
  const line = { requests, mounted: !!(root && root.querySelector('.graphiql-container')),
    editors: root ? root.querySelectorAll('.graphiql-editor').length : 0, errors };
  process.stdout.write(JSON.stringify(line) + '\n', () => process.exit(0));
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + '\n');
  process.exit(2);
});
