// RegionInfo: which table a region belongs to and which rows it holds, named as HBase names
// regions. The full name is `<table>,<startKey>,<regionId>` (the table as `ns:table` outside
// the default namespace); the encoded name — the 32 hex digits of its MD5 — names the region
// in object keys (common/paths.ts) and in the WAL.

import { InvalidError, NotServingRegionError } from '../../common/errors.js';
import { encodeRegionName, validateNamespaceName, validateTableName } from '../../common/paths.js';
import { compareRanges } from '../../common/cells/encoded-key.js';

export interface RegionInfo {
  readonly namespace: string;
  readonly table: string;
  /** First row of the region (inclusive); empty = from the first row of the table. */
  readonly startKey: Buffer;
  /** First row after the region (exclusive); empty = to the end of the table. */
  readonly endKey: Buffer;
  /** Creation time in ms, as HBase's regionId. */
  readonly regionId: number;
  /** MD5 hex of the full name. */
  readonly encodedName: string;
}

/** The full region name as bytes: `<table>,<startKey>,<regionId>`. */
export function regionFullName(namespace: string, table: string, startKey: Buffer, regionId: number): Buffer {
  const t = namespace === 'default' ? table : `${namespace}:${table}`;
  return Buffer.concat([Buffer.from(`${t},`, 'utf8'), startKey, Buffer.from(`,${regionId}`, 'utf8')]);
}

/**
 * A RegionInfo. Throws InvalidError (TSB_INVALID_ARGUMENT) for a bad namespace or table name,
 * a negative regionId, or startKey >= endKey (both non-empty).
 */
export function regionInfo(namespace: string, table: string, startKey: Buffer, endKey: Buffer, regionId: number): RegionInfo {
  validateNamespaceName(namespace);
  validateTableName(table);
  if (!Number.isSafeInteger(regionId) || regionId < 0) throw new InvalidError('regionId must be a non-negative integer', { details: { regionId } });
  if (startKey.length > 0 && endKey.length > 0 && Buffer.compare(startKey, endKey) >= 0) {
    throw new InvalidError('region startKey must sort before endKey', { details: { startKey: startKey.toString('hex'), endKey: endKey.toString('hex') } });
  }
  return Object.freeze({
    namespace,
    table,
    startKey: Buffer.from(startKey),
    endKey: Buffer.from(endKey),
    regionId,
    encodedName: encodeRegionName(regionFullName(namespace, table, startKey, regionId)),
  });
}

/** True if `row` belongs to the region. */
export function containsRow(info: RegionInfo, row: Buffer): boolean {
  // compareRanges: short rows compare in JS (Buffer.compare's native call costs more than
  // comparing a few dozen bytes); this runs for every data call, on the client and the server.
  const s = info.startKey;
  const e = info.endKey;
  return (s.length === 0 || compareRanges(row, 0, row.length, s, 0, s.length) >= 0) && (e.length === 0 || compareRanges(row, 0, row.length, e, 0, e.length) < 0);
}

/** Throws NotServingRegionError (TSB_NOT_SERVING_REGION) unless `row` belongs to the region. */
export function checkRow(info: RegionInfo, row: Buffer): void {
  if (!containsRow(info, row)) {
    throw new NotServingRegionError('row is outside this region; look the region up again', {
      details: { region: info.encodedName, row: row.subarray(0, 64).toString('hex') },
    });
  }
}
