// Region listing: list_regions (where each region of a table is, with the encoded names that
// move/split/flush take) and get_splits (the table's split keys).

import type { RegionLocationJson } from '../../common/admin/admin-api.js';
import { toStringBinary } from './bytes-format.js';
import type { ShellCommand } from './command.js';
import { rubyList, tableArg } from './command.js';

/** HBase's region name: `table,startKey,regionId.encoded.` */
export function regionName(r: RegionLocationJson): string {
  const table = r.region.namespace === 'default' ? r.region.table : `${r.region.namespace}:${r.region.table}`;
  return `${table},${toStringBinary(Buffer.from(r.region.startKey, 'base64'))},${r.region.regionId}.${r.region.encodedName}.`;
}

function byStartKey(a: RegionLocationJson, b: RegionLocationJson): number {
  return Buffer.compare(Buffer.from(a.region.startKey, 'base64'), Buffer.from(b.region.startKey, 'base64'));
}

const listRegions: ShellCommand = {
  name: 'list_regions',
  group: 'tools',
  minArgs: 1,
  maxArgs: 1,
  help: `List the regions of a table: the server hosting each, its encoded name (what
move, split, flush and compact take), its key range and its state.

  hbase> list_regions 't1'
  hbase> list_regions 'ns1:t1'`,
  async run(ctx, args) {
    const regions = [...(await ctx.admin().getRegions(tableArg(args[0])))].sort(byStartKey);
    const header = ['SERVER_NAME', 'REGION_NAME', 'ENCODED_NAME', 'START_KEY', 'END_KEY', 'STATE'];
    const rows = regions.map((r) => [
      r.serverName ?? '',
      regionName(r),
      r.region.encodedName,
      toStringBinary(Buffer.from(r.region.startKey, 'base64')),
      toStringBinary(Buffer.from(r.region.endKey, 'base64')),
      r.state,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: readonly string[]) => ' ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |';
    ctx.fmt.line(line(header));
    ctx.fmt.line(' ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |');
    for (const r of rows) ctx.fmt.line(line(r));
    ctx.fmt.line(` ${rows.length} rows`);
  },
};

const getSplits: ShellCommand = {
  name: 'get_splits',
  group: 'tools',
  minArgs: 1,
  maxArgs: 1,
  help: `Get the splits of the named table:
  hbase> get_splits 't1'
  hbase> get_splits 'ns1:t1'`,
  async run(ctx, args) {
    const regions = [...(await ctx.admin().getRegions(tableArg(args[0])))].sort(byStartKey);
    const splits = regions.map((r) => toStringBinary(Buffer.from(r.region.startKey, 'base64'))).filter((k) => k !== '');
    ctx.fmt.line(`Total number of splits = ${splits.length + 1}`);
    return { echo: rubyList(splits) };
  },
};

export const REGION_COMMANDS: readonly ShellCommand[] = [listRegions, getSplits];
