// Phone controls (SPEC C1, issue 6). The content script only finds strings that may be numbers; the
// frame (Rust, libphonenumber metadata) decides which are dialable, and only those get a control. The
// page is untrusted: nothing is rendered as HTML, a candidate is at most 64 characters, and the control
// is styled through the CSSOM because the page's CSP forbids inline style attributes.
// Classic content scripts share one isolated-world scope: content.js calls `ccaiPhones(...)`.
function ccaiPhones(send, choose, report) {
  'use strict';
  const MAX_TEXT = 64;
  const MAX_BATCH = 2000;
  // Digits with the separators people write (spaces, dots, dashes, parentheses, slashes), an optional
  // leading + or 00, and an optional extension. Cheap on purpose: the frame decides.
  const CANDIDATE = /(?:\+|\b)\(?\d[\d\s().\/-]{5,22}\d(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?/gi;
  const controls = new WeakMap(); // phone element or text node → its controls (to remove on edit)
  let scanned = new WeakSet(); // elements and text nodes already asked about
  const pending = new Map(); // candidate id → { node, end?, text }
  let nextId = 1;
  let batch = [];
  let dirty = new Set();
  let scheduled = false;

  function isOurs(node) {
    return node.nodeType === 1 && node.hasAttribute('data-ccai-phone');
  }

  function ask(node, text, end) {
    if (text.length > MAX_TEXT || batch.length >= MAX_BATCH) return;
    const id = nextId++;
    pending.set(id, { node, end, text });
    batch.push({ id, text });
  }

  function scanPhone(el) {
    if (scanned.has(el)) return;
    scanned.add(el);
    const text = textOf(el);
    if (text) ask(el, text);
  }

  // The control sits inside the phone element (so it follows the page's layout and leaves with the
  // element): its own text is not part of the number.
  function textOf(el) {
    let s = '';
    for (const n of el.childNodes) if (!isOurs(n)) s += n.textContent;
    return s.trim();
  }

  function scanText(node) {
    if (scanned.has(node)) return;
    scanned.add(node);
    const data = node.data;
    if (data.length < 7 || !/\d/.test(data)) return;
    for (const m of data.matchAll(CANDIDATE)) ask(node, m[0].trim(), m.index + m[0].length);
  }

  function scanMessage(el) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) scanText(n);
  }

  // Only the subtrees that changed are looked at: an added element is searched for phone elements
  // and messages inside it (or around it), an edited text re-asks about its element.
  function scanRoot(node) {
    if (node.nodeType === 3) {
      const el = node.parentElement;
      if (!el) return;
      const phone = el.closest(KUSTOMER.customerPhone);
      if (phone) return rescanPhone(phone);
      if (el.closest(KUSTOMER.message)) scanText(node);
      return;
    }
    if (node.nodeType !== 1 || isOurs(node)) return;
    const phone = node.closest(KUSTOMER.customerPhone);
    if (phone) return rescanPhone(phone);
    const message = node.closest(KUSTOMER.message);
    if (message) return scanMessage(node);
    for (const el of node.querySelectorAll(KUSTOMER.customerPhone)) scanPhone(el);
    for (const el of node.querySelectorAll(KUSTOMER.message)) scanMessage(el);
  }

  function rescanPhone(el) {
    removeControls(el);
    scanned.delete(el);
    scanPhone(el);
  }

  function removeControls(node) {
    const list = controls.get(node);
    if (list) for (const b of list) b.remove();
    controls.delete(node);
  }

  // A removed phone element takes its control with it; forget it.
  function removed(node) {
    if (controls.has(node)) removeControls(node);
    if (!node.firstElementChild) return;
    for (const el of node.querySelectorAll(KUSTOMER.customerPhone)) {
      if (controls.has(el)) removeControls(el);
    }
  }

  function flush() {
    scheduled = false;
    const roots = dirty;
    dirty = new Set();
    const t0 = performance.now();
    for (const r of roots) if (r.isConnected) scanRoot(r);
    if (batch.length) {
      send({ type: 'PhoneCandidates', batch });
      batch = [];
    }
    return performance.now() - t0;
  }

  function button(id, display, text) {
    const b = document.createElement('button');
    const label = chrome.i18n.getMessage('phoneCallLabel', [display]);
    b.type = 'button';
    b.setAttribute('data-ccai-phone', String(id));
    b.setAttribute('aria-label', label);
    b.title = label;
    b.textContent = '\u260E';
    Object.assign(b.style, {
      all: 'initial', display: 'inline-block', cursor: 'pointer', marginInlineStart: '4px',
      padding: '0 4px', font: '14px/18px system-ui, sans-serif', color: '#0b57d0',
      border: '1px solid #0b57d0', borderRadius: '4px', background: '#fff', verticalAlign: 'middle',
    });
    b.addEventListener('focus', () => { b.style.outline = '2px solid #0b57d0'; b.style.outlineOffset = '1px'; });
    b.addEventListener('blur', () => { b.style.outline = ''; });
    b.addEventListener('click', (e) => {
      e.preventDefault();
      e.stopPropagation();
      choose(id, text);
    });
    return b;
  }

  function remember(node, b) {
    const list = controls.get(node);
    if (list) list.push(b); else controls.set(node, [b]);
  }

  // The frame's verdicts: decorate the confirmed ones; forget the rest. Text nodes are split from the
  // last match backwards so earlier offsets stay valid.
  function onVerdicts(msg) {
    const dialable = new Map();
    for (const v of Array.isArray(msg.dialable) ? msg.dialable : []) {
      if (v && typeof v.display === 'string') dialable.set(v.id, v.display.slice(0, MAX_TEXT));
    }
    const inText = [];
    for (const id of Array.isArray(msg.ids) ? msg.ids : []) {
      const c = pending.get(id);
      pending.delete(id);
      if (!c || !dialable.has(id) || !c.node.isConnected) continue;
      if (c.end === undefined) {
        const b = button(id, dialable.get(id), c.text);
        c.node.append(b);
        remember(c.node, b);
      } else {
        inText.push([id, c]);
      }
    }
    inText.sort((a, b) => (a[1].node === b[1].node ? b[1].end - a[1].end : 0));
    for (const [id, c] of inText) {
      if (!c.node.isConnected || c.end > c.node.data.length) continue;
      const rest = c.node.splitText(c.end);
      scanned.add(rest);
      const b = button(id, dialable.get(id), c.text);
      rest.before(b);
      remember(c.node, b);
    }
  }

  return {
    /** Every record of the one page observer; returns the milliseconds spent, for the bench. */
    onMutations(records) {
      for (const r of records) {
        if (r.type === 'childList') {
          for (const n of r.addedNodes) if (!isOurs(n)) dirty.add(n);
          for (const n of r.removedNodes) if (n.nodeType === 1 && !isOurs(n)) removed(n);
        } else if (r.type === 'characterData') {
          dirty.add(r.target);
        }
      }
      if (!dirty.size || scheduled) return;
      scheduled = true;
      queueMicrotask(() => report(flush()));
    },
    /** A (re)connected frame knows nothing yet: ask about the whole page once. */
    scanAll() {
      for (const b of document.querySelectorAll('[data-ccai-phone]')) b.remove();
      scanned = new WeakSet();
      pending.clear();
      dirty.add(document.body || document.documentElement);
      if (!scheduled) { scheduled = true; queueMicrotask(() => report(flush())); }
    },
    onVerdicts,
  };
}
