// page_subject.js - #/subjects/{subject}?v=N&a=X&b=Y: one subject. Its
// versions (soft-deleted ones too), the schema of one version pretty-printed
// with its references and what references it, the difference between two
// versions (structural and by lines), its compatibility level and mode, and
// the ways to delete. What the user may not do (caps.js) is not offered.
import { h, clear, announce, field, select, fmtInt } from './dom.js';
import { api, ApiError, LEVELS, MODES } from './api.js';
import * as store from './store.js';
import * as caps from './caps.js';
import { parse, toLines, lineText, lineElement, viewText } from './json.js';
import { diffSchemas } from './avrodiff.js';
import { diffLines, sideBySide } from './linediff.js';
import {
  errorBox, pageTitle, subjectLink, schemaLink, confirmAction, loading,
} from './widgets.js';

// A setting the subject may not have of its own: 40408 / 40409 mean "none".
async function ownSetting(fetcher, code, signal) {
  try {
    return await fetcher(signal);
  } catch (err) {
    if (err instanceof ApiError && err.code === code) return null;
    throw err;
  }
}

export async function render(ctx, subject) {
  const { main, query, signal } = ctx;
  document.title = `${subject} · avro-registry`;
  const title = pageTitle(h('span', { class: 'kind' }, 'Subject '), h('span', { class: 'subject-name' }, subject));
  const back = h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← All subjects'));
  main.append(back, title, loading('the versions'));

  // The live versions and all of them; a subject whose versions are all
  // soft-deleted answers 40401 for the live ones.
  let all;
  let live;
  let mayWrite = false;
  try {
    const liveP = api.versions(subject, {}, signal).catch((err) => {
      if (err instanceof ApiError && err.code === 40401) return [];
      throw err;
    });
    const permsP = caps.forSubject(subject).then((p) => p.write, () => false);
    [all, live, mayWrite] = await Promise.all([api.versions(subject, { deleted: true }, signal), liveP, permsP]);
  } catch (err) {
    if (!ctx.alive()) return;
    clear(main);
    main.append(back, title, errorBox(err, 'The subject could not be read.'));
    return;
  }
  if (!ctx.alive()) return;
  const softDeleted = new Set(all.filter((v) => !live.includes(v)));
  const cache = new Map(); // version -> Promise of its entity
  // Every version with its id and schema in one request rather than one per
  // version: /schemas by prefix lists this subject first (a name sorts
  // before the longer names it starts), so the pages stop at the first other.
  try {
    for (let offset = 0; ; offset += 1000) {
      const rows = await api.schemasByPrefix(subject, offset, 1000, signal);
      const mine = rows.filter((r) => r.subject === subject);
      for (const r of mine) cache.set(r.version, Promise.resolve(r));
      if (rows.length < 1000 || mine.length < rows.length) break;
    }
  } catch (err) {
    if (!ctx.alive()) return;
    cache.clear(); // each version is then read on its own
  }
  if (!ctx.alive()) return;
  const entity = (v) => {
    if (!cache.has(v)) cache.set(v, api.version(subject, v, { deleted: true }, signal));
    return cache.get(v);
  };

  let selected = Number(query.get('v'));
  if (!all.includes(selected)) selected = live.length ? live[live.length - 1] : all[all.length - 1];
  const prevOf = (v) => all[Math.max(0, all.indexOf(v) - 1)];
  let diffA = Number(query.get('a'));
  let diffB = Number(query.get('b'));
  if (!all.includes(diffA) || !all.includes(diffB)) {
    diffB = selected;
    diffA = prevOf(selected) === selected ? all[0] : prevOf(selected);
  }
  const keepQuery = () => ctx.setQuery({ v: selected, a: all.length > 1 ? diffA : '', b: all.length > 1 ? diffB : '' });

  clear(main);
  const state = h('p', { class: 'summary' },
    `${all.length} version${all.length === 1 ? '' : 's'}`,
    softDeleted.size ? `, ${softDeleted.size} of them soft-deleted` : '',
    live.length ? '.' : '. Every version is soft-deleted: the subject is deleted until it is deleted permanently or a version is registered again.');
  main.append(back, title, state);

  // ---- versions ----
  const versionsSection = h('section', { 'aria-labelledby': 'h-versions' }, h('h2', { id: 'h-versions' }, 'Versions'));
  const vbody = h('tbody');
  versionsSection.append(h('div', { class: 'scroller', tabindex: '0', role: 'region', 'aria-label': 'Versions table' },
    h('table', { class: 'grid versions' },
      h('caption', { class: 'visually-hidden' }, `Versions of ${subject}`),
      h('thead', null, h('tr', null, h('th', { scope: 'col', class: 'num' }, 'Version'),
        h('th', { scope: 'col', class: 'num' }, 'Id'), h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col' }, 'Actions'))),
      vbody)));
  main.append(versionsSection);
  const idCells = new Map();
  for (const v of all.slice().reverse()) {
    const isDeleted = softDeleted.has(v);
    const idCell = h('td', { class: 'num' }, '…');
    idCells.set(v, idCell);
    const actions = h('td', { class: 'actions' },
      h('a', { href: `#/subjects/${encodeURIComponent(subject)}?v=${v}`, 'aria-current': v === selected ? 'true' : null },
        v === selected ? 'Shown below' : 'Show'));
    if (mayWrite) {
      const del = h('button', { type: 'button', class: 'btn small danger', dataset: { action: isDeleted ? 'delete-version-permanently' : 'delete-version', version: String(v) } },
        isDeleted ? 'Delete permanently' : 'Delete');
      del.addEventListener('click', () => deleteVersion(v, isDeleted));
      actions.append(' ', del);
    }
    vbody.append(h('tr', { class: isDeleted ? 'deleted' : null, dataset: { version: String(v) } },
      h('th', { scope: 'row', class: 'num' }, String(v)), idCell,
      h('td', null, isDeleted ? 'soft-deleted' : 'live'), actions));
  }
  for (const v of all) {
    entity(v).then((e) => {
      clear(idCells.get(v)).append(schemaLink(e.id));
    }, (err) => {
      idCells.get(v).textContent = err.code ? `error_code ${err.code}` : '?';
    });
  }

  async function deleteVersion(v, permanent) {
    let id = '?';
    try {
      id = (await entity(v)).id;
    } catch (e) { /* named without its id then */ }
    const ok = await confirmAction({
      title: permanent ? 'Delete this version permanently?' : 'Delete this version?',
      body: [h('p', null, permanent ? 'Permanently delete ' : 'Soft-delete ',
        h('strong', null, `version ${v}`), ` (schema id ${id}) of subject `, h('strong', { class: 'subject-name' }, subject), '?'),
      h('p', null, permanent
        ? 'The version goes for good; this cannot be undone. The schema id stays reserved.'
        : 'The version stops counting for compatibility and is hidden from the subject. It stays readable with ?deleted=true and can then be deleted permanently.')],
      confirmLabel: permanent ? `Delete version ${v} permanently` : `Delete version ${v}`,
    });
    if (!ok) return;
    try {
      await api.deleteVersion(subject, v, permanent);
    } catch (err) {
      versionsSection.append(errorBox(err, `Version ${v} was not deleted.`));
      return;
    }
    store.invalidate();
    announce(`Version ${v} of ${subject} was ${permanent ? 'deleted permanently' : 'soft-deleted'}.`);
    if (permanent && all.length === 1) {
      location.hash = '#/';
      return;
    }
    ctx.reload();
  }

  // ---- the schema of the selected version ----
  const schemaSection = h('section', { 'aria-labelledby': 'h-schema' });
  const picker = select(all.map((v) => [String(v), `Version ${v}${softDeleted.has(v) ? ' (soft-deleted)' : ''}`]), String(selected));
  picker.addEventListener('change', () => {
    selected = Number(picker.value);
    keepQuery();
    showSchema();
  });
  const schemaBody = h('div');
  schemaSection.append(h('h2', { id: 'h-schema' }, 'Schema'), h('div', { class: 'toolbar' }, field('Version to show', picker)), schemaBody);
  main.append(schemaSection);

  async function showSchema() {
    const v = selected;
    clear(schemaBody).append(loading(`version ${v}`));
    let e;
    let refBy = [];
    try {
      e = await entity(v);
      refBy = softDeleted.has(v) ? [] : await api.referencedBy(subject, v, signal);
    } catch (err) {
      if (!ctx.alive() || v !== selected) return;
      clear(schemaBody).append(errorBox(err, `Version ${v} could not be read.`));
      return;
    }
    if (!ctx.alive() || v !== selected) return;
    clear(schemaBody);
    schemaBody.append(h('p', null, `Version ${v}, `, schemaLink(e.id),
      softDeleted.has(v) ? ', soft-deleted' : '', '.'));
    schemaBody.append(viewText(e.schema, `Schema of version ${v}`).el);
    const refs = e.references || [];
    schemaBody.append(h('h3', null, 'References'));
    schemaBody.append(refs.length
      ? h('ul', { class: 'refs' }, refs.map((r) => h('li', null, h('code', null, r.name), ' → ',
        subjectLink(r.subject, { v: r.version }), ` version ${r.version}`)))
      : h('p', null, 'This version references no other schema.'));
    schemaBody.append(h('h3', null, 'Referenced by'));
    schemaBody.append(refBy.length
      ? h('ul', { class: 'refs' }, refBy.map((id) => h('li', null, schemaLink(id))))
      : h('p', null, 'No live schema references this version.'));
  }

  // ---- the difference between two versions ----
  const diffSection = h('section', { 'aria-labelledby': 'h-diff' }, h('h2', { id: 'h-diff' }, 'Compare versions'));
  main.append(diffSection);
  if (all.length < 2) {
    diffSection.append(h('p', null, 'The subject has one version: nothing to compare yet.'));
  } else {
    const options = all.map((v) => [String(v), `Version ${v}${softDeleted.has(v) ? ' (soft-deleted)' : ''}`]);
    const selA = select(options, String(diffA));
    const selB = select(options, String(diffB));
    const go = h('button', { type: 'submit', class: 'btn' }, 'Compare');
    const out = h('div', { class: 'diff-out' });
    const form = h('form', { class: 'toolbar', 'aria-label': 'Versions to compare' },
      field('From version', selA), field('To version', selB), h('div', { class: 'field' }, go));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      diffA = Number(selA.value);
      diffB = Number(selB.value);
      keepQuery();
      showDiff(out, diffA, diffB);
    });
    diffSection.append(form, out);
    showDiff(out, diffA, diffB);
  }

  async function showDiff(out, a, b) {
    clear(out).append(loading('both versions'));
    let ea;
    let eb;
    try {
      [ea, eb] = await Promise.all([entity(a), entity(b)]);
    } catch (err) {
      if (ctx.alive()) clear(out).append(errorBox(err, 'The versions could not be read.'));
      return;
    }
    if (!ctx.alive()) return;
    clear(out);
    let ta;
    let tb;
    try {
      ta = parse(ea.schema);
      tb = parse(eb.schema);
    } catch (err) {
      out.append(errorBox(err, 'A schema is not JSON the UI can read.'));
      return;
    }
    out.append(structural(a, b, diffSchemas(ta, tb)), textual(a, b, toLines(ta), toLines(tb)));
    announce(`Compared version ${a} with version ${b}.`);
  }

  // ---- compatibility level and mode ----
  const settingsSection = h('section', { 'aria-labelledby': 'h-settings' }, h('h2', { id: 'h-settings' }, 'Compatibility level and mode'));
  main.append(settingsSection);
  showSettings(settingsSection);

  async function showSettings(section) {
    const body = h('div', null, loading('the settings'));
    section.append(body);
    let own;
    let global;
    try {
      // The global settings need Read on Config:. Without it, what is in
      // force for a subject with no setting of its own is the global one;
      // for a subject with its own, the global one stays unknown (null).
      const [c, m, g] = await Promise.all([
        ownSetting((s) => api.config(subject, false, s), 40408, signal),
        ownSetting((s) => api.mode(subject, false, s), 40409, signal),
        caps.can('readGlobal') ? store.globalSettings(signal)
          : Promise.all([api.config(subject, true, signal), api.mode(subject, true, signal)])
            .then(([gc, gm]) => ({ level: gc.compatibilityLevel, mode: gm.mode, inForce: true })),
      ]);
      own = { level: c ? c.compatibilityLevel : null, mode: m ? m.mode : null };
      global = g.inForce ? { level: own.level ? null : g.level, mode: own.mode ? null : g.mode } : g;
    } catch (err) {
      if (ctx.alive()) clear(body).append(errorBox(err, 'The settings could not be read.'));
      return;
    }
    if (!ctx.alive()) return;
    clear(body);
    body.append(settingForm({
      label: 'Compatibility level', name: 'level', own: own.level, global: global.level, choices: LEVELS,
      save: (v) => api.setConfig(subject, v), reset: () => api.deleteConfig(subject),
      hint: 'Which earlier versions a new one must be compatible with, and how.',
    }), settingForm({
      label: 'Mode', name: 'mode', own: own.mode, global: global.mode, choices: MODES,
      save: (v) => api.setMode(subject, v), reset: () => api.deleteMode(subject),
      hint: 'READONLY refuses registrations and deletes; IMPORT lets versions keep given ids.',
    }));
  }

  function settingForm({ label, name, own, global, choices, save, reset, hint }) {
    const inherit = global ? `Use the global setting (${global})` : 'Use the global setting';
    const sel = select([['', inherit], ...choices], own || '', { name });
    const button = h('button', { type: 'submit', class: 'btn' }, `Save ${label.toLowerCase()}`);
    const note = h('p', { class: 'note', role: 'status' },
      own ? `The subject has its own ${label.toLowerCase()}: ${own}.` : `The subject follows the global ${label.toLowerCase()}: ${global}.`);
    const form = h('form', { class: 'setting', dataset: { setting: name } },
      field(label, sel, hint), mayWrite ? button : null, note);
    if (!mayWrite) sel.disabled = true;
    let current = own;
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      form.querySelectorAll('.error').forEach((e) => e.remove());
      const want = sel.value || null;
      if (want === current) {
        note.textContent = 'Nothing to change.';
        return;
      }
      button.disabled = true;
      try {
        if (want) await save(want);
        else await reset();
        current = want;
        store.invalidate();
        note.textContent = want ? `Saved: the subject's own ${label.toLowerCase()} is ${want}.`
          : `Saved: the subject follows the global ${label.toLowerCase()}${global ? ` (${global})` : ''}.`;
      } catch (err) {
        form.append(errorBox(err, `The ${label.toLowerCase()} was not changed.`));
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  // ---- checking, registering and deleting ----
  const actions = h('section', { 'aria-labelledby': 'h-actions' },
    h('h2', { id: 'h-actions' }, mayWrite ? 'Check, register or delete' : 'Check a schema'));
  actions.append(h('p', null, h('a', { href: `#/compat?subject=${encodeURIComponent(subject)}`, class: 'btn' }, 'Check a schema against this subject'),
    mayWrite ? [' ', h('a', { href: `#/register?subject=${encodeURIComponent(subject)}`, class: 'btn' }, 'Register a new version')] : null));
  main.append(actions);
  if (!mayWrite) {
    actions.append(h('p', { class: 'hint', dataset: { readonly: '' } }, caps.principal()
      ? `${caps.principal()} may read this subject but not change it: registering, deleting and changing its settings are not offered.`
      : 'The registry did not say this subject may be changed: registering, deleting and changing its settings are not offered.'));
  } else {
    const permanent = live.length === 0;
    const del = h('button', { type: 'button', class: 'btn danger', dataset: { action: permanent ? 'delete-subject-permanently' : 'delete-subject' } },
      permanent ? 'Delete the subject permanently' : 'Delete the subject');
    del.addEventListener('click', () => deleteSubject(permanent));
    actions.append(h('p', null, del), h('p', { class: 'hint' }, permanent
      ? 'Every version is soft-deleted: deleting again removes them for good.'
      : 'Soft-deletes every live version; a permanent delete is possible afterwards.'));
  }

  async function deleteSubject(permanent) {
    const which = permanent ? all : live;
    const ids = await Promise.all(which.map((v) => entity(v).then((e) => e.id, () => '?')));
    const ok = await confirmAction({
      title: permanent ? 'Delete the subject permanently?' : 'Delete the subject?',
      body: [h('p', null, permanent ? 'Permanently delete subject ' : 'Soft-delete subject ',
        h('strong', { class: 'subject-name' }, subject), ` and its version${which.length === 1 ? '' : 's'}:`),
      h('ul', null, which.map((v, k) => h('li', null, `version ${v} (schema id ${ids[k]})`))),
      h('p', null, permanent ? 'This cannot be undone. Its level and mode go too.'
        : 'They stay readable with ?deleted=true until deleted permanently.')],
      confirmLabel: permanent ? 'Delete the subject permanently' : 'Delete the subject',
    });
    if (!ok) return;
    try {
      await api.deleteSubject(subject, permanent);
    } catch (err) {
      main.append(errorBox(err, 'The subject was not deleted.'));
      return;
    }
    store.invalidate();
    announce(`Subject ${subject} was ${permanent ? 'deleted permanently' : 'soft-deleted'}.`);
    if (permanent) location.hash = '#/';
    else ctx.reload();
  }

  keepQuery();
  await showSchema();
}

function structural(a, b, rows) {
  const sec = h('div', { class: 'structural' }, h('h3', null, `Structural changes from version ${a} to version ${b}`));
  if (!rows.length) {
    sec.append(h('p', { class: 'same' }, 'No structural change: the versions differ at most in formatting.'));
    return sec;
  }
  sec.append(h('div', { class: 'scroller', tabindex: '0', role: 'region', 'aria-label': 'Structural changes' },
    h('table', { class: 'grid changes' },
      h('caption', { class: 'visually-hidden' }, `Structural changes from version ${a} to version ${b}`),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Where'), h('th', { scope: 'col' }, 'Change'),
        h('th', { scope: 'col' }, `Version ${a}`), h('th', { scope: 'col' }, `Version ${b}`))),
      h('tbody', null, rows.map((r) => h('tr', { class: `change ${r.change.split(' ').pop()}` },
        h('td', null, h('code', null, r.where)), h('td', null, r.change),
        h('td', { class: 'side-a' }, r.a ? h('code', null, r.a) : ''), h('td', { class: 'side-b' }, r.b ? h('code', null, r.b) : '')))))));
  sec.append(h('p', { class: 'hint' }, `${fmtInt(rows.length)} change${rows.length === 1 ? '' : 's'}.`));
  return sec;
}

function textual(a, b, la, lb) {
  const ta = la.map(lineText);
  const tb = lb.map(lineText);
  const rows = sideBySide(diffLines(ta, tb));
  const changed = rows.filter(([l, r]) => !l || !r || l.kind !== 'same').length;
  const sec = h('div', { class: 'textual' }, h('h3', null, `Lines of version ${a} and version ${b}, side by side`));
  const cell = (side, lines, label) => {
    if (!side) return [h('td', { class: 'ln' }), h('td', { class: 'code none' })];
    const mark = side.kind === 'del' ? 'removed: ' : side.kind === 'add' ? 'added: ' : '';
    return [h('td', { class: `ln ${side.kind}` }, String(side.n + 1)),
      h('td', { class: `code ${side.kind}`, 'data-side': label },
        mark ? h('span', { class: 'visually-hidden' }, mark) : null, lineElement(lines[side.n]))];
  };
  sec.append(h('p', { class: 'hint' }, changed ? `${fmtInt(changed)} line${changed === 1 ? '' : 's'} differ.` : 'The texts are the same.'));
  sec.append(h('div', { class: 'scroller', tabindex: '0', role: 'region', 'aria-label': 'Line by line difference' },
    h('table', { class: 'linediff' },
      h('caption', { class: 'visually-hidden' }, `Version ${a} on the left, version ${b} on the right`),
      h('thead', null, h('tr', null, h('th', { scope: 'col', class: 'ln' }, 'Line'), h('th', { scope: 'col' }, `Version ${a}`),
        h('th', { scope: 'col', class: 'ln' }, 'Line'), h('th', { scope: 'col' }, `Version ${b}`))),
      h('tbody', null, rows.map(([l, r]) => h('tr', null, cell(l, la, 'a'), cell(r, lb, 'b')))))));
  return sec;
}
