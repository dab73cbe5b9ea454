// ottkit session check: a CloudFront Function (cloudfront-js-2.0, viewer request) on the
// media behaviours. Besides CloudFront's signed cookies, a request needs the api's session
// cookie: 1.<kid>.<session>.<asset>.<issued>.<expires>.<user>.<bind>.<mac>, where mac is
// hex HMAC-SHA256, under the key KVS "key:<kid>" holds, of everything before it (and, when
// bind is "ip", "." and the viewer's address). Refused (403): no or malformed cookie, an
// unknown key, a bad MAC, expired, living over an hour, issued in the future, another
// asset's path, a session under "session:<id>" or a user whose "user:<hash>" not-before is
// later than the issue time. A KVS error refuses too: the check fails closed.
import cf from 'cloudfront';
import crypto from 'crypto';

const kvs = cf.kvs();
const COOKIE = 'ottkit_session';
const MAX_CHARS = 512;
const MAX_LIFETIME = 3600;
const SKEW = 60;
const ID = /^[A-Za-z0-9_-]{16,43}$/;
const KID = /^[a-z0-9]{1,16}$/;
const ASSET = /^[a-z0-9]{1,64}$/;
const NUM = /^[0-9]{1,10}$/;
const MAC = /^[0-9a-f]{64}$/;

function refuse(reason, event, level) {
  console.log(JSON.stringify({ level: level || 'info', msg: 'session refused', reason: reason,
    uri: event.request.uri, requestId: event.context.requestId }));
  return {
    statusCode: 403,
    statusDescription: 'Forbidden',
    headers: { 'cache-control': { value: 'no-store' } },
  };
}

// equal compares two hex strings of the same length in time independent of where they differ.
function equal(a, b) {
  if (a.length !== b.length) {
    return false;
  }
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  }
  return d === 0;
}

async function handler(event) {
  const request = event.request;
  const cookie = request.cookies[COOKIE];
  if (!cookie) {
    return refuse('no-session', event);
  }
  const value = cookie.value;
  if (value.length > MAX_CHARS) {
    return refuse('cookie-too-long', event);
  }
  const f = value.split('.');
  if (f.length !== 9 || f[0] !== '1' || !KID.test(f[1]) || !ID.test(f[2]) || !ASSET.test(f[3]) ||
      !NUM.test(f[4]) || !NUM.test(f[5]) || !ID.test(f[6]) || (f[7] !== 'n' && f[7] !== 'ip') ||
      !MAC.test(f[8])) {
    return refuse('malformed', event);
  }
  const issued = parseInt(f[4], 10);
  const expires = parseInt(f[5], 10);
  const now = Math.floor(Date.now() / 1000);
  if (expires <= now) {
    return refuse('expired', event);
  }
  if (expires - issued > MAX_LIFETIME || expires <= issued) {
    return refuse('lifetime', event);
  }
  if (issued > now + SKEW) {
    return refuse('issued-in-future', event);
  }
  const prefix = '/assets/' + f[3] + '/';
  const uri = request.uri;
  if (uri.indexOf(prefix) !== 0 || uri.indexOf('/..') !== -1 || uri.indexOf('/./') !== -1) {
    return refuse('wrong-path', event);
  }

  let key;
  try {
    key = await kvs.get('key:' + f[1]);
  } catch (e) {
    // A missing key and an unreadable store both end here, so neither serves.
    return refuse('unknown-key', event);
  }
  let signed = value.substring(0, value.length - 65);
  if (f[7] === 'ip') {
    signed += '.' + event.viewer.ip;
  }
  const mac = crypto.createHmac('sha256', key).update(signed).digest('hex');
  if (!equal(mac, f[8])) {
    return refuse(f[7] === 'ip' ? 'bad-mac-or-address' : 'bad-mac', event);
  }

  try {
    if (await kvs.exists('session:' + f[2])) {
      return refuse('session-revoked', event);
    }
    if (await kvs.exists('user:' + f[6])) {
      const notBefore = parseInt(await kvs.get('user:' + f[6]), 10);
      if (!(issued >= notBefore)) {
        return refuse('user-revoked', event);
      }
    }
  } catch (e) {
    return refuse('revocation-unavailable', event, 'error');
  }
  return request;
}
