// Equality of short byte ranges (rows, families) by a JS loop: for the few to few dozen bytes
// of a key field, cheaper than Buffer#equals or Buffer#compare, which cross into C++ and need
// views or argument checks.

/** True if a[aStart, aStart + n) and b[bStart, bStart + n) hold the same bytes. REQUIRES: both in range. */
export function rangesEqual(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/** True if a and b hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && rangesEqual(a, 0, b, 0, a.length);
}
