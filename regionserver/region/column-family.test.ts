import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, InvalidError } from '../../common/errors.js';
import { columnFamily, columnFamilyAttributes, columnFamilyFromAttributes, prunesVersionsInMemory, TTL_FOREVER, ttlMs } from './column-family.js';

function refused(fn: () => unknown, option: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidError, String(e));
    assert.equal(e.code, ErrorCodes.INVALID_CONFIG);
    assert.equal(e.details['option'], option, e.message);
    assert.match(e.message, new RegExp(option));
    return true;
  });
}

test('defaults are HBase 2.x defaults', () => {
  const d = columnFamily({ name: 'cf' });
  assert.deepEqual(
    { ...d },
    {
      name: 'cf',
      maxVersions: 1,
      minVersions: 0,
      ttlSeconds: TTL_FOREVER,
      keepDeletedCells: 'FALSE',
      bloomFilter: 'ROW',
      blockSize: 65536,
      compression: 'NONE',
      dataBlockEncoding: 'NONE',
      inMemory: false,
      inMemoryCompaction: 'NONE',
    },
  );
  assert.ok(Object.isFrozen(d));
  assert.equal(ttlMs(d), Infinity);
  assert.equal(ttlMs(columnFamily({ name: 'x', ttlSeconds: 60 })), 60_000);
});

test('each bad option is refused naming its HBase attribute', () => {
  refused(() => columnFamily({ name: 'cf', maxVersions: 0 }), 'VERSIONS');
  refused(() => columnFamily({ name: 'cf', maxVersions: 1.5 }), 'VERSIONS');
  refused(() => columnFamily({ name: 'cf', minVersions: -1 }), 'MIN_VERSIONS');
  refused(() => columnFamily({ name: 'cf', minVersions: 3, maxVersions: 2 }), 'MIN_VERSIONS');
  refused(() => columnFamily({ name: 'cf', ttlSeconds: 0 }), 'TTL');
  refused(() => columnFamily({ name: 'cf', keepDeletedCells: 'MAYBE' as never }), 'KEEP_DELETED_CELLS');
  refused(() => columnFamily({ name: 'cf', bloomFilter: 'ROWPREFIX_FIXED_LENGTH' as never }), 'BLOOMFILTER');
  refused(() => columnFamily({ name: 'cf', blockSize: 512 }), 'BLOCKSIZE');
  refused(() => columnFamily({ name: 'cf', blockSize: 32 * 1024 * 1024 }), 'BLOCKSIZE');
  refused(() => columnFamily({ name: 'cf', compression: 'LZ4' as never }), 'COMPRESSION');
  refused(() => columnFamily({ name: 'cf', dataBlockEncoding: 'FAST_DIFF' as never }), 'DATA_BLOCK_ENCODING');
  refused(() => columnFamily({ name: 'cf', inMemory: 'yes' as never }), 'IN_MEMORY');
  refused(() => columnFamily({ name: 'cf', inMemoryCompaction: 'LAZY' as never }), 'IN_MEMORY_COMPACTION');
  refused(() => columnFamilyFromAttributes({ NAME: 'cf', IN_MEMORY_COMPACTION: 'sometimes' }), 'IN_MEMORY_COMPACTION');
  refused(() => columnFamily({ name: 'cf', color: 'red' } as never), 'color');
});

test('family names follow HBase rules', () => {
  for (const bad of ['', '.hidden', 'a/b', 'a:b', 'tab\there', 'x'.repeat(128)]) refused(() => columnFamily({ name: bad }), 'NAME');
  assert.equal(columnFamily({ name: 'x'.repeat(127) }).name.length, 127);
  assert.equal(columnFamily({ name: 'info_2-x' }).name, 'info_2-x');
});

test('HBase attribute strings round trip', () => {
  const d = columnFamilyFromAttributes({
    name: 'f',
    VERSIONS: '3',
    MIN_VERSIONS: 1,
    TTL: '86400',
    KEEP_DELETED_CELLS: 'true',
    BLOOMFILTER: 'rowcol',
    BLOCKSIZE: '8192',
    COMPRESSION: 'snappy',
    DATA_BLOCK_ENCODING: 'PREFIX',
    IN_MEMORY: 'TRUE',
    IN_MEMORY_COMPACTION: 'eager',
  });
  assert.equal(d.maxVersions, 3);
  assert.equal(d.minVersions, 1);
  assert.equal(d.ttlSeconds, 86400);
  assert.equal(d.keepDeletedCells, 'TRUE');
  assert.equal(d.bloomFilter, 'ROWCOL');
  assert.equal(d.compression, 'SNAPPY');
  assert.equal(d.inMemory, true);
  assert.equal(d.inMemoryCompaction, 'EAGER');
  assert.equal(prunesVersionsInMemory(d), true);
  assert.deepEqual(
    ['NONE', 'BASIC', 'EAGER', 'ADAPTIVE'].map((v) => prunesVersionsInMemory(columnFamily({ name: 'x', inMemoryCompaction: v as never }))),
    [false, false, true, true],
  );
  assert.deepEqual(columnFamilyFromAttributes(columnFamilyAttributes(d)), d);
  assert.equal(columnFamilyFromAttributes({ NAME: 'g', TTL: 'FOREVER' }).ttlSeconds, TTL_FOREVER);
  refused(() => columnFamilyFromAttributes({ NAME: 'g', VERSIONS: 'many' }), 'VERSIONS');
  assert.throws(() => columnFamilyFromAttributes({ NAME: 'g', REPLICATION_SCOPE: '1' }), /unknown column family option/);
  assert.throws(() => columnFamilyFromAttributes({ VERSIONS: '1' }), /needs a NAME/);
});
