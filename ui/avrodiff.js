// avrodiff.js - the structural difference between two Avro schemas: what a
// reader of the schema cares about, field by field, type by type, default
// by default, rather than line by line.
//
// diffSchemas(a, b) takes two trees from json.js's parse() and returns rows
// {where, change, a, b}: where names the place ("com.acme.Order.customer.email",
// "[]" for array items, "{}" for map values, "|string" for a union branch),
// change says what happened, a and b show the two sides as short text.
import { compact, member } from './json.js';

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function str(node) {
  return node && node.t === 'string' ? node.value : undefined;
}

function fullname(name, ns) {
  if (!name) return '';
  if (name.includes('.')) return name;
  return ns ? `${ns}.${name}` : name;
}

function namespaceOf(full) {
  const cut = full.lastIndexOf('.');
  return cut < 0 ? '' : full.slice(0, cut);
}

// A type node in one shape: {kind, node, full?, ns} where kind is a
// primitive's name, 'ref', 'record', 'enum', 'fixed', 'array', 'map' or
// 'union', and ns the namespace that names inside it inherit.
function norm(node, ns) {
  if (!node) return { kind: 'invalid', node, ns };
  if (node.t === 'string') {
    if (PRIMITIVES.has(node.value)) return { kind: node.value, node, ns };
    return { kind: 'ref', full: fullname(node.value, ns), node, ns };
  }
  if (node.t === 'array') return { kind: 'union', node, ns };
  if (node.t !== 'object') return { kind: 'invalid', node, ns };
  const type = member(node, 'type');
  if (type && type.t !== 'string') return norm(type, ns);
  const t = str(type);
  if (t === 'record' || t === 'error' || t === 'enum' || t === 'fixed') {
    const nsHere = str(member(node, 'namespace'));
    const full = fullname(str(member(node, 'name')), nsHere !== undefined ? nsHere : ns);
    return { kind: t === 'error' ? 'record' : t, full, node, ns: namespaceOf(full) };
  }
  if (t === 'array' || t === 'map') return { kind: t, node, ns };
  if (PRIMITIVES.has(t)) return { kind: t, node, ns };
  return { kind: 'ref', full: fullname(t, ns), node, ns };
}

// Short text for one side of a row.
export function summary(node, ns) {
  const n = norm(node, ns);
  const logical = n.node && n.node.t === 'object' ? str(member(n.node, 'logicalType')) : undefined;
  switch (n.kind) {
    case 'ref': return n.full;
    case 'record': return `record ${n.full}`;
    case 'enum': return `enum ${n.full}`;
    case 'fixed': {
      const size = member(n.node, 'size');
      return `fixed ${n.full} (${size ? size.raw : '?'})${logical ? ` ${logical}` : ''}`;
    }
    case 'array': return `array<${summary(member(n.node, 'items'), n.ns)}>`;
    case 'map': return `map<${summary(member(n.node, 'values'), n.ns)}>`;
    case 'union': return `union [${n.node.items.map((b) => summary(b, n.ns)).join(', ')}]`;
    case 'invalid': return n.node ? compact(n.node) : '(none)';
    default: return logical ? `${n.kind} (${logical})` : n.kind;
  }
}

// The key a union branch is matched by: its type, or its full name if named.
function branchKey(b) {
  return b.full || b.kind;
}

function textOf(node) {
  return node === undefined ? '(none)' : compact(node);
}

export function diffSchemas(a, b) {
  const rows = [];
  const row = (where, change, x, y) => rows.push({ where, change, a: x, b: y });

  const attr = (where, label, na, nb, key) => {
    const x = member(na, key);
    const y = member(nb, key);
    const tx = x === undefined ? undefined : compact(x);
    const ty = y === undefined ? undefined : compact(y);
    if (tx !== ty) row(where, `${label} changed`, tx === undefined ? '(none)' : tx, ty === undefined ? '(none)' : ty);
  };

  const fieldText = (f, ns) => {
    const def = member(f, 'default');
    return `${summary(member(f, 'type'), ns)}${def === undefined ? ', no default' : ` = ${compact(def)}`}`;
  };

  const fields = (where, ta, tb) => {
    const fa = (member(ta.node, 'fields') || { items: [] }).items || [];
    const fb = (member(tb.node, 'fields') || { items: [] }).items || [];
    const nameOf = (f) => str(member(f, 'name'));
    const aliasesOf = (f) => ((member(f, 'aliases') || {}).items || []).map(str);
    const matched = new Set();
    for (const x of fa) {
      const name = nameOf(x);
      let y = fb.find((f) => nameOf(f) === name);
      if (!y) {
        y = fb.find((f) => !matched.has(f) && aliasesOf(f).includes(name));
        if (y) row(`${where}.${name}`, 'field renamed', name, `${nameOf(y)} (alias ${name})`);
      }
      if (!y) {
        row(`${where}.${name}`, 'field removed', fieldText(x, ta.ns), '');
        continue;
      }
      matched.add(y);
      const w = `${where}.${nameOf(y)}`;
      compare(member(x, 'type'), member(y, 'type'), w, ta.ns, tb.ns);
      const dx = member(x, 'default');
      const dy = member(y, 'default');
      if (dx === undefined && dy !== undefined) row(w, 'default added', '(none)', compact(dy));
      else if (dx !== undefined && dy === undefined) row(w, 'default removed', compact(dx), '(none)');
      else if (dx !== undefined && compact(dx) !== compact(dy)) row(w, 'default changed', compact(dx), compact(dy));
      attr(w, 'doc', x, y, 'doc');
      attr(w, 'order', x, y, 'order');
      attr(w, 'aliases', x, y, 'aliases');
    }
    for (const y of fb) {
      if (!matched.has(y)) row(`${where}.${nameOf(y)}`, 'field added', '', fieldText(y, tb.ns));
    }
    const orderA = fa.map(nameOf).filter((n) => fb.some((f) => nameOf(f) === n));
    const orderB = fb.map(nameOf).filter((n) => fa.some((f) => nameOf(f) === n));
    if (orderA.join('\u0000') !== orderB.join('\u0000')) {
      row(where, 'field order changed', orderA.join(', '), orderB.join(', '));
    }
  };

  const symbols = (where, ta, tb) => {
    const sa = ((member(ta.node, 'symbols') || {}).items || []).map(str);
    const sb = ((member(tb.node, 'symbols') || {}).items || []).map(str);
    const removed = sa.filter((s) => !sb.includes(s));
    const added = sb.filter((s) => !sa.includes(s));
    if (removed.length) row(where, 'symbols removed', removed.join(', '), '');
    if (added.length) row(where, 'symbols added', '', added.join(', '));
    if (!removed.length && !added.length && sa.join() !== sb.join()) {
      row(where, 'symbol order changed', sa.join(', '), sb.join(', '));
    }
    attr(where, 'enum default', ta.node, tb.node, 'default');
  };

  const union = (where, ta, tb) => {
    const ba = ta.node.items.map((x) => norm(x, ta.ns));
    const bb = tb.node.items.map((x) => norm(x, tb.ns));
    const ka = ba.map(branchKey);
    const kb = bb.map(branchKey);
    ba.forEach((x, i) => {
      const j = kb.indexOf(ka[i]);
      if (j < 0) row(where, 'union branch removed', summary(x.node, ta.ns), '');
      else compare(x.node, bb[j].node, `${where}|${ka[i]}`, ta.ns, tb.ns);
    });
    bb.forEach((y, j) => {
      if (!ka.includes(kb[j])) row(where, 'union branch added', '', summary(y.node, tb.ns));
    });
    const common = ka.filter((k) => kb.includes(k));
    const commonB = kb.filter((k) => ka.includes(k));
    if (common.join('\u0000') !== commonB.join('\u0000')) {
      row(where, 'union order changed', summary(ta.node, ta.ns), summary(tb.node, tb.ns));
    }
  };

  const compare = (na, nb, where, nsA, nsB) => {
    const ta = norm(na, nsA);
    const tb = norm(nb, nsB);
    const sameNamed = (ta.kind === 'ref' || tb.kind === 'ref') && ta.full && ta.full === tb.full;
    if (sameNamed) return; // a definition on one side, a reference to it on the other
    if (ta.kind !== tb.kind) {
      row(where, 'type changed', summary(na, nsA), summary(nb, nsB));
      return;
    }
    switch (ta.kind) {
      case 'ref':
        if (ta.full !== tb.full) row(where, 'type changed', ta.full, tb.full);
        return;
      case 'record':
      case 'enum':
      case 'fixed':
        if (ta.full !== tb.full) row(where, 'name changed', ta.full, tb.full);
        attr(where, 'doc', ta.node, tb.node, 'doc');
        attr(where, 'aliases', ta.node, tb.node, 'aliases');
        if (ta.kind === 'record') fields(where, ta, tb);
        if (ta.kind === 'enum') symbols(where, ta, tb);
        if (ta.kind === 'fixed') attr(where, 'size', ta.node, tb.node, 'size');
        break;
      case 'array':
        compare(member(ta.node, 'items'), member(tb.node, 'items'), `${where}[]`, ta.ns, tb.ns);
        return;
      case 'map':
        compare(member(ta.node, 'values'), member(tb.node, 'values'), `${where}{}`, ta.ns, tb.ns);
        return;
      case 'union':
        union(where, ta, tb);
        return;
      default:
        break;
    }
    // logical types and their parameters on primitives and fixed
    if (ta.node.t === 'object' || tb.node.t === 'object') {
      for (const key of ['logicalType', 'precision', 'scale']) {
        const x = ta.node.t === 'object' ? member(ta.node, key) : undefined;
        const y = tb.node.t === 'object' ? member(tb.node, key) : undefined;
        if (textOf(x) !== textOf(y)) row(where, `${key} changed`, textOf(x), textOf(y));
      }
    }
  };

  const ra = norm(a, '');
  compare(a, b, ra.full || '(root)', '', '');
  return rows;
}
