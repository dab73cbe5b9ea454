// Unit tests of the Worker's token checks, range parsing and serving, under `node --test`.
import { test } from "node:test";
import assert from "node:assert/strict";
import worker from "../worker.js";
const {
  verifyToken, parseRange, readCookie, contentType, cacheControl, b64urlDecode,
  TOKEN_COOKIE, MAX_TOKEN_CHARS,
} = worker.internals;

const enc = new TextEncoder();
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

async function keyPair() {
  const kp = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
  return { priv: kp.privateKey, pub: b64url(raw) };
}

async function sign(priv, claims) {
  const payload = b64url(enc.encode(JSON.stringify(claims)));
  const sig = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, priv, enc.encode(payload)));
  return payload + "." + b64url(sig);
}

const now = 1_800_000_000;
const asset = "/assets/a1b2/";
const good = (over = {}) => ({ v: 1, p: asset, e: now + 600, i: now, k: "k1", s: "sess1", ...over });

test("a valid token verifies for paths under its prefix", async () => {
  const { priv, pub } = await keyPair();
  const tok = await sign(priv, good());
  const v = await verifyToken(tok, asset + "hls/720p/seg-1.m4s", { k1: pub }, now);
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.equal(v.claims.s, "sess1");
});

test("each bad token is denied with its reason", async () => {
  const { priv, pub } = await keyPair();
  const other = await keyPair();
  const keys = { k1: pub };
  const path = asset + "index.m3u8";
  const cases = [
    ["no-token", null],
    ["no-token", ""],
    ["token-too-long", "a".repeat(MAX_TOKEN_CHARS + 1)],
    ["malformed", "abc"],
    ["malformed", "a.b.c"],
    ["malformed", await sign(priv, { ...good(), v: 2 })],
    ["malformed", await sign(priv, { ...good(), e: "soon" })],
    ["unknown-key", await sign(priv, good({ k: "k9" }))],
    ["bad-signature", await sign(other.priv, good())],
    ["expired", await sign(priv, good({ e: now }))],
    ["lifetime-too-long", await sign(priv, good({ e: now + 3601 }))],
    ["issued-in-future", await sign(priv, good({ i: now + 120 }))],
    ["bad-prefix", await sign(priv, good({ p: "/" }))],
    ["wrong-path", await sign(priv, good({ p: "/assets/other/" }))],
  ];
  for (const [reason, tok] of cases) {
    const v = await verifyToken(tok, path, keys, now);
    assert.equal(v.ok, false, reason);
    assert.equal(v.reason, reason, `${reason}: got ${JSON.stringify(v)}`);
  }
});

test("a tampered payload fails the signature", async () => {
  const { priv, pub } = await keyPair();
  const tok = await sign(priv, good());
  const [, sig] = tok.split(".");
  const forged = b64url(enc.encode(JSON.stringify(good({ p: "/assets/other/" })))) + "." + sig;
  const v = await verifyToken(forged, "/assets/other/x.m4s", { k1: pub }, now);
  assert.equal(v.reason, "bad-signature");
});

test("ranges parse to R2 ranges", () => {
  assert.equal(parseRange(null), null);
  assert.deepEqual(parseRange("bytes=0-99"), { offset: 0, length: 100 });
  assert.deepEqual(parseRange("bytes=100-"), { offset: 100 });
  assert.deepEqual(parseRange("bytes=-50"), { suffix: 50 });
  assert.deepEqual(parseRange("bytes=9-3"), { invalid: true });
  assert.deepEqual(parseRange("bytes=0-1,4-5"), { invalid: true });
  assert.deepEqual(parseRange("items=0-1"), { invalid: true });
});

test("cookies, content types, cache headers, base64url", () => {
  assert.equal(readCookie(`a=1; ${TOKEN_COOKIE}=xyz; b=2`, TOKEN_COOKIE), "xyz");
  assert.equal(readCookie("a=1", TOKEN_COOKIE), null);
  assert.equal(contentType("assets/x/hls/index.m3u8"), "application/vnd.apple.mpegurl");
  assert.equal(contentType("assets/x/dash/manifest.mpd"), "application/dash+xml");
  assert.equal(contentType("assets/x/hls/v/seg.m4s"), "video/iso.segment");
  assert.equal(contentType("assets/x/blob"), "application/octet-stream");
  assert.match(cacheControl("a/index.m3u8"), /max-age=60/);
  assert.match(cacheControl("a/seg.m4s"), /immutable/);
  assert.equal(b64urlDecode("a+b"), null);
  assert.deepEqual([...b64urlDecode("AQID")], [1, 2, 3]);
});

// A minimal R2 binding and KV binding over in-memory maps, for the handler tests.
function bindings(objects, revoked, { kvDown = false } = {}) {
  return {
    MEDIA: {
      async head(key) { return this.get(key, {}, true); },
      async get(key, opts = {}, head = false) {
        const bytes = objects.get(key);
        if (!bytes) return null;
        let body = bytes;
        if (opts.range) {
          const r = opts.range;
          const off = r.suffix !== undefined ? bytes.length - r.suffix : r.offset;
          body = bytes.subarray(off, r.length !== undefined ? off + r.length : undefined);
        }
        return { size: bytes.length, httpEtag: '"e1"', httpMetadata: {}, body: head ? null : body };
      },
    },
    REVOKED: {
      async get(key) {
        if (kvDown) throw new Error("KV GET failed: 500 Internal Server Error");
        return revoked.has(key) ? "1" : null;
      },
    },
  };
}

test("the handler serves ranges from R2 and refuses revoked sessions and a KV outage", async () => {
  const { priv, pub } = await keyPair();
  const bytes = enc.encode("0123456789abcdef");
  const objects = new Map([["assets/a1b2/hls/seg.m4s", bytes]]);
  const t = Math.floor(Date.now() / 1000);
  const tok = await sign(priv, { v: 1, p: asset, e: t + 300, i: t, k: "k1", s: "s-live" });
  const env = { PUBLIC_KEYS: JSON.stringify({ k1: pub }), MODE: "r2", ...bindings(objects, new Set(["session:s-dead"])) };
  const req = (headers = {}) => new Request("https://media.example.com/assets/a1b2/hls/seg.m4s", { headers: { cookie: `${TOKEN_COOKIE}=${tok}`, ...headers } });

  let res = await worker.fetch(req(), env);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "0123456789abcdef");
  assert.equal(res.headers.get("content-type"), "video/iso.segment");

  res = await worker.fetch(req({ range: "bytes=2-5" }), env);
  assert.equal(res.status, 206);
  assert.equal(res.headers.get("content-range"), "bytes 2-5/16");
  assert.equal(await res.text(), "2345");

  res = await worker.fetch(req({ range: "bytes=99-" }), env);
  assert.equal(res.status, 416);

  const dead = await sign(priv, { v: 1, p: asset, e: t + 300, i: t, k: "k1", s: "s-dead" });
  res = await worker.fetch(new Request("https://m/assets/a1b2/hls/seg.m4s", { headers: { cookie: `${TOKEN_COOKIE}=${dead}` } }), env);
  assert.equal(res.status, 403);

  const down = { ...env, ...bindings(objects, new Set(), { kvDown: true }) };
  res = await worker.fetch(req(), down);
  assert.equal(res.status, 403);

  res = await worker.fetch(new Request("https://m/assets/a1b2/../other/x.m4s", { headers: { cookie: `${TOKEN_COOKIE}=${tok}` } }), env);
  assert.equal(res.status, 403);
  res = await worker.fetch(new Request("https://m/assets/a1b2/hls/seg.m4s", { method: "POST" }), env);
  assert.equal(res.status, 405);
});

test("origin mode: a credential of the wrong kind or none fails closed without a fetch", async () => {
  const { priv, pub } = await keyPair();
  const t = Math.floor(Date.now() / 1000);
  const tok = await sign(priv, { v: 1, p: asset, e: t + 300, i: t, k: "k1", s: "s-live" });
  const realFetch = globalThis.fetch;
  let fetched = 0;
  globalThis.fetch = async () => { fetched++; return new Response("unexpected", { status: 200 }); };
  try {
    for (const stored of [null, "not json", JSON.stringify({ kind: "cloudfront", keyPairId: "K2", privateKey: "x" })]) {
      const env = {
        PUBLIC_KEYS: JSON.stringify({ k1: pub }), MODE: "origin", ORIGIN_KIND: "gcs",
        ORIGIN: "https://storage.googleapis.com", ORIGIN_BUCKET: "b",
        REVOKED: { async get() { return null; } },
        ORIGIN_CREDENTIALS: { async get(key) { assert.equal(key, "origin"); return stored; } },
      };
      const res = await worker.fetch(new Request("https://m/assets/a1b2/hls/seg.m4s", { headers: { cookie: `${TOKEN_COOKIE}=${tok}` } }), env);
      assert.equal(res.status, 502, String(stored));
    }
    assert.equal(fetched, 0);
  } finally {
    globalThis.fetch = realFetch;
  }
});

test("/api/* passes through to API_ORIGIN with the edge host, without the viewer's cookies", async () => {
  const seen = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    seen.push({ url, init });
    if (url.includes("/down")) throw new Error("connection refused");
    const h = new Headers({ "content-type": "application/json" });
    h.append("set-cookie", "a=1; Path=/assets/x/; Secure; HttpOnly");
    h.append("set-cookie", "b=2; Path=/assets/x/; Secure; HttpOnly");
    return new Response('{"ok":true}', { status: 201, headers: h });
  };
  try {
    const env = { API_ORIGIN: "https://abc.execute-api.eu-west-1.amazonaws.com/" };
    let res = await worker.fetch(new Request("https://media.example.com/api/assets/x/playback?a=1", {
      method: "POST", body: "{}", headers: { authorization: "Bearer t", cookie: "ottkit_edge=tok", "x-ottkit-edge-host": "evil.example" },
    }), env);
    assert.equal(res.status, 201);
    assert.deepEqual(res.headers.getSetCookie(), ["a=1; Path=/assets/x/; Secure; HttpOnly", "b=2; Path=/assets/x/; Secure; HttpOnly"]);
    const { url, init } = seen[0];
    assert.equal(url, "https://abc.execute-api.eu-west-1.amazonaws.com/assets/x/playback?a=1");
    assert.equal(init.method, "POST");
    assert.equal(init.redirect, "manual");
    assert.equal(init.headers.get("authorization"), "Bearer t");
    assert.equal(init.headers.get("cookie"), null);
    assert.equal(init.headers.get("host"), null);
    assert.equal(init.headers.get("x-ottkit-edge-host"), "media.example.com");
    // /api alone is the API's root; /apix is a media path, refused like any other.
    await worker.fetch(new Request("https://media.example.com/api"), env);
    assert.equal(seen[1].url, "https://abc.execute-api.eu-west-1.amazonaws.com/");
    assert.equal(seen[1].init.body, undefined);
    res = await worker.fetch(new Request("https://media.example.com/apix"), { ...env, PUBLIC_KEYS: "{}" });
    assert.equal(res.status, 403);
    assert.equal(seen.length, 2);
    // An unreachable API and a missing or bad API_ORIGIN are 502s, never a media path.
    res = await worker.fetch(new Request("https://media.example.com/api/down"), env);
    assert.equal(res.status, 502);
    for (const origin of [undefined, "https://abc.example.com/api", "abc.example.com"]) {
      res = await worker.fetch(new Request("https://media.example.com/api/assets"), { API_ORIGIN: origin });
      assert.equal(res.status, 502, String(origin));
    }
    assert.equal(seen.length, 3);
  } finally {
    globalThis.fetch = realFetch;
  }
});

test("GCS V4 headers: the scope, the signed headers and an encoded path", async () => {
  const { gcsSignedHeaders, canonicalPath } = worker.internals;
  assert.equal(canonicalPath("/assets/a b/it's(1)*.m4s"), "/assets/a%20b/it%27s%281%29%2A.m4s");
  const h = await gcsSignedHeaders("GET", "https://storage.googleapis.com/b/assets/a1/x.m4s", "GOOG1ID", "secret", new Date(Date.UTC(2026, 11, 1, 12, 0, 0)));
  assert.equal(h["x-goog-date"], "20261201T120000Z");
  assert.equal(h["x-goog-content-sha256"], "UNSIGNED-PAYLOAD");
  assert.match(h.authorization, /^GOOG4-HMAC-SHA256 Credential=GOOG1ID\/20261201\/auto\/storage\/goog4_request, SignedHeaders=host;x-goog-content-sha256;x-goog-date, Signature=[0-9a-f]{64}$/);
});
