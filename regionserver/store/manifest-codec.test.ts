import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { CorruptionError, ErrorCodes } from '../../common/errors.js';
import { storeManifestKey } from '../../common/paths.js';
import type { StoreManifest } from './manifest.js';
import { emptyManifest } from './manifest.js';
import { decodeManifest, encodeManifest } from './manifest-codec.js';
import { HEADER_SIZE, H_BODY_LEN, H_CRC, H_VERSION, MANIFEST_MAGIC } from './manifest-format.js';
import { entryFor, keyAt, referenceTo, regionOf, storeOf } from './store-test-util.js';

const STORE = storeOf('a');
const KEY = storeManifestKey(STORE);

function sample(): StoreManifest {
  const f1 = entryFor('00000001700000000000-00000000000000aa', { size: 1234, maxSeqId: 2n ** 63n + 5n, maxTs: 2n ** 64n - 1n, majorCompaction: true });
  const f2 = { ...entryFor('00000001700000000100-00000000000000bb', { size: 99, maxSeqId: 40n }), bloomType: 'ROWCOL' as const, firstKey: keyAt('\u0000\u0001bin') };
  return {
    ...emptyManifest(STORE),
    generation: 7,
    writer: { server: 'rs-1.example,16020,1700000000000', epoch: 3 },
    flushedSeqId: 2n ** 63n + 10n,
    updatedMs: 1_700_000_000_500,
    files: [f1, f2],
    references: [referenceTo(regionOf('parent'), 'cf', entryFor('00000001690000000000-00000000000000cc', { size: 5000, maxSeqId: 30n }), 'bottom', 1_700_000_000_001)],
    retired: [
      { name: '00000001690000000000-00000000000000dd', retiredMs: 1_700_000_000_002, size: 77 },
      {
        name: `00000001690000000000-00000000000000ee.${regionOf('parent')}`,
        retiredMs: 1_700_000_000_003,
        size: 88,
        reference: { parentRegion: regionOf('parent'), parentFamily: 'cf', parentFile: '00000001690000000000-00000000000000ee' },
      },
    ],
    daughters: [],
  };
}

/** A manifest whose header and CRC are right around an arbitrary body. */
function withBody(body: string): Buffer {
  const b = Buffer.from(body, 'utf8');
  const out = Buffer.alloc(HEADER_SIZE + b.length);
  MANIFEST_MAGIC.copy(out, 0);
  out.writeUInt16BE(1, H_VERSION);
  out.writeUInt32BE(b.length, H_BODY_LEN);
  out.writeUInt32BE(crc32c(b), H_CRC);
  b.copy(out, HEADER_SIZE);
  return out;
}

function isCorruption(mentions: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof CorruptionError, String(e));
    assert.equal(e.code, ErrorCodes.CORRUPTION);
    assert.ok(e.message.includes(KEY), `names the key: ${e.message}`);
    assert.ok(e.message.includes(mentions), `mentions ${mentions}: ${e.message}`);
    return true;
  };
}

describe('manifest codec', () => {
  it('round trip keeps every field, u64 extremes and binary keys included', () => {
    const m = sample();
    const bytes = encodeManifest(m);
    assert.deepEqual(decodeManifest(KEY, bytes, STORE), m);
    assert.ok(bytes.subarray(0, 8).equals(Buffer.from('TSBSTMAN')));
    assert.equal(bytes.readUInt32BE(H_BODY_LEN), bytes.length - HEADER_SIZE);
    assert.deepEqual(encodeManifest(decodeManifest(KEY, bytes)), bytes, 'deterministic');
  });

  it('the body is the documented JSON (u64 as decimal strings, bytes as base64)', () => {
    const doc = JSON.parse(encodeManifest(sample()).subarray(HEADER_SIZE).toString('utf8'));
    assert.equal(doc.flushedSeqId, '9223372036854775818');
    assert.equal(doc.files[0].maxTs, '18446744073709551615');
    assert.equal(doc.files[1].firstKey, keyAt('\u0000\u0001bin').toString('base64'));
    assert.equal(doc.files[0].lastKey, 'AAVyb3ctegJjZnEAAAAAAAAD6AQ=');
    assert.deepEqual(Object.keys(doc), ['store', 'generation', 'writer', 'flushedSeqId', 'updatedMs', 'files', 'references', 'retired', 'daughters']);
    assert.equal(doc.references[0].half, 'bottom');
    assert.equal(doc.retired[1].reference.parentFamily, 'cf');
  });

  it('every single-byte change is detected', () => {
    const bytes = encodeManifest(sample());
    for (let i = 0; i < bytes.length; i++) {
      const bad = Buffer.from(bytes);
      bad[i] = bad[i]! ^ 0x20;
      assert.throws(() => decodeManifest(KEY, bad, STORE), isCorruption('store manifest is damaged'), `offset ${i}`);
    }
  });

  it('every truncation and an appended byte are detected', () => {
    const bytes = encodeManifest(sample());
    for (let n = 0; n < bytes.length; n++) {
      assert.throws(() => decodeManifest(KEY, bytes.subarray(0, n)), isCorruption('store manifest is damaged'), `length ${n}`);
    }
    assert.throws(() => decodeManifest(KEY, Buffer.concat([bytes, Buffer.from([0])])), isCorruption('length does not match'));
  });

  it('an unknown version is refused, not guessed at', () => {
    const bytes = encodeManifest(sample());
    bytes.writeUInt16BE(2, H_VERSION);
    assert.throws(() => decodeManifest(KEY, bytes), isCorruption('unsupported format version'));
  });

  it('a manifest of another store is refused', () => {
    assert.throws(() => decodeManifest(KEY, encodeManifest(sample()), storeOf('b')), isCorruption('belongs to another store'));
  });

  it('a correct checksum over a wrong document is still refused', () => {
    const good = JSON.parse(encodeManifest(sample()).subarray(HEADER_SIZE).toString('utf8'));
    const cases: Array<[string, unknown]> = [
      ['not json', undefined],
      ['unexpected document shape', { ...good, extra: 1 }],
      ['unexpected document shape', { ...good, flushedSeqId: 5 }],
      ['unexpected document shape', { ...good, flushedSeqId: '18446744073709551616' }],
      ['unexpected document shape', { ...good, files: [{ ...good.files[0], firstKey: 'not base64!' }] }],
      ['unexpected document shape', { ...good, files: [{ ...good.files[0], bloomType: 'CUCKOO' }] }],
      ['appears twice', { ...good, files: [good.files[0], good.files[0]] }],
      ['above flushedSeqId', { ...good, flushedSeqId: '1' }],
      ['minTs is after maxTs', { ...good, files: [{ ...good.files[0], minTs: '5', maxTs: '4' }] }],
      ['generation >= 1', { ...good, generation: 0, files: [], references: [], retired: [] }],
      ['a store with daughters must not hold references', { ...good, daughters: [regionOf('d')] }],
    ];
    for (const [mentions, doc] of cases) {
      const body = doc === undefined ? '{"store":' : JSON.stringify(doc);
      assert.throws(() => decodeManifest(KEY, withBody(body)), isCorruption(mentions === 'not json' ? 'not UTF-8 JSON' : mentions), mentions);
    }
  });
});
