// json.js - JSON as the UI shows it: parsed into a tree that keeps each
// number's and string's source text (a long default such as
// 9007199254740993 must not turn into ...992), pretty-printed with syntax
// highlighting, and addressable by JSON pointer (RFC 6901) so that a node
// named by the registry can be marked.
import { h } from './dom.js';

export class JsonSyntaxError extends Error {
  constructor(message, offset) {
    super(`${message} at offset ${offset}`);
    this.offset = offset;
  }
}

// Node shapes:
//   {t: 'object', members: [{key, keyRaw, value}]}
//   {t: 'array', items: [node]}
//   {t: 'string', value, raw}   raw: the source text, quotes included
//   {t: 'number', raw}
//   {t: 'literal', raw}         true, false, null
export function parse(text) {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const fail = (msg) => { throw new JsonSyntaxError(msg, i); };
  const string = () => {
    const start = i;
    i++; // the opening quote
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('control character in a string');
      i++;
    }
    if (i >= n) fail('unterminated string');
    i++;
    const raw = text.slice(start, i);
    let value;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      i = start;
      fail('bad escape in a string');
    }
    return { t: 'string', value, raw };
  };
  const value = (depth) => {
    if (depth > 1000) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const members = [];
      ws();
      if (text[i] === '}') { i++; return { t: 'object', members }; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = string();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        members.push({ key: k.value, keyRaw: k.raw, value: value(depth + 1) });
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return { t: 'object', members }; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const items = [];
      ws();
      if (text[i] === ']') { i++; return { t: 'array', items }; }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return { t: 'array', items }; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (m && m[0]) { i += m[0].length; return { t: 'number', raw: m[0] }; }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) { i += lit.length; return { t: 'literal', raw: lit }; }
    }
    return fail(i >= n ? 'unexpected end of text' : `unexpected character ${JSON.stringify(c)}`);
  };
  const root = value(0);
  ws();
  if (i < n) fail('text after the JSON value');
  return root;
}

// The node's plain JavaScript value (numbers as numbers: for display and
// structure only, never for writing back).
export function plain(node) {
  switch (node.t) {
    case 'object': return Object.fromEntries(node.members.map((m) => [m.key, plain(m.value)]));
    case 'array': return node.items.map(plain);
    case 'string': return node.value;
    default: return JSON.parse(node.raw);
  }
}

// Compact JSON text of the node with its source numbers: equal texts mean
// equal values (key order as written).
export function compact(node) {
  switch (node.t) {
    case 'object': return `{${node.members.map((m) => `${m.keyRaw}:${compact(m.value)}`).join(',')}}`;
    case 'array': return `[${node.items.map(compact).join(',')}]`;
    default: return node.raw;
  }
}

export function member(node, key) {
  if (!node || node.t !== 'object') return undefined;
  const m = node.members.find((x) => x.key === key);
  return m ? m.value : undefined;
}

const escapeToken = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

// ---- pretty lines: [[class, text], ...] per line; used by the line diff ----

const IND = '  ';

// Arrays of scalars (union branches, enum symbols) stay on one line when short.
function inlineable(node) {
  return node.t === 'array' && node.items.every((x) => x.t !== 'object' && x.t !== 'array') &&
    node.items.reduce((s, x) => s + x.raw.length + 2, 0) < 72;
}

function scalarClass(node) {
  return node.t === 'string' ? 'j-s' : node.t === 'number' ? 'j-n' : 'j-l';
}

export function toLines(root) {
  const lines = [];
  let cur = [];
  const push = (cls, text) => cur.push([cls, text]);
  const newline = () => { lines.push(cur); cur = []; };
  const walk = (node, depth) => {
    if (node.t === 'object') {
      if (!node.members.length) { push('j-p', '{}'); return; }
      push('j-p', '{');
      node.members.forEach((m, k) => {
        newline();
        push('', IND.repeat(depth + 1));
        push('j-k', m.keyRaw);
        push('j-p', ': ');
        walk(m.value, depth + 1);
        if (k < node.members.length - 1) push('j-p', ',');
      });
      newline();
      push('', IND.repeat(depth));
      push('j-p', '}');
    } else if (node.t === 'array') {
      if (!node.items.length) { push('j-p', '[]'); return; }
      if (inlineable(node)) {
        push('j-p', '[');
        node.items.forEach((x, k) => {
          push(scalarClass(x), x.raw);
          if (k < node.items.length - 1) push('j-p', ', ');
        });
        push('j-p', ']');
        return;
      }
      push('j-p', '[');
      node.items.forEach((x, k) => {
        newline();
        push('', IND.repeat(depth + 1));
        walk(x, depth + 1);
        if (k < node.items.length - 1) push('j-p', ',');
      });
      newline();
      push('', IND.repeat(depth));
      push('j-p', ']');
    } else {
      push(scalarClass(node), node.raw);
    }
  };
  walk(root, 0);
  newline();
  return lines;
}

export function lineText(line) {
  return line.map(([, t]) => t).join('');
}

export function lineElement(line) {
  return line.map(([cls, text]) => (cls ? h('span', { class: cls }, text) : text));
}

// ---- the highlighted view, with a node per pointer ----

// Renders root as <pre class="json"><code>...</code></pre>. Each value is a
// span; an object member's span covers its key and value. Returns
// {el, nodes}: nodes maps each JSON pointer ("" for the root) to its span.
export function view(root, label) {
  const nodes = new Map();
  const code = h('code');
  const span = (ptr, ...kids) => {
    const s = h('span', { class: 'j-node' }, ...kids);
    nodes.set(ptr, s);
    return s;
  };
  const walk = (node, depth, ptr, into) => {
    if (node.t === 'object') {
      if (!node.members.length) { into.append(h('span', { class: 'j-p' }, '{}')); return; }
      into.append(h('span', { class: 'j-p' }, '{'));
      node.members.forEach((m, k) => {
        const p = `${ptr}/${escapeToken(m.key)}`;
        into.append(`\n${IND.repeat(depth + 1)}`);
        const s = span(p, h('span', { class: 'j-k' }, m.keyRaw), h('span', { class: 'j-p' }, ': '));
        walk(m.value, depth + 1, p, s);
        into.append(s);
        if (k < node.members.length - 1) into.append(h('span', { class: 'j-p' }, ','));
      });
      into.append(`\n${IND.repeat(depth)}`, h('span', { class: 'j-p' }, '}'));
    } else if (node.t === 'array') {
      if (!node.items.length) { into.append(h('span', { class: 'j-p' }, '[]')); return; }
      const one = inlineable(node);
      into.append(h('span', { class: 'j-p' }, '['));
      node.items.forEach((x, k) => {
        const p = `${ptr}/${k}`;
        if (!one) into.append(`\n${IND.repeat(depth + 1)}`);
        const s = span(p);
        walk(x, depth + 1, p, s);
        into.append(s);
        if (k < node.items.length - 1) into.append(h('span', { class: 'j-p' }, one ? ', ' : ','));
      });
      if (!one) into.append(`\n${IND.repeat(depth)}`);
      into.append(h('span', { class: 'j-p' }, ']'));
    } else {
      into.append(h('span', { class: scalarClass(node) }, node.raw));
    }
  };
  const rootSpan = span('');
  walk(root, 0, '', rootSpan);
  code.append(rootSpan);
  const el = h('pre', { class: 'json', tabindex: '0', role: 'region', 'aria-label': label || 'Schema' }, code);
  return { el, nodes };
}

// The longest prefix of pointer that names a node in nodes: a pointer can
// go on past a named type's reference (the checker walks the resolved
// type), and then the reference itself is the best place to mark.
export function nearestNode(nodes, pointer) {
  let p = pointer === '/' ? '' : pointer;
  for (;;) {
    if (nodes.has(p)) return { ptr: p, el: nodes.get(p) };
    const cut = p.lastIndexOf('/');
    if (cut < 0) return null;
    p = p.slice(0, cut);
  }
}

// Marks the node at pointer: wraps its span in <mark> and returns the mark
// (or null when not even the root is there).
export function markNode(nodes, pointer, label) {
  const found = nearestNode(nodes, pointer);
  if (!found) return null;
  const mark = h('mark', { class: 'j-mark', tabindex: '-1', title: label || null });
  found.el.replaceWith(mark);
  mark.append(h('span', { class: 'visually-hidden' }, `${label || 'marked'}: `), found.el);
  return { mark, ptr: found.ptr };
}

// Parses and renders text; on a syntax error, shows the text as it is.
export function viewText(text, label) {
  try {
    return { ...view(parse(text), label), ok: true };
  } catch (e) {
    return { el: h('pre', { class: 'json', tabindex: '0', role: 'region', 'aria-label': label || 'Schema' }, h('code', null, text)), nodes: new Map(), ok: false };
  }
}

// The node at pointer in the tree, or undefined.
export function nodeAt(root, pointer) {
  if (pointer === '' || pointer === '/') return root;
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const tok = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!node) return undefined;
    if (node.t === 'object') node = member(node, tok);
    else if (node.t === 'array') node = node.items[Number(tok)];
    else return undefined;
  }
  return node;
}
