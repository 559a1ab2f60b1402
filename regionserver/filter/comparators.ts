// Comparators (HBase's ByteArrayComparable subclasses) and compare operators.
//
// Direction, as in HBase: compareTo(bytes) compares the *comparator's* value with the cell's
// bytes, and CompareFilter turns (op, result) into "filter out". The net effect reads naturally —
// `ValueFilter(LESS, binary:m)` keeps cells whose value is less than "m" — but a custom reading of
// compareTo's sign goes the other way: result > 0 means the cell's bytes are smaller.
//
// RegexStringComparator and SubstringComparator answer 0 for "matches" and 1 otherwise, so only
// EQUAL and NOT_EQUAL make sense with them (the filter string language enforces this, as HBase's
// ParseFilter does).

import { compareRanges } from '../../common/cells/encoded-key.js';
import { InvalidError } from '../../common/errors.js';

/** HBase's CompareOperator. */
export const CompareOperator = {
  LESS: 'LESS',
  LESS_OR_EQUAL: 'LESS_OR_EQUAL',
  EQUAL: 'EQUAL',
  NOT_EQUAL: 'NOT_EQUAL',
  GREATER_OR_EQUAL: 'GREATER_OR_EQUAL',
  GREATER: 'GREATER',
  NO_OP: 'NO_OP',
} as const;
export type CompareOperator = (typeof CompareOperator)[keyof typeof CompareOperator];

export const COMPARE_OPERATORS: readonly CompareOperator[] = Object.values(CompareOperator);

/**
 * HBase's CompareFilter.compare: true if a cell whose comparator result is `compareResult`
 * (comparator value vs cell bytes) is filtered out. REQUIRES: op is not NO_OP (callers decide
 * what NO_OP means: CompareFilter filters everything out).
 */
export function isFilteredOut(op: CompareOperator, compareResult: number): boolean {
  switch (op) {
    case 'LESS':
      return compareResult <= 0;
    case 'LESS_OR_EQUAL':
      return compareResult < 0;
    case 'EQUAL':
      return compareResult !== 0;
    case 'NOT_EQUAL':
      return compareResult === 0;
    case 'GREATER_OR_EQUAL':
      return compareResult > 0;
    case 'GREATER':
      return compareResult >= 0;
    default:
      return true;
  }
}

/** HBase's ByteArrayComparable. */
export interface ByteArrayComparable {
  /** Compares the comparator's value with buf[off, off+len): <0, 0 or >0. Allocation-free where possible. */
  compareTo(buf: Buffer, off: number, len: number): number;
}

/** Lexicographic (unsigned byte) comparison with a value. */
export class BinaryComparator implements ByteArrayComparable {
  constructor(readonly value: Buffer) {}

  compareTo(buf: Buffer, off: number, len: number): number {
    return compareRanges(this.value, 0, this.value.length, buf, off, off + len);
  }
}

/** Like BinaryComparator, but compares only the first value.length bytes of the cell's bytes. */
export class BinaryPrefixComparator implements ByteArrayComparable {
  constructor(readonly value: Buffer) {}

  compareTo(buf: Buffer, off: number, len: number): number {
    const n = this.value.length <= len ? this.value.length : len;
    return compareRanges(this.value, 0, this.value.length, buf, off, off + n);
  }
}

export type RegexCharset = 'UTF-8' | 'ISO-8859-1';

/**
 * 0 if the regular expression matches anywhere in the bytes decoded as `charset` (HBase uses
 * Matcher.find()), else 1. Uses JavaScript RegExp, not Java's java.util.regex: most patterns
 * behave the same, but Java-only syntax (possessive quantifiers `a*+`, `\p{javaLowerCase}`,
 * embedded flags `(?i)`, `\Q...\E`) is not available. HBase's default flag DOTALL is JavaScript's
 * `s`, the default here. Flags: `i` (CASE_INSENSITIVE), `m` (MULTILINE), `s` (DOTALL),
 * `u` (Unicode mode); `g` and `y` are refused (they make RegExp stateful).
 * Throws InvalidError(TSB_INVALID_ARGUMENT) for a bad pattern or flag.
 */
export class RegexStringComparator implements ByteArrayComparable {
  private readonly regex: RegExp;
  private readonly encoding: BufferEncoding;

  constructor(
    readonly pattern: string,
    readonly flags: string = 's',
    readonly charset: RegexCharset = 'UTF-8',
  ) {
    if (!/^[imsu]*$/.test(flags) || new Set(flags).size !== flags.length) {
      throw new InvalidError('regex flags must be distinct letters among i, m, s, u', { details: { flags } });
    }
    try {
      this.regex = new RegExp(pattern, flags);
    } catch (err) {
      const why = (err as Error).message.replace(/^Invalid regular expression: /, '');
      throw new InvalidError(`invalid regular expression: ${why}`, { details: { pattern }, cause: err });
    }
    this.encoding = charset === 'UTF-8' ? 'utf8' : 'latin1';
  }

  compareTo(buf: Buffer, off: number, len: number): number {
    return this.regex.test(buf.toString(this.encoding, off, off + len)) ? 0 : 1;
  }
}

/**
 * 0 if `substr` occurs in the bytes decoded as UTF-8, ignoring case, else 1 (HBase lower-cases
 * both sides with Locale.ROOT; JavaScript's toLowerCase is the same locale-free mapping).
 * ASCII needles in ASCII values are searched without decoding, in a reused buffer.
 */
export class SubstringComparator implements ByteArrayComparable {
  /** The lower-cased substring, as HBase stores it. */
  readonly substr: string;
  private readonly asciiNeedle: Buffer | undefined;
  private scratch = Buffer.allocUnsafe(64);

  constructor(substr: string) {
    this.substr = substr.toLowerCase();
    const needle = Buffer.from(this.substr, 'utf8');
    this.asciiNeedle = isAscii(needle, 0, needle.length) ? needle : undefined;
  }

  compareTo(buf: Buffer, off: number, len: number): number {
    const needle = this.asciiNeedle;
    if (needle !== undefined) {
      // Lower-case ASCII values into a reused buffer and search natively.
      if (this.scratch.length < len) this.scratch = Buffer.allocUnsafe(Math.max(len, this.scratch.length * 2));
      const s = this.scratch;
      let ascii = true;
      for (let i = 0; i < len; i++) {
        const x = buf[off + i]!;
        if (x >= 0x80) {
          ascii = false;
          break;
        }
        s[i] = x >= 0x41 && x <= 0x5a ? x | 0x20 : x;
      }
      if (ascii) return containsAt(s, len, needle) ? 0 : 1;
    }
    return buf.toString('utf8', off, off + len).toLowerCase().includes(this.substr) ? 0 : 1;
  }
}

// True if needle occurs in s[0, len).
function containsAt(s: Buffer, len: number, needle: Buffer): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const first = needle[0]!;
  for (let i = 0, last = len - n; i <= last; i++) {
    if (s[i] !== first) continue;
    let j = 1;
    while (j < n && s[i + j] === needle[j]) j++;
    if (j === n) return true;
  }
  return false;
}

function isAscii(buf: Buffer, off: number, len: number): boolean {
  for (let i = off, end = off + len; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}
