// Column arguments as HBase's shell reads them (KeyValue.parseColumn): `'f'` is a family,
// `'f:q'` one column; for reads, `'f:q:toInt'` adds a FORMATTER for that column.
// Deliberate differences: for reads `'f:'` means the whole family (what the HBase help says; HBase
// itself asks for the empty qualifier); for writes the qualifier is everything after the first
// ':' (HBase would drop a third part as a formatter).

import type { ColumnSpec } from '../../common/ops/operations.js';
import { CONVERTERS } from './bytes-format.js';
import type { Value } from './parser.js';
import { argError, bytesOf } from './values.js';

export interface ReadColumn {
  readonly spec: ColumnSpec;
  /** A Bytes method name to print this column's values with. */
  readonly converter?: string;
}

const COLON = 0x3a;

/** A column for get/scan/count. Throws InvalidError for an empty family or unknown converter. */
export function readColumn(v: Value): ReadColumn {
  const b = bytesOf(v, 'column');
  const i = b.indexOf(COLON);
  const family = i < 0 ? b : b.subarray(0, i);
  if (family.length === 0) throw argError('column family must not be empty', v);
  if (i < 0 || i === b.length - 1) return { spec: { family } };
  const rest = b.subarray(i + 1);
  const j = rest.indexOf(COLON);
  if (j < 0) return { spec: { family, qualifier: rest } };
  const converter = rest.subarray(j + 1).toString('utf8');
  if (!(CONVERTERS as readonly string[]).includes(converter)) {
    throw argError(`unknown FORMATTER ${converter} (tsbase knows ${CONVERTERS.join(', ')}; custom classes are not supported)`, v);
  }
  return { spec: { family, qualifier: rest.subarray(0, j) }, converter };
}

/** A column for put/delete/incr/append: family and (possibly empty) qualifier. */
export function writeColumn(v: Value, requireQualifier = false, command = ''): { family: Buffer; qualifier: Buffer; hasQualifier: boolean } {
  const b = bytesOf(v, 'column');
  const i = b.indexOf(COLON);
  const family = i < 0 ? b : b.subarray(0, i);
  if (family.length === 0) throw argError('column family must not be empty', v);
  if (requireQualifier && i < 0) throw argError(`Failed to provide both column family and column qualifier for ${command}`, v);
  return { family, qualifier: i < 0 ? Buffer.alloc(0) : b.subarray(i + 1), hasQualifier: i >= 0 };
}

/** `family:qualifier` key of a cell, for looking up per-column converters. */
export function columnKey(family: Buffer, qualifier: Buffer): string {
  return family.toString('latin1') + ':' + qualifier.toString('latin1');
}
