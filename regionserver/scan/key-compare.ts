// Byte and key comparisons for the read path's hot loops. Same orders as
// common/cells/encoded-key.ts (compareKeys: row, family, qualifier ascending, then timestamp and
// type descending), but ranges up to 64 bytes are compared in a JS loop: rows of 20–40 bytes are
// typical, and Buffer#compare with offsets costs ~150–250 ns per call (argument checks before
// the native call) against ~20–40 ns for the loop.

const JS_MAX = 64;

/** Compares a[as, ae) with b[bs, be) as unsigned bytes: <0, 0, >0. */
export function compareBytes(a: Buffer, as: number, ae: number, b: Buffer, bs: number, be: number): number {
  const la = ae - as;
  const lb = be - bs;
  const n = la < lb ? la : lb;
  if (n > JS_MAX) {
    const c = a.compare(b, bs, bs + n, as, as + n);
    return c !== 0 ? c : la - lb;
  }
  for (let i = 0; i < n; i++) {
    const x = a[as + i]!;
    const y = b[bs + i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return la - lb;
}

/** Compares the rows of the keys at aOff and bOff. */
export function compareRows(a: Buffer, aOff: number, b: Buffer, bOff: number): number {
  const ra = (a[aOff]! << 8) | a[aOff + 1]!;
  const rb = (b[bOff]! << 8) | b[bOff + 1]!;
  return compareBytes(a, aOff + 2, aOff + 2 + ra, b, bOff + 2, bOff + 2 + rb);
}

/** Compares the row of the key at off with row[rowOff, rowOff+rowLen). */
export function compareRowTo(key: Buffer, off: number, row: Buffer, rowOff: number, rowLen: number): number {
  const r = (key[off]! << 8) | key[off + 1]!;
  return compareBytes(key, off + 2, off + 2 + r, row, rowOff, rowOff + rowLen);
}

/** Full key order (see the top of the file). */
export function compareKeys(a: Buffer, aOff: number, aLen: number, b: Buffer, bOff: number, bLen: number): number {
  const ra = (a[aOff]! << 8) | a[aOff + 1]!;
  const rb = (b[bOff]! << 8) | b[bOff + 1]!;
  let c = compareBytes(a, aOff + 2, aOff + 2 + ra, b, bOff + 2, bOff + 2 + rb);
  if (c !== 0) return c;
  const fa = a[aOff + 2 + ra]!;
  const fb = b[bOff + 2 + rb]!;
  const sa = aOff + 3 + ra;
  const sb = bOff + 3 + rb;
  const ta = aOff + aLen - 9;
  const tb = bOff + bLen - 9;
  // Equal family lengths: family + qualifier compare as one range; otherwise the families differ.
  c = fa === fb ? compareBytes(a, sa, ta, b, sb, tb) : compareBytes(a, sa, sa + fa, b, sb, sb + fb);
  if (c !== 0) return c;
  for (let i = 0; i < 9; i++) {
    const x = a[ta + i]!;
    const y = b[tb + i]!;
    if (x !== y) return x > y ? -1 : 1;
  }
  return 0;
}
