// Measures the Worker's own CPU time per authorised request (token check, revocation lookup,
// R2 read) with in-memory bindings, under Node: `node bench.mjs`. workerd's share (HTTP,
// subrequests) is in the Go benchmark BenchmarkWorkerdRequest.
import worker from "./worker.js";

const enc = new TextEncoder();
const b64url = (b) => Buffer.from(b).toString("base64url");
const kp = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
const pub = b64url(new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey)));
const now = Math.floor(Date.now() / 1000);
const payload = b64url(enc.encode(JSON.stringify({ v: 1, p: "/assets/a1/", e: now + 600, i: now, k: "k1", s: "s1" })));
const token = payload + "." + b64url(new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, kp.privateKey, enc.encode(payload))));
const bytes = new Uint8Array(1000);
const env = {
  MODE: "r2",
  PUBLIC_KEYS: JSON.stringify({ k1: pub }),
  REVOKED: { get: async () => null },
  MEDIA: { get: async () => ({ size: bytes.length, httpEtag: '"e"', httpMetadata: {}, body: bytes }) },
};
const req = () => new Request("https://m.example/assets/a1/seg.m4s", { headers: { cookie: "ottkit_edge=" + token } });
for (let i = 0; i < 500; i++) await worker.fetch(req(), env);
const n = 5000;
const cpu0 = process.cpuUsage();
for (let i = 0; i < n; i++) {
  const res = await worker.fetch(req(), env);
  if (res.status !== 200) throw new Error("status " + res.status);
  await res.arrayBuffer();
}
const cpu = process.cpuUsage(cpu0);
console.log(`worker CPU per request: ${((cpu.user + cpu.system) / n).toFixed(1)} µs (${n} requests)`);
