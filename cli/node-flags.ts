// Node/V8 flags for tsbase's server processes (standalone, master, regionserver), the
// equivalent of the JVM options HBase sets in hbase-env.sh.
//
// --max-semi-space-size=64 (MiB; Node 20's default is 16): a region server allocates a stream
// of short-lived objects per request (decoded mutations, cells, promises) next to long-lived
// MemStore cells. With the small default young generation, scavenges run so often that
// MemStore cells are copied before they die or get promoted, and garbage collection took ~24%
// of a region server's CPU under YCSB's load phase. Measured in one session, same code, the
// flag given to the server process only: server CPU per loaded row -18% (114/104 → 88/89 µs),
// per read -5% (docs/benchmarks.md). 32 and 128 measured no better than 64. With --trace-gc,
// loading 100,000 YCSB rows: 16 MiB — 114 scavenges, 1,453 ms in total, the longest 45 ms;
// 32 MiB — 77, 991 ms, 47 ms; 64 MiB — 47, 710 ms, 40 ms: fewer, not longer, pauses. (Those
// 40–47 ms scavenges during a write load are the MemStore's one object per cell; see the
// notes in docs/benchmarks.md.)
//
// Where they apply: `npm start` and `npm run local-cluster`, the `tsbase` executable (its
// shebang line), and the processes `tsbase local-cluster` and the benchmarks start
// (spawnTsbase). A process started as `node dist/cli/tsbase.js ...` gets them from the command
// line (`node --max-semi-space-size=64 dist/cli/tsbase.js ...`) or from NODE_OPTIONS.

export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** `execArgv` plus the server flags it does not set already (by name). */
export function withServerNodeFlags(execArgv: readonly string[]): string[] {
  const out = [...execArgv];
  for (const f of SERVER_NODE_FLAGS) {
    const name = f.split('=')[0]!;
    if (!out.some((a) => a === name || a.startsWith(`${name}=`))) out.push(f);
  }
  return out;
}
