// Whether a stopping region server should wait for the master to move its regions away
// (HBase's graceful stop): only if there is an active master to do it and another live server
// that is not stopping to take them. When a whole cluster stops (every server marked stopping,
// or the masters gone first), waiting would only cost regionserver.stopWait per server.

import type { Coordination } from '../../common/coordination/coordination.js';
import type { ServerRecord } from '../../common/coordination/cluster-keys.js';
import { clusterKeys } from '../../common/coordination/cluster-keys.js';

/** True if an active master and another non-stopping server exist. Coordination errors count as "yes" (keep waiting: the wait is bounded anyway). */
export async function canDrainElsewhere(coordination: Coordination, cluster: string, self: string): Promise<boolean> {
  const keys = clusterKeys(cluster);
  try {
    if ((await coordination.leader(keys.masterElection)) === undefined) return false;
    const { entries } = await coordination.list(keys.serversPrefix);
    return entries.some((e) => {
      try {
        const r = JSON.parse(e.value.toString('utf8')) as ServerRecord;
        return r.serverName !== self && r.stopping !== true;
      } catch {
        return false;
      }
    });
  } catch {
    return true;
  }
}
