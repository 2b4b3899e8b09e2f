// dom.js - building the page. Everything reaches the DOM through
// createElement and text nodes, never through HTML parsing: subjects, docs
// and schemas are data from whoever registered them, and must show as text.
// (The server's Content-Security-Policy requires Trusted Types with no
// policy at all, so an innerHTML assignment would throw rather than parse.)

// h('a', {href: '#/', class: 'x', on: {click: fn}}, 'text', child, [more]) -> Element.
// Props: class, text, on (event listeners), dataset, and any attribute
// (aria-*, role, for, type...). Boolean true sets an empty attribute; false,
// null and undefined leave it out. Children: nodes, strings (as text) and
// arrays of them; null, undefined and false are skipped.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// Says msg to screen readers through the page's polite live region.
export function announce(msg) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // a fresh text node after a tick is what makes every reader speak it again
  setTimeout(() => { region.textContent = msg; }, 30);
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

export function fmtInt(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '';
}

// A labelled form control: <div class="field"><label for=id>label</label> control hint</div>.
export function field(label, control, hint) {
  if (!control.id) control.id = nextId('f');
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: nextId('hint') }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

// <select> with options [[value, label], ...] (or plain strings) and the selected value.
export function select(options, selected, props) {
  const el = h('select', props || {});
  for (const o of options) {
    const [value, label] = Array.isArray(o) ? o : [o, o];
    el.append(h('option', { value, selected: value === selected }, label));
  }
  return el;
}

// A region that may need scrolling sideways on a narrow screen: focusable,
// so keyboard users can scroll it too, and labelled for screen readers.
export function scroller(label, child) {
  return h('div', { class: 'scroller', tabindex: '0', role: 'region', 'aria-label': label }, child);
}
