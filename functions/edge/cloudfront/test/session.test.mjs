import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';

import { MemoryKVS, SOURCE, SOURCE_URL, load, sign, viewerRequest } from '../harness/harness.mjs';

const NOW = 1_800_000_000;
const KEY = 'a'.repeat(64);
const KID = 'k1';
const SID = 'c2Vzc2lvbi1pZC0xMjM0NQ';
const USER = 'dXNlci1oYXNoLTEyMzQ1Ng';
const ASSET = 'abc123';

function setup({ entries = {}, now = NOW } = {}) {
  const store = new MemoryKVS({ [`key:${KID}`]: KEY, ...entries });
  const logs = [];
  const handler = load({ store, now: () => now * 1000 + 250, logs });
  return { store, logs, handler };
}

function cookie(over = {}) {
  return sign({ kid: KID, key: KEY, session: SID, asset: ASSET, issued: NOW - 10, expires: NOW + 590, user: USER, ...over });
}

function event(value, over = {}) {
  const cookies = value === undefined ? {} : { ottkit_session: value, 'CloudFront-Key-Pair-Id': 'K2JCJMDEHXQW5F' };
  return viewerRequest({ uri: `/assets/${ASSET}/1080p/seg_00001.m4s`, cookies, ...over });
}

async function refused(t, ev, reason, opts) {
  const { handler, logs } = setup(opts);
  const out = await handler(ev);
  assert.equal(out.statusCode, 403, `${t}: want 403, got ${JSON.stringify(out)}`);
  assert.equal(out.statusDescription, 'Forbidden');
  assert.deepEqual(out.headers, { 'cache-control': { value: 'no-store' } });
  assert.equal(logs.at(-1).reason, reason, `${t}: reason`);
  return logs.at(-1);
}

test('a valid session passes the request through unchanged', async () => {
  const { handler, logs, store } = setup();
  const ev = event(cookie(), { querystring: { t: '1' } });
  const before = structuredClone(ev.request);
  const out = await handler(ev);
  assert.equal(out, ev.request);
  assert.deepEqual(out, before);
  assert.deepEqual(logs, []);
  assert.equal(store.reads, 3, 'key, session and user lookups');
});

test('a session bound to the viewer address passes from that address only', async () => {
  const value = cookie({ bind: 'ip', ip: '2001:db8::7' });
  const { handler } = setup();
  const ok = event(value, { ip: '2001:db8::7' });
  assert.equal(await handler(ok), ok.request);
  await refused('other address', event(value, { ip: '2001:db8::8' }), 'bad-mac-or-address');
});

test('a user whose not-before is at or before the issue time passes', async () => {
  const { handler } = setup({ entries: { [`user:${USER}`]: String(NOW - 10) } });
  const ev = event(cookie());
  assert.equal(await handler(ev), ev.request);
});

const refusals = [
  ['no cookie', () => event(undefined), 'no-session'],
  ['cookie over 512 characters', () => event(cookie() + 'x'.repeat(512)), 'cookie-too-long'],
  ['not nine fields', () => event(cookie().split('.').slice(1).join('.')), 'malformed'],
  ['unknown version', () => event('2' + cookie().slice(1)), 'malformed'],
  ['bad key id', () => event(cookie({ kid: 'K_1' })), 'malformed'],
  ['bad session id', () => event(cookie({ session: 'short' })), 'malformed'],
  ['bad asset id', () => event(cookie({ asset: 'ABC' })), 'malformed'],
  ['non-numeric expiry', () => event(cookie({ expires: '1e9' })), 'malformed'],
  ['unknown binding', () => event(cookie({ bind: 'device' })), 'malformed'],
  ['MAC not hex', () => event(cookie().slice(0, -64) + 'Z'.repeat(64)), 'malformed'],
  ['expired', () => event(cookie({ issued: NOW - 700, expires: NOW })), 'expired'],
  ['lives over an hour', () => event(cookie({ issued: NOW - 10, expires: NOW + 3591 })), 'lifetime'],
  ['expires before issued', () => event(cookie({ issued: NOW + 30, expires: NOW + 20 })), 'lifetime'],
  ['issued in the future', () => event(cookie({ issued: NOW + 61, expires: NOW + 600 })), 'issued-in-future'],
  ['another asset', () => event(cookie(), { uri: '/assets/other1/master.m3u8' }), 'wrong-path'],
  ['the asset prefix without its slash', () => event(cookie(), { uri: `/assets/${ASSET}x/a.ts` }), 'wrong-path'],
  ['a dot-dot segment', () => event(cookie(), { uri: `/assets/${ASSET}/../other1/a.ts` }), 'wrong-path'],
  ['outside the assets', () => event(cookie(), { uri: '/index.html' }), 'wrong-path'],
  ['unknown key id', () => event(cookie({ kid: 'k9' })), 'unknown-key'],
  ['signed with another key', () => event(cookie({ key: 'b'.repeat(64) })), 'bad-mac'],
  ['tampered expiry', () => event(cookie().replace(`.${NOW + 590}.`, `.${NOW + 1590}.`)), 'bad-mac'],
  ['tampered asset', () => event(cookie().replace(`.${ASSET}.`, '.other1.'), { uri: '/assets/other1/a.ts' }), 'bad-mac'],
  ['ip binding stripped', () => event(cookie({ bind: 'ip', ip: '198.51.100.7' }).replace('.ip.', '.n.')), 'bad-mac'],
];

for (const [name, ev, reason] of refusals) {
  test(`refused: ${name}`, async () => {
    await refused(name, ev(), reason);
  });
}

test('refused: a revoked session', async () => {
  await refused('revoked session', event(cookie()), 'session-revoked', { entries: { [`session:${SID}`]: String(NOW + 3660) } });
});

test('refused: a user revoked after the session was issued', async () => {
  await refused('revoked user', event(cookie()), 'user-revoked', { entries: { [`user:${USER}`]: String(NOW - 9) } });
});

test('refused: a not-before that is not a number', async () => {
  await refused('bad not-before', event(cookie()), 'user-revoked', { entries: { [`user:${USER}`]: 'soon' } });
});

test('a KVS outage fails closed, and says so in the log', async () => {
  const { handler, logs, store } = setup();
  store.fail = true;
  const out = await handler(event(cookie()));
  assert.equal(out.statusCode, 403);
  assert.equal(logs.at(-1).reason, 'unknown-key');

  // The key read succeeds, the revocation reads fail.
  const s2 = setup();
  const exists = s2.store.exists.bind(s2.store);
  s2.store.exists = async () => {
    s2.store.fail = true;
    return exists('x');
  };
  const out2 = await s2.handler(event(cookie()));
  assert.equal(out2.statusCode, 403);
  assert.deepEqual({ reason: s2.logs.at(-1).reason, level: s2.logs.at(-1).level }, { reason: 'revocation-unavailable', level: 'error' });
});

test('the function fits CloudFront Functions: at most 10 KB', () => {
  const size = statSync(SOURCE_URL).size;
  assert.ok(size <= 10 * 1024, `session.js is ${size} bytes, CloudFront Functions take at most 10240`);
});

// Constructs outside the cloudfront-js-2.0 language subset (ES 5.1 plus const, let, async,
// await, arrow functions, rest parameters, template literals, the ** operator), or that the
// runtime restricts (no eval, Function, timers, dynamic import or require; promise
// combinators and chains cost function memory).
const forbidden = [
  [/\bclass\s/, 'classes'],
  [/function\s*\*/, 'generators'],
  [/\byield\b/, 'generators'],
  [/\bfor\s*\([^)]*\bof\b/, 'for-of'],
  [/\?\./, 'optional chaining'],
  [/\?\?/, 'nullish coalescing'],
  [/\.\.\./, 'spread (only rest parameters are supported)'],
  [/\b(const|let|var)\s*[{[]/, 'destructuring'],
  [/\beval\s*\(/, 'eval'],
  [/\bnew\s+Function\b/, 'the Function constructor'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\b/, 'timers'],
  [/\bimport\s*\(/, 'dynamic import'],
  [/\brequire\s*\(/, 'require (the runtime takes the import form)'],
  [/\bexport\b/, 'exports (the runtime calls the top-level handler)'],
  [/\bPromise\s*\.\s*(all|any|race|allSettled)\b|\.then\s*\(/, 'promise combinators and chains'],
  [/\basync\s*\(|\basync\s+\w+\s*=>/, 'async arrow functions and closures'],
  [/\b\d+n\b|\bBigInt\b/, 'BigInt'],
  [/\bWeakRef\b|\bFinalizationRegistry\b/, 'weak references'],
  [/\btimingSafeEqual\b|\brandomBytes\b|\bsubtle\b/, 'crypto functions the runtime lacks'],
];

// code strips comments and string and regular expression literals, so that only code is checked.
function code(src) {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'/g, "''")
    .replace(/\/\^[^\n]*?\$\//g, '/re/');
}

test('the function uses only features cloudfront-js-2.0 supports', () => {
  const body = code(SOURCE);
  for (const [re, what] of forbidden) {
    assert.doesNotMatch(body, re, `session.js uses ${what}`);
  }
  const imports = SOURCE.match(/^import .*$/gm);
  assert.deepEqual(imports, ["import cf from 'cloudfront';", "import crypto from 'crypto';"]);
  assert.match(SOURCE, /^async function handler\(event\) \{$/m, 'a top-level async handler(event)');
});

test('the forbidden-construct check catches what it forbids', () => {
  for (const [snippet, what] of [
    ['const { a } = b;', 'destructuring'], ['x?.y', 'optional chaining'], ['for (const c of cs) {}', 'for-of'],
    ['[...a]', 'spread'], ['Promise.all([a])', 'combinators'], ['class A {}', 'classes'], ['const f = async (x) => 1;', 'async arrows'],
  ]) {
    assert.ok(forbidden.some(([re]) => re.test(code(snippet))), `${what} is not caught in ${snippet}`);
  }
});
