// Loader of the adapter frame, in two halves (issue 19): the view (pkg/adapter_bg.wasm: the markup's
// bindings, painted at once) and, after its first paint, the engine (pkg/engine_bg.wasm: status sync,
// the company server, the softphone). It registers the port listener synchronously, before any WASM
// loads, so the content script's first facts wait for the engine rather than being lost; the agent's
// intents asked before the engine runs wait likewise, in order.
import init, { start_adapter, show_frame } from './pkg/adapter.js';

const nonce = location.hash.slice(1);
// What the first paint shows (the panel minimised or not, CCAI's statuses remembered from the last load:
// src/adapter/startup.rs and remembered.rs), read while the WASM compiles rather than after.
const firstPaintItems = chrome.storage.local.get(['ui', 'ccaiStatuses']);
const pending = [];
let deliver = null;
let port = null;

chrome.runtime.onConnect.addListener((p) => {
  // Every adapter frame in every tab hears every content script's connect: keep only ours. The page
  // cannot call chrome.runtime at all; the nonce travels in our URL, which the page cannot read.
  // Another tab's port is ignored, not disconnected: a disconnect from any receiver closes the port
  // for its content script, which would cut that tab's adapter off.
  const ours = p.name === 'ccai-page:' + nonce && p.sender && p.sender.id === chrome.runtime.id && p.sender.tab;
  if (!ours) return;
  port = p;
  p.onMessage.addListener((m) => (deliver ? deliver(m) : pending.push(m)));
  p.onDisconnect.addListener(() => { if (port === p) port = null; });
  if (lastSize) p.postMessage(lastSize);
  if (ready) p.postMessage(ready);
});

let lastSize = null;
let ready = null;
let painted;
const firstPaint = new Promise((resolve) => { painted = resolve; });
function post(msg) {
  if (msg && msg.type === 'Resize') lastSize = msg;
  if (msg && msg.type === 'Ready') {
    // Said once: by the view when it painted the remembered statuses, else by the engine.
    if (ready) return;
    // Kept for a port that connects later. `parsedAt` (wall-clock ms) is when Chromium had parsed this
    // frame, before any of our code ran: `./build.sh bench` reports it as the floor under start-up.
    const nav = performance.getEntriesByType('navigation')[0];
    ready = { ...msg, parsedAt: nav ? performance.timeOrigin + nav.domInteractive : null };
    msg = ready;
    painted();
  }
  if (port) port.postMessage(msg);
}

// The phone module (libphonenumber, its own WASM file): imported the first time the adapter asks, and
// never before the panel's first paint, so neither its bytes nor its compile delay the agent's panel.
let phones = null;
globalThis.ccaiPhones = {
  async ask(question) {
    phones ??= firstPaint.then(async () => {
      const m = await import('./pkg/phones.js');
      await m.default({ module_or_path: './pkg/phones_bg.wasm' });
      return m;
    });
    return (await phones).phone_answer(question);
  },
};

// The frame is sized to the panel: the panel grows upwards from the bottom-left corner.
function watchSize(el) {
  new ResizeObserver(() => {
    const r = el.getBoundingClientRect();
    post({ type: 'Resize', width: Math.ceil(r.width), height: Math.ceil(r.height) });
  }).observe(el);
}

// Web Locks, wrapped so Rust sees two callbacks and a release function. The browser releases the lock
// when this frame's tab closes or crashes, which is what makes owner handover immediate.
function lock(name, steal, onGranted, onLost) {
  const abort = new AbortController();
  let release = () => {};
  let cancelled = false;
  const held = new Promise((resolve) => { release = resolve; });
  const options = steal ? { steal: true } : { signal: abort.signal };
  navigator.locks.request(name, options, () => { onGranted(); return held; })
    .catch((e) => { if (!cancelled && e && e.name === 'AbortError') onLost(); });
  return () => { cancelled = true; abort.abort(); release(); };
}

// The view's intents, for the engine once it runs.
const intents = [];
let toEngine = null;
globalThis.ccaiFrame = {
  intent(i) { if (toEngine) toEngine(i); else intents.push(i); },
};

await init({ module_or_path: './pkg/adapter_bg.wasm' });
start_adapter({ firstPaintItems, watchSize, ready: () => post({ type: 'Ready' }) });

// The engine after the view's first paint: its bytes and compile never delay the agent's panel. A tab
// opened or kept in the background paints nothing (no animation frame comes until it is shown), and
// its status sync must run all the same: there the engine loads at once.
await new Promise((resolve) => {
  if (document.hidden) return resolve();
  document.addEventListener('visibilitychange', resolve, { once: true });
  requestAnimationFrame(() => {
    // Right after the frame, unthrottled (a timer in a tab just hidden can wait a second or more).
    const channel = new MessageChannel();
    channel.port1.onmessage = resolve;
    channel.port2.postMessage(null);
  });
});
const engine = await import('./pkg/engine.js');
await engine.default({ module_or_path: './pkg/engine_bg.wasm' });
engine.start_engine({
  firstPaintItems,
  post,
  subscribe(fn) { deliver = fn; pending.splice(0).forEach(fn); },
  lock,
  show: show_frame,
  intents(fn) { toEngine = fn; intents.splice(0).forEach(fn); },
});
