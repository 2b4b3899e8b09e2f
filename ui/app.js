// app.js - the UI's entry point: a hash router (#/subjects/orders-value?v=2)
// that renders one page at a time into <main>. Hash routing needs nothing
// from the server beyond the files themselves.
import { h, clear } from './dom.js';
import { errorBox, pageTitle } from './widgets.js';
import * as caps from './caps.js';
import * as store from './store.js';
import * as subjects from './page_subjects.js';
import * as subject from './page_subject.js';
import * as schema from './page_schema.js';
import * as compat from './page_compat.js';
import * as register from './page_register.js';

const main = document.getElementById('main');
let current = null; // {controller} of the page on screen

function parseHash() {
  const raw = location.hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const trimmed = path.replace(/^\//, '').replace(/\/$/, '');
  const parts = trimmed === '' ? [] : trimmed.split('/');
  let segs;
  try {
    segs = parts.map(decodeURIComponent);
  } catch (e) {
    segs = null;
  }
  return { path, segs, query };
}

function route(segs) {
  const [first, second, ...rest] = segs;
  if (rest.length) return null;
  if (first === undefined || (first === 'subjects' && second === undefined)) return { page: subjects, nav: 'subjects' };
  if (first === 'subjects') return { page: subject, nav: 'subjects', arg: second };
  if (first === 'schemas') return { page: schema, nav: 'schemas', arg: second };
  if (first === 'compat' && second === undefined) return { page: compat, nav: 'compat' };
  if (first === 'register' && second === undefined) return { page: register, nav: 'register' };
  return null;
}

function markNav(nav) {
  for (const a of document.querySelectorAll('nav a[data-nav]')) {
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function render() {
  // "#main" and other plain anchors (the skip link) are not routes
  if (location.hash && !location.hash.startsWith('#/')) return;
  const { segs, query } = parseHash();
  if (current) current.controller.abort();
  const controller = new AbortController();
  const me = { controller };
  current = me;
  clear(main);
  const r = segs && route(segs);
  markNav(r ? r.nav : null);
  if (!r) {
    document.title = 'Not found · avro-registry';
    main.append(pageTitle('Page not found'), h('p', null, 'The UI has no page at this address. ',
      h('a', { href: '#/' }, 'Go to the subjects.')));
    focusTitle();
    return;
  }
  const ctx = {
    main,
    query,
    signal: controller.signal,
    alive: () => current === me && !controller.signal.aborted,
    reload: () => render(),
    // rewrites the address without adding history or re-rendering
    setQuery(params) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
      const base = location.hash.replace(/\?.*$/, '');
      const s = q.toString();
      history.replaceState(null, '', s ? `${base}?${s}` : base);
    },
  };
  try {
    await r.page.render(ctx, r.arg);
  } catch (err) {
    if (err && err.name === 'AbortError') return;
    if (!ctx.alive()) return;
    main.append(errorBox(err, 'This page could not be shown.'));
  }
  if (ctx.alive() && !main.contains(document.activeElement)) focusTitle();
}

function focusTitle() {
  const t = main.querySelector('h1');
  if (t && document.activeElement !== t) t.focus({ preventScroll: true });
}

// Never a blank page: whatever escapes a page shows up in it.
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason && e.reason.name === 'AbortError') { e.preventDefault(); return; }
  main.append(errorBox(e.reason, 'Something went wrong.'));
});
window.addEventListener('error', (e) => {
  main.append(errorBox(e.error || e.message, 'Something went wrong.'));
});

// What the user may do, and (the subjects list being the first page most
// visits see) the names, both at once, before the first page renders. With
// authentication on, both are answered 401 at first; the browser asks for
// the realm's credentials once and sends them with every request after.
const loaded = caps.load();
if (!location.hash || /^#\/(subjects)?\/?(\?|$)/.test(location.hash)) store.names().catch(() => {});

window.addEventListener('hashchange', render);
loaded.then(render, render);
