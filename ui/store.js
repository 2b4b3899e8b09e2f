// store.js - what the subjects list knows, kept while the UI is open so
// that going back to the list costs no requests. Pages that change the
// registry call invalidate().
//
// With 10,000 subjects the list costs: one GET /subjects (the names), then
// GET /schemas?latestOnly=true in pages of 1,000 (each subject's latest
// version and id, with its schema text: the only bulk source of ids the
// API has), and per subject on screen one GET /config and one GET /mode
// (?defaultToGlobal=true: the level and mode that apply). Levels and modes
// of every subject are fetched only when the list is sorted by them.
import { api } from './api.js';

const PAGE = 1000; // the server's largest page for /schemas
const PARALLEL_PAGES = 2;
const PARALLEL_SETTINGS = 6;

let state = null;

function fresh() {
  return {
    names: null, // string[] in the registry's order
    namesPromise: null,
    lower: null, // names, lower-cased, for filtering
    latest: new Map(), // subject -> {version, id}
    latestDone: false,
    latestPromise: null,
    settings: new Map(), // subject -> {level, mode} | {error}
    pending: new Map(), // subject -> Promise of the settings
    global: null, // {level, mode}
    listeners: new Set(),
  };
}

export function invalidate() {
  state = null;
}

function s() {
  if (!state) state = fresh();
  return state;
}

// Called with a kind ('latest' or 'settings') and what changed.
export function subscribe(fn) {
  const st = s();
  st.listeners.add(fn);
  return () => st.listeners.delete(fn);
}

function emit(st, kind, detail) {
  for (const fn of st.listeners) fn(kind, detail);
}

// The names, fetched once however many ask at the same time. (Not tied to
// one page's signal: a page that goes away leaves the answer to the next.)
export function names() {
  const st = s();
  if (!st.namesPromise) {
    st.namesPromise = api.subjects({}).then((list) => {
      performance.mark('ui:names');
      st.names = list;
      st.lower = list.map((n) => n.toLowerCase());
      return list;
    }, (err) => {
      st.namesPromise = null; // the next page asks again
      throw err;
    });
  }
  return st.namesPromise;
}

export function lowerNames() {
  return s().lower;
}

export async function globalSettings(signal) {
  const st = s();
  if (!st.global) {
    const [c, m] = await Promise.all([api.config(null, false, signal), api.mode(null, false, signal)]);
    st.global = { level: c.compatibilityLevel, mode: m.mode };
  }
  return st.global;
}

export function latest(subject) {
  return s().latest.get(subject);
}

// How many subjects' latest version and id are in (without a pass over the names).
export function latestCount() {
  return s().latest.size;
}

export function latestDone() {
  return s().latestDone;
}

// Loads every subject's latest version and id, PARALLEL_PAGES pages at a
// time; listeners hear 'latest' after each page. Not tied to one page's
// life: the list stays useful when the user comes back.
export function loadLatest(total) {
  const st = s();
  if (st.latestPromise) return st.latestPromise;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  let next = 0;
  const worker = async () => {
    while (next < pages && st === state) {
      const offset = (next++) * PAGE;
      const rows = await api.latestVersions(offset, PAGE);
      for (const r of rows) st.latest.set(r.subject, { version: r.version, id: r.id });
      emit(st, 'latest', rows.length);
      if (rows.length < PAGE) next = pages;
    }
  };
  st.latestPromise = Promise.all(Array.from({ length: Math.min(PARALLEL_PAGES, pages) }, worker))
    .then(() => {
      st.latestDone = true;
      emit(st, 'latest', 0);
    });
  return st.latestPromise;
}

export function settings(subject) {
  return s().settings.get(subject);
}

// The level and mode that apply to subject (its own, else the global ones).
export function loadSettings(subject) {
  const st = s();
  if (st.settings.has(subject)) return Promise.resolve(st.settings.get(subject));
  if (st.pending.has(subject)) return st.pending.get(subject);
  const p = Promise.all([api.config(subject, true), api.mode(subject, true)])
    .then(([c, m]) => ({ level: c.compatibilityLevel, mode: m.mode }), (err) => ({ error: err }))
    .then((v) => {
      st.pending.delete(subject);
      st.settings.set(subject, v);
      emit(st, 'settings', subject);
      return v;
    });
  st.pending.set(subject, p);
  return p;
}

// A queue that loads settings for the subjects asked for, a few at a time,
// newest requests first (what is on screen now beats what was a moment ago).
const queue = [];
let running = 0;

export function wantSettings(subject) {
  const st = s();
  if (st.settings.has(subject) || st.pending.has(subject) || queue.includes(subject)) return;
  queue.push(subject);
  pump();
}

export function forgetWanted() {
  queue.length = 0;
}

function pump() {
  while (running < PARALLEL_SETTINGS && queue.length) {
    const subject = queue.pop();
    running++;
    loadSettings(subject).finally(() => {
      running--;
      pump();
    });
  }
}

// Loads the settings of every subject in list (for sorting by them);
// onProgress(done, total). Stops early when signal aborts.
export async function loadAllSettings(list, signal, onProgress) {
  const st = s();
  const missing = list.filter((n) => !st.settings.has(n));
  let done = 0;
  let i = 0;
  const worker = async () => {
    while (i < missing.length && !signal.aborted && st === state) {
      await loadSettings(missing[i++]);
      done++;
      if (done % 100 === 0) onProgress(done, missing.length);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_SETTINGS }, worker));
  onProgress(done, missing.length);
}
