// page_schema.js - #/schemas/{id}: one schema by its global id, and every
// subject and version that carries it (soft-deleted ones marked).
import { h, field } from './dom.js';
import { api } from './api.js';
import { viewText } from './json.js';
import { errorBox, pageTitle, subjectLink, loading } from './widgets.js';

export async function render(ctx, idText) {
  const { main, signal } = ctx;
  const input = h('input', { type: 'text', inputmode: 'numeric', value: idText || '', autocomplete: 'off', size: '12' });
  const form = h('form', { class: 'toolbar', 'aria-label': 'Find a schema by id' },
    field('Schema id', input, 'The global id a producer writes into each message.'),
    h('div', { class: 'field' }, h('button', { type: 'submit', class: 'btn' }, 'Show')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = input.value.trim();
    if (v) location.hash = `#/schemas/${encodeURIComponent(v)}`;
  });

  if (idText === undefined) {
    document.title = 'Schema by id · avro-registry';
    main.append(pageTitle('Schema by id'), form);
    return;
  }
  document.title = `Schema ${idText} · avro-registry`;
  main.append(pageTitle(`Schema id ${idText}`), form, loading('the schema'));
  let schema;
  let usedBy;
  let live;
  try {
    [schema, usedBy, live] = await Promise.all([api.schema(idText, signal),
      api.schemaVersions(idText, true, signal), api.schemaVersions(idText, false, signal)]);
  } catch (err) {
    if (!ctx.alive()) return;
    main.lastChild.remove();
    main.append(errorBox(err, `Schema ${idText} could not be read.`));
    return;
  }
  if (!ctx.alive()) return;
  main.lastChild.remove();

  const isLive = new Set(live.map((x) => `${x.version}\u0000${x.subject}`));
  main.append(h('section', { 'aria-labelledby': 'h-used' }, h('h2', { id: 'h-used' }, 'Subjects and versions with this schema'),
    usedBy.length
      ? h('ul', { class: 'used-by' }, usedBy.map((x) => {
        const gone = !isLive.has(`${x.version}\u0000${x.subject}`);
        return h('li', null, subjectLink(x.subject, { v: x.version }), ` version ${x.version}`, gone ? ' (soft-deleted)' : '');
      }))
      : h('p', null, 'No subject version carries this schema any more; consumers can still read it by id.')));
  const refs = schema.references || [];
  main.append(h('section', { 'aria-labelledby': 'h-schema' }, h('h2', { id: 'h-schema' }, 'Schema'),
    schema.schemaType ? h('p', null, `Type ${schema.schemaType}.`) : null,
    viewText(schema.schema, `Schema id ${idText}`).el,
    h('h3', null, 'References'),
    refs.length
      ? h('ul', { class: 'refs' }, refs.map((r) => h('li', null, h('code', null, r.name), ' → ',
        subjectLink(r.subject, { v: r.version }), ` version ${r.version}`)))
      : h('p', null, 'This schema references no other schema.')));
}
