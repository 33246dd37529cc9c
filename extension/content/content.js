// The content script: the one piece of the extension that lives beside the untrusted Kustomer page.
// It is plain JavaScript because a page's CSP blocks WASM here (TOOLCHAIN.md). It decides nothing: it
// mounts the adapter frame, reads facts off the page through selectors.js, and passes them to the
// frame over a chrome.runtime port, which the page can neither read nor forge (ARCHITECTURE.md).
(() => {
  'use strict';
  if (globalThis.__ccaiAdapter) return; // Injected twice (extension reload): keep the first.
  globalThis.__ccaiAdapter = true;

  const startedAt = performance.now();
  const nonce = crypto.randomUUID();
  const host = document.createElement('ccai-adapter');
  // A closed shadow root keeps the page's scripts and CSS away from the frame element.
  const shadow = host.attachShadow({ mode: 'closed' });
  const frame = document.createElement('iframe');
  let port = null;
  // The frame says when a call is live: leaving the page then asks the agent first.
  let callLive = false;
  let lastFacts = '';
  let scheduled = false;
  // Our milliseconds per DOM mutation batch (observer, phone scan, facts), newest last, for
  // `./build.sh bench` (not secret). A batch closes after its microtasks, on the next task.
  const workMs = [];
  let batchMs = 0;
  let batchOpen = false;
  function charge(ms) {
    batchMs += ms;
    if (batchOpen) return;
    batchOpen = true;
    setTimeout(() => {
      batchOpen = false;
      workMs.push(batchMs.toFixed(3));
      batchMs = 0;
      if (workMs.length > 500) workMs.shift();
      host.dataset.phoneWorkMs = workMs.join(',');
    }, 0);
  }
  const phones = ccaiPhones(
    (msg) => { if (port) port.postMessage(msg); },
    (id, text) => {
      frame.focus(); // The frame then moves focus to its Call button (C1).
      if (port) port.postMessage({ type: 'PhoneChosen', id, text });
    },
    charge,
  );
  // Screen pop (A3): only a conversation path on this origin, checked here as in the frame.
  const CONVERSATION_PATH = /^\/app\/conversations\/[A-Za-z0-9_-]{1,64}$/;

  // CSSOM writes are allowed under a strict page style-src; style attributes would not be.
  Object.assign(host.style, {
    all: 'initial', position: 'fixed', left: '0', bottom: '0', zIndex: '2147483647',
    width: '0', height: '0', display: 'block', margin: '0', padding: '0', border: '0',
  });
  Object.assign(frame.style, {
    width: '100%', height: '100%', border: '0', margin: '0', padding: '0', display: 'block',
    background: 'transparent', colorScheme: 'normal',
  });
  frame.title = chrome.i18n.getMessage('frameTitle');
  frame.setAttribute('allow', 'microphone; autoplay');
  frame.src = chrome.runtime.getURL('adapter.html') + '#' + nonce;
  frame.addEventListener('load', connect);
  shadow.appendChild(frame);
  document.documentElement.appendChild(host);

  function connect() {
    port = chrome.runtime.connect({ name: 'ccai-page:' + nonce });
    port.onMessage.addListener(onFrameMessage);
    port.onDisconnect.addListener(() => { port = null; callLive = false; });
    lastFacts = '';
    sendFacts();
    phones.scanAll();
  }

  function onFrameMessage(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'Resize') {
      host.style.width = Math.max(0, Math.min(+msg.width || 0, innerWidth)) + 'px';
      host.style.height = Math.max(0, Math.min(+msg.height || 0, innerHeight)) + 'px';
    } else if (msg.type === 'Ready') {
      // Timing for `./build.sh bench`: not secret, so a plain attribute is fine.
      host.dataset.readyMs = performance.now().toFixed(1);
      host.dataset.startupMs = (performance.now() - startedAt).toFixed(1);
      // When Chromium had parsed the frame (before any of its scripts ran), on the same wall clock.
      if (typeof msg.parsedAt === 'number') {
        host.dataset.frameParsedMs = (msg.parsedAt - performance.timeOrigin - startedAt).toFixed(1);
      }
    } else if (msg.type === 'PhoneVerdicts') {
      // The page's records still queued are handled first; then the observer is off while our
      // controls go in (no page script runs meanwhile): 1,000 controls would be 1,000 records to make
      // and look through, with nothing in them to scan.
      const queued = observer.takeRecords();
      if (queued.length) onRecords(queued);
      observer.disconnect();
      try {
        phones.onVerdicts(msg);
      } finally {
        observe(); // Whatever happens: the status facts come through this observer too.
      }
    } else if (msg.type === 'CallLive') {
      callLive = msg.live === true;
    } else if (msg.type === 'Navigate') {
      const path = typeof msg.path === 'string' ? msg.path : '';
      if (CONVERSATION_PATH.test(path) && location.pathname !== path) {
        history.pushState(null, '', path);
        dispatchEvent(new PopStateEvent('popstate', { state: null }));
      }
    }
  }

  function text(selector) {
    const el = document.querySelector(selector);
    return el ? el.textContent.trim() : null;
  }

  function readFacts() {
    const status = document.querySelector(KUSTOMER.routingStatus);
    return {
      type: 'PageFacts',
      markup_found: status !== null,
      kustomer_email: text(KUSTOMER.currentUserEmail),
      status_id: status ? status.getAttribute('data-status-id') : null,
      status_name: text(KUSTOMER.routingStatusName),
      path: location.pathname,
    };
  }

  function sendFacts() {
    const t0 = performance.now();
    sendFactsNow();
    charge(performance.now() - t0);
  }

  function sendFactsNow() {
    scheduled = false;
    if (!host.isConnected) document.documentElement.appendChild(host); // A page re-render removed us.
    if (!port) return;
    const facts = readFacts();
    const key = JSON.stringify(facts);
    if (key === lastFacts) return;
    lastFacts = key;
    port.postMessage(facts);
  }

  // One observer for the whole page; work is batched to one read per microtask burst.
  function onRecords(records) {
    const t0 = performance.now();
    phones.onMutations(records);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(sendFacts);
    }
    charge(performance.now() - t0);
  }
  const observer = new MutationObserver(onRecords);
  function observe() {
    observer.observe(document.documentElement, {
      subtree: true, childList: true, characterData: true,
      attributes: true, attributeFilter: KUSTOMER.watchedAttributes,
    });
  }
  observe();
  addEventListener('popstate', () => queueMicrotask(sendFacts));
  // The page starts to leave: an owner frame hands over now; its own pagehide waits for the next page.
  // Only the browser's own event counts: with a fake one the page could make the owner step down, or,
  // from whether we cancel it, poll whether the agent is on a call.
  addEventListener('beforeunload', (e) => {
    if (!e.isTrusted) return;
    if (callLive) {
      // A live call: the browser asks the agent before the page goes (and the owner stays put).
      e.preventDefault();
      e.returnValue = true;
    } else if (port) {
      port.postMessage({ type: 'PageLeaving' });
    }
  });
})();
