import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidError } from '../../common/errors.js';
import type { Value } from './parser.js';
import { isIncomplete, parseScript } from './parser.js';

/** A plain-data view of a value for deep comparisons. */
function plain(v: Value): unknown {
  switch (v.kind) {
    case 'string':
      return { s: v.bytes.toString('hex') };
    case 'int':
      return v.value;
    case 'float':
      return { f: v.value };
    case 'bool':
      return v.value;
    case 'nil':
      return null;
    case 'const':
      return { c: v.name };
    case 'array':
      return v.items.map(plain);
    case 'hash':
      return { h: v.entries.map((e) => [plain(e.key), plain(e.value)]) };
  }
}

const hex = (s: string) => ({ s: Buffer.from(s, 'latin1').toString('hex') });

function args(src: string): unknown[] {
  const sts = parseScript(src);
  assert.equal(sts.length, 1);
  return sts[0]!.args.map(plain);
}

function syntaxError(src: string): InvalidError {
  try {
    parseScript(src);
  } catch (err) {
    assert.ok(err instanceof InvalidError, String(err));
    assert.equal(err.code, 'TSB_INVALID_ARGUMENT');
    return err;
  }
  assert.fail(`expected a syntax error for ${src}`);
}

test('single-quoted strings: only \\\\ and \\\' are escapes', () => {
  assert.deepEqual(args(`put 'a\\'b', 'c\\\\d', 'e\\nf', 'x\\x00'`), [hex("a'b"), hex('c\\d'), hex('e\\nf'), hex('x\\x00')]);
});

test('double-quoted strings: Ruby escapes give raw bytes', () => {
  assert.deepEqual(args(`get 't1', "key\\x03\\x3f\\xcd"`), [hex('t1'), hex('key\x03\x3f\xcd')]);
  assert.deepEqual(args(`get "\\003\\023\\011\\0"`), [hex('\x03\x13\x09\x00')]);
  assert.deepEqual(args(`get "\\n\\t\\r\\s\\e\\a\\b\\f\\v"`), [hex('\n\t\r \x1b\x07\x08\x0c\x0b')]);
  assert.deepEqual(args(`get "a\\"b\\\\c\\#d\\qe"`), [hex('a"b\\c#dqe')]);
  assert.deepEqual(args(`get "\\xF"`), [hex('\x0f')]);
  // Unicode escapes and literal non-ASCII text are UTF-8.
  assert.deepEqual(args(`get "\\u00e9\\u{1F600}é"`), [{ s: Buffer.from('é😀é', 'utf8').toString('hex') }]);
  // \xFF is one byte, not a UTF-8 encoded character.
  assert.deepEqual(args(`put "\\xff"`), [{ s: 'ff' }]);
});

test('numbers: integers (bigint, signs, underscores, hex) and floats', () => {
  assert.deepEqual(args(`x 1, -5, +7, 1_000, 0x1F, 9223372036854775807, 1.5, 2e3`), [1n, -5n, 7n, 1000n, 31n, 9223372036854775807n, { f: 1.5 }, { f: 2000 }]);
});

test('constants, booleans and nil', () => {
  assert.deepEqual(args(`x NAME, FOREVER, true, false, nil`), [{ c: 'NAME' }, { c: 'FOREVER' }, true, false, null]);
});

test('arrays and hashes nest; trailing commas are allowed', () => {
  assert.deepEqual(args(`x ['a', 1, [2]], {NAME => 'f', 'delete' => ['a', 'b'],}`), [
    [hex('a'), 1n, [2n]],
    { h: [[{ c: 'NAME' }, hex('f')], [hex('delete'), [hex('a'), hex('b')]]] },
  ]);
  assert.deepEqual(args(`x []`), [[]]);
  assert.deepEqual(args(`x {}`), [{ h: [] }]);
});

test('key => value arguments at the end form one trailing hash', () => {
  assert.deepEqual(args(`alter 't1', NAME => 'f1', VERSIONS => 5`), [hex('t1'), { h: [[{ c: 'NAME' }, hex('f1')], [{ c: 'VERSIONS' }, 5n]] }]);
  assert.deepEqual(args(`create 't1', 'f1', {NAME => 'f2'}, SPLITS => ['10', '20']`), [
    hex('t1'),
    hex('f1'),
    { h: [[{ c: 'NAME' }, hex('f2')]] },
    { h: [[{ c: 'SPLITS' }, [hex('10'), hex('20')]]] },
  ]);
  const e = syntaxError(`alter 't1', NAME => 'f1', 'x'`);
  assert.match(e.message, /positional argument cannot follow/);
});

test('statements are separated by newlines and semicolons; comments are ignored', () => {
  const sts = parseScript(`list\n\n  create 't1', 'f' ; put 't1','r','f:q','v';;\n# a comment\nscan 't1' # trailing`);
  assert.deepEqual(
    sts.map((s) => s.name),
    ['list', 'create', 'put', 'scan'],
  );
  assert.equal(sts[1]!.text, `create 't1', 'f'`);
  assert.deepEqual(sts[3]!.pos, { offset: sts[3]!.pos.offset, line: 5, column: 1 });
  assert.deepEqual(parseScript(''), []);
  assert.deepEqual(parseScript(' ;\n ; '), []);
});

test('a newline inside brackets, after a comma or after => continues the statement', () => {
  const sts = parseScript(`scan 't1', {\n  COLUMNS => ['a',\n 'b'],\n LIMIT =>\n 10\n}\nlist`);
  assert.deepEqual(
    sts.map((s) => s.name),
    ['scan', 'list'],
  );
  assert.deepEqual(sts[0]!.args.map(plain)[1], { h: [[{ c: 'COLUMNS' }, [hex('a'), hex('b')]], [{ c: 'LIMIT' }, 10n]] });
  assert.equal(parseScript(`put 't1',\n 'r'`)[0]!.args.length, 2);
  // A string may span lines.
  assert.deepEqual(args(`scan 't1', {FILTER => "\n  PrefixFilter('r')"}`)[1], { h: [[{ c: 'FILTER' }, hex("\n  PrefixFilter('r')")]] });
  // Backslash-newline continues a line.
  assert.equal(parseScript(`put 't1', 'r', \\\n 'f:q', 'v'`)[0]!.args.length, 4);
});

test('parenthesized calls and adjacent string literals', () => {
  assert.deepEqual(args(`get('t1', 'r1')`), [hex('t1'), hex('r1')]);
  assert.deepEqual(args(`get('t1',\n 'r1'\n)`), [hex('t1'), hex('r1')]);
  assert.deepEqual(args(`put 'a' "b"`), [hex('ab')]);
});

test('syntax errors name the line and column', () => {
  let e = syntaxError(`put 't1', 'r1', 'f:q' 'v' =`);
  assert.match(e.message, /unexpected character "="/);
  assert.equal(e.details['line'], 1);
  assert.equal(e.details['column'], 27);
  e = syntaxError(`list\nput 't1',, 'r'`);
  assert.match(e.message, /unexpected ',', expected a value/);
  assert.deepEqual([e.details['line'], e.details['column']], [2, 10]);
  e = syntaxError(`scan t1`);
  assert.match(e.message, /undefined local variable or method t1/);
  e = syntaxError(`scan 't1', {FILTER => org.apache.hadoop.hbase.filter.PageFilter.new(1)}`);
  assert.match(e.message, /not supported/);
  e = syntaxError(`get "a#{b}"`);
  assert.match(e.message, /interpolation/);
  e = syntaxError(`get "\\xZZ"`);
  assert.match(e.message, /hex escape/);
  e = syntaxError(`get :name`);
  assert.match(e.message, /symbols/);
  e = syntaxError(`get 12ab`);
  assert.match(e.message, /invalid number/);
  e = syntaxError(`get {'a' 'b'}`);
  assert.match(e.message, /expected '=>'/);
  e = syntaxError(`'t1'`);
  assert.match(e.message, /expected a command name/);
  assert.equal(e.details['incomplete'], undefined);
});

test('input that ends too early is incomplete (the prompt waits for more)', () => {
  for (const src of [`put 't1', 'r`, `scan 't1', {`, `scan 't1', {COLUMNS => ['a',`, `put 't1',`, `alter 't1', NAME =>`, `get('t1'`, `get "abc`]) {
    assert.equal(isIncomplete(src), true, src);
    assert.equal(syntaxError(src).details['incomplete'], true, src);
  }
  for (const src of [`list`, `put 't1', 'r', 'f:q', 'v'`, `scan 't1' =`, `get )`, ``]) assert.equal(isIncomplete(src), false, src);
});
