import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorFromWire, errorToWire } from './error-wire.js';
import { ErrorCodes, NotServingRegionError, UnavailableError } from './errors.js';

test('every code survives a round trip as its class, with message, details and retryable', () => {
  for (const code of Object.values(ErrorCodes)) {
    const back = errorFromWire({ code, message: `m ${code}`, retryable: true, details: { a: 1 } });
    assert.equal(back.code, code);
    assert.equal(back.message, `m ${code}`);
    assert.equal(back.retryable, true);
    assert.deepEqual({ ...back.details }, { a: 1 });
  }
  const moved = new NotServingRegionError('region moved', { code: ErrorCodes.REGION_MOVED, details: { location: '127.0.0.1:16020', seq: 5n } });
  const w = errorToWire(moved);
  assert.deepEqual(w.details, { location: '127.0.0.1:16020', seq: '5' });
  const back = errorFromWire(w);
  assert.ok(back instanceof NotServingRegionError);
  assert.equal(back.message, moved.message);
  assert.equal(back.details['location'], '127.0.0.1:16020');
  assert.ok(errorFromWire(errorToWire(new UnavailableError('busy', { code: ErrorCodes.REGION_TOO_BUSY }))) instanceof UnavailableError);
});

test('foreign errors become TSB_INTERNAL; unknown remote codes are kept in details', () => {
  assert.equal(errorToWire(new TypeError('boom')).code, ErrorCodes.INTERNAL);
  const e = errorFromWire({ code: 'TSB_FROM_THE_FUTURE', message: 'x', retryable: false });
  assert.equal(e.code, ErrorCodes.INTERNAL);
  assert.equal(e.details['remoteCode'], 'TSB_FROM_THE_FUTURE');
});
