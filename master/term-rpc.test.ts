// The active master's RPC clients: region admin calls carry the term's token, none leaves once
// the term ended, and a server's TSB_NOT_LEADER ends the term.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorFromWire, errorToWire } from '../common/error-wire.js';
import { ErrorCodes, UnavailableError } from '../common/errors.js';
import type { CallOptions, RpcClient, RpcClientPool, RpcMethodName, RpcRequests, RpcResponses } from '../common/rpc/rpc-messages.js';
import { LeaderTerm } from './leader-term.js';
import { TermRpcPool } from './term-rpc.js';

class RecordingPool implements RpcClientPool {
  readonly sent: { address: string; method: RpcMethodName; request: unknown }[] = [];
  answer: (method: RpcMethodName) => Promise<unknown> = () => Promise.resolve({});

  client(address: string): RpcClient {
    return {
      address,
      call: <M extends RpcMethodName>(method: M, request: RpcRequests[M], _opts?: CallOptions): Promise<RpcResponses[M]> => {
        this.sent.push({ address, method, request });
        return this.answer(method) as Promise<RpcResponses[M]>;
      },
      close: () => Promise.resolve(),
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const fence = { key: 'master/election/1', modRevision: 1n };

test('region admin calls carry the term\'s token; other calls pass unchanged', async () => {
  const inner = new RecordingPool();
  const term = new LeaderTerm(1, 42n, fence);
  const c = new TermRpcPool(inner, term).client('h:1');
  assert.equal(c.address, 'h:1');
  await c.call('OPEN_REGION', { info: undefined as never, table: undefined as never });
  await c.call('CLOSE_REGION', { region: 'r', flush: true });
  await c.call('FLUSH_REGION', { region: 'r' });
  await c.call('COMPACT_REGION', { region: 'r', major: false });
  await c.call('SPLIT_REGION', { region: 'r' });
  await c.call('SERVER_INFO', {});
  await c.call('META_FENCE', { token: 7n });
  await c.call('PING', { payload: Buffer.alloc(0) });
  assert.deepEqual(
    inner.sent.map((s) => [s.method, (s.request as { token?: bigint }).token]),
    [
      ['OPEN_REGION', 42n],
      ['CLOSE_REGION', 42n],
      ['FLUSH_REGION', 42n],
      ['COMPACT_REGION', 42n],
      ['SPLIT_REGION', 42n],
      ['SERVER_INFO', 42n],
      ['META_FENCE', 7n],
      ['PING', undefined],
    ],
  );
});

test('a server\'s TSB_NOT_LEADER ends the term; after that no region admin call is sent', async () => {
  const inner = new RecordingPool();
  const term = new LeaderTerm(1, 42n, fence);
  const c = new TermRpcPool(inner, term).client('h:1');
  inner.answer = () => Promise.reject(new UnavailableError('busy'));
  await assert.rejects(c.call('FLUSH_REGION', { region: 'r' }), /busy/);
  assert.equal(term.active, true, 'other errors leave the term alone');
  // As it comes off the wire.
  inner.answer = () => Promise.reject(errorFromWire(errorToWire(new UnavailableError('fenced', { code: ErrorCodes.NOT_LEADER }))));
  await assert.rejects(c.call('CLOSE_REGION', { region: 'r', flush: true }), (e: unknown) => (e as { code?: string }).code === ErrorCodes.NOT_LEADER);
  assert.equal(term.active, false);
  const before = inner.sent.length;
  await assert.rejects(c.call('OPEN_REGION', { info: undefined as never, table: undefined as never }), (e: unknown) => (e as { code?: string }).code === ErrorCodes.NOT_LEADER);
  assert.equal(inner.sent.length, before, 'nothing sent once the term ended');
});
