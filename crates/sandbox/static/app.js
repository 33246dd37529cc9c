// The sandbox's Kustomer-like agent desktop. Plain JS, no framework, CSP-clean (no inline code, no
// eval, no innerHTML: every string from the API is set with textContent, because customer names and
// notes may be hostile). The markup contract (data-kt attributes) is what the extension's selectors
// module reads: keep it stable (crates/sandbox/README.md lists it).
'use strict';

(() => {
  const API = '/kapi/v1';
  // Identifies this page instance in status PUTs, so its own echo over SSE can be recognised.
  const CLIENT = Math.random().toString(36).slice(2) + Date.now().toString(36);
  let change = 0;
  const POLL = new URLSearchParams(location.search).get('poll') === '1';
  const state = {
    me: null,
    statuses: [],
    session: null, // the live work session {id, statusId} or null when signed out
    conversations: [],
    customers: new Map(),
    labels: {},
    shownConversation: null,
    renderToken: 0,
    userNames: new Map(),
  };

  const $ = (sel, root = document) => root.querySelector(sel);

  /** Builds an element; `text` goes through textContent, never HTML. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') node.textContent = String(v);
      else if (k === 'class') node.className = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  async function api(path, options = {}) {
    const headers = { Accept: 'application/json', ...(options.headers || {}) };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path.startsWith('/kapi') ? path : API + path, {
      method: options.method || 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
    });
    let json = null;
    try { json = await res.json(); } catch (_) { json = null; }
    if (!res.ok) {
      const detail = json && json.errors && json.errors[0] && json.errors[0].detail;
      const err = new Error(detail || `HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return json;
  }

  /** Follows links.next until the end, as a Kustomer client must. */
  async function apiAll(path) {
    const out = [];
    let next = path;
    while (next) {
      const page = await api(next);
      out.push(...page.data);
      next = page.links && page.links.next;
    }
    return out;
  }

  /** Caches a user's display name, for "Assigned: …". */
  async function userName(id) {
    if (state.userNames.has(id)) return;
    try {
      const u = await api(`/users/${encodeURIComponent(id)}`);
      state.userNames.set(id, u.data.attributes.name);
    } catch (_) { state.userNames.set(id, id); }
  }

  function toast(text) {
    const t = $('.toast');
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
  }

  function when(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }

  // ---- Routing status menu -------------------------------------------------------------------

  const statusRoot = () => $('[data-kt="routing-status"]');
  const statusButton = () => $('[data-kt="routing-status-button"]');
  const statusMenu = () => $('[data-kt="routing-status-menu"]');
  const statusById = (id) => state.statuses.find((s) => s.id === id);

  function renderStatusMenu() {
    const items = state.statuses.map((s) =>
      el('li', {
        role: 'menuitemradio',
        'data-status-id': s.id,
        'data-status-type': s.attributes.statusType,
        'aria-checked': 'false',
        tabindex: '-1',
        text: s.attributes.name,
      }));
    statusMenu().replaceChildren(...items);
    const current = statusRoot().getAttribute('data-status-id');
    statusRoot().setAttribute('data-status-id', '');
    if (current) showStatus(current);
  }

  /** Changes the displayed status. Does nothing when it is already shown, so observers see one
   * mutation per real change. */
  function showStatus(id) {
    const root = statusRoot();
    if (root.getAttribute('data-status-id') === id) return;
    const s = statusById(id);
    root.setAttribute('data-status-id', id);
    root.setAttribute('data-status-type', s ? s.attributes.statusType : '');
    $('[data-kt="routing-status-name"]').textContent = s ? s.attributes.name : 'Unknown';
    for (const li of statusMenu().children) {
      li.setAttribute('aria-checked', String(li.getAttribute('data-status-id') === id));
    }
  }

  function openMenu(focusLast = false) {
    statusMenu().hidden = false;
    statusButton().setAttribute('aria-expanded', 'true');
    const items = [...statusMenu().children];
    const checked = items.find((li) => li.getAttribute('aria-checked') === 'true');
    const target = focusLast ? items[items.length - 1] : (checked || items[0]);
    if (target) target.focus();
  }

  function closeMenu(focusButton = true) {
    if (statusMenu().hidden) return;
    statusMenu().hidden = true;
    statusButton().setAttribute('aria-expanded', 'false');
    if (focusButton) statusButton().focus();
  }

  /** As Kustomer does: the status changes in the page at once, then the work session is saved. */
  async function chooseStatus(id) {
    closeMenu();
    if (!statusById(id)) return;
    showStatus(id);
    change += 1;
    const headers = { 'X-Sandbox-Client': CLIENT, 'X-Sandbox-Change': String(change) };
    try {
      let res;
      try {
        if (!state.session) throw Object.assign(new Error('signed out'), { status: 409 });
        res = await api(`/routing/work-sessions/${encodeURIComponent(state.session.id)}`, { method: 'PUT', headers, body: { statusId: id } });
      } catch (e) {
        if (e.status !== 409) throw e;
        res = await api(`/routing/users/${encodeURIComponent(state.me.id)}/work-sessions`, { method: 'POST', headers, body: { statusId: id } });
      }
      noteSession(res.data);
    } catch (e) {
      toast(`Could not change your status: ${e.message}`);
      loadStatus().catch(() => {});
    }
  }

  function noteSession(ws) {
    state.session = ws && !ws.attributes.signedOutAt ? { id: ws.id, statusId: ws.attributes.statusId } : null;
  }

  async function loadStatus() {
    const sessions = await apiAll(`/routing/users/${encodeURIComponent(state.me.id)}/work-sessions`);
    const live = sessions.find((w) => !w.attributes.signedOutAt);
    noteSession(live || null);
    const offline = state.statuses.find((s) => s.attributes.statusType === 'offline');
    showStatus(live ? live.attributes.statusId : (offline ? offline.id : ''));
  }

  function wireStatusMenu() {
    statusButton().addEventListener('click', () => {
      if (statusMenu().hidden) openMenu(); else closeMenu();
    });
    statusButton().addEventListener('keydown', (e) => {
      if (['ArrowDown', 'Enter', ' '].includes(e.key)) { e.preventDefault(); openMenu(); }
      if (e.key === 'ArrowUp') { e.preventDefault(); openMenu(true); }
    });
    statusMenu().addEventListener('click', (e) => {
      const li = e.target.closest('[role="menuitemradio"]');
      if (li) chooseStatus(li.getAttribute('data-status-id'));
    });
    statusMenu().addEventListener('keydown', (e) => {
      const items = [...statusMenu().children];
      const i = items.indexOf(document.activeElement);
      const focus = (j) => items[(j + items.length) % items.length].focus();
      switch (e.key) {
        case 'ArrowDown': e.preventDefault(); focus(i + 1); break;
        case 'ArrowUp': e.preventDefault(); focus(i - 1); break;
        case 'Home': e.preventDefault(); focus(0); break;
        case 'End': e.preventDefault(); focus(items.length - 1); break;
        case 'Enter': case ' ':
          e.preventDefault();
          if (i >= 0) chooseStatus(items[i].getAttribute('data-status-id'));
          break;
        case 'Escape': e.preventDefault(); closeMenu(); break;
        case 'Tab': closeMenu(false); break;
        default: break;
      }
    });
    document.addEventListener('click', (e) => {
      if (!statusRoot().contains(e.target)) closeMenu(false);
    });
  }

  // ---- Conversation list ---------------------------------------------------------------------

  function customerName(id) {
    const c = state.customers.get(id);
    return c ? c.attributes.name : 'Unknown customer';
  }

  function renderList() {
    const current = currentConversationId();
    const links = state.conversations.map((c) => {
      const a = c.attributes;
      const customerId = c.relationships.customer.data.id;
      return el('a', {
        href: `/app/conversations/${c.id}`,
        'data-conversation-id': c.id,
        class: 'conversation-item',
        'aria-current': c.id === current ? 'page' : null,
      },
      el('span', { class: 'ci-top' },
        el('span', { class: 'ci-name', text: customerName(customerId) }),
        el('span', { class: `badge badge-${a.status}`, text: a.status })),
      el('span', { class: 'ci-subject', text: a.name || '(no subject)' }),
      el('span', { class: 'ci-preview', text: a.preview || '' }));
    });
    $('[data-kt="conversation-list"]').replaceChildren(...links);
    $('[data-kt="conversation-count"]').textContent = String(state.conversations.length);
  }

  async function loadRecords() {
    const [conversations, customers, meta] = await Promise.all([
      apiAll('/conversations'),
      apiAll('/customers'),
      api('/metadata/conversation'),
    ]);
    state.conversations = conversations;
    state.customers = new Map(customers.map((c) => [c.id, c]));
    const props = (meta.data && meta.data.attributes.properties) || {};
    state.labels = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.displayName || k]));
    renderList();
  }

  // ---- Routing (pathname → view) --------------------------------------------------------------

  function currentConversationId() {
    const m = location.pathname.match(/^\/app\/conversations\/([^/]+)/);
    return m ? decodeURIComponent(m[1]) : null;
  }

  function wireNavigation() {
    document.addEventListener('click', (e) => {
      const a = e.target.closest('a[href^="/app/"]');
      if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      if (a.getAttribute('href') !== location.pathname) history.pushState({}, '', a.getAttribute('href'));
      route();
    });
    // Also re-renders when someone else (the extension's screen pop) pushes a state and dispatches
    // a popstate event.
    window.addEventListener('popstate', () => route());
  }

  async function route() {
    let id = currentConversationId();
    if (!id && state.conversations.length) {
      id = state.conversations[0].id;
      history.replaceState({}, '', `/app/conversations/${id}`);
    }
    for (const a of document.querySelectorAll('[data-kt="conversation-list"] a')) {
      if (a.getAttribute('data-conversation-id') === id) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    await renderConversation(id, true);
  }

  // ---- Conversation view and customer panel ---------------------------------------------------

  async function renderConversation(id, replace) {
    const token = ++state.renderToken;
    let data;
    try {
      const enc = encodeURIComponent(id);
      const [conv, messages, notes, attachments] = await Promise.all([
        api(`/conversations/${enc}`),
        apiAll(`/conversations/${enc}/messages`),
        apiAll(`/conversations/${enc}/notes`),
        apiAll(`/conversations/${enc}/attachments`),
      ]);
      const customer = await api(`/customers/${encodeURIComponent(conv.data.relationships.customer.data.id)}`);
      await Promise.all([...conv.data.attributes.assignedUsers, ...(customer.data.attributes.assignedUsers || [])].map(userName));
      data = { conv: conv.data, messages, notes, attachments, customer: customer.data };
    } catch (e) {
      if (token !== state.renderToken) return;
      swap('[data-kt="conversation-view"]', el('main', { 'data-kt': 'conversation-view', class: 'conversation-view' },
        el('p', { class: 'empty', text: `Conversation not found (${e.message}).` })));
      swap('[data-kt="customer-panel"]', el('aside', { 'data-kt': 'customer-panel', class: 'customer-panel', 'aria-label': 'Customer' }));
      return;
    }
    if (token !== state.renderToken) return;
    state.shownConversation = id;
    if (replace) {
      swap('[data-kt="conversation-view"]', conversationView(data));
      swap('[data-kt="customer-panel"]', customerPanel(data.customer));
    } else {
      // A live refresh keeps the view and replaces only the parts that change.
      const view = $('[data-kt="conversation-view"]');
      const fresh = conversationView(data);
      for (const sel of ['.conv-head', '.timeline', '[data-kt="additional-info"]']) {
        const old = $(sel, view);
        if (old) old.replaceWith($(sel, fresh));
      }
      const panel = $('[data-kt="customer-panel"]');
      if (panel && panel.getAttribute('data-customer-id') === data.customer.id) {
        const name = $('[data-kt="customer-name"]', panel);
        if (name.textContent !== data.customer.attributes.name) name.textContent = data.customer.attributes.name;
      }
    }
  }

  function swap(sel, node) {
    const old = $(sel);
    if (old) old.replaceWith(node);
  }

  function conversationView({ conv, messages, notes, attachments, customer }) {
    const a = conv.attributes;
    const assigned = a.assignedUsers.length ? a.assignedUsers.map((u) => state.userNames.get(u) || u).join(', ') : 'Unassigned';
    const head = el('header', { class: 'conv-head' },
      el('h1', { 'data-kt': 'conversation-subject', text: a.name || '(no subject)' }),
      el('div', { class: 'conv-meta' },
        el('span', { class: `badge badge-${a.status}`, text: a.status }),
        el('span', { class: 'channel', text: (a.channels || []).join(', ') }),
        el('span', { class: 'assigned', 'data-kt': 'assigned-users', text: `Assigned: ${assigned}` })));
    const items = [
      ...messages.map((m) => ({ at: m.attributes.createdAt, node: el('article', { 'data-kt': 'message', class: `message ${m.attributes.direction}`, 'data-message-id': m.id },
        el('div', { class: 'meta', text: `${m.attributes.direction === 'out' ? 'Agent' : customer.attributes.name} · ${m.attributes.channel} · ${when(m.attributes.createdAt)}` }),
        el('p', { class: 'body', text: m.attributes.body })) })),
      ...notes.map((n) => ({ at: n.attributes.createdAt, node: el('article', { 'data-kt': 'note', class: 'note', 'data-note-id': n.id },
        el('div', { class: 'meta', text: `Note · ${when(n.attributes.createdAt)}` }),
        el('p', { class: 'body', text: n.attributes.body })) })),
      ...attachments.map((f) => ({ at: f.attributes.createdAt, node: el('div', { 'data-kt': 'attachment', class: 'attachment', 'data-attachment-id': f.id },
        el('span', { class: 'clip', 'aria-hidden': 'true', text: '📎' }),
        el('span', { class: 'name', text: f.attributes.name }),
        el('span', { class: 'size', text: `${f.attributes.contentType} · ${f.attributes.size} bytes` })) })),
    ];
    items.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    const timeline = el('section', { class: 'timeline', 'aria-label': 'Conversation timeline' }, ...items.map((i) => i.node));
    const fields = Object.entries(a.custom || {}).map(([k, v]) =>
      el('div', { class: 'field', 'data-field': k },
        el('dt', { text: state.labels[k] || k }),
        el('dd', { text: v === null ? '' : String(v) })));
    const info = el('section', { 'data-kt': 'additional-info', class: 'additional-info', 'aria-label': 'Additional information' },
      el('h2', { text: 'Additional information' }),
      fields.length ? el('dl', {}, ...fields) : el('p', { class: 'empty', text: 'No additional information.' }));
    const input = el('textarea', { 'aria-label': 'Add a note', placeholder: 'Add an internal note…', rows: '2' });
    const form = el('form', { class: 'composer' }, input, el('button', { type: 'submit', text: 'Add note' }));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = input.value.trim();
      if (!body) return;
      try {
        await api(`/conversations/${encodeURIComponent(conv.id)}/notes`, { method: 'POST', body: { body, userId: state.me.id } });
        input.value = '';
      } catch (err) { toast(`Could not add the note: ${err.message}`); }
    });
    return el('main', { 'data-kt': 'conversation-view', class: 'conversation-view', 'data-conversation-id': conv.id },
      head, el('div', { class: 'conv-body' }, timeline, info), form);
  }

  function customerPanel(c) {
    const a = c.attributes;
    const initials = (a.name || '?').split(/\s+/).map((w) => w[0] || '').join('').slice(0, 2).toUpperCase();
    const phones = a.phones.map((p) => el('li', { class: 'contact' },
      el('span', { class: 'label', text: p.type }),
      el('span', { 'data-kt': 'customer-phone', class: 'value', text: p.phone })));
    const emails = a.emails.map((m) => el('li', { class: 'contact' },
      el('span', { class: 'label', text: 'email' }),
      el('span', { 'data-kt': 'customer-email', class: 'value', text: m.email })));
    // R18: the connector assigns a new caller to the agent who answered.
    const owners = (a.assignedUsers || []).map((u) => state.userNames.get(u) || u).join(', ');
    const others = state.conversations.filter((x) => x.relationships.customer.data.id === c.id).map((x) =>
      el('li', {}, el('a', { href: `/app/conversations/${x.id}`, text: x.attributes.name || '(no subject)' })));
    return el('aside', { 'data-kt': 'customer-panel', class: 'customer-panel', 'aria-label': 'Customer', 'data-customer-id': c.id },
      el('div', { class: 'customer-head' },
        el('span', { class: 'avatar', 'aria-hidden': 'true', text: initials }),
        el('h2', { 'data-kt': 'customer-name', text: a.name })),
      owners ? el('p', { 'data-kt': 'customer-assigned', class: 'customer-assigned', text: `Assigned to ${owners}` }) : null,
      el('section', {}, el('h3', { text: 'Contact' }), el('ul', { class: 'contacts' }, ...phones, ...emails)),
      el('section', {}, el('h3', { text: 'Conversations' }), el('ul', { class: 'history' }, ...others)));
  }

  // ---- Live updates from the server (Kustomer's real-time channel) -----------------------------

  /** Applies one server event (from the stream or from polling). */
  function onEvent(name, d) {
    if (name === 'status') {
      if (!state.me || d.userId !== state.me.id) return;
      const s = statusById(d.statusId);
      state.session = s && s.attributes.statusType === 'offline' ? null : { id: d.workSessionId, statusId: d.statusId };
      // Our own echo, older than our latest click: a newer choice is on its way, keep showing it.
      if (d.client === CLIENT && typeof d.change === 'number' && d.change < change) return;
      showStatus(d.statusId);
    } else if (name === 'records') {
      refresh(d.conversationId);
    } else if (name === 'user') {
      if (state.me) state.me.attributes.email = d.email;
      $('[data-kt="current-user-email"]').textContent = d.email;
    } else if (name === 'reset') {
      boot(false).catch((err) => toast(err.message));
    }
  }

  /** Kustomer's real-time channel: Server-Sent Events. With ?poll=1 in the address, the page polls
   * instead, because an open stream stops Chromium's virtual time (--virtual-time-budget screenshots). */
  function connectStream() {
    if (POLL) {
      let after = null;
      const tick = async () => {
        try {
          const r = await api(after === null ? '/sandbox-events' : `/sandbox-events?after=${after}`);
          if (after !== null) for (const e of r.events) onEvent(e.event, e);
          after = r.last;
        } catch (_) { /* retried on the next tick */ }
        setTimeout(tick, 300);
      };
      tick();
      return;
    }
    const es = new EventSource(`${API}/sandbox-stream`);
    for (const name of ['status', 'records', 'user', 'reset']) {
      es.addEventListener(name, (e) => onEvent(name, JSON.parse(e.data)));
    }
  }

  let refreshTimer = null;
  const pending = new Set();
  /** Coalesces bursts (the connector writes several records per event) into one refetch. */
  function refresh(conversationId) {
    pending.add(conversationId || '*');
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      const ids = [...pending];
      pending.clear();
      await loadRecords().catch(() => {});
      const shown = state.shownConversation;
      if (shown && (ids.includes('*') || ids.includes(shown))) await renderConversation(shown, false);
    }, 50);
  }

  async function boot(first) {
    const me = await api('/users/current');
    state.me = me.data;
    $('[data-kt="current-user-email"]').textContent = state.me.attributes.email;
    state.statuses = await apiAll('/routing/statuses');
    renderStatusMenu();
    await loadStatus();
    await loadRecords();
    if (first) {
      wireStatusMenu();
      wireNavigation();
      connectStream();
    }
    await route();
  }

  boot(true).catch((e) => toast(`Could not load Kustomer: ${e.message}`));
})();
