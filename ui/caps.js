// caps.js - what the person using the UI may do. Every action that changes
// the registry (register, delete, change a level or a mode) asks here
// before it is shown, so that a registry with authentication hides what its
// user may not perform.
//
// The registry says it: GET /permissions answers who the caller is and
// whether they may read or write the global settings ("Config:"), some
// subject, and (?subject=) one subject. With authentication on, that first
// request is answered 401 with a Basic challenge, and the browser's own
// prompt logs the user in; the browser then sends the credentials with
// every request of the UI. The registry remains the judge: a refused
// request still shows its error.

import { api } from './api.js';

let mine = null; // the answer without ?subject=; null until load() got it
const subjects = new Map(); // subject -> Promise of {read, write}

// Asks once at start. When the registry cannot say (it did not answer, or
// the user cancelled the login), the UI offers no write at all; the pages'
// own requests then show the registry's error.
export async function load() {
  try {
    mine = await api.permissions();
  } catch (err) {
    mine = null;
  }
  const who = document.getElementById('principal');
  if (who) who.textContent = mine && mine.principal ? `Signed in as ${mine.principal}` : '';
  for (const a of document.querySelectorAll('nav a[data-nav="register"]')) {
    a.closest('li').hidden = !can('writeSome');
  }
}

// Synchronous answers from what load() learnt:
//   'readGlobal'  the global level and mode may be read
//   'writeSome'   some subject may be written (registering at all)
export function can(action) {
  if (!mine) return false;
  if (action === 'readGlobal') return mine.config.read;
  if (action === 'writeSome') return mine.subjects.write;
  return false;
}

// {read, write} for one subject, asked once per subject while the UI is
// open (permissions change only when the authfile does).
export function forSubject(subject) {
  if (!mine) return Promise.resolve({ read: false, write: false });
  if (!mine.principal) return Promise.resolve({ read: true, write: true });
  if (!subjects.has(subject)) {
    subjects.set(subject, api.permissions(subject).then((p) => p.subject, (err) => {
      subjects.delete(subject);
      throw err;
    }));
  }
  return subjects.get(subject);
}

export function principal() {
  return mine ? mine.principal : null;
}
