// How the HBase shell prints bytes and timestamps.

/** Bytes.toStringBinary: printable ASCII as is (except backslash), everything else as \xNN (upper case). */
export function toStringBinary(b: Buffer): string {
  let out = '';
  for (let i = 0; i < b.length; i++) {
    const ch = b[i]!;
    if (ch >= 0x20 && ch <= 0x7e && ch !== 0x5c) out += String.fromCharCode(ch);
    else out += '\\x' + ch.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Bytes.toLong of an 8-byte big-endian value, or undefined if `b` is not 8 bytes. */
export function toLong(b: Buffer): bigint | undefined {
  return b.length === 8 ? b.readBigInt64BE(0) : undefined;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * Java's LocalDateTime.toString() of `ms` in the process's time zone, as HBase 2.x's shell prints
 * cell timestamps: `2024-05-01T10:20`, `2024-05-01T10:20:30`, `2024-05-01T10:20:30.123`.
 */
export function javaLocalDateTime(ms: bigint): string {
  if (ms > 8_640_000_000_000_000n || ms < -8_640_000_000_000_000n) return ms.toString();
  const d = new Date(Number(ms));
  const y = d.getFullYear();
  const year = y > 9999 ? '+' + y : y < 0 ? '-' + pad(-y, 4) : pad(y, 4);
  let s = `${year}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sec = d.getSeconds();
  const milli = d.getMilliseconds();
  if (sec !== 0 || milli !== 0) s += ':' + pad(sec);
  if (milli !== 0) s += '.' + pad(milli, 3);
  return s;
}

/** How cell timestamps print: HBase 2.x's local date-time (default) or epoch milliseconds. */
export type TimestampFormat = 'iso' | 'epoch';

export function formatTimestamp(ms: bigint, format: TimestampFormat): string {
  return format === 'epoch' ? ms.toString() : javaLocalDateTime(ms);
}

/**
 * HBase's per-column FORMATTER (`'f:q:toInt'`): converts a value with an org.apache.hadoop.hbase.util.Bytes
 * method. Returns undefined for a converter tsbase does not know.
 */
export function convertValue(b: Buffer, converter: string): string | undefined {
  switch (converter) {
    case 'toStringBinary':
      return toStringBinary(b);
    case 'toString':
      return b.toString('utf8');
    case 'toInt':
      return b.length === 4 ? String(b.readInt32BE(0)) : toStringBinary(b);
    case 'toLong':
      return b.length === 8 ? b.readBigInt64BE(0).toString() : toStringBinary(b);
    case 'toShort':
      return b.length === 2 ? String(b.readInt16BE(0)) : toStringBinary(b);
    case 'toFloat':
      return b.length === 4 ? String(b.readFloatBE(0)) : toStringBinary(b);
    case 'toDouble':
      return b.length === 8 ? String(b.readDoubleBE(0)) : toStringBinary(b);
    case 'toBoolean':
      return b.length === 1 ? String(b[0] !== 0) : toStringBinary(b);
    default:
      return undefined;
  }
}

export const CONVERTERS = ['toStringBinary', 'toString', 'toInt', 'toLong', 'toShort', 'toFloat', 'toDouble', 'toBoolean'] as const;
