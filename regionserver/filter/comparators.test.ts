import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidError } from '../../common/errors.js';
import type { CompareOperator } from './comparators.js';
import { BinaryComparator, BinaryPrefixComparator, isFilteredOut, RegexStringComparator, SubstringComparator } from './comparators.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

// compareTo reads bytes in place: put them at an offset inside a larger buffer.
function cmp(c: { compareTo(buf: Buffer, off: number, len: number): number }, s: string | Buffer): number {
  const bytes = typeof s === 'string' ? b(s) : s;
  const buf = Buffer.concat([b('XX'), bytes, b('YY')]);
  return Math.sign(c.compareTo(buf, 2, bytes.length));
}

test('BinaryComparator compares its value with the cell bytes, unsigned', () => {
  const c = new BinaryComparator(b('m'));
  assert.equal(cmp(c, 'a'), 1); // value "m" > cell "a"
  assert.equal(cmp(c, 'm'), 0);
  assert.equal(cmp(c, 'mm'), -1);
  assert.equal(cmp(c, 'z'), -1);
  assert.equal(cmp(new BinaryComparator(b('')), ''), 0);
  assert.equal(cmp(new BinaryComparator(Buffer.from([0x7f])), Buffer.from([0x80])), -1);
  const long = 'x'.repeat(40);
  assert.equal(cmp(new BinaryComparator(b(long + 'a')), long + 'b'), -1);
});

test('BinaryPrefixComparator compares only the first len(value) bytes', () => {
  const c = new BinaryPrefixComparator(b('ab'));
  assert.equal(cmp(c, 'abzzz'), 0);
  assert.equal(cmp(c, 'ab'), 0);
  assert.equal(cmp(c, 'a'), 1); // shorter cell: compare "ab" with "a"
  assert.equal(cmp(c, 'aa'), 1);
  assert.equal(cmp(c, 'b'), -1);
});

test('operators read as "cell OP value" (HBase CompareFilter.compare)', () => {
  const c = new BinaryComparator(b('m'));
  const keeps = (op: CompareOperator, cell: string): boolean => !isFilteredOut(op, c.compareTo(b(cell), 0, cell.length));
  const table: [CompareOperator, string[]][] = [
    ['LESS', ['a']],
    ['LESS_OR_EQUAL', ['a', 'm']],
    ['EQUAL', ['m']],
    ['NOT_EQUAL', ['a', 'z']],
    ['GREATER_OR_EQUAL', ['m', 'z']],
    ['GREATER', ['z']],
  ];
  for (const [op, kept] of table) {
    assert.deepEqual(
      ['a', 'm', 'z'].filter((v) => keeps(op, v)),
      kept,
      op,
    );
  }
  assert.equal(isFilteredOut('NO_OP', 0), true);
});

test('RegexStringComparator: find() semantics, DOTALL by default, charsets', () => {
  const c = new RegexStringComparator('b.c');
  assert.equal(cmp(c, 'xxbzcxx'), 0);
  assert.equal(cmp(c, 'b\nc'), 0); // DOTALL
  assert.equal(cmp(c, 'bc'), 1);
  assert.equal(cmp(new RegexStringComparator('b.c', ''), 'b\nc'), 1);
  assert.equal(cmp(new RegexStringComparator('^AB', 'i'), 'abc'), 0);
  assert.equal(cmp(new RegexStringComparator('^é$'), 'é'), 0);
  // ISO-8859-1 decodes each byte to one character: é in UTF-8 is two characters.
  assert.equal(cmp(new RegexStringComparator('^..$', 's', 'ISO-8859-1'), 'é'), 0);
  assert.equal(cmp(new RegexStringComparator('^\\xff$', 's', 'ISO-8859-1'), Buffer.from([0xff])), 0);
  // The same comparator answers the same way every time (no lastIndex state).
  const again = new RegexStringComparator('a');
  for (let i = 0; i < 3; i++) assert.equal(cmp(again, 'a'), 0);
});

test('RegexStringComparator refuses bad patterns and stateful flags', () => {
  assert.throws(() => new RegexStringComparator('('), (e: unknown) => e instanceof InvalidError && e.code === 'TSB_INVALID_ARGUMENT');
  assert.throws(() => new RegexStringComparator('a', 'g'), InvalidError);
  assert.throws(() => new RegexStringComparator('a', 'y'), InvalidError);
  assert.throws(() => new RegexStringComparator('a', 'ii'), InvalidError);
});

test('SubstringComparator ignores case, in ASCII and beyond', () => {
  const c = new SubstringComparator('NaN');
  assert.equal(c.substr, 'nan');
  assert.equal(cmp(c, 'banana'), 0);
  assert.equal(cmp(c, 'BANANA'), 0);
  assert.equal(cmp(c, 'ban'), 1);
  assert.equal(cmp(c, 'bänana'), 0); // non-ASCII value, ASCII needle
  assert.equal(cmp(new SubstringComparator('Ä'), 'xäx'), 0);
  assert.equal(cmp(new SubstringComparator('k'), '\u212a'), 0); // Kelvin sign lower-cases to k
  assert.equal(cmp(new SubstringComparator(''), ''), 0);
  assert.equal(cmp(new SubstringComparator('abc'), 'ab'), 1);
  // Bytes next to the range do not count.
  const buf = b('nanXX');
  assert.equal(new SubstringComparator('nan').compareTo(buf, 1, 3), 1);
});
