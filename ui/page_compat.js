// page_compat.js - #/compat?subject=S&level=L: is a schema (pasted or
// uploaded) compatible with what a subject holds, at the subject's own level
// or at another one picked here (?level= on the registry's compatibility
// routes: the registry judges, nothing is stored)? The verdict, the
// registry's messages word for word, and for each incompatibility the
// offending node marked in the schema it was found in, at the JSON-pointer
// location the registry's verbose message names.
import { h, clear, announce, field, select } from './dom.js';
import { api, ApiError, LEVELS } from './api.js';
import * as store from './store.js';
import { parse, viewText, markNode, nodeAt, member } from './json.js';
import { errorBox, pageTitle, schemaInput, subjectLink } from './widgets.js';

const INCOMPAT = /^\{errorType:'([A-Z_]+)', description:'([\s\S]*)', additionalInfo:'([\s\S]*)'\}$/;

// The registry's verbose messages, grouped: each incompatibility with the
// version and schema it was found against when the registry says so.
export function readMessages(messages) {
  const items = [];
  let pending = [];
  const other = [];
  for (const text of messages) {
    const m = INCOMPAT.exec(text);
    if (m) {
      const path = /path '([^']*)'/.exec(m[2]);
      const reader = /\b(new|old) schema\b/.exec(m[2]);
      const item = { text, type: m[1], description: m[2], info: m[3], path: path ? path[1] : null,
        reader: reader ? reader[1] : null, oldVersion: null, oldSchema: null };
      items.push(item);
      pending.push(item);
      continue;
    }
    const v = /^\{oldSchemaVersion: (\d+)\}$/.exec(text);
    if (v) {
      for (const it of pending) it.oldVersion = Number(v[1]);
      continue;
    }
    if (text.startsWith("{oldSchema: '") && text.endsWith("'}")) {
      for (const it of pending) it.oldSchema = text.slice("{oldSchema: '".length, -2);
      pending = [];
      continue;
    }
    if (text.startsWith('{oldSchema: <truncated>')) {
      pending = []; // the version's schema is fetched instead
      continue;
    }
    other.push(text);
  }
  return { items, other };
}

function nameOf(node) {
  const n = node && node.t === 'object' ? member(node, 'name') : undefined;
  return n && n.t === 'string' ? n.value : undefined;
}

// Which schema the location points into: the reader of the failed check.
// The description names it ("... in the new schema ..."); a changed name
// does not, but its "expected: X" names the writer's name.
function readerOf(item, newTree, level) {
  if (item.reader) return item.reader;
  const expected = /^expected: (.*)$/.exec(item.info);
  if (expected && item.path && newTree) {
    const parentPtr = item.path.replace(/\/name$/, '');
    const name = nameOf(nodeAt(newTree, parentPtr));
    if (name !== undefined) return name === expected[1] || name.endsWith(`.${expected[1]}`) ? 'old' : 'new';
  }
  return /^FORWARD/.test(level || '') ? 'old' : 'new';
}

export async function render(ctx) {
  const { main, query, signal } = ctx;
  document.title = 'Compatibility check · avro-registry';
  const subjectIn = h('input', { type: 'text', value: query.get('subject') || '', autocomplete: 'off', spellcheck: 'false', list: 'subject-suggestions', required: true });
  const suggestions = h('datalist', { id: 'subject-suggestions' });
  const against = select([['latest', 'The latest version'], ['all', 'Every version the level covers']], 'latest');
  const asked = (query.get('level') || '').toUpperCase();
  const levelSel = select([['', "The subject's own level"], ...LEVELS], LEVELS.includes(asked) ? asked : '');
  const levelNote = h('p', { class: 'note', role: 'status' });
  const input = schemaInput('Schema to check', '');
  const check = h('button', { type: 'submit', class: 'btn primary' }, 'Check compatibility');
  const result = h('div', { class: 'result' });
  const form = h('form', { class: 'stack', 'aria-label': 'Compatibility check' },
    h('div', { class: 'toolbar' },
      h('div', null, field('Subject', subjectIn, 'The subject whose versions the schema is checked against.'), suggestions),
      field('Check against', against),
      field('Compatibility level', levelSel, 'Another level shows what it would say; nothing is changed.')),
    levelNote, input.el, h('div', null, check));
  main.append(pageTitle('Compatibility check'), form, result);

  // suggestions from the names already known, as the user types
  let known = null;
  subjectIn.addEventListener('focus', () => {
    if (!known) store.names(signal).then((n) => { known = n; }, () => {});
  }, { once: true });
  subjectIn.addEventListener('input', () => {
    clear(suggestions);
    const q = subjectIn.value.toLowerCase();
    if (!known || !q) return;
    let count = 0;
    for (const n of known) {
      if (n.toLowerCase().includes(q)) {
        suggestions.append(h('option', { value: n }));
        if (++count >= 50) break;
      }
    }
  });

  // the subject's own level, the versions to pick from, and the level used
  let level = null; // the subject's level in force
  let versions = null;
  let lastSubject = null;
  const effective = () => levelSel.value || level;
  const explain = () => {
    const s = lastSubject;
    const keep = against.value;
    clear(against);
    against.append(h('option', { value: 'latest' }, 'The latest version'),
      h('option', { value: 'all' }, effective() ? `Every version ${effective()} covers` : 'Every version the level covers'),
      (versions || []).slice().reverse().map((v) => h('option', { value: String(v) }, `Version ${v}`)));
    against.value = [...against.options].some((o) => o.value === keep) ? keep : 'latest';
    levelSel.options[0].textContent = level ? `The subject's own level (${level})` : "The subject's own level";
    ctx.setQuery({ subject: s || subjectIn.value, level: levelSel.value });
    if (!level) return;
    clear(levelNote);
    if (levelSel.value && levelSel.value !== level) {
      levelNote.append(`Checked at ${levelSel.value}, not at the subject's level (${level}): this shows what ${levelSel.value} would say; a registration is still checked at ${level}. `,
        'The level is changed on the ', subjectLink(s, null, "subject's page"), '.');
    } else {
      levelNote.append(`Checked at the subject's compatibility level, ${level}, as the registry would check a registration. `,
        'The level is changed on the ', subjectLink(s, null, "subject's page"), '.');
    }
  };
  const describe = async () => {
    const s = subjectIn.value;
    if (!s || s === lastSubject) return;
    lastSubject = s;
    level = null;
    versions = null;
    clear(levelNote);
    try {
      const [c, vs] = await Promise.all([api.config(s, true, signal), api.versions(s, {}, signal)]);
      if (!ctx.alive() || s !== subjectIn.value) return;
      level = c.compatibilityLevel;
      versions = vs;
      explain();
    } catch (err) {
      if (!ctx.alive() || s !== subjectIn.value) return;
      levelNote.textContent = err instanceof ApiError && err.code === 40401
        ? 'No such subject yet: any schema is compatible with a subject that has no versions.'
        : `The subject's level could not be read: error_code ${err.code}: ${err.message}`;
    }
  };
  subjectIn.addEventListener('change', describe);
  levelSel.addEventListener('change', explain);
  if (subjectIn.value) describe();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const subject = subjectIn.value;
    const text = input.textarea.value;
    clear(result);
    if (!subject || !text.trim()) {
      result.append(errorBox(new Error('Give a subject and a schema to check.')));
      return;
    }
    check.disabled = true;
    const version = against.value === 'all' ? null : against.value;
    const used = levelSel.value || null;
    let answer;
    try {
      answer = await api.compatibility(subject, version, { schema: text }, used);
    } catch (err) {
      if (ctx.alive()) result.append(errorBox(err, 'The registry could not check the schema.'));
      return;
    } finally {
      check.disabled = false;
    }
    if (!ctx.alive()) return;
    await showResult(result, subject, version, text, answer, used || level, Boolean(used && used !== level));
  });
}

async function showResult(out, subject, version, text, answer, level, otherLevel) {
  const heading = h('h2', { tabindex: '-1' }, 'Result');
  out.append(heading);
  const messages = answer.messages || [];
  const at = level ? ` at ${level}` : '';
  if (answer.is_compatible) {
    out.append(h('p', { class: 'verdict ok' }, h('strong', null, 'Compatible.'), otherLevel
      ? ` ${subject} would take the schema${at}, as far as compatibility goes.`
      : ` The schema can be registered under ${subject} as far as compatibility goes.`));
    announce('Compatible.');
    heading.focus();
    return;
  }
  const { items, other } = readMessages(messages);
  out.append(h('p', { class: 'verdict bad' }, h('strong', null, 'Incompatible.'),
    ` ${items.length} incompatibilit${items.length === 1 ? 'y' : 'ies'} found${at}.`));
  announce(`Incompatible: ${items.length} incompatibilities.`);

  let newTree = null;
  try {
    newTree = parse(text);
  } catch (e) {
    newTree = null;
  }
  // old schemas by version, for the incompatibilities that point into one
  const olds = new Map();
  const oldText = async (item) => {
    if (item.oldSchema) return item.oldSchema;
    const v = item.oldVersion || (version && version !== 'all' ? version : 'latest');
    if (!olds.has(v)) olds.set(v, api.version(subject, v).then((e) => e.schema));
    return olds.get(v);
  };

  const list = h('ol', { class: 'incompat' });
  out.append(list);
  for (const [k, item] of items.entries()) {
    const reader = readerOf(item, newTree, level);
    const li = h('li', { class: 'incompat-item', dataset: { type: item.type } },
      h('h3', null, `${k + 1}. ${item.type}`),
      h('p', { class: 'message' }, item.text));
    list.append(li);
    if (!item.path) continue;
    let schemaText = text;
    let where = 'the schema being checked';
    if (reader === 'old') {
      try {
        schemaText = await oldText(item);
      } catch (err) {
        li.append(errorBox(err, 'The earlier version could not be read to show the location.'));
        continue;
      }
      where = item.oldVersion ? `version ${item.oldVersion}, already registered` : 'the version already registered';
    }
    const shown = viewText(schemaText, `Schema with incompatibility ${k + 1} marked`);
    const marked = markNode(shown.nodes, item.path, `Incompatibility ${k + 1}, ${item.type}`);
    li.append(h('p', null, 'At ', h('code', { class: 'pointer' }, item.path), ` in ${where}`,
      marked && marked.ptr !== (item.path === '/' ? '' : item.path)
        ? [' (marked where that location begins in the text: ', h('code', null, marked.ptr || '/'), ')'] : '', ':'),
    shown.el);
  }
  if (other.length) {
    out.append(h('details', { class: 'other-messages' }, h('summary', null, 'The other lines of the registry\'s answer'),
      h('ul', null, other.map((t) => h('li', null, h('code', null, t))))));
  }
  heading.focus();
}
