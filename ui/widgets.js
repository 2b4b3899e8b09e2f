// widgets.js - pieces several pages share: the error box, the confirmation
// dialog, the schema input (paste or upload), links to subjects and ids.
import { h, field, nextId } from './dom.js';
import { ApiError } from './api.js';

// An error as the registry words it: its error_code and message, verbatim.
export function errorBox(err, what) {
  const box = h('div', { class: 'error', role: 'alert' });
  if (what) box.append(h('p', { class: 'error-what' }, what));
  if (err instanceof ApiError) {
    box.append(h('p', null,
      h('span', { class: 'error-code' }, err.code ? `error_code ${err.code}` : 'no answer'),
      err.status ? h('span', { class: 'error-status' }, ` (HTTP ${err.status})`) : null,
      ': ',
      h('span', { class: 'error-message' }, err.message)));
  } else {
    box.append(h('p', null, h('span', { class: 'error-message' }, String(err && err.message ? err.message : err))));
  }
  return box;
}

export function subjectHref(subject, query) {
  const q = query ? `?${new URLSearchParams(query)}` : '';
  return `#/subjects/${encodeURIComponent(subject)}${q}`;
}

export function subjectLink(subject, query, label) {
  return h('a', { href: subjectHref(subject, query), class: 'subject-name' }, label || subject);
}

export function schemaHref(id) {
  return `#/schemas/${encodeURIComponent(id)}`;
}

export function schemaLink(id, label) {
  return h('a', { href: schemaHref(id) }, label || `id ${id}`);
}

// A modal confirmation naming what goes. Resolves true only when the user
// presses the confirming button; Escape, Cancel and closing resolve false.
// Focus starts on Cancel, the harmless choice.
export function confirmAction({ title, body, confirmLabel }) {
  return new Promise((resolve) => {
    const titleId = nextId('dlg-title');
    const bodyId = nextId('dlg-body');
    const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
    const ok = h('button', { type: 'button', class: 'btn danger' }, confirmLabel);
    const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': titleId, 'aria-describedby': bodyId },
      h('h2', { id: titleId }, title),
      h('div', { id: bodyId }, body),
      h('div', { class: 'actions' }, cancel, ok));
    let answer = false;
    cancel.addEventListener('click', () => dlg.close());
    ok.addEventListener('click', () => { answer = true; dlg.close(); });
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(answer);
    });
    document.body.append(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

// A schema text area with an upload button that fills it from a file.
// Returns {el, textarea}.
export function schemaInput(label, initial) {
  const textarea = h('textarea', {
    class: 'schema-text', rows: '14', spellcheck: 'false', autocomplete: 'off',
  });
  textarea.value = initial || '';
  const file = h('input', { type: 'file', accept: '.avsc,.json,application/json,text/plain' });
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    textarea.value = await f.text();
    textarea.dispatchEvent(new Event('input'));
  });
  const el = h('div', { class: 'schema-input' },
    field(label, textarea, 'Avro schema JSON: a record, an enum, a primitive such as "string"...'),
    field('Or upload a file', file));
  return { el, textarea, file };
}

// The page heading: focused after navigation so screen readers start there.
export function pageTitle(text, ...extra) {
  return h('h1', { tabindex: '-1', class: 'page-title' }, text, ...extra);
}

export function loading(what) {
  return h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`);
}
