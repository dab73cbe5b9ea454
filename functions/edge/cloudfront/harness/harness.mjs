// A stand-in for the CloudFront Functions runtime around session.js: the viewer-request event
// in CloudFront's object form, the `cloudfront` module's kvs() API over an in-memory store with
// the service's error behaviour and limits, and a `crypto` module exposing only what the
// runtime's crypto module offers (createHash, createHmac; md5, sha1, sha256; digests in hex,
// base64 or base64url, or a Buffer).
import { readFileSync } from 'node:fs';
import nodeCrypto from 'node:crypto';

export const SOURCE_URL = new URL('../session.js', import.meta.url);
export const SOURCE = readFileSync(SOURCE_URL, 'utf8');

// The two imports the runtime resolves; the harness supplies both modules instead.
export const IMPORTS = ["import cf from 'cloudfront';", "import crypto from 'crypto';"];

// KVS limits (CloudFront KeyValueStore quotas): key up to 512 bytes, value up to 1 KB.
export const MAX_KEY_BYTES = 512;
export const MAX_VALUE_BYTES = 1024;

// MemoryKVS behaves like the handle cf.kvs() returns: get() rejects for a missing key,
// exists() answers a boolean, and a failing store (fail = true) rejects every read.
export class MemoryKVS {
  constructor(entries = {}) {
    this.entries = new Map();
    this.fail = false;
    this.reads = 0;
    for (const [k, v] of Object.entries(entries)) {
      this.put(k, v);
    }
  }

  put(key, value) {
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
      throw new Error(`key ${key.slice(0, 20)}… is over ${MAX_KEY_BYTES} bytes`);
    }
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
      throw new Error(`value of ${key} is over ${MAX_VALUE_BYTES} bytes`);
    }
    this.entries.set(key, String(value));
  }

  delete(key) {
    this.entries.delete(key);
  }

  async get(key, options) {
    this.reads++;
    if (this.fail) {
      throw new Error('KVS read failed');
    }
    if (!this.entries.has(key)) {
      throw new Error(`Key ${key} not found`);
    }
    const v = this.entries.get(key);
    switch ((options && options.format) || 'string') {
      case 'string':
        return v;
      case 'json':
        return JSON.parse(v);
      case 'bytes':
        return Buffer.from(v);
      default:
        throw new Error(`unknown format ${options.format}`);
    }
  }

  async exists(key) {
    this.reads++;
    if (this.fail) {
      throw new Error('KVS read failed');
    }
    return this.entries.has(key);
  }

  async meta() {
    if (this.fail) {
      throw new Error('KVS read failed');
    }
    return { creationDateTime: '2026-01-01T00:00:00Z', lastUpdatedDateTime: '2026-01-01T00:00:00Z', keyCount: this.entries.size };
  }
}

const DIGESTS = new Set(['md5', 'sha1', 'sha256']);
const ENCODINGS = new Set([undefined, 'hex', 'base64', 'base64url']);

function restricted(h) {
  return {
    update(data) {
      h.update(data);
      return this;
    },
    digest(encoding) {
      if (!ENCODINGS.has(encoding)) {
        throw new Error(`digest encoding ${encoding} is not supported by CloudFront Functions`);
      }
      return encoding === undefined ? h.digest() : h.digest(encoding);
    },
  };
}

// runtimeCrypto is the runtime's crypto module: nothing else (no timingSafeEqual, no
// randomBytes, no subtle).
export const runtimeCrypto = Object.freeze({
  createHash(alg) {
    if (!DIGESTS.has(alg)) {
      throw new Error(`hash ${alg} is not supported by CloudFront Functions`);
    }
    return restricted(nodeCrypto.createHash(alg));
  },
  createHmac(alg, key) {
    if (!DIGESTS.has(alg)) {
      throw new Error(`hmac ${alg} is not supported by CloudFront Functions`);
    }
    return restricted(nodeCrypto.createHmac(alg, key));
  },
});

// load evaluates session.js as the runtime would, with store as the function's one
// associated key value store, now() as the clock (milliseconds) and logs collecting
// console.log lines. It returns the handler.
export function load({ store, now = () => Date.now(), logs = [] } = {}) {
  let body = SOURCE;
  for (const line of IMPORTS) {
    if (!body.includes(line)) {
      throw new Error(`session.js lacks "${line}"`);
    }
    body = body.replace(line, '');
  }
  let handles = 0;
  const cf = {
    kvs(id) {
      if (id !== undefined) {
        throw new Error('session.js must use its one associated store: cf.kvs() takes no id');
      }
      handles++;
      return store;
    },
  };
  const clock = { now };
  const console = { log: (line) => logs.push(JSON.parse(line)) };
  const factory = new Function('cf', 'crypto', 'console', 'Date', `"use strict";\n${body}\nreturn handler;`);
  const handler = factory(cf, runtimeCrypto, console, clock);
  if (handles !== 1) {
    throw new Error(`session.js opened ${handles} store handles, want 1`);
  }
  return handler;
}

// viewerRequest builds a viewer-request event as CloudFront passes it (event structure
// version 1.0): headers, cookies and query string parameters are objects of {value}.
export function viewerRequest({ uri, ip = '198.51.100.7', cookies = {}, method = 'GET', headers = {}, querystring = {} }) {
  const obj = (m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { value: v }]));
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: 'R5f7Q0AfsE8cjt6mRwH4EXAMPLE==',
    },
    viewer: { ip },
    request: {
      method,
      uri,
      querystring: obj(querystring),
      headers: obj({ host: 'media.example.com', ...headers }),
      cookies: obj(cookies),
    },
  };
}

// sign makes a session cookie value the way the api does (an independent JavaScript signer;
// the Go signer is cross-checked against session.js by the Go tests).
export function sign({ kid, key, session, asset, issued, expires, user, bind = 'n', ip }) {
  const signed = ['1', kid, session, asset, String(issued), String(expires), user, bind].join('.');
  const input = bind === 'ip' ? `${signed}.${ip}` : signed;
  return `${signed}.${nodeCrypto.createHmac('sha256', key).update(input).digest('hex')}`;
}
