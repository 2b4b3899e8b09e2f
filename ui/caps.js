// caps.js - what the person using the UI may do. Every action that changes
// the registry (register, delete, change a level or a mode) asks here
// before it is shown, so that a registry with authentication can hide what
// its user may not perform.
//
// Today the registry has no authentication: everyone may do everything,
// and the registry itself remains the judge (a refused request shows the
// registry's error). When authentication lands, the browser's basic-auth
// prompt logs the user in, and load() fills the answers from what the
// registry says the principal may do; the pages need not change.

const allowed = {
  read: () => true,
  // register a version, change a level or mode, delete under the subject
  write: (subject) => typeof subject === 'string',
  // change the global level or mode
  writeGlobal: () => true,
};

export async function load() {
  // nothing to ask yet; see the file comment
}

export function can(action, subject) {
  const rule = allowed[action];
  return rule ? rule(subject) : false;
}
