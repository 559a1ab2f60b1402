import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CellType, LATEST_TIMESTAMP } from '../cells/keyvalue-format.js';
import { ErrorCodes, InvalidError } from '../errors.js';
import { plainOps } from '../ops/testdata/over-the-wire.js';
import { regionInfo } from '../../regionserver/region/region-info.js';
import { columnFamily } from '../../regionserver/region/column-family.js';
import { RpcMethod } from './rpc-messages.js';
import type { RpcMethodName, RpcRequests, RpcResponses } from './rpc-messages.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { FrameDecoder, frameBodyStart, frameCallId, frameFlags, frameMethod } from './frame-decoder.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, METHOD_NAMES } from './rpc-codec.js';
import { decodeErrorBody, encodeErrorBody } from './wire-error-codec.js';
import { FLAG_ERROR } from './rpc-format.js';

const b = (s: string): Buffer => Buffer.from(s);
const row = b('user123');
const cellOf = (q: string, ts: bigint, v: string) => ({ row, family: b('f'), qualifier: b(q), timestamp: ts, type: CellType.Put, value: b(v) });
const resultRow = { row, cells: [cellOf('field0', 5n, 'a'), cellOf('field1', 5n, 'b')] };
const region1 = regionInfo('default', 'usertable', Buffer.alloc(0), b('m'), 1_700_000_000_000);
const region2 = regionInfo('ns1', 't2', b('m'), Buffer.from([0xff, 0x00]), 1);
const table = { namespace: 'default', name: 'usertable', families: [columnFamily({ name: 'f' }), columnFamily({ name: 'g', maxVersions: 3, bloomFilter: 'ROWCOL' })], maxFileSize: 10 * 2 ** 30 };
const notServing = { code: ErrorCodes.NOT_SERVING_REGION, message: 'not serving region=`abc`', retryable: true, details: { region: 'abc' } };

/** One sample request and response per method: every method is listed (the type makes a missing one a compile error). */
const samples: { [M in RpcMethodName]: { req: RpcRequests[M]; res: RpcResponses[M] }[] } = {
  PING: [
    { req: { payload: Buffer.alloc(0) }, res: { payload: Buffer.alloc(0) } },
    { req: { payload: Buffer.alloc(1024, 7) }, res: { payload: Buffer.alloc(1024, 7) } },
  ],
  GET: [
    { req: { region: region1.encodedName, get: { row, columns: [{ family: b('f') }] } }, res: { result: resultRow, exists: true } },
    { req: { region: region1.encodedName, get: { row: b('missing'), existenceOnly: true } }, res: { result: { row: b('missing'), cells: [] }, exists: false } },
  ],
  MULTI_GET: [
    {
      req: { actions: [{ region: 'r1', get: { row } }, { region: 'r2', get: { row: b('x'), maxVersions: 3 } }] },
      res: { results: [{ ok: true, value: resultRow }, { ok: false, error: notServing }] },
    },
    { req: { actions: [] }, res: { results: [] } },
  ],
  MUTATE: [
    { req: { region: 'r', mutation: { kind: 'put', row, columns: [{ family: b('f'), qualifier: b('q'), value: b('v') }] } }, res: {} },
    { req: { region: 'r', mutation: { kind: 'delete', row, columns: [{ family: b('f'), qualifier: b('q'), allVersions: true }] } }, res: {} },
  ],
  MULTI_MUTATE: [
    {
      req: {
        actions: [
          { region: 'r1', mutations: [{ kind: 'put', row, columns: [{ family: b('f'), qualifier: b('q'), timestamp: 3n, value: b('v') }] }, { kind: 'delete', row, columns: [] }] },
          { region: 'r2', mutations: [] },
        ],
      },
      res: {
        results: [
          { ok: true, value: [null, { code: ErrorCodes.INVALID_ARGUMENT, message: 'bad', retryable: false }] },
          { ok: false, error: { code: ErrorCodes.REGION_MOVED, message: 'moved', retryable: true, details: { location: '10.0.0.2:16020', server: 'h,16020,1' } } },
          { ok: true, value: [] },
        ],
      },
    },
  ],
  CHECK_AND_MUTATE: [
    { req: { region: 'r', checkAndMutate: { row, family: b('f'), qualifier: b('q'), op: 'EQUAL', value: b('v'), mutations: [{ kind: 'delete', row, columns: [] }] } }, res: { processed: true } },
    { req: { region: 'r', checkAndMutate: { row, family: b('f'), qualifier: b('q'), op: 'NOT_EQUAL', mutations: [] } }, res: { processed: false } },
    { req: { region: 'r', checkAndMutate: { row, family: b('f'), qualifier: b('q'), op: 'EQUAL', mutations: [] }, nonce: { group: 2n ** 64n - 1n, nonce: 5n } }, res: { processed: true } },
  ],
  INCREMENT: [
    {
      req: { region: 'r', increment: { row, columns: [{ family: b('f'), qualifier: b('c'), amount: -3n }] } },
      res: { result: { row, cells: [{ row, family: b('f'), qualifier: b('c'), timestamp: 9n, type: CellType.Put, value: Buffer.from([0, 0, 0, 0, 0, 0, 0, 7]) }] } },
    },
    {
      req: { region: 'r', increment: { row, columns: [{ family: b('f'), qualifier: b('c'), amount: 1n }] }, nonce: { group: 0n, nonce: 2n ** 63n } },
      res: { result: resultRow },
    },
  ],
  APPEND: [
    { req: { region: 'r', append: { row, columns: [{ family: b('f'), qualifier: b('a'), value: b('++') }] }, }, res: { result: resultRow } },
    { req: { region: 'r', append: { row, columns: [{ family: b('f'), qualifier: b('a'), value: b('++') }] }, nonce: { group: 7n, nonce: 8n } }, res: { result: resultRow } },
  ],
  SCAN_OPEN: [
    {
      req: { region: 'r', rows: 100, scan: { startRow: b('user5'), reversed: true, filter: { type: 'FirstKeyOnlyFilter' }, caching: 100 } },
      res: { scannerId: 2n ** 64n - 1n, results: [resultRow, { row: b('user4'), cells: [] }], moreInRegion: true },
    },
    { req: { region: 'r', rows: 0, scan: {} }, res: { scannerId: 0n, results: [], moreInRegion: false } },
  ],
  SCAN_NEXT: [{ req: { scannerId: 2n ** 63n + 5n, rows: 1 }, res: { results: [resultRow], moreInRegion: false } }],
  SCAN_CLOSE: [{ req: { scannerId: 42n }, res: {} }],
  META_MUTATE: [
    { req: { token: 2n ** 63n + 5n, mutation: { kind: 'put', row, columns: [{ family: b('info'), qualifier: b('state'), value: b('OPEN') }] } }, res: {} },
    { req: { token: 1n, mutation: { kind: 'delete', row, columns: [] } }, res: {} },
  ],
  META_FENCE: [{ req: { token: 77n }, res: {} }],
  OPEN_REGION: [
    { req: { info: region1, table, epoch: 7 }, res: {} },
    { req: { info: region1, table, token: 2n ** 64n - 1n }, res: {} },
    { req: { info: region2, table: { namespace: 'ns1', name: 't2', families: [columnFamily({ name: 'x' })] } }, res: {} },
  ],
  CLOSE_REGION: [
    { req: { region: region1.encodedName, flush: true }, res: {} },
    { req: { region: region1.encodedName, flush: false, destination: { serverName: 'h2,16020,5', rpcAddress: 'h2:16020' } }, res: {} },
    { req: { region: region1.encodedName, flush: true, token: 0n }, res: {} },
  ],
  FLUSH_REGION: [
    { req: { region: 'abc' }, res: {} },
    { req: { region: 'abc', token: 2n ** 53n + 1n }, res: {} },
  ],
  COMPACT_REGION: [
    { req: { region: 'abc', major: true }, res: {} },
    { req: { region: 'abc', major: false, token: 12n }, res: {} },
  ],
  SPLIT_REGION: [
    { req: { region: region1.encodedName }, res: { splitRow: b('g'), daughters: [regionInfo('default', 'usertable', Buffer.alloc(0), b('g'), 2), regionInfo('default', 'usertable', b('g'), b('m'), 2)] } },
    { req: { region: region1.encodedName, splitRow: Buffer.from([0, 1, 0xff]), token: 9n }, res: { splitRow: Buffer.from([0, 1, 0xff]), daughters: [region1, region2] } },
  ],
  SERVER_INFO: [
    {
      req: {},
      res: {
        serverName: 'host,16020,1700000000000',
        startCode: 1_700_000_000_000,
        regions: [
          { info: region1, state: 'OPEN', memStoreBytes: 10, storeFiles: 2, storeFileBytes: 3000, readRequests: 5, writeRequests: 6 },
          { info: region2, state: 'OPEN', memStoreBytes: 0, storeFiles: 3, storeFileBytes: 10, references: 2, readRequests: 0, writeRequests: 0 },
        ],
      },
    },
    { req: { token: 2n ** 63n }, res: { serverName: 'h,1,2', startCode: 2, regions: [] } },
  ],
  MERGE_REGIONS: [
    {
      req: {
        regions: [region1, regionInfo('default', 'usertable', b('m'), b('q'), 5)],
        merged: regionInfo('default', 'usertable', Buffer.alloc(0), b('q'), 1_700_000_000_001),
        table,
        token: 3n,
      },
      res: {},
    },
  ],
};

/** Writes frames into one byte stream (with a preamble) and cuts it back with FrameDecoder, `step` bytes at a time. */
function throughFrames(frames: ((w: ByteWriter) => void)[], step: number): { callId: number; method: number; flags: number; body: ByteReader }[] {
  const w = new ByteWriter(64);
  w.preamble();
  for (const f of frames) f(w);
  const stream = Buffer.concat(w.take());
  const out: { callId: number; method: number; flags: number; body: ByteReader }[] = [];
  const d = new FrameDecoder(1 << 20, (buf, start, end) => {
    out.push({ callId: frameCallId(buf, start), method: frameMethod(buf, start), flags: frameFlags(buf, start), body: new ByteReader(buf, frameBodyStart(start), end) });
  });
  for (let i = 0; i < stream.length; i += step) d.push(Buffer.from(stream.subarray(i, i + step)));
  return out;
}

test('every method: requests and responses round-trip through frames, whole and cut into pieces', () => {
  for (const step of [1, 7, 1 << 20]) {
    const expected: { method: number; req: unknown; res: unknown }[] = [];
    const frames: ((w: ByteWriter) => void)[] = [];
    for (const name of Object.keys(RpcMethod) as RpcMethodName[]) {
      const id = RpcMethod[name];
      const list = samples[name] as { req: unknown; res: unknown }[];
      assert.ok(list.length > 0, `samples for ${name}`);
      for (const s of list) {
        const callId = expected.length + 1;
        expected.push({ method: id, req: s.req, res: s.res });
        frames.push((w) => {
          w.beginFrame(callId, id, 0);
          encodeRequest(w, id, s.req);
          w.endFrame();
        });
        frames.push((w) => {
          w.beginFrame(callId, id, 0);
          encodeResponse(w, id, s.res);
          w.endFrame();
        });
      }
    }
    const got = throughFrames(frames, step);
    assert.equal(got.length, expected.length * 2);
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i]!;
      const reqFrame = got[2 * i]!;
      const resFrame = got[2 * i + 1]!;
      const name = METHOD_NAMES[e.method]!;
      assert.equal(reqFrame.callId, i + 1);
      assert.equal(reqFrame.method, e.method);
      assert.deepEqual(plainOps(decodeRequest(reqFrame.body, e.method, {})), e.req, `${name} request`);
      assert.deepEqual(decodeResponse(resFrame.body, e.method), e.res, `${name} response`);
    }
  }
});

test('error frames carry a WireError and round-trip; bad error bodies are protocol errors', () => {
  const err = { code: ErrorCodes.REGION_MOVED, message: 'region moved; retry at the new location location=`h2:16020`', retryable: true, details: { location: 'h2:16020', n: 3, b: false } };
  const [f] = throughFrames(
    [
      (w) => {
        w.beginFrame(9, RpcMethod.GET, FLAG_ERROR);
        encodeErrorBody(w, err);
        w.endFrame();
      },
    ],
    3,
  );
  assert.equal(f!.flags, FLAG_ERROR);
  assert.deepEqual(decodeErrorBody(f!.body), err);
  const noDetails = { code: ErrorCodes.INTERNAL, message: 'x', retryable: false };
  for (const bad of ['', 'null', '[]', '{"code":1,"message":"m","retryable":true}', '{"code":"c","message":"m"}', '{"code":"c","message":"m","retryable":true,"details":{"a":{}}}']) {
    const buf = Buffer.from(bad);
    assert.throws(() => decodeErrorBody(new ByteReader(buf, 0, buf.length)), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL, bad);
  }
  const ok = Buffer.from(JSON.stringify(noDetails));
  assert.deepEqual(decodeErrorBody(new ByteReader(ok, 0, ok.length)), noDetails);
});

test('bodies with trailing bytes, truncated bodies and malformed admin JSON are protocol errors', () => {
  const protocol = (e: unknown): boolean => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL;
  const w = new ByteWriter();
  encodeRequest(w, RpcMethod.SCAN_CLOSE, { scannerId: 1n });
  w.u8(0);
  const extra = Buffer.concat(w.take());
  assert.throws(() => decodeRequest(new ByteReader(extra, 0, extra.length), RpcMethod.SCAN_CLOSE, {}), protocol);
  assert.throws(() => decodeRequest(new ByteReader(extra, 0, 3), RpcMethod.SCAN_CLOSE, {}), protocol);
  assert.throws(() => decodeResponse(new ByteReader(Buffer.from([1]), 0, 1), RpcMethod.MUTATE), protocol);
  assert.throws(() => decodeRequest(new ByteReader(Buffer.from([0, 0, 0]), 0, 3), RpcMethod.META_FENCE, {}), protocol);
  assert.throws(() => decodeResponse(new ByteReader(Buffer.from([1]), 0, 1), RpcMethod.META_FENCE), protocol);
  assert.throws(() => decodeResponse(new ByteReader(Buffer.from([2]), 0, 1), RpcMethod.CHECK_AND_MUTATE), protocol);
  const admin = (text: string, method: number) => () => {
    const buf = Buffer.from(text);
    decodeRequest(new ByteReader(buf, 0, buf.length), method, {});
  };
  assert.throws(admin('{', RpcMethod.FLUSH_REGION), protocol);
  assert.throws(admin('{"region":""}', RpcMethod.FLUSH_REGION), protocol);
  assert.throws(admin('{"region":"a","extra":1}', RpcMethod.FLUSH_REGION), protocol);
  assert.throws(admin('{"region":"a"}', RpcMethod.COMPACT_REGION), protocol); // major missing
  // Fencing tokens are decimal u64 strings.
  for (const bad of ['12', '"-1"', '"012"', '"1e3"', '"18446744073709551616"', '""']) {
    assert.throws(admin(`{"region":"a","token":${bad}}`, RpcMethod.FLUSH_REGION), protocol, bad);
    assert.throws(admin(`{"token":${bad}}`, RpcMethod.SERVER_INFO), protocol, bad);
  }
  // A region whose encoded name does not match its fields.
  const j = { info: { namespace: 'default', table: 't', startKey: '', endKey: '', regionId: 1, encodedName: 'ffff' }, table: { namespace: 'default', name: 't', families: [] } };
  assert.throws(admin(JSON.stringify(j), RpcMethod.OPEN_REGION), protocol);
  // A family descriptor with an unknown option.
  const j2 = { info: { ...j.info, encodedName: regionInfo('default', 't', Buffer.alloc(0), Buffer.alloc(0), 1).encodedName }, table: { ...j.table, families: [{ name: 'f', colour: 'red' }] } };
  assert.throws(admin(JSON.stringify(j2), RpcMethod.OPEN_REGION), protocol);
  assert.throws(() => decodeRequest(new ByteReader(Buffer.alloc(0), 0, 0), 99, {}), protocol);
});

test('u64 scanner ids and timestamps keep every bit (2^63 - 1, 2^63, 2^64 - 1)', () => {
  for (const id of [0n, 1n, LATEST_TIMESTAMP, 2n ** 63n, 2n ** 64n - 1n]) {
    const w = new ByteWriter();
    encodeRequest(w, RpcMethod.SCAN_NEXT, { scannerId: id, rows: 0xffffffff });
    const buf = Buffer.concat(w.take());
    assert.deepEqual(decodeRequest(new ByteReader(buf, 0, buf.length), RpcMethod.SCAN_NEXT, {}), { scannerId: id, rows: 0xffffffff });
  }
});
