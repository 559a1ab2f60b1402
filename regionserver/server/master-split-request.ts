// The default way a region server asks for a split (size-split.ts): find the active master in
// coordination (the leader of clusterKeys(cluster).masterElection, whose value is a
// MasterRecord naming its admin HTTP address) and POST /api/v1/regions/<region>/split {}.
// The master answers once the parent is split and the daughters are open.
//
// Errors: UnavailableError when no master is active or it cannot be reached (or does not
// answer within `timeoutMs`); otherwise the master's error, rebuilt (errorFromWire): e.g.
// ConflictError (region not open / in transition), InvalidError (cannot be split).

import type { MasterRecord } from '../../common/coordination/cluster-keys.js';
import { clusterKeys } from '../../common/coordination/cluster-keys.js';
import type { Coordination } from '../../common/coordination/coordination.js';
import type { WireError } from '../../common/error-wire.js';
import { errorFromWire } from '../../common/error-wire.js';
import { UnavailableError } from '../../common/errors.js';
import type { RegionInfo } from '../region/region-info.js';

export function masterSplitRequester(coordination: Coordination, cluster: string, timeoutMs = 180_000): (region: RegionInfo) => Promise<void> {
  const electionKey = clusterKeys(cluster).masterElection;
  return async (region) => {
    const v = await coordination.leader(electionKey);
    if (v === undefined) throw new UnavailableError('no active master to ask for a split', { details: { region: region.encodedName } });
    const master = JSON.parse(v.toString('utf8')) as MasterRecord;
    const url = `http://${master.httpAddress}/api/v1/regions/${encodeURIComponent(region.encodedName)}/split`;
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new UnavailableError('the master did not answer a split request', { cause: e, details: { region: region.encodedName, master: master.httpAddress } });
    }
    const text = await res.text();
    if (res.ok) return;
    let wire: WireError | undefined;
    try {
      wire = (JSON.parse(text) as { error?: WireError }).error;
    } catch {
      wire = undefined;
    }
    if (wire !== undefined && typeof wire.code === 'string') throw errorFromWire(wire);
    throw new UnavailableError('the master refused a split request', { details: { region: region.encodedName, status: res.status } });
  };
}
