// The web UI in a real browser: Debian's chromium driven by playwright-core
// (npm, from the committed lock file) against the real server
// (AVRO_REGISTRY_BIN, the sanitizer build under make test). Seeds the
// registry through the API, walks every page, compares versions, runs a
// failing compatibility check, registers and deletes through the UI and
// confirms through the API, checks a schema at another level than the
// subject's, runs axe-core on every page in light and dark mode, feeds it
// hostile data, and writes screenshots to
// build/ui-screenshots/. Prints TAP lines; exits non-zero on a failure.
//
// Every answer of 400 or more and every console error fails the suite
// unless the step expected it (expect()): the subject page asks the
// registry whether a subject has its own level and mode, and "no" is a
// 404 (40408, 40409) by Confluent's design; the error pages are meant to
// show errors.
import fs from 'node:fs';
import path from 'node:path';
import { inspect, isDeepStrictEqual } from 'node:util';
import { ROOT, loadDeps, request, startServer, stopServer, launch } from './lib.mjs';

const BIN = path.resolve(process.env.AVRO_REGISTRY_BIN || path.join(ROOT, 'bin', 'avro-registry'));
const SHOTS = path.join(ROOT, 'build', 'ui-screenshots');

let failures = 0;
process.stdout.on('error', () => {});

function ok(name, cond, detail = '') {
  if (cond) {
    console.log(`ok - ${name}`);
  } else {
    failures += 1;
    console.log(`not ok - ${name}`);
    for (const line of String(detail).split('\n').slice(0, 80)) console.log(`    ${line}`);
  }
  return cond;
}

function eq(name, got, want) {
  return ok(name, isDeepStrictEqual(got, want), `got:  ${inspect(got, { depth: 6 })}\nwant: ${inspect(want, { depth: 6 })}`);
}

// ---- the data -------------------------------------------------------------------

const rec = (name, fields, extra = {}) => JSON.stringify({ type: 'record', name, namespace: 'com.acme', ...extra, fields });
const ORDER_V1 = rec('Order', [{ name: 'id', type: 'long' }, { name: 'amount', type: 'int' }]);
const ORDER_V2 = rec('Order', [{ name: 'id', type: 'long' }, { name: 'amount', type: 'long' },
  { name: 'note', type: ['null', 'string'], default: null }], { doc: 'An order' });
const ORDER_V3 = rec('Order', [{ name: 'id', type: 'long' }, { name: 'amount', type: 'long' },
  { name: 'note', type: ['null', 'string'], default: null }, { name: 'currency', type: 'string', default: 'EUR' }], { doc: 'An order' });
// amount long -> string: incompatible both ways
const ORDER_BAD = rec('Order', [{ name: 'id', type: 'long' }, { name: 'amount', type: 'string' },
  { name: 'note', type: ['null', 'string'], default: null }, { name: 'currency', type: 'string', default: 'EUR' }], { doc: 'An order' });
// a field without a default: FORWARD compatible, not BACKWARD
const ORDER_FWD = rec('Order', [{ name: 'id', type: 'long' }, { name: 'amount', type: 'long' },
  { name: 'note', type: ['null', 'string'], default: null }, { name: 'currency', type: 'string', default: 'EUR' },
  { name: 'extra', type: 'string' }], { doc: 'An order' });
const ADDRESS = rec('Address', [{ name: 'street', type: 'string' }]);
const CUSTOMER = rec('Customer', [{ name: 'name', type: 'string' }, { name: 'address', type: 'com.acme.Address' }]);
const SHARED = rec('Shared', [{ name: 'x', type: 'int' }]);

// Hostile: names and text that would run if the UI ever parsed them as HTML.
const HOSTILE_SUBJECT = '<img src=x onerror="window.__pwned=1">';
const HOSTILE_SUBJECT2 = '"><svg onload=window.__pwned=2>';
const HOSTILE_DOC = '<script>window.__pwned=3</script>';
const HOSTILE_DEFAULT = '</pre><img src=y onerror=window.__pwned=4>';
const HOSTILE_SCHEMA = JSON.stringify({
  type: 'record', name: 'Evil', doc: HOSTILE_DOC, 'x-note': '<b onmouseover=window.__pwned=5>bold</b>',
  fields: [{ name: 'text', type: 'string', default: HOSTILE_DEFAULT }],
});
const FILLERS = 120;

async function seed(port) {
  const post = async (subject, schema, extra = {}) => {
    const r = await request(port, 'POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema, ...extra });
    if (r.status !== 200) throw new Error(`seeding ${subject}: ${r.status} ${r.raw}`);
    return r.json.id;
  };
  const ids = {};
  ids.order = [await post('orders-value', ORDER_V1), await post('orders-value', ORDER_V2), await post('orders-value', ORDER_V3)];
  ids.address = await post('common-address', ADDRESS);
  ids.customer = await post('customers-value', CUSTOMER,
    { references: [{ name: 'com.acme.Address', subject: 'common-address', version: 1 }] });
  ids.shared = await post('shared-a', SHARED);
  await post('shared-b', SHARED);
  ids.history = [await post('history-value', rec('H', [{ name: 'a', type: 'int' }])),
    await post('history-value', rec('H', [{ name: 'a', type: 'int' }, { name: 'b', type: 'int', default: 0 }]))];
  await request(port, 'DELETE', '/subjects/history-value/versions/1');
  ids.toDelete = [await post('to-delete', rec('T', [{ name: 'a', type: 'int' }])),
    await post('to-delete', rec('T', [{ name: 'a', type: 'int' }, { name: 'b', type: 'int', default: 1 }]))];
  ids.hostile = await post(HOSTILE_SUBJECT, HOSTILE_SCHEMA);
  await post(HOSTILE_SUBJECT2, rec('Evil2', [{ name: 'a', type: 'int' }], { doc: HOSTILE_DOC }));
  await request(port, 'PUT', '/config/customers-value', { compatibility: 'FULL' });
  await Promise.all(Array.from({ length: FILLERS }, (_, i) =>
    post(`filler-${String(i).padStart(3, '0')}`, rec('F', [{ name: `f${i}`, type: 'int' }]))));
  const subjects = (await request(port, 'GET', '/subjects')).json;
  return { ids, subjects };
}

// ---- watching the browser -------------------------------------------------------

class Watch {
  constructor(page) {
    this.expected = []; // {method, re, status}
    this.allowedUrls = new Set();
    this.problems = [];
    page.on('response', (r) => {
      if (r.status() < 400) return;
      const m = r.request().method();
      const exp = this.expected.find((e) => e.method === m && e.re.test(r.url()) && e.status === r.status());
      if (exp) this.allowedUrls.add(r.url());
      else this.problems.push(`unexpected answer ${r.status()} to ${m} ${r.url()}`);
    });
    page.on('requestfailed', (r) => this.problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure() && r.failure().errorText}`));
    page.on('pageerror', (e) => this.problems.push(`page error: ${e.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error' && msg.type() !== 'warning') return;
      const url = msg.location() && msg.location().url;
      if (/^Failed to load resource: the server responded with a status of \d+/.test(msg.text()) && this.allowedUrls.has(url)) return;
      this.problems.push(`console ${msg.type()}: ${msg.text()} (${url || 'no url'})`);
    });
  }

  expect(method, re, status) {
    this.expected.push({ method, re, status });
  }

  // Reports what went wrong since the last call, as one TAP line.
  check(name) {
    const p = this.problems.splice(0);
    ok(`${name}: no console errors, failed requests or unexpected errors`, p.length === 0, p.join('\n'));
  }
}

// ---- helpers on the page -------------------------------------------------------

async function go(page, server, hash) {
  await page.goto(`${server.url}/ui/${hash}`);
}

// The row of the subjects table whose data-subject is subject (no CSS
// escaping: hostile names go through as they are).
async function subjectRow(page, subject) {
  // wait until the row's version, id, level and mode are in (or give up and show what is there)
  await page.waitForFunction((s) => {
    const tr = [...document.querySelectorAll('table.subjects tbody tr')].find((r) => r.dataset.subject === s);
    return tr && [...tr.children].every((c) => c.textContent.trim() !== '…');
  }, subject, { timeout: 10_000 }).catch(() => {});
  return page.evaluate((s) => {
    const tr = [...document.querySelectorAll('table.subjects tbody tr')].find((r) => r.dataset.subject === s);
    if (!tr) return null;
    return [...tr.children].map((c) => c.textContent.trim());
  }, subject);
}

async function shoot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

// On a phone-sized screen the page must not scroll sideways (wide tables
// scroll inside their own regions).
async function narrow(page, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
  ok(`responsive: ${name} fits a 390 px wide screen`, widths.page <= widths.screen, inspect(widths));
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}-narrow-light.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function axeCheck(page, axeSource, name) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const has = await page.evaluate(() => typeof window.axe === 'object');
    if (!has) await page.evaluate(axeSource);
    const res = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '')) }));
    });
    const serious = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    ok(`axe-core: ${name} (${scheme}) has no serious or critical violations`, serious.length === 0,
      inspect(serious, { depth: 4 }));
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

const text = (page, sel) => page.locator(sel).first().textContent({ timeout: 10_000 });

// ---- the walk ---------------------------------------------------------------------

async function walk(page, server, watch, axeSource, data) {
  const { port } = server;
  const { ids, subjects } = data;

  // --- subjects ---
  await go(page, server, '');
  await page.waitForSelector('table.subjects tbody tr[data-subject]');
  eq('subjects: the first page shows 50 rows', await page.locator('table.subjects tbody tr').count(), 50);
  eq('subjects: without authentication no user is named, and Register is offered',
    [await page.locator('#principal').textContent(), await page.locator('nav a[data-nav="register"]').isVisible()], ['', true]);
  ok('subjects: the summary counts every subject', (await text(page, '.summary')).includes(`${subjects.length} subjects`),
    await text(page, '.summary'));
  await page.waitForFunction(() => !document.querySelector('table.subjects .pending'));
  const ordersRowFirst = await page.evaluate(() => document.querySelector('table.subjects tbody tr').dataset.subject);
  eq('subjects: sorted by name as the registry lists them', ordersRowFirst, subjects[0]);
  const customers = await subjectRow(page, 'customers-value');
  eq('subjects: a row shows latest version, id, level and mode', customers,
    ['customers-value', '1', String(ids.customer), 'FULL', 'READWRITE']);

  await page.keyboard.press('/');
  ok('subjects: "/" moves the focus to the filter', await page.evaluate(() => document.activeElement.type === 'search'));
  await page.keyboard.type('ORDERS');
  await page.waitForFunction(() => document.querySelectorAll('table.subjects tbody tr').length === 1);
  const orders = await subjectRow(page, 'orders-value');
  eq('subjects: the filter keeps only matching names, in any case', orders,
    ['orders-value', '3', String(ids.order[2]), 'BACKWARD', 'READWRITE']);
  await page.fill('input[type=search]', 'filler-1');
  eq('subjects: "filler-1" matches the 20 fillers 100 to 119', await page.locator('table.subjects tbody tr').count(), 20);
  await page.keyboard.press('Tab');
  const focus = await page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el.tagName, outline: getComputedStyle(el).outlineStyle };
  });
  ok('subjects: Tab reaches the next control, and the focus is visible', focus.tag === 'SELECT' && focus.outline !== 'none', inspect(focus));

  await page.fill('input[type=search]', '');
  await page.click('button.sort[data-key="id"]');
  await page.click('button.sort[data-key="id"]');
  const top = await page.evaluate(() => document.querySelector('table.subjects tbody tr').dataset.subject);
  const maxId = Math.max(...(await Promise.all(subjects.map((s) => request(port, 'GET', `/subjects/${encodeURIComponent(s)}/versions/latest`)))).map((r) => r.json.id));
  const topLatest = (await request(port, 'GET', `/subjects/${encodeURIComponent(top)}/versions/latest`)).json;
  eq('subjects: sorting by id, descending, puts the highest id first', topLatest.id, maxId);
  eq('subjects: the sorted column says so to screen readers',
    await page.getAttribute('th:has(button.sort[data-key="id"])', 'aria-sort'), 'descending');
  await page.click('button.sort[data-key="name"]');
  await page.click('.pager button[data-which="next"]');
  ok('subjects: the pager moves to page 2', (await text(page, '.pageno')).startsWith('Page 2 of 3'), await text(page, '.pageno'));
  eq('subjects: page 2 starts with the 51st subject', await page.evaluate(() => document.querySelector('table.subjects tbody tr').dataset.subject), subjects[50]);
  await page.click('.pager button[data-which="first"]');
  await page.waitForFunction(() => !document.querySelector('table.subjects .pending'));
  await shoot(page, 'subjects');
  await narrow(page, 'subjects');
  await axeCheck(page, axeSource, 'subjects');
  watch.check('subjects page');

  // --- a subject, its diff, its settings ---
  watch.expect('GET', /\/config\/[^/?]+$/, 404); // 40408: no level of its own
  watch.expect('GET', /\/mode\/[^/?]+$/, 404); // 40409: no mode of its own
  await page.fill('input[type=search]', 'orders-value');
  await page.click('table.subjects tbody a.subject-name');
  await page.waitForSelector('section[aria-labelledby="h-versions"] tbody tr');
  eq('subject: the heading names it', (await text(page, 'h1')).trim(), 'Subject orders-value');
  eq('subject: three versions are listed, newest first',
    await page.$$eval('table.versions tbody tr', (rows) => rows.map((r) => r.dataset.version)), ['3', '2', '1']);
  await page.waitForSelector('pre.json .j-k');
  const schemaText = await text(page, 'section[aria-labelledby="h-schema"] pre.json');
  ok('subject: the latest schema is pretty-printed', schemaText.includes('"name": "currency"') && schemaText.includes('\n  "fields": ['), schemaText);
  ok('subject: and highlighted (keys, strings, punctuation in their own spans)',
    await page.locator('section[aria-labelledby="h-schema"] pre.json .j-s').count() > 5);

  await page.getByLabel('From version').selectOption('1');
  await page.getByLabel('To version').selectOption('3');
  await page.click('form[aria-label="Versions to compare"] button[type=submit]');
  await page.waitForFunction(() => /from version 1 to version 3/.test(document.querySelector('.structural h3')?.textContent || ''));
  const changes = await page.$$eval('table.changes tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  eq('diff: the structural changes from version 1 to 3, by field, type and default', changes, [
    ['com.acme.Order', 'doc changed', '(none)', '"An order"'],
    ['com.acme.Order.amount', 'type changed', 'int', 'long'],
    ['com.acme.Order.note', 'field added', '', 'union [null, string] = null'],
    ['com.acme.Order.currency', 'field added', '', 'string = "EUR"'],
  ]);
  const lines = await page.$$eval('table.linediff tbody tr', (rows) => rows.map((r) => {
    const c = r.querySelectorAll('td.code');
    return [c[0].className.replace('code ', ''), c[0].textContent, c[1].className.replace('code ', ''), c[1].textContent];
  }));
  ok('diff: the line view shows the changed type side by side',
    lines.some(([ka, a, kb, b]) => ka === 'del' && a.includes('"type": "int"') && kb === 'add' && b.includes('"type": "long"')), inspect(lines));
  ok('diff: and the added field as added lines', lines.some(([, , kb, b]) => kb === 'add' && b.includes('"name": "currency"')));
  ok('diff: unchanged lines sit on both sides', lines.some(([ka, a, kb, b]) => ka === 'same' && kb === 'same' && a.includes('"name": "id"') && a === b));
  await shoot(page, 'subject-diff');
  await narrow(page, 'subject-diff');
  await axeCheck(page, axeSource, 'subject');

  const levelSel = 'form[data-setting="level"]';
  await page.selectOption(`${levelSel} select`, 'FULL');
  await page.click(`${levelSel} button[type=submit]`);
  await page.waitForFunction((s) => document.querySelector(`${s} .note`).textContent.startsWith('Saved'), levelSel);
  eq('settings: the level set in the UI is the registry\'s', (await request(port, 'GET', '/config/orders-value')).json, { compatibilityLevel: 'FULL' });
  const modeSel = 'form[data-setting="mode"]';
  await page.selectOption(`${modeSel} select`, 'READONLY');
  await page.click(`${modeSel} button[type=submit]`);
  await page.waitForFunction((s) => document.querySelector(`${s} .note`).textContent.startsWith('Saved'), modeSel);
  eq('settings: the mode set in the UI is the registry\'s', (await request(port, 'GET', '/mode/orders-value')).json, { mode: 'READONLY' });
  await page.selectOption(`${modeSel} select`, '');
  await page.click(`${modeSel} button[type=submit]`);
  await page.waitForFunction((s) => /follows the global/.test(document.querySelector(`${s} .note`).textContent), modeSel);
  eq('settings: "use the global setting" removes the subject\'s own mode', (await request(port, 'GET', '/mode/orders-value')).json.error_code, 40409);
  watch.check('subject page');

  // --- soft-deleted versions, references and referenced-by ---
  await go(page, server, '#/subjects/history-value');
  await page.waitForSelector('table.versions tbody tr');
  eq('subject: a soft-deleted version is listed and marked',
    await page.$$eval('table.versions tbody tr', (rows) => rows.map((r) => [r.dataset.version, r.children[2].textContent])),
    [['2', 'live'], ['1', 'soft-deleted']]);
  await go(page, server, '#/subjects/customers-value');
  await page.waitForSelector('ul.refs a');
  eq('references: the reference is a link to the subject version', await page.$$eval('ul.refs li', (li) => li.map((x) => x.textContent)),
    ['com.acme.Address → common-address version 1']);
  await page.click('ul.refs a');
  await page.waitForFunction(() => /common-address/.test(document.querySelector('h1')?.textContent || ''));
  await page.waitForSelector('section[aria-labelledby="h-schema"] ul.refs a');
  eq('references: the referenced version lists who references it',
    await page.$$eval('section[aria-labelledby="h-schema"] ul.refs a', (a) => a.map((x) => x.getAttribute('href'))), [`#/schemas/${ids.customer}`]);
  await page.click('section[aria-labelledby="h-schema"] ul.refs a');

  // --- schema by id ---
  await page.waitForSelector('section[aria-labelledby="h-used"] li');
  eq('schema by id: the referencing schema\'s subject versions', await page.$$eval('ul.used-by li', (li) => li.map((x) => x.textContent)),
    ['customers-value version 1']);
  await go(page, server, `#/schemas/${ids.shared}`);
  await page.waitForSelector('ul.used-by li');
  eq('schema by id: every subject version that carries the schema', await page.$$eval('ul.used-by li', (li) => li.map((x) => x.textContent)),
    ['shared-a version 1', 'shared-b version 1']);
  ok('schema by id: the schema is shown', (await text(page, 'section[aria-labelledby="h-schema"] pre.json')).includes('"name": "Shared"'));
  await shoot(page, 'schema');
  await axeCheck(page, axeSource, 'schema by id');
  await go(page, server, '#/schemas');
  await page.fill('input[inputmode=numeric]', String(ids.address));
  await page.keyboard.press('Enter');
  await page.waitForSelector('ul.used-by li');
  eq('schema by id: the form finds an id', await page.$$eval('ul.used-by li', (li) => li.map((x) => x.textContent)), ['common-address version 1']);
  watch.check('schema pages');

  // --- compatibility ---
  await go(page, server, '#/compat?subject=orders-value');
  await page.waitForFunction(() => /FULL/.test(document.querySelector('.note')?.textContent || ''));
  await page.fill('textarea.schema-text', ORDER_V3.replace('"EUR"', '"USD"'));
  await page.click('button:text("Check compatibility")');
  await page.waitForSelector('.verdict');
  ok('compatibility: a compatible schema is said to be so', (await text(page, '.verdict')).startsWith('Compatible.'));
  await page.setInputFiles('input[type=file]', { name: 'order.avsc', mimeType: 'application/json', buffer: Buffer.from(ORDER_BAD) });
  await page.waitForFunction((t) => document.querySelector('textarea.schema-text').value === t, ORDER_BAD);
  ok('compatibility: an uploaded file fills the text', true);
  await page.click('button:text("Check compatibility")');
  await page.waitForSelector('.verdict.bad');
  const api = (await request(port, 'POST', '/compatibility/subjects/orders-value/versions/latest?verbose=true', { schema: ORDER_BAD })).json;
  const items = await page.$$eval('li.incompat-item', (lis) => lis.map((li) => ({
    message: li.querySelector('.message').textContent,
    pointer: li.querySelector('code.pointer')?.textContent,
    marked: li.querySelector('mark.j-mark > .j-node')?.textContent,
  })));
  const apiItems = api.messages.filter((m) => m.startsWith('{errorType:'));
  eq('compatibility: every incompatibility, in the registry\'s words', items.map((i) => i.message), apiItems);
  const mismatch = items.filter((i) => i.message.includes('TYPE_MISMATCH'));
  ok('compatibility: the type mismatch is located at /fields/1/type', mismatch.length === 2 && mismatch.every((i) => i.pointer === '/fields/1/type'), inspect(items));
  eq('compatibility: and the offending node is marked in the schema read by each side',
    mismatch.map((i) => [i.message.includes('in the new schema') ? 'new' : 'old', i.marked]).sort(),
    [['new', '"type": "string"'], ['old', '"type": "long"']]);

  // another level than the subject's FULL: the registry judges (?level=), nothing is stored
  const verdict = async (want) => {
    await page.click('button:text("Check compatibility")');
    await page.waitForFunction((w) => (document.querySelector('.result .verdict')?.textContent || '').startsWith(w), want);
    return text(page, '.result .verdict');
  };
  await page.fill('textarea.schema-text', ORDER_FWD);
  ok('compatibility level: at the subject\'s own FULL, a new field without default is incompatible',
    (await verdict('Incompatible.')).includes('at FULL'), await text(page, '.result .verdict'));
  await page.getByLabel('Compatibility level').selectOption('FORWARD');
  ok('compatibility level: the page says it checks at FORWARD, not at the subject\'s FULL',
    (await text(page, '.note')).startsWith('Checked at FORWARD, not at the subject\'s level (FULL)'), await text(page, '.note'));
  ok('compatibility level: ...and keeps it in the address', page.url().includes('level=FORWARD'), page.url());
  ok('compatibility level: at FORWARD the same schema is compatible', (await verdict('Compatible.')).includes('at FORWARD'),
    await text(page, '.result .verdict'));
  await page.getByLabel('Compatibility level').selectOption('BACKWARD_TRANSITIVE');
  await page.getByLabel('Check against').selectOption('all');
  await verdict('Incompatible.');
  const atLevel = (await request(port, 'POST', '/compatibility/subjects/orders-value/versions?level=BACKWARD_TRANSITIVE&verbose=true', { schema: ORDER_FWD })).json;
  const levelItems = await page.$$eval('li.incompat-item', (lis) => lis.map((li) => ({
    message: li.querySelector('.message').textContent,
    pointer: li.querySelector('code.pointer')?.textContent,
    marked: li.querySelector('mark.j-mark > .j-node')?.textContent,
  })));
  eq('compatibility level: at BACKWARD_TRANSITIVE against every version, the registry\'s messages for that level',
    levelItems.map((i) => i.message), atLevel.messages.filter((m) => m.startsWith('{errorType:')));
  ok('compatibility level: ...the field without default marked at /fields/4',
    levelItems.length === 1 && levelItems[0].pointer === '/fields/4' && (levelItems[0].marked || '').includes('"name": "extra"'), inspect(levelItems));
  ok('compatibility level: ...and the registry named that level', atLevel.messages.at(-1).includes("compatibility: 'BACKWARD_TRANSITIVE'"), inspect(atLevel.messages));
  eq('compatibility level: checking at other levels changed no setting', (await request(port, 'GET', '/config/orders-value')).json,
    { compatibilityLevel: 'FULL' });
  await go(page, server, '#/compat?subject=orders-value&level=FORWARD');
  await page.waitForFunction(() => /FORWARD, not at/.test(document.querySelector('.note')?.textContent || ''));
  eq('compatibility level: a link with ?level= opens with that level picked', await page.getByLabel('Compatibility level').inputValue(), 'FORWARD');
  await page.fill('textarea.schema-text', ORDER_FWD);
  await verdict('Compatible.');
  await shoot(page, 'compat-level');
  await go(page, server, '#/compat?subject=orders-value');
  await page.waitForFunction(() => /FULL/.test(document.querySelector('.note')?.textContent || ''));
  await page.fill('textarea.schema-text', ORDER_BAD);
  await verdict('Incompatible.');
  await shoot(page, 'compat');
  await axeCheck(page, axeSource, 'compatibility');
  watch.check('compatibility page');

  // --- register ---
  await go(page, server, '#/register?subject=ui-made-value');
  await page.fill('textarea.schema-text', ORDER_V1);
  await page.click('form button:text("Register")');
  await page.waitForSelector('.verdict.ok');
  eq('register: the version registered through the UI is in the registry',
    (await request(port, 'GET', '/subjects/ui-made-value/versions')).json, [1]);
  ok('register: the answer links the new version', (await text(page, '.verdict.ok')).includes('ui-made-value version 1'));
  watch.expect('POST', /\/subjects\/ui-made-value\/versions$/, 409);
  await page.fill('textarea.schema-text', ORDER_BAD);
  await page.click('form button:text("Register")');
  await page.waitForSelector('.result .error');
  const refused = (await request(port, 'POST', '/subjects/ui-made-value/versions', { schema: ORDER_BAD })).json;
  eq('register: an incompatible schema shows the registry\'s error_code and message',
    [await text(page, '.result .error-code'), await text(page, '.result .error-message')], [`error_code ${refused.error_code}`, refused.message]);
  watch.expect('POST', /\/subjects\/ui-made-value\/versions$/, 422);
  await page.fill('textarea.schema-text', rec('Bad', [{ name: 'x', type: 'lng' }]));
  await page.click('form button:text("Register")');
  await page.waitForSelector('.result .error');
  ok('register: an invalid schema shows 42201 and marks the node', (await text(page, '.result .error-code')) === 'error_code 42201' &&
    (await text(page, '.result mark.j-mark > .j-node')) === '"type": "lng"', await text(page, '.result'));
  await shoot(page, 'register');
  await axeCheck(page, axeSource, 'register');
  watch.check('register page');

  // --- delete: soft, then permanently, each confirmed ---
  await go(page, server, '#/subjects/to-delete');
  await page.waitForSelector('button[data-action="delete-version"][data-version="2"]');
  await page.click('button[data-action="delete-version"][data-version="2"]');
  await page.waitForSelector('dialog.confirm[open]');
  ok('delete: the dialog takes the focus, on Cancel', await page.evaluate(() => document.activeElement.textContent === 'Cancel'));
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog.confirm', { state: 'detached' });
  eq('delete: Escape deletes nothing', (await request(port, 'GET', '/subjects/to-delete/versions')).json, [1, 2]);
  await page.click('button[data-action="delete-version"][data-version="2"]');
  await page.waitForSelector('dialog.confirm[open]');
  const dialogText = await text(page, 'dialog.confirm');
  ok('delete: the confirmation names the version, its id and the subject',
    dialogText.includes('version 2') && dialogText.includes(`schema id ${ids.toDelete[1]}`) && dialogText.includes('to-delete'), dialogText);
  await shoot(page, 'delete-confirm');
  await page.click('dialog.confirm button.danger');
  await page.waitForSelector('button[data-action="delete-version-permanently"][data-version="2"]');
  eq('delete: soft-deleted through the UI, as the API sees it',
    [(await request(port, 'GET', '/subjects/to-delete/versions')).json, (await request(port, 'GET', '/subjects/to-delete/versions?deleted=true')).json], [[1], [1, 2]]);
  await page.click('button[data-action="delete-version-permanently"][data-version="2"]');
  await page.waitForSelector('dialog.confirm[open]');
  ok('delete: the permanent delete says it cannot be undone', (await text(page, 'dialog.confirm')).includes('cannot be undone'));
  await page.click('dialog.confirm button.danger');
  await page.waitForFunction(() => document.querySelectorAll('table.versions tbody tr').length === 1);
  eq('delete: permanently deleted through the UI', (await request(port, 'GET', '/subjects/to-delete/versions?deleted=true')).json, [1]);
  await page.click('button[data-action="delete-subject"]');
  await page.waitForSelector('dialog.confirm[open]');
  ok('delete: deleting the subject names what goes', (await text(page, 'dialog.confirm')).includes(`version 1 (schema id ${ids.toDelete[0]})`));
  watch.expect('GET', /\/subjects\/to-delete\/versions$/, 404); // every version soft-deleted: 40401
  await page.click('dialog.confirm button.danger');
  await page.waitForSelector('button[data-action="delete-subject-permanently"]');
  ok('delete: the soft-deleted subject is gone from the list', !(await request(port, 'GET', '/subjects')).json.includes('to-delete'));
  await page.click('button[data-action="delete-subject-permanently"]');
  await page.waitForSelector('dialog.confirm[open]');
  await page.click('dialog.confirm button.danger');
  await page.waitForSelector('table.subjects');
  eq('delete: the subject deleted permanently is gone for good',
    (await request(port, 'GET', '/subjects/to-delete/versions?deleted=true')).json.error_code, 40401);
  watch.check('deleting');

  // --- errors as the registry words them ---
  watch.expect('GET', /\/subjects\/no-such-subject\/versions/, 404);
  await go(page, server, '#/subjects/no-such-subject');
  await page.waitForSelector('.error');
  eq('errors: a missing subject shows error_code and message',
    [await text(page, '.error-code'), await text(page, '.error-message')], ['error_code 40401', "Subject 'no-such-subject' not found."]);
  await shoot(page, 'error');
  watch.expect('GET', /\/schemas\/ids\/987654/, 404);
  await go(page, server, '#/schemas/987654');
  await page.waitForSelector('.error');
  eq('errors: a missing schema id shows error_code 40403', await text(page, '.error-code'), 'error_code 40403');
  await go(page, server, '#/nowhere');
  eq('errors: an unknown page says so', (await text(page, 'h1')).trim(), 'Page not found');
  watch.check('error pages');

  // --- hostile data ---
  await go(page, server, '#/subjects?q=%3Cimg');
  await page.waitForFunction(() => document.querySelectorAll('table.subjects tbody tr').length >= 1);
  const hostileRow = await subjectRow(page, HOSTILE_SUBJECT);
  eq('hostile: a subject name made of HTML is listed as text', hostileRow && hostileRow[0], HOSTILE_SUBJECT);
  await page.click('table.subjects tbody a.subject-name');
  await page.waitForSelector('section[aria-labelledby="h-schema"] pre.json');
  const shown = await text(page, 'section[aria-labelledby="h-schema"] pre.json');
  ok('hostile: the doc, the default and the custom property show as text',
    shown.includes(JSON.stringify(HOSTILE_DOC)) && shown.includes(JSON.stringify(HOSTILE_DEFAULT)) && shown.includes('<b onmouseover'), shown);
  eq('hostile: the heading shows the name as text', (await text(page, 'h1')).trim(), `Subject ${HOSTILE_SUBJECT}`);
  await go(page, server, `#/subjects/${encodeURIComponent(HOSTILE_SUBJECT2)}`);
  await page.waitForSelector('section[aria-labelledby="h-schema"] pre.json');
  await go(page, server, `#/schemas/${ids.hostile}`);
  await page.waitForSelector('ul.used-by li');
  const injected = await page.evaluate(() => ({
    pwned: window.__pwned === undefined ? null : window.__pwned,
    elements: document.querySelectorAll('main img, main script, main svg, main b, body > img, body > svg').length,
  }));
  eq('hostile: nothing ran and no element came from the data', injected, { pwned: null, elements: 0 });
  await shoot(page, 'hostile');
  watch.check('hostile data');
}

async function checkHeaders(port) {
  const r = await request(port, 'GET', '/ui/app.js');
  ok('headers: the UI is served with a strict CSP, nosniff and an ETag',
    r.status === 200 && /script-src 'self'/.test(r.headers['content-security-policy'] || '') &&
    !/unsafe-inline|unsafe-eval/.test(r.headers['content-security-policy'] || '') &&
    r.headers['x-content-type-options'] === 'nosniff' && /^"[0-9a-f]{16}"$/.test(r.headers.etag || ''), inspect(r.headers));
}

async function main() {
  let deps;
  try {
    deps = await loadDeps();
    ok('npm ci: playwright-core and axe-core', true);
  } catch (err) {
    ok('npm ci: playwright-core and axe-core', false, err.message);
    return;
  }
  if (!fs.existsSync('/usr/bin/chromium')) {
    ok('Debian chromium is installed (scripts/install-deps)', false, '/usr/bin/chromium is missing');
    return;
  }
  const server = await startServer(BIN);
  let browser = null;
  try {
    const data = await seed(server.port);
    ok(`seeded ${data.subjects.length} subjects through the API`, data.subjects.length === FILLERS + 9, inspect(data.subjects.length));
    await checkHeaders(server.port);
    browser = await launch(deps.chromium);
    const page = browser.context.pages()[0] || await browser.context.newPage();
    page.setDefaultTimeout(15_000);
    const watch = new Watch(page);
    try {
      await walk(page, server, watch, deps.axeSource, data);
    } catch (err) {
      const where = await page.evaluate(() => `${location.hash}\n${document.querySelector('main').innerText.slice(0, 1500)}`).catch(() => '');
      throw new Error(`${err.stack || err}\n--- the page (${where})\n--- problems: ${watch.problems.join('\n')}`);
    }
  } catch (err) {
    ok('the walk through the UI finished', false, err.message);
  } finally {
    if (browser) await browser.close();
    const st = await stopServer(server);
    ok(`server on port ${server.port} shut down cleanly (exit 0, no sanitizer report)`, st.clean,
      `exit ${st.code} signal ${st.signal}\n${server.log.slice(-3000)}`);
  }
}

const started = Date.now();
await main();
console.log(`# UI suite took ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(ROOT, SHOTS)}/`);
process.exit(failures ? 1 : 0);
