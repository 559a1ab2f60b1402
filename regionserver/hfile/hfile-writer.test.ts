import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildKey } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { putCell } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { HFileReader } from './hfile-reader.js';
import { BufferSource } from './hfile-source.js';
import { HFileWriter, writeHFile } from './hfile-writer.js';

const invalid = { code: 'TSB_INVALID_ARGUMENT' };
const badConfig = { code: 'TSB_INVALID_CONFIG' };

test('cells must come in strictly increasing key order', () => {
  const w = new HFileWriter();
  w.append(putCell('b', 'f', 'q', 5n, 'v'));
  assert.throws(() => w.append(putCell('a', 'f', 'q', 5n, 'v')), { ...invalid, message: /strictly increasing.*previous=`b\/f:q\/5\/Put` key=`a\/f:q\/5\/Put`/ });
  assert.throws(() => w.append(putCell('b', 'f', 'q', 5n, 'other value')), invalid, 'equal keys');
  assert.throws(() => w.append(putCell('b', 'f', 'q', 6n, 'v')), invalid, 'newer timestamp sorts first');
  w.append(putCell('b', 'f', 'q', 4n, 'v'));
  w.append({ ...putCell('b', 'f', 'r', 9n, ''), type: CellType.DeleteColumn });
  assert.equal(w.entryCount, 2 + 1);
});

test('invalid cells and malformed encoded keys are rejected', () => {
  const w = new HFileWriter();
  assert.throws(() => w.append(putCell('', 'f', 'q', 1n, 'v')), invalid);
  assert.throws(() => w.append({ ...putCell('r', 'f', 'q', 1n, 'v'), type: CellType.Maximum }), invalid);
  const k = buildKey(Buffer.from('r'), Buffer.from('f'), Buffer.from('q'), 1n, CellType.Put);
  assert.throws(() => w.appendEncoded(k, 0, k.length - 1, Buffer.alloc(0), 0, 0), invalid);
  assert.throws(() => w.appendEncoded(k, 0, k.length, Buffer.alloc(2), 1, 5), invalid);
  w.appendEncoded(k, 0, k.length, Buffer.from('vv'), 0, 2);
  assert.equal(w.entryCount, 1);
});

test('a finished writer refuses more work', () => {
  const w = new HFileWriter();
  w.append(putCell('a', 'f', 'q', 1n, 'v'));
  w.finish();
  assert.throws(() => w.append(putCell('b', 'f', 'q', 1n, 'v')), invalid);
  assert.throws(() => w.finish(), invalid);
});

test('bad options are rejected', () => {
  assert.throws(() => new HFileWriter({ blockSize: 0 }), badConfig);
  assert.throws(() => new HFileWriter({ indexBlockSize: 1.5 }), badConfig);
  assert.throws(() => new HFileWriter({ compression: 'LZO' as never }), badConfig);
  assert.throws(() => new HFileWriter({ encoding: 'DIFF' as never }), badConfig);
  assert.throws(() => new HFileWriter({ bloomType: 'ROWPREFIX' as never }), badConfig);
  assert.throws(() => new HFileWriter({ bloomErrorRate: 0 }), badConfig);
  assert.throws(() => new HFileWriter({ bloomErrorRate: 1 }), badConfig);
  assert.throws(() => new HFileWriter({ fileInfo: new Map([['MAX_SEQ_ID', Buffer.alloc(8)]]) }), badConfig);
  assert.throws(() => new HFileWriter({ maxSeqId: -1n }), badConfig);
  // Names are case-insensitive, as HBase's family attributes.
  new HFileWriter({ compression: 'snappy' as never, encoding: 'prefix' as never, bloomType: 'rowcol' as never });
});

test('extra FileInfo entries round trip', async () => {
  const extra = new Map([
    ['MAJOR_COMPACTION', Buffer.from([1])],
    ['tsbase.created', Buffer.from('2024-01-01')],
  ]);
  const reader = await HFileReader.open(new BufferSource(writeHFile([putCell('a', 'f', 'q', 1n, 'v')], { fileInfo: extra, maxSeqId: 123456789012n })));
  assert.deepEqual(reader.fileInfo.raw.get('MAJOR_COMPACTION'), Buffer.from([1]));
  assert.equal(reader.fileInfo.raw.get('tsbase.created')?.toString(), '2024-01-01');
  assert.equal(reader.fileInfo.maxSeqId, 123456789012n);
});

test('FileInfo averages and time range describe the cells', async () => {
  const cells: Cell[] = [putCell('a', 'f', 'q', 10n, 'xx'), putCell('b', 'f', 'q', 3n, 'xxxx'), { ...putCell('c', 'f', 'q', 99n, ''), type: CellType.DeleteFamily }];
  const reader = await HFileReader.open(new BufferSource(writeHFile(cells)));
  const info = reader.fileInfo;
  assert.equal(info.avgKeyLen, 12 + 1 + 1 + 1);
  assert.equal(info.avgValueLen, 2);
  assert.deepEqual(info.timeRange, { min: 3n, max: 99n });
  assert.equal(info.entries, 3n);
});

test('compression and prefix encoding make a compressible file smaller', () => {
  const cells: Cell[] = [];
  for (let i = 0; i < 3000; i++) cells.push(putCell(`user-profile-${String(i).padStart(10, '0')}`, 'family', 'qualifier', 1n, 'abcabcabc'.repeat(10)));
  const plain = writeHFile(cells, { bloomType: 'NONE' }).length;
  const prefix = writeHFile(cells, { bloomType: 'NONE', encoding: 'PREFIX' }).length;
  const snappy = writeHFile(cells, { bloomType: 'NONE', compression: 'SNAPPY' }).length;
  const gz = writeHFile(cells, { bloomType: 'NONE', compression: 'GZ' }).length;
  assert.ok(prefix < plain - 3000 * 20, `prefix=${prefix} plain=${plain}`);
  assert.ok(snappy < plain / 3, `snappy=${snappy} plain=${plain}`);
  assert.ok(gz < snappy, `gz=${gz} snappy=${snappy}`);
});

test('takeOutput hands out the same bytes writeHFile produces', () => {
  const cells: Cell[] = [];
  for (let i = 0; i < 2000; i++) cells.push(putCell(`r${String(i).padStart(6, '0')}`, 'f', 'q', 1n, `v${i}`));
  const w = new HFileWriter({ blockSize: 512 });
  const parts: Buffer[] = [];
  let streamedEarly = 0;
  for (const c of cells) {
    w.append(c);
    const out = w.takeOutput();
    streamedEarly += out.length;
    parts.push(...out);
  }
  parts.push(...w.finish());
  assert.ok(streamedEarly > 10, 'blocks are handed out as they close');
  assert.ok(Buffer.concat(parts).equals(writeHFile(cells, { blockSize: 512 })));
});
