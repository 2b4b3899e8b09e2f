// page_register.js - #/register?subject=S: register a schema as a new
// version of a subject (creating the subject if it is new). The registry
// judges it: an invalid or incompatible schema comes back with its
// error_code and message, shown as they are. With authentication on, the
// form is offered only to a user who may write some subject, and the
// Register button only for a subject the user may write.
import { h, clear, announce, field } from './dom.js';
import { api } from './api.js';
import * as store from './store.js';
import * as caps from './caps.js';
import { parse, viewText, markNode } from './json.js';
import { errorBox, pageTitle, schemaInput, subjectLink, schemaLink } from './widgets.js';

export async function render(ctx) {
  const { main, query } = ctx;
  document.title = 'Register a schema · avro-registry';
  main.append(pageTitle('Register a schema'));
  if (!caps.can('writeSome')) {
    main.append(h('p', { class: 'note', dataset: { readonly: '' } }, caps.principal()
      ? `${caps.principal()} may not register schemas in this registry: no subject may be written with these credentials.`
      : 'The registry did not say that schemas may be registered: registering is not offered.'));
    return;
  }
  const subjectIn = h('input', { type: 'text', value: query.get('subject') || '', autocomplete: 'off', spellcheck: 'false', required: true });
  const input = schemaInput('Schema', '');
  const refs = h('textarea', { rows: '4', spellcheck: 'false', class: 'refs-text' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Register');
  const result = h('div', { class: 'result', role: 'region', 'aria-label': 'Result' });
  const allowedNote = h('p', { class: 'note', role: 'status' });
  const form = h('form', { class: 'stack', 'aria-label': 'Register a schema' },
    field('Subject', subjectIn, 'Usually <topic>-value or <topic>-key. A new name creates the subject.'),
    allowedNote,
    input.el,
    h('details', null, h('summary', null, 'References (optional)'),
      field('References as JSON', refs, 'For example [{"name": "com.acme.Address", "subject": "address-value", "version": 1}]')),
    h('div', null, submit));
  main.append(h('p', null, 'The registry checks the schema against the subject\'s versions at its compatibility level before it takes it.'),
    form, result);

  // whether the user may write the subject typed: the button only if so
  let asked = null;
  const mayWrite = async () => {
    const subject = subjectIn.value;
    asked = subject;
    let write = false;
    try {
      write = subject === '' || (await caps.forSubject(subject)).write;
    } catch (err) {
      write = true; // the registry judges the registration itself
    }
    if (!ctx.alive() || asked !== subject) return null;
    submit.hidden = !write;
    allowedNote.textContent = write ? '' : `${caps.principal()} may not write subject "${subject}": registering under it is not offered.`;
    return write;
  };
  let timer = null;
  subjectIn.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(mayWrite, 250);
  });
  if (subjectIn.value) mayWrite();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(result);
    const subject = subjectIn.value;
    clearTimeout(timer);
    if (!(await mayWrite())) return;
    const body = { schema: input.textarea.value };
    if (refs.value.trim()) {
      try {
        body.references = JSON.parse(refs.value);
      } catch (err) {
        result.append(errorBox(err, 'The references are not JSON.'));
        return;
      }
    }
    submit.disabled = true;
    let registered;
    let found;
    try {
      registered = await api.register(subject, body);
      found = await api.lookup(subject, body);
    } catch (err) {
      if (!ctx.alive()) return;
      result.append(errorBox(err, 'The schema was not registered.'));
      showLocation(result, err, body.schema);
      return;
    } finally {
      submit.disabled = false;
    }
    if (!ctx.alive()) return;
    store.invalidate();
    const msg = `Registered: ${subject} version ${found.version}, schema id ${registered.id}.`;
    result.append(h('p', { class: 'verdict ok', role: 'status' }, h('strong', null, 'Registered. '),
      subjectLink(subject, { v: found.version }, `${subject} version ${found.version}`), ', ', schemaLink(registered.id), '.'));
    announce(msg);
  });
}

// An invalid schema's message may end with the location of the offending
// node, "(at /fields/0/type)": mark it in the text that was sent.
function showLocation(out, err, text) {
  const m = err && typeof err.message === 'string' ? /\(at (\/[^)]*)\)/.exec(err.message) : null;
  if (!m) return;
  try {
    parse(text);
  } catch (e) {
    return;
  }
  const shown = viewText(text, 'The schema sent, with the offending node marked');
  if (markNode(shown.nodes, m[1], 'Offending node')) {
    out.append(h('p', null, 'At ', h('code', { class: 'pointer' }, m[1]), ':'), shown.el);
  }
}
