// Tools and cluster status: flush, compact, major_compact, split, merge_region, move, balancer,
// balance_switch, balancer_enabled, status.

import type { ClusterStatusJson } from '../../common/admin/admin-api.js';
import type { ShellCommand, ShellContext } from './command.js';
import { argError, boolOf, bytesOf, textOf } from './values.js';
import type { Value } from './parser.js';

function targetArg(v: Value | undefined): string {
  if (v === undefined) throw argError('a table or region name is required');
  const t = textOf(v, 'table or region name');
  if (t === '') throw argError('table or region name must not be empty', v);
  return t;
}

function refuseFamily(v: Value | undefined, command: string): void {
  if (v !== undefined) throw argError(`${command} of one column family is not supported by tsbase; ${command} the whole table or region`, v);
}

const flush: ShellCommand = {
  name: 'flush',
  group: 'tools',
  minArgs: 1,
  maxArgs: 2,
  help: `Flush all regions in passed table or pass a region row to
flush an individual region. For example:

  hbase> flush 'TABLENAME'
  hbase> flush 'REGIONNAME'
  hbase> flush 'ENCODED_REGIONNAME'`,
  async run(ctx, args) {
    refuseFamily(args[1], 'flush');
    await ctx.admin().flush(targetArg(args[0]));
  },
};

function compactCommand(name: 'compact' | 'major_compact', major: boolean): ShellCommand {
  return {
    name,
    group: 'tools',
    minArgs: 1,
    maxArgs: 2,
    help: `${major ? 'Run major compaction on' : 'Compact all regions in'} passed table or pass a region row
to ${major ? 'major compact' : 'compact'} an individual region.
Examples:
  hbase> ${name} 't1'
  hbase> ${name} 'ns1:t1'
  hbase> ${name} 'r1'          (a region name or encoded region name)`,
    async run(ctx, args) {
      refuseFamily(args[1], name);
      await ctx.admin().compact(targetArg(args[0]), major);
    },
  };
}

const split: ShellCommand = {
  name: 'split',
  group: 'tools',
  minArgs: 1,
  maxArgs: 2,
  help: `Split entire table or pass a region to split individual region.  With the
second parameter, you can specify an explicit split key for the region.
Examples:
    split 'TABLENAME'
    split 'REGIONNAME'
    split 'ENCODED_REGIONNAME'
    split 'TABLENAME', 'splitKey'
    split 'REGIONNAME', 'splitKey'
    split 'ENCODED_REGIONNAME', 'splitKey'`,
  async run(ctx, args) {
    const target = targetArg(args[0]);
    await ctx.admin().split(target, args[1] === undefined ? undefined : bytesOf(args[1], 'split key'));
  },
};

const mergeRegion: ShellCommand = {
  name: 'merge_region',
  group: 'tools',
  minArgs: 1,
  maxArgs: 101,
  help: `Merge two or more adjacent regions of one table into one. Passing 'true' as
the last parameter asks for a forced merge of regions that are not adjacent, which
tsbase does not support (it refuses).

You can pass the encoded region name or the full region name.  The encoded
region name is the hash suffix on region names: e.g. if the region name were
TestTable,0094429456,1289497600452.527db22f95c8a9e0116f0cc13c680396. then
the encoded region name portion is 527db22f95c8a9e0116f0cc13c680396

You can either pass the list of regions as comma separated values or as an
array of regions as shown:

Examples:

  hbase> merge_region 'FULL_REGIONNAME', 'FULL_REGIONNAME'
  hbase> merge_region 'FULL_REGIONNAME', 'FULL_REGIONNAME', 'FULL_REGIONNAME', ...
  hbase> merge_region ['FULL_REGIONNAME', 'FULL_REGIONNAME', 'FULL_REGIONNAME', ...]
  hbase> merge_region 'ENCODED_REGIONNAME', 'ENCODED_REGIONNAME'`,
  async run(ctx, args) {
    let rest = [...args];
    const last = rest[rest.length - 1];
    if (last !== undefined && last.kind === 'bool') {
      if (last.value) throw argError('a forced merge of regions that are not adjacent is not supported by tsbase; merge adjacent regions', last);
      rest = rest.slice(0, -1);
    }
    const names = rest.length === 1 && rest[0]!.kind === 'array' ? rest[0]!.items : rest;
    if (names.length < 2) throw argError('merge_region needs at least two regions', args[0]);
    const merged = await ctx.admin().mergeRegions(names.map((v) => targetArg(v)));
    ctx.fmt.line(`merged into ${merged.encodedName}`);
  },
};

const move: ShellCommand = {
  name: 'move',
  group: 'tools',
  minArgs: 1,
  maxArgs: 2,
  help: `Move a region.  Optionally specify target regionserver else we choose one
at random.  NOTE: You pass the encoded region name, not the region name so
this command is a little different to the others.  The encoded region name
is the hash suffix on region names: e.g. if the region name were
TestTable,0094429456,1289497600452.527db22f95c8a9e0116f0cc13c680396. then
the encoded region name portion is 527db22f95c8a9e0116f0cc13c680396
A server name is its host, port plus startcode. For example:
host187.example.com,60020,1289493121758
Examples:

  hbase> move 'ENCODED_REGIONNAME'
  hbase> move 'ENCODED_REGIONNAME', 'SERVER_NAME'`,
  async run(ctx, args) {
    const region = targetArg(args[0]);
    const server = args[1] === undefined ? undefined : textOf(args[1], 'server name');
    await ctx.admin().move(region, server);
  },
};

const balancer: ShellCommand = {
  name: 'balancer',
  group: 'tools',
  minArgs: 0,
  maxArgs: 1,
  help: `Trigger the cluster balancer. Returns true if balancer ran.

  hbase> balancer`,
  async run(ctx, args) {
    if (args[0] !== undefined && textOf(args[0], 'argument') !== 'force') throw argError("balancer takes no argument or 'force'", args[0]);
    await ctx.admin().balance();
    ctx.fmt.line('true');
    return { echo: 'true' };
  },
};

const balanceSwitch: ShellCommand = {
  name: 'balance_switch',
  group: 'tools',
  minArgs: 1,
  maxArgs: 1,
  help: `Enable/Disable balancer. Returns previous balancer state.
Examples:

  hbase> balance_switch true
  hbase> balance_switch false`,
  async run(ctx, args) {
    const prev = await ctx.admin().setBalancerEnabled(boolOf(args[0]!, 'balancer state'));
    ctx.fmt.line(`Previous balancer state : ${prev}`);
    return { echo: `"${prev}"` };
  },
};

const balancerEnabled: ShellCommand = {
  name: 'balancer_enabled',
  group: 'tools',
  minArgs: 0,
  maxArgs: 0,
  help: `Query the balancer's state.
Examples:

  hbase> balancer_enabled`,
  async run(ctx) {
    const s = await ctx.admin().clusterStatus();
    ctx.fmt.line(String(s.balancerEnabled));
    return { echo: String(s.balancerEnabled) };
  },
};

function averageLoad(s: ClusterStatusJson): number {
  return s.servers.length === 0 ? 0 : s.regions / s.servers.length;
}

function printSimple(ctx: ShellContext, s: ClusterStatusJson, detailed: boolean): void {
  const f = ctx.fmt;
  f.line(`active master:  ${s.activeMaster}`);
  f.line(`${s.backupMasters.length} backup masters`);
  for (const m of s.backupMasters) f.line(`    ${m}`);
  f.line(`${s.servers.length} live servers`);
  for (const srv of s.servers) {
    const l = srv.load;
    f.line(`    ${srv.serverName}${srv.stopping === true ? ' (stopping)' : ''}`);
    f.line(
      `        requestsPerSecond=${l.requestsPerSecond.toFixed(1)}, numberOfOnlineRegions=${l.regions}, ` +
        `numberOfStorefiles=${l.storeFiles}, storefileSizeMB=${Math.floor(l.storeFileBytes / 1048576)}, ` +
        `memstoreSizeMB=${Math.floor(l.memStoreBytes / 1048576)}, readRequestsCount=${l.readRequests}, ` +
        `writeRequestsCount=${l.writeRequests}, rpcAddress=${srv.rpcAddress}, httpAddress=${srv.httpAddress}`,
    );
  }
  f.line(`${s.deadServers.length} dead servers`);
  for (const d of s.deadServers) f.line(`    ${d}`);
  const requests = s.servers.reduce((a, x) => a + x.load.requestsPerSecond, 0);
  f.line(`Aggregate load: ${Math.round(requests)}, regions: ${s.regions}`);
  if (!detailed) return;
  f.line(`cluster id: ${s.clusterId}`);
  f.line(`hbase:meta: ${s.metaLocation === undefined ? 'not assigned' : `${s.metaLocation.serverName} (${s.metaLocation.rpcAddress})`}`);
  f.line(`balancer: ${s.balancerEnabled ? 'enabled' : 'disabled'}`);
  f.line(`${s.regionsInTransition.length} regionsInTransition`);
  for (const r of s.regionsInTransition) f.line(`    ${r.region.encodedName} ${r.region.namespace}:${r.region.table} state=${r.state}${r.serverName === undefined ? '' : ` server=${r.serverName}`}`);
}

const status: ShellCommand = {
  name: 'status',
  group: 'general',
  minArgs: 0,
  maxArgs: 1,
  help: `Show cluster status. Can be 'summary', 'simple', or 'detailed'. The
default is 'summary'. Examples:

  hbase> status
  hbase> status 'simple'
  hbase> status 'summary'
  hbase> status 'detailed'`,
  async run(ctx, args) {
    const format = args[0] === undefined ? 'summary' : textOf(args[0], 'format');
    if (!['summary', 'simple', 'detailed'].includes(format)) throw argError(`unknown status format ${format} (summary, simple or detailed)`, args[0]);
    const s = await ctx.admin().clusterStatus();
    if (format === 'summary') {
      ctx.fmt.line(
        `1 active master, ${s.backupMasters.length} backup masters, ${s.servers.length} servers, ${s.deadServers.length} dead, ${averageLoad(s).toFixed(4)} average load`,
      );
    } else {
      printSimple(ctx, s, format === 'detailed');
    }
  },
};

export const TOOLS_COMMANDS: readonly ShellCommand[] = [
  flush,
  compactCommand('compact', false),
  compactCommand('major_compact', true),
  split,
  mergeRegion,
  move,
  balancer,
  balanceSwitch,
  balancerEnabled,
  status,
];
