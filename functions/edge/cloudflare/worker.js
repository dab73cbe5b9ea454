// ottkit's Cloudflare edge Worker: checks the viewer token the api function issues, then serves
// the asset from the stack's R2 bucket (mode "r2", any plan) or from the cloud's CDN (mode
// "origin", Enterprise zones only). One ES module with no imports, deployed as is.
//
// Token (cookie TOKEN_COOKIE): b64url(JSON{v,p,e,i,k,s}) "." b64url(Ed25519 signature of the
// first segment). p = path prefix "/assets/<id>/", e = expiry, i = issue time (Unix seconds),
// k = key id, s = session id. The Worker holds only public keys (PUBLIC_KEYS: JSON {kid: b64url
// raw 32-byte key}) and a KV namespace REVOKED where a key "session:<s>" revokes a session.
//
// /api/* on the same host is passed through to the stack's API (API_ORIGIN), so the api's
// host-only cookies, this token among them, are stored for the host the media comes from.

const TOKEN_COOKIE = "ottkit_edge";
const MAX_TOKEN_CHARS = 1024; // a real token is ~260 characters
const MAX_LIFETIME_SECONDS = 3600; // the policy pack's one-hour maximum
const CLOCK_SKEW_SECONDS = 60;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Decodes unpadded base64url; null when it is not. */
function b64urlDecode(s) {
  if (typeof s !== "string" || !/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Returns the value of cookie name in a Cookie header, or null. */
function readCookie(header, name) {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

const keyCache = new Map();

async function importKey(kid, raw) {
  const cacheKey = kid + ":" + raw;
  let key = keyCache.get(cacheKey);
  if (!key) {
    const bytes = b64urlDecode(raw);
    if (!bytes || bytes.length !== 32) throw new Error(`public key ${kid} is not 32 bytes of base64url`);
    key = await crypto.subtle.importKey("raw", bytes, { name: "Ed25519" }, false, ["verify"]);
    keyCache.set(cacheKey, key);
  }
  return key;
}

function deny(reason, detail) {
  return { ok: false, reason, detail };
}

/**
 * Checks a token for a GET of pathname at nowSeconds with the public keys {kid: b64url}.
 * Returns {ok: true, claims} or {ok: false, reason}. Does not consult revocation.
 */
async function verifyToken(token, pathname, publicKeys, nowSeconds) {
  if (token === null || token === undefined || token === "") return deny("no-token");
  if (token.length > MAX_TOKEN_CHARS) return deny("token-too-long", `${token.length} characters`);
  const dot = token.indexOf(".");
  if (dot < 0 || dot !== token.lastIndexOf(".")) return deny("malformed");
  const payloadPart = token.slice(0, dot);
  const sig = b64urlDecode(token.slice(dot + 1));
  const payload = b64urlDecode(payloadPart);
  if (!sig || !payload || sig.length !== 64) return deny("malformed");
  let c;
  try {
    c = JSON.parse(dec.decode(payload));
  } catch {
    return deny("malformed");
  }
  if (
    !c || typeof c !== "object" || c.v !== 1 ||
    typeof c.p !== "string" || typeof c.k !== "string" || typeof c.s !== "string" ||
    !Number.isSafeInteger(c.e) || !Number.isSafeInteger(c.i)
  ) return deny("malformed");
  if (!Object.prototype.hasOwnProperty.call(publicKeys, c.k)) return deny("unknown-key", c.k);
  const key = await importKey(c.k, publicKeys[c.k]);
  if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, sig, enc.encode(payloadPart)))) return deny("bad-signature", c.k);
  if (c.e <= nowSeconds) return deny("expired", `${nowSeconds - c.e}s ago`);
  if (c.e - nowSeconds > MAX_LIFETIME_SECONDS) return deny("lifetime-too-long", `${c.e - nowSeconds}s`);
  if (c.i > nowSeconds + CLOCK_SKEW_SECONDS) return deny("issued-in-future", `${c.i - nowSeconds}s ahead`);
  if (c.e - c.i > MAX_LIFETIME_SECONDS) return deny("lifetime-too-long", `${c.e - c.i}s`);
  if (!/^\/assets\/[A-Za-z0-9_-]+\/$/.test(c.p)) return deny("bad-prefix", c.p);
  if (!pathname.startsWith(c.p)) return deny("wrong-path", `${c.p} does not cover ${pathname}`);
  return { ok: true, claims: c };
}

const CONTENT_TYPES = {
  m3u8: "application/vnd.apple.mpegurl",
  mpd: "application/dash+xml",
  m4s: "video/iso.segment",
  mp4: "video/mp4",
  m4a: "audio/mp4",
  m4v: "video/mp4",
  ts: "video/mp2t",
  aac: "audio/aac",
  vtt: "text/vtt",
  jpg: "image/jpeg",
  png: "image/png",
  json: "application/json",
};

/**
 * Returns the content type of a delivery object: by its extension when it is a known media
 * type (players depend on these), else what the store recorded, else octet-stream.
 */
function contentType(key, stored) {
  const ext = key.slice(key.lastIndexOf(".") + 1).toLowerCase();
  return CONTENT_TYPES[ext] || stored || "application/octet-stream";
}

/** Returns the Cache-Control of a delivery object: manifests briefly, segments for a day. */
function cacheControl(key) {
  // private: the bytes are behind a per-viewer token, so no shared cache may keep them.
  return /\.(m3u8|mpd)$/i.test(key) ? "private, max-age=60" : "private, max-age=86400, immutable";
}

/**
 * Parses a Range header for one range. Returns null (no header), {invalid: true}, or the R2
 * range: {offset, length} or {suffix}.
 */
function parseRange(header) {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return { invalid: true };
  if (m[1] === "") return { suffix: Number(m[2]) };
  const offset = Number(m[1]);
  if (m[2] === "") return { offset };
  const end = Number(m[2]);
  if (end < offset) return { invalid: true };
  return { offset, length: end - offset + 1 };
}

function log(level, event, fields) {
  console.log(JSON.stringify({ level, event, ...fields }));
}

function forbidden() {
  return new Response("forbidden\n", { status: 403, headers: { "content-type": "text/plain", "cache-control": "no-store" } });
}

async function isRevoked(env, sessionID) {
  return (await env.REVOKED.get("session:" + sessionID)) !== null;
}

async function serveR2(request, env, key) {
  const range = parseRange(request.headers.get("range"));
  if (range && range.invalid) return new Response(null, { status: 416 });
  const opts = range ? { range } : {};
  let obj;
  try {
    obj = request.method === "HEAD" ? await env.MEDIA.head(key) : await env.MEDIA.get(key, opts);
  } catch (err) {
    // R2 refuses a range that starts past the end; answer 416 as HTTP says.
    const head = range ? await env.MEDIA.head(key) : null;
    if (head && range.offset !== undefined && range.offset >= head.size) {
      return new Response(null, { status: 416, headers: { "content-range": `bytes */${head.size}` } });
    }
    throw err;
  }
  if (obj === null) return new Response("not found\n", { status: 404, headers: { "cache-control": "no-store" } });
  const headers = new Headers({
    "content-type": contentType(key, obj.httpMetadata && obj.httpMetadata.contentType),
    "cache-control": cacheControl(key),
    "accept-ranges": "bytes",
    etag: obj.httpEtag,
  });
  if (range && request.method !== "HEAD") {
    const offset = range.suffix !== undefined ? Math.max(obj.size - range.suffix, 0) : range.offset;
    if (offset >= obj.size) {
      return new Response(null, { status: 416, headers: { "content-range": `bytes */${obj.size}` } });
    }
    const end = range.length !== undefined ? Math.min(offset + range.length, obj.size) - 1 : obj.size - 1;
    headers.set("content-range", `bytes ${offset}-${end}/${obj.size}`);
    headers.set("content-length", String(end - offset + 1));
    return new Response(obj.body, { status: 206, headers });
  }
  headers.set("content-length", String(obj.size));
  return new Response(request.method === "HEAD" ? null : obj.body, { status: 200, headers });
}

// ---- Origin mode (Enterprise zones): the Worker in front of the cloud's CDN or bucket ----
//
// ORIGIN_KIND is "cloudfront" or "gcs"; ORIGIN the https base URL (the distribution's domain,
// or the GCS XML API endpoint) and, for gcs, ORIGIN_BUCKET the delivery bucket. The Worker's
// credential for the origin is not a binding: it is the JSON value of the key "origin" in the
// KV namespace ORIGIN_CREDENTIALS, written out of band (docs/EDGE.md), so it is in neither the
// stack file nor Pulumi state, and a redeploy of the Worker does not drop it:
//   cloudfront: {"kind":"cloudfront","keyPairId":"<CloudFront public key id>","privateKey":"<PKCS#8 PEM>"}
//   gcs:        {"kind":"gcs","accessId":"<HMAC access id>","secret":"<HMAC secret>"}

const ORIGIN_CREDENTIAL_KEY = "origin";
// How long an isolate keeps the credential before reading KV again: a rotation reaches every
// isolate within KV's own propagation (about 60 s) plus this.
const ORIGIN_CREDENTIAL_TTL_MS = 60_000;
// GCS V4 signatures: the service and region of the credential scope (GCS accepts "auto").
const GCS_SERVICE = "storage";
const GCS_REGION = "auto";

let originCredential = null; // {kind, value, until, key?, pem?}

/** Reads, checks and caches the origin credential; throws with the reason when unusable. */
async function loadOriginCredential(env, kind, nowMs) {
  if (originCredential && originCredential.kind === kind && originCredential.until > nowMs) return originCredential;
  if (!env.ORIGIN_CREDENTIALS) throw new Error("no ORIGIN_CREDENTIALS binding");
  const raw = await env.ORIGIN_CREDENTIALS.get(ORIGIN_CREDENTIAL_KEY);
  if (raw === null) throw new Error(`ORIGIN_CREDENTIALS has no "${ORIGIN_CREDENTIAL_KEY}" key`);
  let c;
  try {
    c = JSON.parse(raw);
  } catch {
    throw new Error(`ORIGIN_CREDENTIALS "${ORIGIN_CREDENTIAL_KEY}" is not JSON`);
  }
  if (!c || c.kind !== kind) throw new Error(`the origin credential is for ${c && c.kind}, the Worker's origin is ${kind}`);
  const entry = { kind, value: c, until: nowMs + ORIGIN_CREDENTIAL_TTL_MS };
  if (kind === "cloudfront") {
    if (typeof c.keyPairId !== "string" || !/^[A-Z0-9]{1,64}$/.test(c.keyPairId)) throw new Error("cloudfront credential: keyPairId is not a CloudFront public key id");
    if (typeof c.privateKey !== "string" || !c.privateKey.includes("-----BEGIN PRIVATE KEY-----")) throw new Error("cloudfront credential: privateKey is not a PKCS#8 PEM");
    entry.key = await importCloudFrontKey(c.privateKey);
  } else if (kind === "gcs") {
    if (typeof c.accessId !== "string" || c.accessId === "" || typeof c.secret !== "string" || c.secret === "") throw new Error("gcs credential: accessId and secret are required");
  } else {
    throw new Error(`ORIGIN_KIND ${kind} must be cloudfront or gcs`);
  }
  originCredential = entry;
  return entry;
}

function b64cloudfront(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/=/g, "_").replace(/\//g, "~");
}

async function importCloudFrontKey(pem) {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(body), (ch) => ch.charCodeAt(0));
  return crypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" }, false, ["sign"]);
}

/**
 * Returns the CloudFront signed cookies (custom policy) granting the prefix on the
 * distribution at origin until expires, signed with the edge's own key (keyPairID in the
 * distribution's trusted key group; key its imported private half).
 */
async function cloudFrontCookies(origin, prefix, expires, keyPairID, key) {
  const policy = JSON.stringify({
    Statement: [{ Resource: origin.replace(/\/+$/, "") + prefix + "*", Condition: { DateLessThan: { "AWS:EpochTime": expires } } }],
  });
  const sig = new Uint8Array(await crypto.subtle.sign({ name: "RSASSA-PKCS1-v1_5" }, key, enc.encode(policy)));
  return `CloudFront-Policy=${b64cloudfront(enc.encode(policy))}; CloudFront-Signature=${b64cloudfront(sig)}; CloudFront-Key-Pair-Id=${keyPairID}`;
}

// A viewer's token makes the same policy (prefix, expiry) for every segment it plays, so the
// RSA signature is made once per token and isolate, not once per request. Bounded: the oldest
// entry goes first.
const COOKIE_CACHE_MAX = 1000;
const cookieCache = new Map();

async function cachedCloudFrontCookies(origin, claims, cred) {
  const id = `${cred.value.keyPairId}|${claims.p}|${claims.e}`;
  let cookie = cookieCache.get(id);
  if (cookie === undefined) {
    cookie = await cloudFrontCookies(origin, claims.p, claims.e, cred.value.keyPairId, cred.key);
    if (cookieCache.size >= COOKIE_CACHE_MAX) cookieCache.delete(cookieCache.keys().next().value);
    cookieCache.set(id, cookie);
  }
  return cookie;
}

function hex(bytes) {
  let out = "";
  for (const b of new Uint8Array(bytes)) out += b.toString(16).padStart(2, "0");
  return out;
}

async function hmac(key, data) {
  const k = await crypto.subtle.importKey("raw", typeof key === "string" ? enc.encode(key) : key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(data)));
}

/** Percent-encodes an object path as V4 canonical URIs want: every byte but unreserved and "/". */
function canonicalPath(path) {
  return path.split("/").map((seg) => encodeURIComponent(seg).replace(/[!'()*]/g, (ch) => "%" + ch.charCodeAt(0).toString(16).toUpperCase())).join("/");
}

/**
 * Returns the headers of a GCS XML API request signed with an HMAC key (V4,
 * GOOG4-HMAC-SHA256, header form): x-goog-date, x-goog-content-sha256 and Authorization over
 * host, x-goog-content-sha256 and x-goog-date. The body is never signed (GET/HEAD).
 */
async function gcsSignedHeaders(method, url, accessId, secret, date) {
  const iso = date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, ""); // 20261201T120000Z
  const day = iso.slice(0, 8);
  const scope = `${day}/${GCS_REGION}/${GCS_SERVICE}/goog4_request`;
  const payload = "UNSIGNED-PAYLOAD";
  const u = new URL(url);
  const canonical = [method, u.pathname, "", `host:${u.host}`, `x-goog-content-sha256:${payload}`, `x-goog-date:${iso}`, "", "host;x-goog-content-sha256;x-goog-date", payload].join("\n");
  const stringToSign = ["GOOG4-HMAC-SHA256", iso, scope, hex(await crypto.subtle.digest("SHA-256", enc.encode(canonical)))].join("\n");
  let k = await hmac("GOOG4" + secret, day);
  for (const part of [GCS_REGION, GCS_SERVICE, "goog4_request"]) k = await hmac(k, part);
  const signature = hex(await hmac(k, stringToSign));
  return {
    "x-goog-date": iso,
    "x-goog-content-sha256": payload,
    authorization: `GOOG4-HMAC-SHA256 Credential=${accessId}/${scope}, SignedHeaders=host;x-goog-content-sha256;x-goog-date, Signature=${signature}`,
  };
}

/** Builds the origin request for key: its URL and credential headers. */
async function originRequest(env, method, key, claims, cred, now) {
  const base = env.ORIGIN.replace(/\/+$/, "");
  if (cred.kind === "cloudfront") {
    // The policy expires with the viewer's token: the edge never holds a longer grant.
    return { url: base + "/" + key, headers: { cookie: await cachedCloudFrontCookies(base, claims, cred) } };
  }
  const url = base + "/" + env.ORIGIN_BUCKET + canonicalPath("/" + key);
  return { url, headers: await gcsSignedHeaders(method, url, cred.value.accessId, cred.value.secret, now) };
}

function unavailable() {
  return new Response("edge origin unavailable\n", { status: 502, headers: { "content-type": "text/plain", "cache-control": "no-store" } });
}

async function serveOrigin(request, env, key, claims) {
  // The cloud keeps enforcing its own checks (CloudFront's key group and OAC; GCS IAM with the
  // reader's assets/ condition); the Worker presents its credential and forwards the Range.
  const kind = env.ORIGIN_KIND;
  let cred;
  try {
    cred = await loadOriginCredential(env, kind, Date.now());
  } catch (err) {
    log("error", "origin-credential-unavailable", { kind, detail: String(err && err.message || err) });
    return unavailable();
  }
  const { url, headers } = await originRequest(env, request.method, key, claims, cred, new Date());
  const range = request.headers.get("range");
  if (range) headers.range = range;
  const upstream = await fetch(url, { method: request.method, headers });
  if (upstream.status === 401 || upstream.status === 403) {
    // The viewer was authorised; a refusal here is the edge's credential or the origin's
    // grant (or an object the reader may not list): say so, and do not blame the viewer.
    log("error", "origin-refused", { kind, status: upstream.status, path: "/" + key });
    return unavailable();
  }
  const out = new Headers();
  for (const [name, value] of upstream.headers) {
    if (name === "set-cookie" || name.startsWith("x-goog-") || name.startsWith("x-guploader-")) continue;
    out.set(name, value);
  }
  if (upstream.ok) {
    out.set("cache-control", cacheControl(key));
    out.set("content-type", contentType(key, upstream.headers.get("content-type")));
  } else {
    out.set("cache-control", "no-store");
  }
  return new Response(upstream.body, { status: upstream.status, headers: out });
}

const API_PREFIX = "/api";
// The header the api reads this host from, to name it in asset URLs (stages/api.EdgeHostHeader).
const EDGE_HOST_HEADER = "x-ottkit-edge-host";
// Request headers not passed to the API: hop-by-hop ones, the host (the API's own is used),
// and the viewer's cookies (the edge's token is none of the API's business).
const API_DROPPED_HEADERS = ["host", "cookie", "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-authorization", EDGE_HOST_HEADER];

/**
 * Passes a request for /api or /api/... through to the stack's API at API_ORIGIN (API
 * Gateway's endpoint, which serves the routes at its root, as the CDN's /api/* behaviour
 * forwards them), any method, body and status as they are. No token check here: the API
 * checks the caller's JWT. The response's Set-Cookie headers reach the browser from this
 * host, so the playback cookies (host-only) are stored for the host it fetches media from.
 */
async function passToAPI(request, env, url) {
  if (typeof env.API_ORIGIN !== "string" || !/^https?:\/\/[^/]+$/.test(env.API_ORIGIN.replace(/\/+$/, ""))) {
    log("error", "api-unavailable", { detail: "API_ORIGIN is not an origin URL" });
    return new Response('{"error":"unavailable","message":"the API is not reachable through this host"}\n', { status: 502, headers: { "content-type": "application/json", "cache-control": "no-store" } });
  }
  const target = env.API_ORIGIN.replace(/\/+$/, "") + (url.pathname.slice(API_PREFIX.length) || "/") + url.search;
  const headers = new Headers(request.headers);
  for (const h of API_DROPPED_HEADERS) headers.delete(h);
  headers.set(EDGE_HOST_HEADER, url.hostname);
  const init = { method: request.method, headers, redirect: "manual" };
  if (request.method !== "GET" && request.method !== "HEAD") init.body = request.body;
  let upstream;
  try {
    upstream = await fetch(target, init);
  } catch (err) {
    log("error", "api-unreachable", { detail: String(err && err.message || err) });
    return new Response('{"error":"unavailable","message":"the API did not answer"}\n', { status: 502, headers: { "content-type": "application/json", "cache-control": "no-store" } });
  }
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: upstream.headers });
}

async function handle(request, env) {
  const url = new URL(request.url);
  if (url.pathname === API_PREFIX || url.pathname.startsWith(API_PREFIX + "/")) return passToAPI(request, env, url);
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
  }
  let pathname;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return forbidden();
  }
  if (!pathname.startsWith("/assets/") || pathname.includes("/../") || pathname.includes("//") || pathname.includes("\\")) {
    log("warn", "denied", { reason: "bad-path", path: url.pathname });
    return forbidden();
  }
  let keys;
  try {
    keys = JSON.parse(env.PUBLIC_KEYS);
  } catch (err) {
    log("error", "denied", { reason: "config", detail: "PUBLIC_KEYS is not JSON: " + err.message });
    return forbidden();
  }
  const token = readCookie(request.headers.get("cookie"), TOKEN_COOKIE);
  const now = Math.floor(Date.now() / 1000);
  let verdict;
  try {
    verdict = await verifyToken(token, pathname, keys, now);
  } catch (err) {
    verdict = deny("verify-error", err.message);
  }
  if (!verdict.ok) {
    log("info", "denied", { reason: verdict.reason, detail: verdict.detail, path: pathname });
    return forbidden();
  }
  const session = verdict.claims.s;
  try {
    if (await isRevoked(env, session)) {
      log("info", "denied", { reason: "revoked", session, path: pathname });
      return forbidden();
    }
  } catch (err) {
    // Fail closed: without the revocation list the Worker cannot tell a revoked session.
    log("error", "denied", { reason: "revocation-unavailable", session, detail: String(err && err.message || err) });
    return forbidden();
  }
  const key = pathname.slice(1);
  return env.MODE === "origin" ? serveOrigin(request, env, key, verdict.claims) : serveR2(request, env, key);
}

// The pure functions, for the unit tests (workerd accepts no other exports than handlers).
const internals = { TOKEN_COOKIE, MAX_TOKEN_CHARS, MAX_LIFETIME_SECONDS, CLOCK_SKEW_SECONDS, b64urlDecode, readCookie, verifyToken, contentType, cacheControl, parseRange, cloudFrontCookies, importCloudFrontKey, gcsSignedHeaders, canonicalPath };

export default { fetch: handle, internals };
