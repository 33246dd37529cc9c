// Phone controls (SPEC C1, issues 6 and 17). The content script finds nothing itself: it sends the frame
// the texts that changed, the frame (libphonenumber's own matcher) says where the numbers are in each
// (UTF-16 offsets), and only those get a control. The page is untrusted: nothing is rendered as HTML, a
// text is at most MAX_TEXT long, and the control is styled through the CSSOM because the page's CSP
// forbids inline style attributes.
// Classic content scripts share one isolated-world scope: content.js calls `ccaiPhones(...)`.
function ccaiPhones(send, choose, report) {
  'use strict';
  const MAX_TEXT = 10000; // ≤ 30,000 bytes of UTF-8: the frame searches up to 32 KiB (MAX_SCAN).
  const MAX_BATCH = 2000;
  // A text with no digit in any script (full-width, Arabic-Indic …) cannot hold a number.
  const DIGIT = /\p{Nd}/u;
  const controls = new WeakMap(); // phone element or text piece → its controls (to remove on edit)
  const latest = new WeakMap(); // phone element → the id it was last asked about under
  let scanned = new WeakSet(); // elements and text nodes already asked about
  const pending = new Map(); // candidate id → { node, text, inText }
  const asked = new WeakMap(); // control → [candidate id, the number as written]
  // A message text node is split after each confirmed number; a later verdict may be for any piece.
  const nextPiece = new WeakMap(); // text node → the piece split off its end
  const pieceStart = new WeakMap(); // that piece → its offset in the text node first scanned
  let nextId = 1;
  let batchIds = [];
  let batchTexts = [];
  let dirty = new Set();
  let scheduled = false;

  function isOurs(node) {
    return node.nodeType === 1 && node.hasAttribute('data-ccai-phone');
  }

  function ask(node, text, inText) {
    if (!inText) latest.delete(node); // An answer about its old text must not be placed.
    if (text.length > MAX_TEXT || batchIds.length >= MAX_BATCH || !DIGIT.test(text)) return;
    const id = nextId++;
    pending.set(id, { node, text, inText });
    batchIds.push(id);
    batchTexts.push(text);
    if (!inText) latest.set(node, id);
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
    const only = el.firstChild;
    if (only && only === el.lastChild && only.nodeType === 3) return only.data.trim(); // The usual case.
    let s = '';
    for (const n of el.childNodes) if (!isOurs(n)) s += n.textContent;
    return s.trim();
  }

  function scanText(node) {
    if (scanned.has(node)) return;
    scanned.add(node);
    if (node.data.length > 6) ask(node, node.data, true);
  }

  function scanMessage(el) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) scanText(n);
  }

  // Only the subtrees that changed are looked at: an added element is searched for phone elements
  // and messages inside it (or around it), an edited text is asked about again.
  function scanRoot(node) {
    if (node.nodeType === 3) {
      const el = node.parentElement;
      if (!el) return;
      const phone = el.closest(KUSTOMER.customerPhone);
      if (phone) return rescanPhone(phone);
      if (el.closest(KUSTOMER.message)) rescanText(node);
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

  // A text added, or edited in place: the controls after it were for its old text. (The splits our
  // own controls make are not seen here: content.js does not observe while they go in.)
  function rescanText(node) {
    removeControls(node);
    scanned.delete(node);
    scanText(node);
  }

  // The page set the whole value of a text node we split (React updates text in place): to the page
  // it is one node, so the pieces we split off it hold old text. They go, with their controls.
  function dropPieces(node) {
    if (pieceStart.has(node)) return; // A piece itself: the page cannot know it as one node.
    for (let p = nextPiece.get(node); p; p = nextPiece.get(p)) {
      removeControls(p);
      p.remove();
    }
    nextPiece.delete(node);
  }

  function removeControls(node) {
    const list = controls.get(node);
    if (list) for (const b of list) b.remove();
    controls.delete(node);
  }

  // A removed element takes its controls with it: each sits inside its phone element, or beside its
  // number's text within the same parent. A removed text node leaves the controls beside it: remove
  // them, and ask again if it comes back.
  function removed(node) {
    if (node.nodeType !== 3) return;
    removeControls(node);
    scanned.delete(node);
  }

  function flush() {
    scheduled = false;
    const roots = dirty;
    dirty = new Set();
    const t0 = performance.now();
    for (const r of roots) if (r.isConnected) scanRoot(r);
    // One message per batch, answered by one: the page then places every control in one task, with no
    // frame rendered in between (a 1,000-number panel re-laid out halfway costs ~50 ms more).
    if (batchIds.length) send({ type: 'PhoneCandidates', ids: batchIds, texts: batchTexts });
    batchIds = [];
    batchTexts = [];
    return performance.now() - t0;
  }

  // Setting a dozen style properties costs ~10 µs a control; cloning a styled one costs almost
  // nothing (the copy keeps its CSSOM style, no style attribute is parsed).
  let template = null;
  let labelParts = null; // "Call $1" split around the number: one i18n lookup, not one per control
  function button(id, number, display) {
    if (!template) {
      labelParts = chrome.i18n.getMessage('phoneCallLabel', ['\u0001']).split('\u0001');
      template = document.createElement('button');
      template.type = 'button';
      template.textContent = '\u260E';
      Object.assign(template.style, {
        all: 'initial', display: 'inline-block', cursor: 'pointer', marginInlineStart: '4px',
        padding: '0 4px', font: '14px/18px system-ui, sans-serif', color: '#0b57d0',
        border: '1px solid #0b57d0', borderRadius: '4px', background: '#fff', verticalAlign: 'middle',
      });
    }
    const b = template.cloneNode(true);
    b.setAttribute('data-ccai-phone', String(id));
    b.setAttribute('aria-label', labelParts.join(display));
    asked.set(b, [id, number]);
    return b;
  }

  // One listener per event for every control (delegated, not three per control): a control is one of
  // ours only if `asked` knows it, so a page element that copies the attribute does nothing.
  function ours(e) {
    return asked.has(e.target) ? e.target : null;
  }
  // Only the agent's own click or key (trusted): a page script clicking a control fills nothing.
  document.addEventListener('click', (e) => {
    const b = ours(e);
    if (!b || !e.isTrusted) return;
    e.preventDefault();
    e.stopPropagation();
    choose(...asked.get(b));
  }, true);
  document.addEventListener('focusin', (e) => {
    const b = ours(e);
    if (b) Object.assign(b.style, { outline: '2px solid #0b57d0', outlineOffset: '1px' });
  }, true);
  document.addEventListener('focusout', (e) => {
    const b = ours(e);
    if (b) b.style.outline = '';
  }, true);
  // The tooltip repeats the accessible name; it is set on first hover, not on each of 1,000 controls.
  document.addEventListener('pointerover', (e) => {
    const b = ours(e);
    if (b && !b.title) b.title = b.getAttribute('aria-label');
  }, true);

  function remember(node, b) {
    const list = controls.get(node);
    if (list) list.push(b); else controls.set(node, [b]);
  }

  // The frame's answer, one message per batch, one entry per number found, in text order: candidate
  // `ids[i]` holds a number from `starts[i]` to `ends[i]`, labelled `displays[i]`. Every candidate up
  // to id `last` is answered: those without an entry hold no number and are forgotten.
  function onVerdicts(msg) {
    const { ids, starts, ends, displays, last } = msg;
    const n = Array.isArray(ids) ? ids.length : 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      const c = pending.get(id);
      const display = displays[i];
      const number = c ? c.text.slice(starts[i], ends[i]) : '';
      if (!number || typeof display !== 'string' || !c.node.isConnected) continue;
      const b = button(id, number, display.slice(0, 100));
      if (c.inText) {
        const piece = placeInText(c.node, ends[i], number, b);
        if (piece) remember(piece, b);
      } else if (latest.get(c.node) === id) {
        c.node.appendChild(b);
        remember(c.node, b);
      } // Else edited since it was asked about: its new text has been asked about.
    }
    for (const id of pending.keys()) {
      if (id > last) break; // Ids go up in the order they were asked.
      pending.delete(id);
    }
  }

  // The control goes right after the number, which ends at `end` in the text node as first asked about:
  // find the piece that now holds that offset and split it there, if the number is still there.
  // Returns the piece that ends with the number (the control leaves with it), or null.
  function placeInText(node, end, text, b) {
    let piece = node;
    let start = 0;
    while (end > start + piece.data.length) {
      piece = nextPiece.get(piece);
      if (!piece || !piece.isConnected) return null;
      start = pieceStart.get(piece);
    }
    const at = end - start;
    if (piece.data.slice(at - text.length, at) !== text) return null;
    const rest = piece.splitText(at);
    scanned.add(rest);
    pieceStart.set(rest, end);
    const after = nextPiece.get(piece);
    if (after) nextPiece.set(rest, after);
    nextPiece.set(piece, rest);
    rest.before(b);
    return piece;
  }

  return {
    /** Every record of the one page observer; returns the milliseconds spent, for the bench. */
    onMutations(records) {
      for (const r of records) {
        if (r.type === 'childList') {
          for (const n of r.addedNodes) if (!isOurs(n)) dirty.add(n);
          for (const n of r.removedNodes) removed(n);
        } else if (r.type === 'characterData') {
          dropPieces(r.target);
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
