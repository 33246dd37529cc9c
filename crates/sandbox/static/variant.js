// A Kustomer-like agent page whose markup the extension's selectors do not know (issue 15): the same
// Kustomer API as the sandbox's main page (work sessions, B8), none of its data-kt attributes. Picking
// a presence saves the agent's work session exactly as the main page does, so Kustomer's work sessions
// change as they would in Kustomer. CSP-clean: no inline code, no innerHTML.
'use strict';

(() => {
  const API = '/kapi/v1';
  const select = document.querySelector('.kx-presence-select');
  const note = document.querySelector('.kx-note');
  let me = null;
  let session = null;

  async function api(path, options = {}) {
    const headers = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(API + path, {
      method: options.method || 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
    });
    const json = await res.json().catch(() => null);
    if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
    return json;
  }

  async function all(path) {
    const out = [];
    let next = path;
    while (next) {
      const page = await api(next.replace(/^\/kapi\/v1/, ''));
      out.push(...page.data);
      next = page.links && page.links.next;
    }
    return out;
  }

  async function choose(statusId) {
    try {
      let res;
      try {
        if (!session) throw Object.assign(new Error('signed out'), { status: 409 });
        res = await api(`/routing/work-sessions/${encodeURIComponent(session)}`, { method: 'PUT', body: { statusId } });
      } catch (e) {
        if (e.status !== 409) throw e;
        res = await api(`/routing/users/${encodeURIComponent(me.id)}/work-sessions`, { method: 'POST', body: { statusId } });
      }
      session = res.data.attributes.signedOutAt ? null : res.data.id;
      note.textContent = 'Presence saved.';
    } catch (e) {
      note.textContent = `Could not change your presence: ${e.message}`;
    }
  }

  async function boot() {
    me = (await api('/users/current')).data;
    document.querySelector('.kx-who').textContent = me.attributes.email;
    const statuses = await all('/routing/statuses');
    const sessions = await all(`/routing/users/${encodeURIComponent(me.id)}/work-sessions`);
    const live = sessions.find((w) => !w.attributes.signedOutAt);
    session = live ? live.id : null;
    select.replaceChildren(...statuses.map((s) => {
      const o = document.createElement('option');
      o.value = s.id;
      o.textContent = s.attributes.name;
      return o;
    }));
    if (live) select.value = live.attributes.statusId;
    select.disabled = false;
    select.addEventListener('change', () => choose(select.value));
    note.textContent = 'Ready.';
  }

  boot().catch((e) => { note.textContent = `Could not load Kustomer: ${e.message}`; });
})();
