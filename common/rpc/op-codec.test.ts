import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, InvalidError } from '../errors.js';
import { LATEST_TIMESTAMP } from '../cells/keyvalue-format.js';
import type { Append, CheckAndMutate, Delete, Get, Increment, Mutation, Put, Scan } from '../ops/operations.js';
import { plainOps } from '../ops/testdata/over-the-wire.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import type { DecodeLimits } from './op-codec.js';
import type { WithNonce } from './op-codec.js';
import {
  decodeAppend,
  decodeAppendWithNonce,
  decodeCheckAndMutate,
  decodeCheckAndMutateWithNonce,
  decodeGet,
  decodeIncrement,
  decodeIncrementWithNonce,
  decodeMutation,
  decodeScan,
  encodeAppend,
  encodeCheckAndMutate,
  encodeGet,
  encodeIncrement,
  encodeMutation,
  encodeScan,
} from './op-codec.js';

const b = (s: string): Buffer => Buffer.from(s);

/** Encodes with `enc`, returns the bytes. */
function bytesOf<T>(enc: (w: ByteWriter, v: T) => void, v: T): Buffer {
  const w = new ByteWriter(16); // tiny first chunk: every encoding crosses chunks
  enc(w, v);
  return Buffer.concat(w.take());
}

function roundTrip<T>(enc: (w: ByteWriter, v: T) => void, dec: (r: ByteReader) => T, v: T): T {
  const buf = bytesOf(enc, v);
  const r = new ByteReader(buf, 0, buf.length);
  const out = dec(r);
  r.done('test');
  return plainOps(out) as T;
}

/** Every strict prefix of the encoding fails with TSB_PROTOCOL (truncation is always detected). */
function assertTruncationsFail<T>(enc: (w: ByteWriter, v: T) => void, dec: (r: ByteReader) => T, v: T): void {
  const buf = bytesOf(enc, v);
  for (let n = 0; n < buf.length; n++) {
    assert.throws(
      () => {
        const r = new ByteReader(buf, 0, n);
        dec(r);
        r.done('test');
      },
      (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL,
      `prefix of ${n}/${buf.length} bytes`,
    );
  }
}

test('gets round-trip: bare, every option, existence only, empty row, family-only and column specs', () => {
  const gets: Get[] = [
    { row: b('r1') },
    { row: Buffer.alloc(0) },
    { row: b('r'), existenceOnly: true },
    {
      row: Buffer.alloc(32767, 7),
      columns: [{ family: b('f') }, { family: b('g'), qualifier: b('q') }, { family: b('g'), qualifier: Buffer.alloc(0) }],
      maxVersions: 2_147_483_647,
      timeRange: { min: 0n, max: LATEST_TIMESTAMP },
      filter: { type: 'FilterList', op: 'MUST_PASS_ALL', filters: [{ type: 'PrefixFilter', value: 'cm93' }, { type: 'KeyOnlyFilter' }] },
      raw: true,
    },
    { row: b('x'), columns: [] },
  ];
  for (const g of gets) assert.deepEqual(roundTrip(encodeGet, decodeGet, g), g);
  assertTruncationsFail(encodeGet, decodeGet, gets[3]!);
});

test('false booleans are not sent and come back absent', () => {
  assert.deepEqual(roundTrip(encodeGet, decodeGet, { row: b('r'), raw: false, existenceOnly: false }), { row: b('r') });
  assert.deepEqual(roundTrip(encodeScan, decodeScan, { reversed: false }), {});
});

test('scans round-trip: empty, reversed with start row, limits, batch, caching, filters', () => {
  const scans: Scan[] = [
    {},
    { startRow: b('m'), reversed: true },
    { startRow: Buffer.alloc(0), stopRow: Buffer.alloc(0) },
    {
      startRow: b('a'),
      stopRow: b('z'),
      limit: 0,
      batch: 3,
      caching: 0xffffffff,
      columns: [{ family: b('f'), qualifier: b('q') }],
      maxVersions: 1,
      timeRange: { min: 5n, max: 6n },
      filter: { type: 'SingleColumnValueFilter', family: 'Zg==', qualifier: 'cQ==', op: 'EQUAL', comparator: { type: 'BinaryComparator', value: 'dg==' }, ifMissing: true, latestVersion: true },
      raw: true,
    },
  ];
  for (const s of scans) assert.deepEqual(roundTrip(encodeScan, decodeScan, s), s);
  assertTruncationsFail(encodeScan, decodeScan, scans[3]!);
});

test('puts round-trip: timestamps absent, 0, near 2^63 and LATEST; empty qualifier and value; skipWal', () => {
  const put: Put = {
    kind: 'put',
    row: b('row'),
    columns: [
      { family: b('f'), qualifier: b('a'), value: b('1') },
      { family: b('f'), qualifier: Buffer.alloc(0), timestamp: 0n, value: Buffer.alloc(0) },
      { family: b('g'), qualifier: b('c'), timestamp: LATEST_TIMESTAMP - 1n, value: Buffer.alloc(70_000, 1) },
      { family: Buffer.alloc(127, 0x66), qualifier: b('d'), timestamp: LATEST_TIMESTAMP, value: b('x') },
    ],
    skipWal: true,
  };
  // LATEST_TIMESTAMP (server time) comes back as an absent timestamp: the same cell.
  const { timestamp: _latest, ...last } = put.columns[3]!;
  assert.deepEqual(roundTrip(encodeMutation, (r) => decodeMutation(r), put), { ...put, columns: [...put.columns.slice(0, 3), last] });
  assert.deepEqual(roundTrip(encodeMutation, (r) => decodeMutation(r), { kind: 'put', row: b('r'), columns: [] } as Mutation), { kind: 'put', row: b('r'), columns: [] });
  assertTruncationsFail(encodeMutation, (r) => decodeMutation(r), { ...put, columns: put.columns.slice(0, 2) });
});

test('every delete variant round-trips (row, family, family version, columns, column version)', () => {
  const deletes: Delete[] = [
    { kind: 'delete', row: b('r'), columns: [] },
    { kind: 'delete', row: b('r'), columns: [], timestamp: 17n, skipWal: true },
    {
      kind: 'delete',
      row: b('r'),
      columns: [
        { family: b('f'), allVersions: true }, // addFamily
        { family: b('f'), timestamp: 9n, allVersions: true }, // addFamily(f, ts)
        { family: b('f'), timestamp: 9n, allVersions: false }, // addFamilyVersion
        { family: b('f'), qualifier: b('q'), allVersions: true }, // addColumns
        { family: b('f'), qualifier: b('q'), timestamp: LATEST_TIMESTAMP, allVersions: true },
        { family: b('f'), qualifier: b('q'), allVersions: false }, // addColumn latest
        { family: b('f'), qualifier: Buffer.alloc(0), timestamp: 1n, allVersions: false }, // addColumn(f, q, ts)
      ],
    },
  ];
  for (const d of deletes) assert.deepEqual(roundTrip(encodeMutation, (r) => decodeMutation(r), d), d);
  assertTruncationsFail(encodeMutation, (r) => decodeMutation(r), deletes[2]!);
});

test('increments round-trip signed 64-bit amounts; appends and checkAndMutate round-trip', () => {
  const inc: Increment = {
    row: b('counter'),
    columns: [
      { family: b('f'), qualifier: b('a'), amount: 1n },
      { family: b('f'), qualifier: b('b'), amount: -5n },
      { family: b('f'), qualifier: b('c'), amount: -(2n ** 63n) },
      { family: b('f'), qualifier: b('d'), amount: 2n ** 63n - 1n },
    ],
    skipWal: true,
  };
  assert.deepEqual(roundTrip(encodeIncrement, decodeIncrement, inc), inc);
  assertTruncationsFail(encodeIncrement, decodeIncrement, inc);

  const app: Append = { row: b('r'), columns: [{ family: b('f'), qualifier: b('q'), value: b('tail') }] };
  assert.deepEqual(roundTrip(encodeAppend, (r) => decodeAppend(r), app), app);

  const cams: CheckAndMutate[] = [
    { row: b('r'), family: b('f'), qualifier: b('q'), op: 'EQUAL', value: b('v'), mutations: [{ kind: 'put', row: b('r'), columns: [{ family: b('f'), qualifier: b('q'), value: b('w') }] }] },
    { row: b('r'), family: b('f'), qualifier: b('q'), op: 'EQUAL', mutations: [{ kind: 'delete', row: b('r'), columns: [] }] }, // "column absent"
    { row: b('r'), family: b('f'), qualifier: b('q'), op: 'GREATER', value: Buffer.alloc(0), timeRange: { min: 1n, max: 2n }, mutations: [] },
  ];
  for (const op of ['LESS', 'LESS_OR_EQUAL', 'EQUAL', 'NOT_EQUAL', 'GREATER_OR_EQUAL', 'GREATER'] as const) cams.push({ ...cams[0]!, op });
  for (const c of cams) assert.deepEqual(roundTrip(encodeCheckAndMutate, (r) => decodeCheckAndMutate(r), c), c);
  assertTruncationsFail(encodeCheckAndMutate, (r) => decodeCheckAndMutate(r), cams[0]!);
});

test('nonces round-trip in increments, appends and checkAndMutate; frames without one still decode (older clients)', () => {
  const nonce = { group: 0xfedcba9876543210n, nonce: 1n };
  const inc: Increment = { row: b('c'), columns: [{ family: b('f'), qualifier: b('q'), amount: 3n }], skipWal: true };
  const app: Append = { row: b('a'), columns: [{ family: b('f'), qualifier: b('q'), value: b('x') }] };
  const cam: CheckAndMutate = {
    row: b('r'), family: b('f'), qualifier: b('q'), op: 'EQUAL', value: b('v'), timeRange: { min: 1n, max: 9n },
    mutations: [{ kind: 'put', row: b('r'), columns: [{ family: b('f'), qualifier: b('q'), value: b('w') }] }],
  };
  const cases: [string, (w: ByteWriter, v: WithNonce<unknown>) => void, (r: ByteReader) => WithNonce<unknown>, unknown][] = [
    ['increment', (w, v) => encodeIncrement(w, v.op as Increment, v.nonce), (r) => decodeIncrementWithNonce(r), inc],
    ['append', (w, v) => encodeAppend(w, v.op as Append, v.nonce), (r) => decodeAppendWithNonce(r), app],
    ['checkAndMutate', (w, v) => encodeCheckAndMutate(w, v.op as CheckAndMutate, v.nonce), (r) => decodeCheckAndMutateWithNonce(r), cam],
  ];
  for (const [what, enc, dec, op] of cases) {
    const withN = { op, nonce } as WithNonce<unknown>;
    assert.deepEqual(roundTrip(enc, dec, withN), withN, what);
    assertTruncationsFail(enc, dec, withN);
    // Without a nonce: no flag, no bytes, and the decoded request has no nonce field.
    const without = { op } as WithNonce<unknown>;
    assert.deepEqual(roundTrip(enc, dec, without), without, what);
    assert.equal(bytesOf(enc, withN).length, bytesOf(enc, without).length + 16, what);
  }
  // The exact bytes of an increment with a nonce (docs/formats/rpc.md): flags 0x03 = skipWal | nonce.
  const one: Increment = { row: b('c'), columns: [{ family: b('f'), qualifier: b('q'), amount: 3n }] };
  assert.equal(
    bytesOf((w, v: Increment) => encodeIncrement(w, v, { group: 0x0102030405060708n, nonce: 0x1112131415161718n }), one).toString('hex'),
    '0001' + '63' + '02' + '0102030405060708' + '1112131415161718' + '00000001' + '01' + '66' + '00000001' + '71' + '0000000000000003',
  );
  // A frame an older client sends (flags 0x00) decodes to the same increment with no nonce.
  const old = Buffer.from('0001' + '63' + '00' + '00000001' + '01' + '66' + '00000001' + '71' + '0000000000000003', 'hex');
  assert.deepEqual(decodeIncrementWithNonce(new ByteReader(old, 0, old.length)), { op: one });
});

test('nonce 0 (HBase NO_NONCE) is refused by encoders and decoders', () => {
  const inc: Increment = { row: b('c'), columns: [{ family: b('f'), qualifier: b('q'), amount: 1n }] };
  assert.throws(() => encodeIncrement(new ByteWriter(), inc, { group: 1n, nonce: 0n }), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.INVALID_ARGUMENT);
  assert.throws(() => encodeAppend(new ByteWriter(), { row: b('a'), columns: [] }, { group: -1n, nonce: 1n }), InvalidError);
  const bytes = Buffer.from('0001' + '63' + '02' + '0000000000000001' + '0000000000000000' + '00000000', 'hex');
  assert.throws(() => decodeIncrementWithNonce(new ByteReader(bytes, 0, bytes.length)), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL);
  // Unknown flag bits stay reserved.
  const reserved = Buffer.from('0001' + '63' + '04' + '00000000', 'hex');
  assert.throws(() => decodeIncrementWithNonce(new ByteReader(reserved, 0, reserved.length)), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL);
});

test('encoders refuse what does not fit: long rows and families, negative or huge timestamps, bad kinds and ops', () => {
  const invalid = (e: unknown): boolean => e instanceof InvalidError && e.code === ErrorCodes.INVALID_ARGUMENT;
  const w = new ByteWriter();
  assert.throws(() => encodeGet(w, { row: Buffer.alloc(65_536) }), invalid);
  assert.throws(() => encodeMutation(w, { kind: 'put', row: b('r'), columns: [{ family: Buffer.alloc(256), qualifier: b('q'), value: b('v') }] }), invalid);
  assert.throws(() => encodeMutation(w, { kind: 'put', row: b('r'), columns: [{ family: b('f'), qualifier: b('q'), timestamp: -1n, value: b('v') }] }), invalid);
  assert.throws(() => encodeMutation(w, { kind: 'delete', row: b('r'), columns: [], timestamp: 2n ** 64n }), invalid);
  assert.throws(() => encodeIncrement(w, { row: b('r'), columns: [{ family: b('f'), qualifier: b('q'), amount: 2n ** 63n }] }), invalid);
  assert.throws(() => encodeMutation(w, { kind: 'upsert', row: b('r'), columns: [] } as unknown as Mutation), invalid);
  assert.throws(() => encodeCheckAndMutate(w, { row: b('r'), family: b('f'), qualifier: b('q'), op: 'LIKE' as 'EQUAL', mutations: [] }), invalid);
  assert.throws(() => encodeScan(w, { limit: -1 }), invalid);
  assert.throws(() => encodeGet(w, { row: b('r'), maxVersions: Infinity }), invalid);
});

test('decoders reject impossible values: unknown kinds, reserved flags, huge counts, bad filter JSON', () => {
  const protocol = (e: unknown): boolean => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL;
  const dec = (bytes: number[], f: (r: ByteReader) => unknown) => () => f(new ByteReader(Buffer.from(bytes), 0, bytes.length));
  assert.throws(dec([9, 0, 0, 0, 0, 0, 0, 0], (r) => decodeMutation(r)), protocol); // kind 9
  assert.throws(dec([0, 0, 0, 0x80, 0, 0, 0, 0], (r) => decodeMutation(r)), protocol); // put flags 0x80
  assert.throws(dec([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], (r) => decodeMutation(r)), protocol); // 4G columns in 0 bytes
  assert.throws(dec([0, 0, 0x40, 0], decodeGet), protocol); // get flags 0x40
  assert.throws(dec([0x80], decodeScan), protocol);
  const badFilter = Buffer.concat([Buffer.from([0, 1, 0x72, 0, 0x08, 0, 0, 0, 3]), Buffer.from('{x}')]);
  assert.throws(() => decodeGet(new ByteReader(badFilter, 0, badFilter.length)), protocol);
  const arrFilter = Buffer.concat([Buffer.from([0, 1, 0x72, 0, 0x08, 0, 0, 0, 2]), Buffer.from('[]')]);
  assert.throws(() => decodeGet(new ByteReader(arrFilter, 0, arrFilter.length)), protocol);
  // checkAndMutate with compare op 6 (NO_OP is not a tsbase op)
  const cam = bytesOf(encodeCheckAndMutate, { row: b('r'), family: b('f'), qualifier: b('q'), op: 'EQUAL', mutations: [] });
  cam[2 + 1 + 1 + 1 + 4 + 1] = 6;
  assert.throws(() => decodeCheckAndMutate(new ByteReader(cam, 0, cam.length)), protocol);
});

test('values over maxValueBytes fail with TSB_VALUE_TOO_LARGE in puts, appends and checkAndMutate; at the limit they pass', () => {
  const limits: DecodeLimits = { maxValueBytes: 10 };
  const tooLarge = (e: unknown): boolean => e instanceof InvalidError && e.code === ErrorCodes.VALUE_TOO_LARGE;
  const put = (n: number): Put => ({ kind: 'put', row: b('r'), columns: [{ family: b('f'), qualifier: b('q'), value: Buffer.alloc(n) }] });
  assert.equal((roundTrip(encodeMutation, (r) => decodeMutation(r, limits), put(10)) as Put).columns[0]!.value.length, 10);
  assert.throws(() => roundTrip(encodeMutation, (r) => decodeMutation(r, limits), put(11)), tooLarge);
  assert.throws(() => roundTrip(encodeAppend, (r) => decodeAppend(r, limits), { row: b('r'), columns: [{ family: b('f'), qualifier: b('q'), value: Buffer.alloc(11) }] }), tooLarge);
  assert.throws(
    () => roundTrip(encodeCheckAndMutate, (r) => decodeCheckAndMutate(r, limits), { row: b('r'), family: b('f'), qualifier: b('q'), op: 'EQUAL', mutations: [put(11)] }),
    tooLarge,
  );
  // A long qualifier is not a value.
  const longQualifier: Put = { kind: 'put', row: b('r'), columns: [{ family: b('f'), qualifier: Buffer.alloc(100), value: b('v') }] };
  assert.deepEqual(roundTrip(encodeMutation, (r) => decodeMutation(r, limits), longQualifier), longQualifier);
});

test('decoded byte strings are views of the received bytes (no copies)', () => {
  const put: Put = { kind: 'put', row: b('row'), columns: [{ family: b('f'), qualifier: b('q'), value: b('value') }] };
  const buf = bytesOf(encodeMutation, put);
  const out = decodeMutation(new ByteReader(buf, 0, buf.length)) as Put;
  assert.equal(out.columns[0]!.value.buffer, buf.buffer);
  assert.equal(out.row.buffer, buf.buffer);
});

test('a decoded put shares one family Buffer across a run of equal families', () => {
  const put: Put = {
    kind: 'put',
    row: b('r'),
    columns: [
      { family: b('cf'), qualifier: b('a'), value: b('1') },
      { family: b('cf'), qualifier: b('b'), value: b('2') },
      { family: b('cg'), qualifier: b('c'), value: b('3') },
      { family: b('c'), qualifier: b('d'), value: b('4') },
      { family: b('cf'), qualifier: b('e'), value: b('5') },
      { family: b('cf'), qualifier: b('f'), value: b('6') },
    ],
  };
  const out = roundTrip(encodeMutation, (r) => decodeMutation(r, {}), put) as Put;
  assert.deepEqual(out, put);
  const f = out.columns.map((c) => c.family);
  assert.equal(f[0], f[1]);
  assert.notEqual(f[1], f[2]);
  assert.equal(f[4], f[5]);
  assert.deepEqual(f.map((x) => x.toString()), ['cf', 'cf', 'cg', 'c', 'cf', 'cf']);
});
