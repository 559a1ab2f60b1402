import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, ErrorCodes, InternalError, InvalidError, NotFoundError, UnavailableError } from '../errors.js';
import { isAmbiguousConditionalFailure, mapS3Error } from './s3-errors.js';

function answer(status: number, name: string): Error {
  return Object.assign(new Error(name), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}
function network(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe('mapS3Error', () => {
  const ctx = { op: 'get', key: 'a/b', bucket: 'bkt' };
  const cases: Array<[string, unknown, new (...a: never[]) => Error, string, boolean]> = [
    ['404 NoSuchKey', answer(404, 'NoSuchKey'), NotFoundError, ErrorCodes.NOT_FOUND, false],
    ['404 from HEAD', answer(404, 'NotFound'), NotFoundError, ErrorCodes.NOT_FOUND, false],
    ['NoSuchBucket', answer(404, 'NoSuchBucket'), InvalidError, ErrorCodes.INVALID_CONFIG, false],
    ['416 InvalidRange', answer(416, 'InvalidRange'), InvalidError, ErrorCodes.INVALID_RANGE, false],
    ['503 SlowDown', answer(503, 'SlowDown'), UnavailableError, ErrorCodes.THROTTLED, true],
    ['503 ServiceUnavailable', answer(503, 'ServiceUnavailable'), UnavailableError, ErrorCodes.UNAVAILABLE, true],
    ['500 InternalError', answer(500, 'InternalError'), UnavailableError, ErrorCodes.UNAVAILABLE, true],
    ['409 on a plain request', answer(409, 'OperationAborted'), UnavailableError, ErrorCodes.UNAVAILABLE, true],
    ['504', answer(504, 'GatewayTimeout'), UnavailableError, ErrorCodes.TIMEOUT, true],
    ['SDK TimeoutError', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), UnavailableError, ErrorCodes.TIMEOUT, true],
    ['403 AccessDenied', answer(403, 'AccessDenied'), UnavailableError, ErrorCodes.UNAVAILABLE, false],
    ['400 InvalidArgument', answer(400, 'InvalidArgument'), InvalidError, ErrorCodes.INVALID_ARGUMENT, false],
    ['ECONNRESET', network('ECONNRESET'), UnavailableError, ErrorCodes.UNAVAILABLE, true],
    ['ECONNREFUSED', network('ECONNREFUSED'), UnavailableError, ErrorCodes.UNAVAILABLE, true],
    ['a bug', new TypeError('x is undefined'), InternalError, ErrorCodes.INTERNAL, false],
  ];
  for (const [name, err, cls, code, retryable] of cases) {
    it(`${name} → ${cls.name} ${code}${retryable ? ' (retryable)' : ''}`, () => {
      const mapped = mapS3Error(err, ctx);
      assert.ok(mapped instanceof cls, String(mapped));
      assert.equal(mapped.code, code);
      assert.equal(mapped.retryable, retryable);
      assert.equal(mapped.cause, err);
      assert.match(mapped.message, /key=`a\/b`/);
    });
  }

  it('412 is TSB_ALREADY_EXISTS for If-None-Match and TSB_PRECONDITION_FAILED for If-Match', () => {
    const e = answer(412, 'PreconditionFailed');
    const a = mapS3Error(e, { ...ctx, op: 'put', condition: 'ifNoneMatch' });
    const b = mapS3Error(e, { ...ctx, op: 'put', condition: 'ifMatch' });
    assert.ok(a instanceof ConflictError && a.code === ErrorCodes.ALREADY_EXISTS);
    assert.ok(b instanceof ConflictError && b.code === ErrorCodes.PRECONDITION_FAILED);
  });

  it('409 and 500 to a conditional put are ambiguous; 412 and 503 are not', () => {
    assert.equal(isAmbiguousConditionalFailure(answer(409, 'ConditionalRequestConflict')), true);
    assert.equal(isAmbiguousConditionalFailure(answer(500, 'InternalError')), true);
    assert.equal(isAmbiguousConditionalFailure(answer(412, 'PreconditionFailed')), false);
    assert.equal(isAmbiguousConditionalFailure(answer(503, 'SlowDown')), false);
  });

  it('tsbase errors pass through unchanged', () => {
    const e = new NotFoundError('x');
    assert.equal(mapS3Error(e, ctx), e);
  });
});
