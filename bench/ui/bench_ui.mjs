// bench_ui.mjs - the web UI's speed with a big registry, in Debian's
// chromium (playwright-core from tests/ui). Run by bench/ui/run.sh against
// a registry it loaded (10,000 subjects, 100,000 schemas); prints figures
// next to references measured in the same run, and asserts nothing.
//
//   node bench/ui/bench_ui.mjs URL [RUNS]
//
// 1. First rows: a fresh browser page (empty cache) opens URL/ui/; the time
//    from the navigation's start to the subjects page's first rows in the
//    DOM (the page's own performance mark, checked against the moment
//    playwright sees them), with where that time went (the page, its
//    scripts, GET /permissions, GET /subjects); then to the rows of the
//    first page showing their latest version and id, then to every
//    subject's version and id loaded. Reference: the bare GET /subjects the page starts from, as
//    fetch() in the same page.
// 2. Filtering: typing into the filter, from the input event to the frame
//    after the table changed, for queries matching one, some, all and no
//    subjects. Reference: the same substring test over the names as a bare
//    loop, in the same page.
import { loadDeps, launch } from '../../tests/ui/lib.mjs';

const [url, runsText] = process.argv.slice(2);
if (!url) {
  console.error('usage: node bench/ui/bench_ui.mjs URL [RUNS]');
  process.exit(2);
}
const RUNS = Number(runsText || 5);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(x < 1 ? 2 : x < 10 ? 1 : 0)} ms`;

const { chromium } = await loadDeps();
const browser = await launch(chromium);
const { context } = browser;
const problems = [];

async function firstRows() {
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(e.message));
  const t0 = Date.now();
  await page.goto(`${url}/ui/`, { waitUntil: 'commit' });
  await page.waitForSelector('table.subjects tbody tr[data-subject]', { timeout: 60_000 });
  const seen = Date.now() - t0;
  const nav = await page.evaluate(() => {
    const m = performance.getEntriesByName('ui:first-rows')[0];
    // where the time went: the page itself, the scripts, and the two requests the rows wait for
    const end = (re) => {
      const e = performance.getEntriesByType('resource').find((r) => re.test(r.name));
      return e ? e.responseEnd : NaN;
    };
    const scripts = performance.getEntriesByType('resource').filter((r) => /\.js$/.test(r.name)).map((r) => r.responseEnd);
    return {
      mark: m ? m.startTime : NaN,
      rows: document.querySelectorAll('table.subjects tbody tr[data-subject]').length,
      html: performance.getEntriesByType('navigation')[0].responseEnd,
      scripts: scripts.length ? Math.max(...scripts) : NaN,
      permissions: end(/\/permissions$/),
      names: end(/\/subjects$/),
    };
  });
  // the first page's rows with their version and id
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('table.subjects tbody tr[data-subject]')];
    return rows.length && rows.every((r) => /^\d+$/.test(r.children[2].textContent));
  }, null, { timeout: 60_000, polling: 10 });
  const withIds = await page.evaluate(() => performance.now());
  await page.waitForFunction(() => document.querySelector('.progress') && document.querySelector('.progress').textContent === ''
    && !document.querySelector('table.subjects .pending'), null, { timeout: 120_000, polling: 20 });
  const allIds = await page.evaluate(() => performance.now());
  // the reference: the one request the first rows wait for, from this page
  const ref = await page.evaluate(async () => {
    const t = performance.now();
    const r = await fetch('/subjects', { cache: 'no-store' });
    const names = await r.json();
    return { ms: performance.now() - t, n: names.length };
  });
  await page.close();
  return { mark: nav.mark, seen, rows: nav.rows, withIds, allIds, ref, nav };
}

async function filtering() {
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${url}/ui/`);
  await page.waitForSelector('table.subjects tbody tr[data-subject]', { timeout: 60_000 });
  // steady state: every version and id in (typing meanwhile competes with
  // parsing those pages, measured separately below by firstRows)
  await page.waitForFunction(() => document.querySelector('.progress') && document.querySelector('.progress').textContent === ''
    && !document.querySelector('table.subjects .pending'), null, { timeout: 120_000, polling: 20 });
  // queries: one subject, a tenth, all, none; each typed from scratch
  const queries = ['bench-s04242-value', 'bench-s04', 'value', 'no-such-thing'];
  const out = await page.evaluate(async (qs) => {
    const input = document.querySelector('input[type=search]');
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const names = [...(await (await fetch('/subjects')).json())].map((n) => n.toLowerCase());
    const res = [];
    for (const q of qs) {
      const times = [];
      const bare = [];
      for (let round = 0; round < 3; round++) {
        input.value = '';
        input.dispatchEvent(new Event('input'));
        await frame();
        for (let k = 1; k <= q.length; k++) { // one keystroke at a time
          const t0 = performance.now();
          input.value = q.slice(0, k);
          input.dispatchEvent(new Event('input'));
          await frame();
          times.push(performance.now() - t0);
          const t1 = performance.now();
          const sub = q.slice(0, k);
          let n = 0;
          for (const x of names) if (x.includes(sub)) n++;
          bare.push(performance.now() - t1 + (n < 0 ? 1 : 0));
        }
      }
      times.sort((a, b) => a - b);
      bare.sort((a, b) => a - b);
      res.push({
        q, matches: document.querySelector('p.status').textContent,
        median: times[Math.floor(times.length / 2)], max: times[times.length - 1],
        bare: bare[Math.floor(bare.length / 2)],
      });
    }
    return res;
  }, queries);
  await page.close();
  return out;
}

const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await firstRows());
const f = await filtering();
await browser.close();

const rows = runs[0].rows;
console.log(`-- web UI (${url}/ui/, Debian chromium, headless; ${runs[0].ref.n.toLocaleString('en-US')} subjects; median of ${RUNS} fresh page loads)`);
console.log(`subjects page, first ${rows} rows shown: ${ms(median(runs.map((r) => r.mark)))} after navigation start`
  + ` (playwright saw them at ${ms(median(runs.map((r) => r.seen)))}; target < 1000 ms)`
  + ` | GET /subjects alone, fetched by the page: ${ms(median(runs.map((r) => r.ref.ms)))}`);
const at = (k) => ms(median(runs.map((r) => r.nav[k])));
console.log(`  of which: page ${at('html')}, its scripts ${at('scripts')}, GET /permissions answered ${at('permissions')},`
  + ` GET /subjects answered ${at('names')} (medians, after navigation start)`);
console.log(`subjects page, first rows with latest version and id: ${ms(median(runs.map((r) => r.withIds)))};`
  + ` every subject's version and id loaded: ${ms(median(runs.map((r) => r.allIds)))}`);
for (const x of f) {
  console.log(`filter "${x.q}" typed key by key: ${ms(x.median)} median, ${ms(x.max)} worst, input to next frame`
    + ` (${x.matches.replace(/\.$/, '')}; target < 100 ms) | bare substring loop over the names: ${ms(x.bare)}`);
}
if (problems.length) console.log(`  note: page errors: ${problems.join('; ')}`);
