// linediff.js - the textual diff of two pretty-printed schemas, by lines.
//
// diffLines(a, b) is Myers' O((N+M)D) shortest edit script over two arrays
// of strings; sideBySide() pairs its deletions and insertions into rows for
// a two-column view.

// -> [{op: '=', a: i, b: j} | {op: '-', a: i} | {op: '+', b: j}] in order.
export function diffLines(a, b) {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[off + k] = x;
      if (x >= n && y >= m) { found = true; break; }
    }
  }
  // walk back through the saved frontiers
  const ops = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = (k === -d || (k !== d && vd[off + k - 1] < vd[off + k + 1])) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[off + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) { x--; y--; ops.push({ op: '=', a: x, b: y }); }
    if (d > 0) {
      if (x === prevX) { y--; ops.push({ op: '+', b: y }); } else { x--; ops.push({ op: '-', a: x }); }
    }
  }
  return ops.reverse();
}

// Rows of [left, right]: each side {n: line index, kind: 'same'|'del'|'add'}
// or null (nothing on that side). A run of deletions followed by insertions
// shares rows, so a changed line sits next to what replaced it.
export function sideBySide(ops) {
  const rows = [];
  let dels = [];
  let adds = [];
  const flush = () => {
    const k = Math.max(dels.length, adds.length);
    for (let i = 0; i < k; i++) {
      rows.push([i < dels.length ? { n: dels[i], kind: 'del' } : null,
        i < adds.length ? { n: adds[i], kind: 'add' } : null]);
    }
    dels = [];
    adds = [];
  };
  for (const o of ops) {
    if (o.op === '-') dels.push(o.a);
    else if (o.op === '+') adds.push(o.b);
    else {
      flush();
      rows.push([{ n: o.a, kind: 'same' }, { n: o.b, kind: 'same' }]);
    }
  }
  flush();
  return rows;
}
