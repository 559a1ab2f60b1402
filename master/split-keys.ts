// Where a new table's regions start: HBase's SPLITS (explicit split rows) or NUMREGIONS
// (uniform split of a key range, like HBase's UniformSplit over raw bytes).

import type { CreateTableRequest } from '../common/admin/admin-api.js';
import { InvalidError } from '../common/errors.js';

/** Minimum width of generated split keys (bytes). */
const UNIFORM_WIDTH = 4;

/**
 * The split rows of a create request, sorted ascending. Throws InvalidError
 * (TSB_INVALID_ARGUMENT) for an empty or duplicate split key, both splitKeys and numRegions,
 * startKey/endKey without numRegions, startKey >= endKey, or a range too small to split.
 */
export function splitKeysOf(req: Pick<CreateTableRequest, 'splitKeys' | 'numRegions' | 'startKey' | 'endKey'>): Buffer[] {
  if (req.splitKeys !== undefined && req.numRegions !== undefined) {
    throw new InvalidError('give either splitKeys or numRegions, not both', { details: { numRegions: req.numRegions } });
  }
  if (req.numRegions === undefined && (req.startKey !== undefined || req.endKey !== undefined)) {
    throw new InvalidError('startKey and endKey only apply with numRegions');
  }
  if (req.splitKeys !== undefined) {
    const keys = req.splitKeys.map((k) => Buffer.from(k, 'base64')).sort(Buffer.compare);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i]!.length === 0) throw new InvalidError('a split key must not be empty');
      if (i > 0 && keys[i]!.equals(keys[i - 1]!)) throw new InvalidError('split keys must be unique', { details: { key: keys[i]!.toString('hex') } });
    }
    return keys;
  }
  if (req.numRegions === undefined || req.numRegions <= 1) return [];
  const start = Buffer.from(req.startKey ?? '', 'base64');
  const end = Buffer.from(req.endKey ?? '', 'base64');
  if (end.length > 0 && Buffer.compare(start, end) >= 0) {
    throw new InvalidError('startKey must sort before endKey', { details: { startKey: start.toString('hex'), endKey: end.toString('hex') } });
  }
  return uniformSplits(start, end, req.numRegions);
}

/** `n - 1` evenly spaced rows strictly between `start` and `end` (empty end = past every row). */
export function uniformSplits(start: Buffer, end: Buffer, n: number): Buffer[] {
  const width = Math.max(start.length, end.length, UNIFORM_WIDTH);
  const a = toBig(start, width);
  const b = end.length === 0 ? 1n << BigInt(8 * width) : toBig(end, width);
  if (b - a < BigInt(n)) {
    throw new InvalidError('key range too small for this many regions', { details: { numRegions: n, startKey: start.toString('hex'), endKey: end.toString('hex') } });
  }
  const out: Buffer[] = [];
  for (let i = 1; i < n; i++) out.push(fromBig(a + ((b - a) * BigInt(i)) / BigInt(n), width));
  return out;
}

function toBig(b: Buffer, width: number): bigint {
  const padded = Buffer.alloc(width);
  b.copy(padded);
  return padded.length === 0 ? 0n : BigInt('0x' + padded.toString('hex'));
}

function fromBig(v: bigint, width: number): Buffer {
  return Buffer.from(v.toString(16).padStart(width * 2, '0'), 'hex');
}
