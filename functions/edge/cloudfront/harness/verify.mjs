// verify.mjs runs session.js over cases read as JSON from stdin, for the Go tests that check
// cookies signed by the Go code: {"now": unix, "entries": {kvs entries}, "cases": [{"cookie",
// "uri", "ip"}]}. It prints one {"pass", "reason"} per case, as a JSON array.
import { MemoryKVS, load, viewerRequest } from './harness.mjs';

let input = '';
for await (const chunk of process.stdin) {
  input += chunk;
}
const { now, entries, cases } = JSON.parse(input);
const out = [];
for (const c of cases) {
  const logs = [];
  const handler = load({ store: new MemoryKVS(entries), now: () => now * 1000, logs });
  const ev = viewerRequest({ uri: c.uri, ip: c.ip, cookies: c.cookie === undefined ? {} : { ottkit_session: c.cookie } });
  const res = await handler(ev);
  out.push({ pass: res === ev.request, reason: logs.length ? logs[logs.length - 1].reason : '' });
}
process.stdout.write(JSON.stringify(out));
