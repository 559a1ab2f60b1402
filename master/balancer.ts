// Region-count balancer (HBase's SimpleLoadBalancer): every server should carry between
// floor(avg) and ceil(avg) regions. Moves go from the most to the least loaded servers, one
// at a time with a pause between moves (throttle), and not while regions are in transition.
// hbase:meta is not moved by the balancer.

export interface BalanceMove {
  readonly region: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The moves that even out region counts. `regions`: every assignable server's regions
 * (encoded names; a server with none must be present with []). Pure and deterministic.
 */
export function planBalance(regions: ReadonlyMap<string, readonly string[]>, maxMoves = Number.MAX_SAFE_INTEGER): BalanceMove[] {
  const servers = [...regions.keys()].sort();
  if (servers.length < 2) return [];
  const total = servers.reduce((s, k) => s + regions.get(k)!.length, 0);
  const floor = Math.floor(total / servers.length);
  const ceil = Math.ceil(total / servers.length);
  const load = new Map(servers.map((s) => [s, [...regions.get(s)!].sort()]));
  const moves: BalanceMove[] = [];
  for (;;) {
    if (moves.length >= maxMoves) break;
    let most = servers[0]!;
    let least = servers[0]!;
    for (const s of servers) {
      if (load.get(s)!.length > load.get(most)!.length) most = s;
      if (load.get(s)!.length < load.get(least)!.length) least = s;
    }
    const hi = load.get(most)!;
    const lo = load.get(least)!;
    // Balanced when nobody is above ceil or below floor, or moving one would not help.
    if ((hi.length <= ceil && lo.length >= floor) || hi.length - lo.length <= 1) break;
    const region = hi.pop()!;
    lo.push(region);
    moves.push({ region, from: most, to: least });
  }
  return moves;
}
