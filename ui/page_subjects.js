// page_subjects.js - #/subjects: every subject with its latest version, id,
// level and mode; filtered as you type, sorted by any column, a page of
// rows at a time (so 10,000 subjects cost no more DOM than 50).
//
// Filtering and sorting work on the names already in memory: no request.
// Versions and ids arrive in bulk after the first rows are on screen;
// levels and modes are fetched for the rows that are actually visible
// (IntersectionObserver), or for all subjects when sorting by them.
import { h, clear, announce, fmtInt, field, select } from './dom.js';
import * as caps from './caps.js';
import * as store from './store.js';
import { errorBox, pageTitle, subjectHref, subjectLink, schemaHref, schemaLink } from './widgets.js';

const COLUMNS = [
  { key: 'name', label: 'Subject' },
  { key: 'version', label: 'Latest version', num: true },
  { key: 'id', label: 'Id', num: true },
  { key: 'level', label: 'Compatibility level' },
  { key: 'mode', label: 'Mode' },
];
const SIZES = ['25', '50', '100', '200'];
const SETTLE_MS = 150;

export async function render(ctx) {
  const { main, query } = ctx;
  document.title = 'Subjects · avro-registry';
  const st = {
    q: query.get('q') || '',
    sort: COLUMNS.some((c) => c.key === query.get('sort')) ? query.get('sort') : 'name',
    dir: query.get('dir') === 'desc' ? 'desc' : 'asc',
    page: Math.max(1, parseInt(query.get('page') || '1', 10) || 1),
    size: SIZES.includes(query.get('size')) ? query.get('size') : '50',
    order: null, // indices into names, in the sort order
    shown: [], // indices that pass the filter, in order
    rows: new Map(), // subject -> cells of its row on screen
  };

  const title = pageTitle('Subjects');
  const summary = h('p', { class: 'summary' }, 'Loading the subjects…');
  main.append(title, summary);

  let names;
  try {
    names = await store.names(ctx.signal);
  } catch (err) {
    if (!ctx.alive()) return;
    summary.remove();
    main.append(errorBox(err, 'The subjects could not be listed.'));
    return;
  }
  if (!ctx.alive()) return;

  const search = h('input', { type: 'search', value: st.q, autocomplete: 'off', spellcheck: 'false' });
  const size = select(SIZES, st.size);
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const progress = h('p', { class: 'progress' });
  const tbody = h('tbody');
  const headRow = h('tr');
  const table = h('table', { class: 'grid subjects' },
    h('caption', { class: 'visually-hidden' }, 'Subjects; column headers sort the list'),
    h('thead', null, headRow), tbody);
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of subjects' });
  const toolbar = h('div', { class: 'toolbar' },
    field('Filter by name', search, 'Press / to come back here. Matches any part of the name, any case.'),
    field('Rows per page', size));

  clear(main);
  main.append(title, summary, toolbar, status, progress,
    h('div', { class: 'scroller', tabindex: '0', role: 'region', 'aria-label': 'Subjects table' }, table),
    pager);
  if (!names.length) {
    summary.textContent = caps.principal() ? `No subject that ${caps.principal()} may read. ` : 'The registry holds no subjects yet. ';
    if (caps.can('writeSome')) summary.append(h('a', { href: '#/register' }, 'Register a schema.'));
  } else {
    summary.textContent = `${fmtInt(names.length)} subjects.`;
  }
  // the global settings need Read on Config:
  if (caps.can('readGlobal')) store.globalSettings(ctx.signal).then((g) => {
    if (!ctx.alive() || !names.length) return;
    summary.textContent = `${fmtInt(names.length)} subjects. Global compatibility level ${g.level}, mode ${g.mode}.`;
  }, () => {});

  // ---- order and filter (in memory) ----
  const lower = store.lowerNames() || names.map((n) => n.toLowerCase());
  const valueOf = (i, key) => {
    const n = names[i];
    if (key === 'version' || key === 'id') {
      const l = store.latest(n);
      return l ? l[key] : undefined;
    }
    if (key === 'level' || key === 'mode') {
      const s = store.settings(n);
      if (!s || s.error) return undefined;
      return key === 'level' ? s.level : s.mode;
    }
    return n;
  };
  const computeOrder = () => {
    const idx = Array.from(names, (_, i) => i);
    if (st.sort !== 'name') {
      const key = st.sort;
      const vals = idx.map((i) => valueOf(i, key));
      idx.sort((a, b) => {
        const x = vals[a];
        const y = vals[b];
        if (x === y) return a - b;
        if (x === undefined) return 1; // unknown last, whichever the direction
        if (y === undefined) return -1;
        return (x < y ? -1 : 1) * (st.dir === 'desc' ? -1 : 1);
      });
      st.order = idx;
    } else {
      st.order = st.dir === 'desc' ? idx.reverse() : idx; // the registry's order is by name
    }
  };
  const applyFilter = () => {
    const q = st.q.trim().toLowerCase();
    st.shown = q ? st.order.filter((i) => lower[i].includes(q)) : st.order;
  };

  // ---- rendering ----
  // A row's level and mode are asked for once it has stayed on screen a
  // moment: typing in the filter flips through rows faster than that.
  const onScreen = new Set();
  let settleTimer = null;
  const settleSoon = () => {
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => {
      for (const tr of onScreen) {
        if (tr.isConnected) store.wantSettings(tr.dataset.subject);
        observer.unobserve(tr);
      }
      onScreen.clear();
    }, SETTLE_MS);
  };
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting) onScreen.add(e.target);
      else onScreen.delete(e.target);
    }
    settleSoon();
  });
  ctx.signal.addEventListener('abort', () => {
    clearTimeout(settleTimer);
    clearTimeout(queryTimer);
    observer.disconnect();
    store.forgetWanted();
  });

  // A cell is rewritten only when what it shows changes: typing in the
  // filter then costs text updates in the rows that exist, not new rows.
  const fillLatest = (cells, n) => {
    const l = store.latest(n);
    const key = l ? `${n}\n${l.version}\n${l.id}` : (store.latestDone() ? '—' : '…');
    if (cells.latestKey === key) return;
    cells.latestKey = key;
    if (l) {
      // the links stay; only where they lead and what they say change
      if (!cells.vLink) {
        cells.vLink = subjectLink(n, { v: l.version }, String(l.version));
        cells.idLink = schemaLink(l.id, String(l.id));
      } else {
        cells.vLink.href = subjectHref(n, { v: l.version });
        cells.vLink.textContent = String(l.version);
        cells.idLink.href = schemaHref(l.id);
        cells.idLink.textContent = String(l.id);
      }
      if (cells.vLink.parentNode !== cells.version) cells.version.replaceChildren(cells.vLink);
      if (cells.idLink.parentNode !== cells.id) cells.id.replaceChildren(cells.idLink);
    } else {
      cells.version.replaceChildren(store.latestDone() ? '—' : h('span', { class: 'pending' }, '…'));
      cells.id.replaceChildren(store.latestDone() ? '—' : h('span', { class: 'pending' }, '…'));
    }
  };
  const fillSettings = (cells, n) => {
    const s = store.settings(n);
    let level = '…';
    let mode = '…';
    let title = null;
    if (s && s.error) {
      level = `error_code ${s.error.code}`;
      mode = '';
      title = s.error.message;
    } else if (s) {
      level = s.level;
      mode = s.mode;
    }
    if (cells.level.textContent !== level) cells.level.textContent = level;
    if (cells.mode.textContent !== mode) cells.mode.textContent = mode;
    if (title === null) cells.level.removeAttribute('title');
    else cells.level.title = title;
  };

  const renderHead = () => {
    clear(headRow);
    for (const c of COLUMNS) {
      const active = st.sort === c.key;
      const btn = h('button', { type: 'button', class: 'sort', dataset: { key: c.key } }, c.label,
        h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (st.dir === 'asc' ? ' ▲' : ' ▼') : ''));
      btn.addEventListener('click', () => sortBy(c.key));
      headRow.append(h('th', {
        scope: 'col', class: c.num ? 'num' : null,
        'aria-sort': active ? (st.dir === 'asc' ? 'ascending' : 'descending') : 'none',
      }, btn));
    }
  };

  // The rows of the table, made once and kept: a keystroke in the filter
  // gives them other subjects instead of replacing them (new elements,
  // their style and layout from scratch, garbage) at every key.
  const pool = [];
  const rowAt = (k) => {
    if (!pool[k]) {
      const link = h('a', { class: 'subject-name' });
      const cells = {
        version: h('td', { class: 'num' }), id: h('td', { class: 'num' }),
        level: h('td'), mode: h('td'), latestKey: null, vLink: null, idLink: null,
      };
      const tr = h('tr', null, h('th', { scope: 'row' }, link), cells.version, cells.id, cells.level, cells.mode);
      pool[k] = { tr, link, cells, subject: null };
    }
    return pool[k];
  };
  const emptyRow = h('tr', null, h('td', { colspan: String(COLUMNS.length), class: 'empty' },
    names.length ? 'No subject matches the filter.' : 'No subjects.'));

  const renderRows = () => {
    const pages = Math.max(1, Math.ceil(st.shown.length / Number(st.size)));
    if (st.page > pages) st.page = pages;
    const from = (st.page - 1) * Number(st.size);
    const slice = st.shown.slice(from, from + Number(st.size));
    st.rows.clear();
    let changed = false;
    for (let k = 0; k < slice.length; k++) {
      const n = names[slice[k]];
      const row = rowAt(k);
      if (row.subject !== n) {
        row.subject = n;
        row.tr.dataset.subject = n;
        row.link.href = subjectHref(n);
        row.link.textContent = n;
        changed = true;
        // a row that shows another subject is watched again for its level and mode
        if (!store.settings(n)) observer.observe(row.tr);
      }
      fillLatest(row.cells, n);
      fillSettings(row.cells, n);
      st.rows.set(n, row.cells);
      if (row.tr.parentNode !== tbody || tbody.children[k] !== row.tr) tbody.append(row.tr);
    }
    // rows beyond this page's leave the table (kept for the next keystroke)
    for (let k = slice.length; k < pool.length && pool[k].tr.parentNode; k++) pool[k].tr.remove();
    if (changed) settleSoon(); // the rows on screen are not the same for long yet
    if (!slice.length) tbody.append(emptyRow);
    else emptyRow.remove();
    const total = st.shown.length;
    const said = total
      ? `Showing ${fmtInt(from + 1)}–${fmtInt(from + slice.length)} of ${fmtInt(total)}${st.q ? ' matching' : ''}.`
      : (st.q ? 'No subject matches the filter.' : '');
    if (status.textContent !== said) status.textContent = said; // a live region: only news
    renderPager(pages);
    clearTimeout(queryTimer); // the address follows, but not at every keystroke
    queryTimer = setTimeout(() => ctx.alive() && ctx.setQuery({ q: st.q, sort: st.sort === 'name' ? '' : st.sort, dir: st.dir === 'asc' ? '' : 'desc',
      page: st.page > 1 ? st.page : '', size: st.size === '50' ? '' : st.size }), SETTLE_MS);
  };
  let queryTimer = null;

  // The pager's buttons, like the rows, are made once; each render says
  // which page each leads to and whether it can be pressed.
  const pagerButtons = [];
  const pageno = h('span', { class: 'pageno' });
  const go = (target, which, label, before, after) => {
    const b = h('button', { type: 'button', class: 'btn', dataset: { which } },
      before ? h('span', { 'aria-hidden': 'true' }, before) : null, label,
      after ? h('span', { 'aria-hidden': 'true' }, after) : null);
    b.addEventListener('click', () => {
      st.page = target(pagerPages);
      renderRows();
      const again = b.disabled ? pager.querySelector('button:not([disabled])') : b;
      if (again) again.focus();
    });
    pagerButtons.push({ b, target });
    return b;
  };
  pager.append(go(() => 1, 'first', 'First page', '« '), go(() => st.page - 1, 'prev', 'Previous page', '‹ '),
    pageno,
    go(() => st.page + 1, 'next', 'Next page', null, ' ›'), go((pages) => pages, 'last', 'Last page', null, ' »'));
  let pagerPages = 1;
  const renderPager = (pages) => {
    pagerPages = pages;
    for (const { b, target } of pagerButtons) {
      const p = target(pages);
      b.disabled = p < 1 || p > pages || p === st.page;
    }
    const text = `Page ${fmtInt(st.page)} of ${fmtInt(pages)}`;
    if (pageno.textContent !== text) pageno.textContent = text;
  };

  let sorting = null;
  const sortBy = async (key) => {
    if (st.sort === key) st.dir = st.dir === 'asc' ? 'desc' : 'asc';
    else { st.sort = key; st.dir = 'asc'; }
    if (sorting) sorting.abort();
    if ((key === 'level' || key === 'mode') && names.some((n) => !store.settings(n))) {
      sorting = new AbortController();
      const stop = () => sorting && sorting.abort();
      ctx.signal.addEventListener('abort', stop);
      const mine = sorting;
      progress.textContent = `Loading the level and mode of ${fmtInt(names.length)} subjects to sort by them…`;
      await store.loadAllSettings(names, mine.signal, (done, total) => {
        if (ctx.alive()) progress.textContent = `Loading levels and modes to sort by them: ${fmtInt(done)} of ${fmtInt(total)}.`;
      });
      if (!ctx.alive() || mine.signal.aborted) return;
      progress.textContent = '';
    }
    computeOrder();
    applyFilter();
    st.page = 1;
    renderHead();
    renderRows();
    headRow.querySelector(`button[data-key="${key}"]`).focus();
    announce(`Sorted by ${COLUMNS.find((c) => c.key === key).label}, ${st.dir === 'asc' ? 'ascending' : 'descending'}.`);
  };

  search.addEventListener('input', () => {
    st.q = search.value;
    st.page = 1;
    applyFilter();
    renderRows();
  });
  size.addEventListener('change', () => {
    st.size = size.value;
    st.page = 1;
    renderRows();
  });
  const slash = (e) => {
    const t = e.target;
    if (e.key === '/' && !(t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement)) {
      e.preventDefault();
      search.focus();
      search.select();
    }
  };
  document.addEventListener('keydown', slash);
  ctx.signal.addEventListener('abort', () => document.removeEventListener('keydown', slash));

  computeOrder();
  applyFilter();
  renderHead();
  renderRows();
  performance.mark('ui:first-rows');

  // ---- what arrives later ----
  let resortWhenDone = st.sort === 'version' || st.sort === 'id';
  const unsubscribe = store.subscribe((kind, detail) => {
    if (!ctx.alive()) return;
    if (kind === 'latest') {
      for (const [n, cells] of st.rows) fillLatest(cells, n);
      const loaded = Math.min(store.latestCount(), names.length);
      progress.textContent = store.latestDone() ? '' : `Loading versions and ids: ${fmtInt(loaded)} of ${fmtInt(names.length)}.`;
      if (store.latestDone() && resortWhenDone) {
        resortWhenDone = false;
        computeOrder();
        applyFilter();
        renderRows();
      }
    } else if (kind === 'settings' && st.rows.has(detail)) {
      fillSettings(st.rows.get(detail), detail);
    }
  });
  ctx.signal.addEventListener('abort', unsubscribe);
  if (names.length && !store.latestDone()) {
    store.loadLatest(names.length).catch((err) => {
      if (ctx.alive()) {
        progress.textContent = '';
        progress.append(errorBox(err, 'The versions and ids could not be loaded.'));
      }
    });
  }
}
