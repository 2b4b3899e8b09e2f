// api.js - the registry's public REST API, as any client sees it. The UI
// has no other way into the registry.
//
// Every call resolves with the parsed JSON answer or rejects with an
// ApiError carrying the registry's own error_code and message (or, when
// the request never got an answer, code 0 and the browser's reason).

const MEDIA = 'application/vnd.schemaregistry.v1+json';

// The registry's root: the UI lives at <root>/ui/.
const ROOT = new URL('../', document.baseURI);

export class ApiError extends Error {
  constructor(status, code, message, method, path) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // HTTP status; 0 when there was no answer
    this.code = code; // the registry's error_code
    this.method = method;
    this.path = path;
  }
}

// One path segment. "." and ".." are encoded too, or the browser would
// resolve them away before the request is sent.
export function seg(s) {
  const e = encodeURIComponent(String(s));
  return e === '.' || e === '..' ? e.replace(/\./g, '%2E') : e;
}

function url(path, query) {
  const u = new URL(path.replace(/^\//, ''), ROOT);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== false) u.searchParams.set(k, String(v));
  }
  return u;
}

export async function call(method, path, { query, body, signal } = {}) {
  const init = { method, headers: { Accept: MEDIA }, signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = MEDIA;
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url(path, query), init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 0, `The registry did not answer: ${e.message}`, method, path);
  }
  const text = await res.text();
  let doc = null;
  try {
    doc = text ? JSON.parse(text) : null;
  } catch (e) {
    doc = null;
  }
  if (!res.ok) {
    const code = doc && typeof doc.error_code === 'number' ? doc.error_code : res.status;
    const message = doc && typeof doc.message === 'string' ? doc.message : (text || res.statusText);
    throw new ApiError(res.status, code, message, method, path);
  }
  return doc;
}

const get = (path, query, signal) => call('GET', path, { query, signal });

export const api = {
  // what the caller may do: {principal, config, subjects[, subject]} (GET /permissions)
  permissions: (subject, signal) => get('/permissions', { subject }, signal),
  subjects: (opts = {}, signal) => get('/subjects', { deleted: opts.deleted }, signal),
  // latest live version of each subject, with its id; paged (the server caps limit at 1000)
  latestVersions: (offset, limit, signal) =>
    get('/schemas', { latestOnly: true, offset, limit }, signal),
  // subject-versions with their schemas, by subject then version; paged
  schemasByPrefix: (prefix, offset, limit, signal) =>
    get('/schemas', { subjectPrefix: prefix, deleted: true, offset, limit }, signal),
  versions: (subject, opts = {}, signal) =>
    get(`/subjects/${seg(subject)}/versions`, { deleted: opts.deleted, deletedOnly: opts.deletedOnly }, signal),
  version: (subject, version, opts = {}, signal) =>
    get(`/subjects/${seg(subject)}/versions/${seg(version)}`, { deleted: opts.deleted }, signal),
  referencedBy: (subject, version, signal) =>
    get(`/subjects/${seg(subject)}/versions/${seg(version)}/referencedby`, null, signal),
  schema: (id, signal) => get(`/schemas/ids/${seg(id)}`, null, signal),
  schemaVersions: (id, deleted, signal) => get(`/schemas/ids/${seg(id)}/versions`, { deleted }, signal),

  // subject null: the global setting. defaultToGlobal: a subject without
  // its own answers the global one instead of 40408 / 40409.
  config: (subject, defaultToGlobal, signal) =>
    get(subject === null ? '/config' : `/config/${seg(subject)}`, { defaultToGlobal }, signal),
  setConfig: (subject, level) => call('PUT', `/config/${seg(subject)}`, { body: { compatibility: level } }),
  deleteConfig: (subject) => call('DELETE', `/config/${seg(subject)}`),
  mode: (subject, defaultToGlobal, signal) =>
    get(subject === null ? '/mode' : `/mode/${seg(subject)}`, { defaultToGlobal }, signal),
  setMode: (subject, mode) => call('PUT', `/mode/${seg(subject)}`, { body: { mode } }),
  deleteMode: (subject) => call('DELETE', `/mode/${seg(subject)}`),

  // version null: against what the level covers; else one version ("latest" too).
  // level null: the subject's own level; else that one (?level=, nothing is stored).
  compatibility: (subject, version, body, level = null) => call('POST',
    version === null ? `/compatibility/subjects/${seg(subject)}/versions`
      : `/compatibility/subjects/${seg(subject)}/versions/${seg(version)}`,
    { query: { verbose: true, level }, body }),
  register: (subject, body) => call('POST', `/subjects/${seg(subject)}/versions`, { body }),
  lookup: (subject, body) => call('POST', `/subjects/${seg(subject)}`, { body }),
  deleteVersion: (subject, version, permanent) =>
    call('DELETE', `/subjects/${seg(subject)}/versions/${seg(version)}`, { query: { permanent } }),
  deleteSubject: (subject, permanent) =>
    call('DELETE', `/subjects/${seg(subject)}`, { query: { permanent } }),
};

export const LEVELS = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE',
  'FULL', 'FULL_TRANSITIVE', 'NONE'];
export const MODES = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];
