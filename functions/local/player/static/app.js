// The ottkit dev page: upload through the API (create upload, PUT to its URL), follow the
// asset's status in the catalog, and play it with hls.js or dash.js. window.ottkit exposes what
// the page knows, for people in the console and for the browser test.
'use strict';

const cfg = window.OTTKIT_CONFIG || { api: '/api', media: '' };
const $ = (id) => document.getElementById(id);
const state = window.ottkit = {
  assets: [],
  uploads: [],        // {name, key, known: Set of ids before it, assetId, status}
  player: { kind: '', url: '', renditions: [], current: -1, error: '' },
  log: [],
};
const final = new Set(['ready', 'failed', 'rejected']);

function log(line) {
  const at = new Date().toISOString().slice(11, 19);
  state.log.push(line);
  const li = document.createElement('li');
  li.textContent = at + ' ' + line;
  $('log').prepend(li);
}

function token() { return $('token').value.trim(); }

async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + token() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(cfg.api + path, {
    method, headers, credentials: 'include',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON: reported below */ }
  if (!r.ok) throw new Error(`${method} ${cfg.api}${path}: ${r.status} ${(data && (data.message || data.error)) || text}`);
  return data;
}

// put sends one body to a signed URL with exactly the headers the API signed, reporting
// progress; it resolves to the response's ETag (multipart parts need it).
function put(url, method, headers, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method || 'PUT', url);
    for (const [k, v] of Object.entries(headers || {})) {
      if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded); };
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300)
      ? resolve(xhr.getResponseHeader('ETag') || '')
      : reject(new Error(`upload ${method} ${url.split('?')[0]}: ${xhr.status} ${xhr.responseText.slice(0, 300)}`));
    xhr.onerror = () => reject(new Error(`upload to ${url.split('?')[0]} failed (network or CORS)`));
    xhr.send(body);
  });
}

async function listAssets() {
  const out = [];
  let next = '';
  do {
    const page = await api('GET', '/assets?limit=100' + (next ? '&next=' + encodeURIComponent(next) : ''));
    out.push(...(page.assets || []));
    next = page.next || '';
  } while (next);
  return out;
}

async function upload() {
  const file = $('file').files[0];
  if (!file) { $('upload-status').textContent = 'Choose a file first.'; return; }
  const status = $('upload-status');
  const progress = $('progress');
  try {
    const known = new Set((await listAssets()).map((a) => a.id));
    const up = await api('POST', '/uploads', { filename: file.name, size: file.size, contentType: file.type || 'application/octet-stream' });
    const entry = { name: file.name, key: up.key, known, assetId: '', status: 'uploading' };
    state.uploads.push(entry);
    progress.hidden = false;
    progress.value = 0;
    log(`upload ${up.uploadId}: ${file.name}, ${file.size} bytes` + (up.multipart ? `, ${up.multipart.parts.length} parts` : ''));
    if (up.multipart) {
      const parts = [];
      let sent = 0;
      for (const part of up.multipart.parts) {
        const start = (part.partNumber - 1) * up.multipart.partSize;
        const blob = file.slice(start, Math.min(start + up.multipart.partSize, file.size));
        const etag = await put(part.url, 'PUT', part.headers || {}, blob, (n) => { progress.value = (sent + n) / file.size; });
        sent += blob.size;
        parts.push({ partNumber: part.partNumber, etag });
      }
      await api('POST', '/uploads/complete', { key: up.key, uploadId: up.multipart.uploadId, parts });
    } else {
      await put(up.url, up.method, up.headers, file, (n) => { progress.value = n / file.size; });
    }
    progress.value = 1;
    entry.status = 'uploaded';
    status.textContent = `${file.name} uploaded; waiting for the pipeline…`;
    log(`uploaded ${file.name}`);
    refresh();
  } catch (e) {
    status.textContent = e.message;
    log('upload failed: ' + e.message);
  }
}

function fmtSize(a) { return a.width ? `${a.width}x${a.height}` + (a.durationSeconds ? `, ${a.durationSeconds.toFixed(1)} s` : '') : ''; }

function render() {
  const tbody = $('assets');
  tbody.replaceChildren();
  const mine = new Set(state.uploads.map((u) => u.assetId).filter(Boolean));
  for (const a of state.assets) {
    const tr = document.createElement('tr');
    tr.dataset.asset = a.id;
    tr.dataset.status = a.status;
    if (mine.has(a.id)) tr.className = 'mine';
    const cells = [
      `<code>${a.id}</code>`,
      `<span class="status-${a.status}">${a.status}</span>` + (a.failureMessage ? `<br><small>${escapeHTML(a.failureCode + ': ' + a.failureMessage)}</small>` : ''),
      fmtSize(a),
      (a.renditions || []).map((r) => `${r.width}x${r.height}`).join(', '),
      '',
    ];
    tr.innerHTML = cells.map((c) => `<td>${c}</td>`).join('');
    if (a.status === 'ready') {
      for (const kind of ['hls', 'dash']) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = kind.toUpperCase();
        b.dataset.play = kind;
        b.onclick = () => play(a.id, kind);
        tr.lastChild.append(b);
      }
    }
    tbody.append(tr);
  }
}

function escapeHTML(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

let refreshing = false;
async function refresh() {
  if (refreshing || !token()) return;
  refreshing = true;
  try {
    const assets = await listAssets();
    assets.sort((a, b) => (b.createdAt || '').localeCompare(a.createdAt || ''));
    const before = new Map(state.assets.map((a) => [a.id, a.status]));
    state.assets = assets;
    for (const a of assets) {
      if (before.get(a.id) !== a.status) log(`asset ${a.id}: ${a.status}` + (a.failureMessage ? ` (${a.failureCode}: ${a.failureMessage})` : ''));
    }
    for (const u of state.uploads) {
      if (!u.assetId) {
        const fresh = assets.find((a) => !u.known.has(a.id));
        if (fresh) { u.assetId = fresh.id; u.known.add(fresh.id); }
      }
      const a = assets.find((x) => x.id === u.assetId);
      if (a) {
        u.status = a.status;
        if (final.has(a.status) && u === state.uploads[state.uploads.length - 1]) {
          $('upload-status').textContent = `${u.name}: ${a.status}` + (a.failureMessage ? ` — ${a.failureMessage}` : '');
        }
      }
    }
    render();
  } catch (e) {
    log('refresh failed: ' + e.message);
  } finally {
    refreshing = false;
  }
}

// mediaURL maps a manifest URL the API returns (on the playback domain) to the media server
// this page talks to: the same path, on cfg.media or this page's own origin.
function mediaURL(u) {
  const path = new URL(u, location.href).pathname;
  return (cfg.media || location.origin) + path;
}

let hls = null;
let dash = null;

function stop() {
  if (hls) { hls.destroy(); hls = null; }
  if (dash) { dash.reset(); dash = null; }
  const v = $('video');
  v.removeAttribute('src');
  v.removeAttribute('poster');
  v.load();
}

function showRenditions(list, current) {
  state.player.renditions = list;
  state.player.current = current;
  const ul = $('renditions');
  ul.replaceChildren();
  list.forEach((r, i) => {
    const li = document.createElement('li');
    li.dataset.width = r.width;
    li.dataset.height = r.height;
    li.dataset.bitrate = r.bitrate;
    li.textContent = `${r.width}x${r.height} @ ${Math.round(r.bitrate / 1000)} kbit/s`;
    if (i === current) li.className = 'current';
    ul.append(li);
  });
}

function playerError(msg) {
  state.player.error = msg;
  $('player-status').textContent = msg;
  log('player: ' + msg);
}

async function play(id, kind) {
  stop();
  state.player = { kind, url: '', renditions: [], current: -1, error: '' };
  $('player-kind').textContent = `— ${kind.toUpperCase()}, asset ${id}`;
  $('player-status').textContent = 'requesting playback cookies…';
  let pb;
  try {
    pb = await api('POST', `/assets/${id}/playback`);
  } catch (e) {
    playerError(e.message);
    return;
  }
  const url = mediaURL(kind === 'hls' ? pb.hls : pb.dash);
  const credentials = new URL(url).origin !== location.origin;
  state.player.url = url;
  log(`play ${kind} ${url} (cookies until ${pb.expiresAt})`);
  const video = $('video');
  video.muted = true;
  const asset = state.assets.find((a) => a.id === id);
  if (asset && asset.poster) video.poster = mediaURL(asset.poster); // the cookies cover it too
  if (kind === 'hls') {
    if (!window.Hls || !Hls.isSupported()) { playerError('hls.js is not supported in this browser'); return; }
    hls = new Hls({ xhrSetup: (xhr) => { xhr.withCredentials = credentials; } });
    hls.on(Hls.Events.MANIFEST_PARSED, (_, data) => {
      showRenditions(data.levels.map((l) => ({ width: l.width, height: l.height, bitrate: l.bitrate })), hls.currentLevel);
      video.play().catch((e) => playerError('play: ' + e.message));
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_, data) => showRenditions(state.player.renditions, data.level));
    hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) playerError(`hls.js: ${data.type} ${data.details}` + (data.response ? ` (HTTP ${data.response.code})` : '')); });
    hls.loadSource(url);
    hls.attachMedia(video);
  } else {
    dash = dashjs.MediaPlayer().create();
    dash.setXHRWithCredentialsForType('MPD', credentials);
    dash.setXHRWithCredentialsForType('MediaSegment', credentials);
    dash.setXHRWithCredentialsForType('InitializationSegment', credentials);
    const ev = dashjs.MediaPlayer.events;
    dash.on(ev.STREAM_INITIALIZED, () => {
      const reps = dash.getRepresentationsByType('video');
      const cur = dash.getCurrentRepresentationForType('video');
      showRenditions(reps.map((r) => ({ width: r.width, height: r.height, bitrate: r.bandwidth })), reps.findIndex((r) => cur && r.id === cur.id));
    });
    dash.on(ev.QUALITY_CHANGE_RENDERED, (e) => {
      if (e.mediaType !== 'video') return;
      const reps = dash.getRepresentationsByType('video');
      const cur = dash.getCurrentRepresentationForType('video');
      showRenditions(state.player.renditions, reps.findIndex((r) => cur && r.id === cur.id));
    });
    dash.on(ev.ERROR, (e) => playerError('dash.js: ' + JSON.stringify(e.error || e).slice(0, 300)));
    dash.initialize(video, url, true);
  }
  $('player-status').textContent = 'playing';
}

$('token').value = new URLSearchParams(location.hash.slice(1)).get('token') || sessionStorage.getItem('ottkit-token') || '';
$('token').addEventListener('change', () => { sessionStorage.setItem('ottkit-token', token()); refresh(); });
if (token()) sessionStorage.setItem('ottkit-token', token());
$('send').addEventListener('click', upload);
$('video').addEventListener('timeupdate', () => { state.player.currentTime = $('video').currentTime; });
state.play = play;
state.refresh = refresh;
setInterval(refresh, 1000);
refresh();
