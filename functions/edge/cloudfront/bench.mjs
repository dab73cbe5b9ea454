// Work per request of session.js under Node, with the harness's in-memory KVS: node bench.mjs
// prints microseconds per authorised request (three KVS reads, one HMAC-SHA256) and per
// refused one (bad MAC). CloudFront's own runtime and KVS differ; this measures the
// function's code, which is what its compute utilisation budget is spent on.
import { MemoryKVS, load, sign, viewerRequest } from './harness/harness.mjs';

const now = Math.floor(Date.now() / 1000);
const key = 'f'.repeat(64);
const store = new MemoryKVS({ 'key:k1': key, 'user:other': String(now) });
const handler = load({ store, logs: { push() {} } });
const valid = sign({ kid: 'k1', key, session: 'c2Vzc2lvbi1pZC0xMjM0NQ', asset: 'abc123', issued: now, expires: now + 600, user: 'dXNlci1oYXNoLTEyMzQ1Ng' });
const bad = valid.slice(0, -1) + (valid.endsWith('0') ? '1' : '0');

async function run(name, value, n) {
  for (let i = 0; i < 2000; i++) {
    await handler(viewerRequest({ uri: '/assets/abc123/720p/seg_00042.m4s', cookies: { ottkit_session: value } }));
  }
  const events = Array.from({ length: n }, () => viewerRequest({ uri: '/assets/abc123/720p/seg_00042.m4s', cookies: { ottkit_session: value } }));
  const start = process.hrtime.bigint();
  for (const ev of events) {
    await handler(ev);
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / n;
  console.log(`${name}: ${us.toFixed(2)} µs/request (${n} requests)`);
}

await run('authorised', valid, 50000);
await run('refused (bad MAC)', bad, 50000);
