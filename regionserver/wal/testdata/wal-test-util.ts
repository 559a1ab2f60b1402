// Helpers shared by the WAL tests (not used by production code).
import type { Cell } from '../../../common/cells/keyvalue.js';
import { putCell } from '../../../common/cells/keyvalue.js';
import type { WalEdit } from '../wal-encoder.js';
import type { WalEntry } from '../wal-reader.js';

/** One cell whose row names the edit, so a reader can check it came back whole. */
export function editCells(region: string, seq: bigint, valueBytes = 16): Cell[] {
  const value = Buffer.alloc(valueBytes, Number(seq % 251n));
  return [putCell(`${region}/${seq}`, 'f', 'q', 1_700_000_000_000n + seq, value)];
}

export function edit(region: string, seq: bigint, valueBytes = 16): WalEdit {
  return { region, seqId: seq, writeTimeMs: 1_700_000_000_000 + Number(seq), cells: editCells(region, seq, valueBytes) };
}

/** `region:seq` of an entry, after checking its cell names it. */
export function entryId(e: WalEntry): string {
  const row = e.cells[0]?.row.toString();
  if (row !== `${e.region}/${e.seqId}`) throw new Error(`entry ${e.region}:${e.seqId} holds row ${row}`);
  return `${e.region}:${e.seqId}`;
}
