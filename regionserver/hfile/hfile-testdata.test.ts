// Data-driven tests for HFile blocks, index and bloom (testdata/*.txt). Rewrite expectations
// with: npx tsc -p . && TSB_REWRITE=1 node --test dist/regionserver/hfile/hfile-testdata.test.js
//
// Cells are written `row/family:qualifier/timestamp/Type=value` (\xNN escapes bytes; Type is a
// CellType name; `=value` may be omitted).

import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildKey, firstOnRowKey, formatKey } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { errorCode } from '../../common/errors.js';
import { BLOCK_HEADER_SIZE, TRAILER_SIZE } from './hfile-format.js';
import { BloomFilter, BloomWriter, encodeBloomMeta } from './bloom.js';
import { DataBlockBuilder } from './data-block-builder.js';
import { DataBlockCursor, validateDataBlock } from './data-block-reader.js';
import type { DataDrivenCase } from './datadriven.js';
import { hexdump, runDataDriven } from './datadriven.js';
import { HFileReader } from './hfile-reader.js';
import { BufferSource } from './hfile-source.js';
import type { BloomTypeName, EncodingName, HFileWriterOptions } from './hfile-writer.js';
import { bloomTypeByName, encodingByName, writeHFile } from './hfile-writer.js';
import { IndexBlockBuilder, indexChildOffset, indexChildSize, indexCount, indexKey, indexSearch, validateIndexBlock } from './index-block.js';
import { murmur3 } from './murmur3.js';
import type { CompressionName } from './compression.js';

const dir = (name: string) => fileURLToPath(new URL(`../../../regionserver/hfile/testdata/${name}`, import.meta.url));

function unescape(s: string): Buffer {
  return Buffer.from(s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
}

/** Parses `row/family:qualifier/ts/Type[=value]`; `row` alone is the row's first key. */
function parseCell(spec: string): Cell {
  const eq = spec.indexOf('=');
  const keyPart = eq < 0 ? spec : spec.slice(0, eq);
  const value = eq < 0 ? Buffer.alloc(0) : unescape(spec.slice(eq + 1));
  const m = /^([^/]*)\/([^:]*):([^/]*)\/(\d+)\/(\w+)$/.exec(keyPart);
  if (m === null) throw new Error(`bad cell spec ${spec}`);
  const type = (CellType as Record<string, number>)[m[5]!];
  if (type === undefined) throw new Error(`bad cell type ${m[5]}`);
  return { row: unescape(m[1]!), family: unescape(m[2]!), qualifier: unescape(m[3]!), timestamp: BigInt(m[4]!), type: type as CellType, value };
}

function parseKey(spec: string): Buffer {
  if (!spec.includes('/')) return firstOnRowKey(unescape(spec));
  const c = parseCell(spec);
  return buildKey(c.row, c.family, c.qualifier, c.timestamp, c.type);
}

function errorText(err: unknown): string {
  return `${errorCode(err) ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`;
}

// ---- data blocks -------------------------------------------------------------------------------

let lastBlock: { payload: Buffer; encoding: number } | undefined;

function dataBlockCase(c: DataDrivenCase): string {
  switch (c.command) {
    case 'build': {
      const encoding = encodingByName((c.args.get('encoding') ?? 'NONE') as EncodingName);
      const b = new DataBlockBuilder(encoding, Number(c.args.get('restart') ?? 16), 64);
      for (const l of c.input) {
        const cell = parseCell(l);
        const k = buildKey(cell.row, cell.family, cell.qualifier, cell.timestamp, cell.type);
        b.add(k, 0, k.length, cell.value, 0, cell.value.length);
      }
      const payload = Buffer.from(b.finish());
      lastBlock = { payload, encoding };
      validateDataBlock(payload, encoding, { file: 'testdata', offset: 0 });
      const restarts = payload.readUInt32BE(payload.length - 8);
      return `${hexdump(payload)}\nsize=${payload.length} entries=${payload.readUInt32BE(payload.length - 4)} restarts=${restarts}`;
    }
    case 'scan': {
      const cur = new DataBlockCursor();
      cur.reset(lastBlock!.payload, lastBlock!.encoding);
      cur.first();
      const out: string[] = [];
      do out.push(`${formatKey(cur.keyBuf, cur.keyOff, cur.keyLen)}=${cur.block.toString('latin1', cur.valueOff, cur.valueOff + cur.valueLen)}`);
      while (cur.advance());
      return out.join('\n');
    }
    case 'seek': {
      const cur = new DataBlockCursor();
      cur.reset(lastBlock!.payload, lastBlock!.encoding);
      return c.input
        .map((l) => {
          const k = parseKey(l);
          return `${l} -> ${cur.seek(k, 0, k.length) ? formatKey(cur.keyBuf, cur.keyOff, cur.keyLen) : 'past the end'}`;
        })
        .join('\n');
    }
    case 'corrupt': {
      // Set byte `at` (negative: from the end) of the last block to `value`, then validate.
      const p = Buffer.from(lastBlock!.payload);
      const at = Number(c.args.get('at'));
      p[at < 0 ? p.length + at : at] = parseInt(c.args.get('value')!, 16);
      try {
        validateDataBlock(p, lastBlock!.encoding, { file: 'testdata', offset: 0 });
        return 'ok';
      } catch (err) {
        return errorText(err);
      }
    }
    default:
      throw new Error(`unknown command ${c.command}`);
  }
}

test('testdata/data-block.txt', () => runDataDriven(dir('data-block.txt'), dataBlockCase));

// ---- index blocks and the multi-level index ----------------------------------------------------

let lastIndex: Buffer | undefined;

async function indexCase(c: DataDrivenCase): Promise<string> {
  switch (c.command) {
    case 'build': {
      const b = new IndexBlockBuilder();
      for (const l of c.input) {
        const [off, size, spec] = l.split(' ');
        const k = parseKey(spec!);
        b.add(k, 0, k.length, Number(off), Number(size));
      }
      lastIndex = b.finish();
      return hexdump(lastIndex);
    }
    case 'validate': {
      const bounds = { start: Number(c.args.get('start') ?? 0), end: Number(c.args.get('end') ?? 1e9) };
      const p = Buffer.from(lastIndex!);
      if (c.args.has('at')) {
        const at = Number(c.args.get('at'));
        p[at < 0 ? p.length + at : at] = parseInt(c.args.get('value')!, 16);
      }
      try {
        validateIndexBlock(p, bounds, { file: 'testdata', offset: 0 });
        return 'ok';
      } catch (err) {
        return errorText(err);
      }
    }
    case 'search':
      return c.input
        .map((l) => {
          const k = parseKey(l);
          const i = indexSearch(lastIndex!, k, 0, k.length);
          return `${l} -> ${i < 0 ? 'before the first entry' : `entry ${i} (child ${indexChildOffset(lastIndex!, i)})`}`;
        })
        .join('\n');
    case 'layout':
      return layoutCase(c);
    default:
      throw new Error(`unknown command ${c.command}`);
  }
}

/** Writes a file and lists its blocks in file order and its trailer. */
async function layoutCase(c: DataDrivenCase): Promise<string> {
  const cells: Cell[] = [];
  const rows = Number(c.args.get('rows') ?? 0);
  for (let i = 0; i < rows; i++) cells.push({ row: Buffer.from(`row${String(i).padStart(4, '0')}`), family: Buffer.from('f'), qualifier: Buffer.from('q'), timestamp: 1n, type: CellType.Put, value: Buffer.from(`v${i}`) });
  for (const l of c.input) cells.push(parseCell(l));
  const opts: HFileWriterOptions = {
    blockSize: Number(c.args.get('block-size') ?? 65536),
    indexBlockSize: Number(c.args.get('index-block-size') ?? 131072),
    encoding: (c.args.get('encoding') ?? 'NONE') as EncodingName,
    compression: (c.args.get('compression') ?? 'NONE') as CompressionName,
    bloomType: (c.args.get('bloom') ?? 'NONE') as BloomTypeName,
    bloomChunkSize: Number(c.args.get('bloom-chunk-size') ?? 131072),
    maxSeqId: 42n,
  };
  const bytes = writeHFile(cells, opts);
  const out: string[] = [];
  let p = 0;
  while (p < bytes.length - TRAILER_SIZE) {
    const magic = bytes.toString('latin1', p, p + 8);
    const size = BLOCK_HEADER_SIZE + bytes.readUInt32BE(p + 8);
    out.push(`${String(p).padStart(6)} ${magic} size=${size} raw=${bytes.readUInt32BE(p + 12)} codec=${bytes[p + 16]}`);
    p += size;
  }
  out.push(`${String(p).padStart(6)} trailer size=${TRAILER_SIZE}`);
  const r = await HFileReader.open(new BufferSource(bytes));
  const t = r.trailer;
  out.push(`levels=${t.indexLevels} blocks=${t.dataBlockCount} entries=${t.entryCount} dataSectionEnd=${t.dataSectionEnd} bloomChunks=${t.bloomChunksOffset} loadOnOpen=${t.loadOnOpenOffset} fileInfo=${t.fileInfoOffset} bloomMeta=${t.bloomMetaOffset}`);
  const mid = await r.midKey();
  out.push(`root entries=${indexCount(r.root)} first=${indexCount(r.root) > 0 ? formatKey(indexKey(r.root, 0)) : '-'} mid=${mid === undefined ? '-' : formatKey(mid)}`);
  if (c.args.has('tree')) {
    const walk = async (block: Buffer, depth: number) => {
      for (let i = 0; i < indexCount(block); i++) {
        const off = indexChildOffset(block, i);
        out.push(`${'  '.repeat(depth + 1)}${depth + 1 === t.indexLevels ? 'data' : 'index'} @${off} first=${formatKey(indexKey(block, i))}`);
        if (depth + 1 < t.indexLevels) await walk(await r.loadBlock(off, indexChildSize(block, i), depth + 1), depth + 1);
      }
    };
    out.push('root');
    await walk(r.root, 0);
  }
  return out.join('\n');
}

test('testdata/index-block.txt', () => runDataDriven(dir('index-block.txt'), indexCase));

// ---- bloom filters -----------------------------------------------------------------------------

let lastBloom: BloomFilter | undefined;

function bloomCase(c: DataDrivenCase): string {
  switch (c.command) {
    case 'hash':
      return c.input
        .map((l) => {
          const b = unescape(l);
          const h1 = murmur3(b, 0, b.length, 0);
          return `${l} -> h1=${h1.toString(16).padStart(8, '0')} h2=${murmur3(b, 0, b.length, h1).toString(16).padStart(8, '0')}`;
        })
        .join('\n');
    case 'build': {
      const w = new BloomWriter(bloomTypeByName((c.args.get('type') ?? 'ROW') as BloomTypeName), Number(c.args.get('error-rate') ?? 0.01), Number(c.args.get('chunk-size') ?? 128));
      for (const l of c.input) {
        const cell = parseCell(l);
        const k = buildKey(cell.row, cell.family, cell.qualifier, cell.timestamp, cell.type);
        w.add(k, 0, k.length);
      }
      w.finish();
      // Lay the chunks out as if they started at offset 1000, back to back.
      let off = 1000;
      const locs = w.chunks.map((ch) => {
        const l = { offset: off, size: BLOCK_HEADER_SIZE + ch.bits.length };
        off += l.size;
        return l;
      });
      const meta = encodeBloomMeta(w, locs);
      lastBloom = BloomFilter.parse(meta, { start: 1000, end: off }, { file: 'testdata', offset: 0 });
      w.chunks.forEach((ch, i) => (lastBloom!.chunks[i] = ch.bits));
      const out = [`keys=${w.totalKeys} hashes=${w.hashCount} chunks=${w.chunks.length}`];
      w.chunks.forEach((ch, i) => out.push(`chunk ${i}: keys=${ch.keys} bytes=${ch.bits.length} first=${formatKey(ch.firstKey)} bits=${ch.bits.toString('hex')}`));
      out.push('meta:', hexdump(meta));
      return out.join('\n');
    }
    case 'probe': {
      const bf = lastBloom!;
      return c.input
        .map((l) => {
          let chunk: number;
          let ok: boolean;
          if (l.includes(':')) {
            const k = parseKey(l.includes('/') && l.split('/').length > 2 ? l : `${l}/9223372036854775807/Maximum`);
            chunk = bf.chunkForColumn(k, 0, k.length);
            ok = chunk >= 0 && bf.test(chunk, k, 0, k.length - 9);
          } else {
            const row = unescape(l);
            chunk = bf.chunkForRow(row, 0, row.length);
            ok = chunk >= 0 && bf.test(chunk, row, 0, row.length);
          }
          return `${l} -> ${chunk < 0 ? 'absent (before the first chunk)' : `chunk ${chunk} ${ok ? 'maybe' : 'absent'}`}`;
        })
        .join('\n');
    }
    default:
      throw new Error(`unknown command ${c.command}`);
  }
}

test('testdata/bloom.txt', () => runDataDriven(dir('bloom.txt'), bloomCase));
