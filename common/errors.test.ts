import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConflictError, CorruptionError, ErrorCodes, errorCode, FencedError, InvalidError, isRetryable, UnavailableError } from './errors.js';

const docPath = new URL('../../docs/errors.md', import.meta.url);

test('docs/errors.md lists exactly the codes of common/errors.ts', () => {
  const doc = readFileSync(docPath, 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `(TSB_[A-Z_]+)`/gm)].map((m) => m[1]));
  const coded = new Set(Object.values(ErrorCodes));
  assert.deepEqual([...coded].filter((c) => !documented.has(c)), [], 'codes missing from docs/errors.md');
  assert.deepEqual([...documented].filter((c) => !coded.has(c as never)), [], 'documented codes missing from errors.ts');
});

test('errors carry code, retryable flag, details and cause', () => {
  const cause = new Error('socket hang up');
  const e = new UnavailableError('object store unreachable', { cause, details: { key: 'a/b', attempt: 3 } });
  assert.equal(e.code, 'TSB_UNAVAILABLE');
  assert.equal(e.retryable, true);
  assert.equal(e.cause, cause);
  assert.equal(e.message, 'object store unreachable key=`a/b` attempt=`3`');
  assert.equal(e.name, 'UnavailableError');
  assert.ok(isRetryable(e));
  assert.equal(isRetryable(new Error('x')), false);
  assert.equal(errorCode(new FencedError('fenced')), 'TSB_FENCED');
  assert.equal(new ConflictError('exists', { code: ErrorCodes.ALREADY_EXISTS }).code, 'TSB_ALREADY_EXISTS');
  assert.equal(new InvalidError('bad').retryable, false);
  assert.equal(new CorruptionError('bad crc', { details: { object: 'wal/x', offset: 12 } }).message, 'bad crc object=`wal/x` offset=`12`');
});
