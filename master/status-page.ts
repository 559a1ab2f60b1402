// The master's web status page (HBase's /master-status): servers, tables, regions in
// transition, as plain server-rendered HTML from the same data as GET /api/v1/status.

import type { ClusterStatusJson, TableJson } from '../common/admin/admin-api.js';

function esc(s: string | number | boolean | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function table(headers: readonly string[], rows: readonly (readonly (string | number | boolean | undefined)[])[]): string {
  if (rows.length === 0) return '<p><em>none</em></p>';
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The page; `tables` is undefined on a standby (it does not read them). */
export function renderStatusPage(s: ClusterStatusJson, self: string, tables: readonly TableJson[] | undefined): string {
  const role = s.activeMaster === self ? 'active master' : 'standby master';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>tsbase master ${esc(self)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style>
</head><body>
<h1>tsbase master <small>${esc(self)} (${esc(role)})</small></h1>
<p>cluster <b>${esc(s.clusterId)}</b> · active master ${esc(s.activeMaster || 'none')} · backup masters ${esc(s.backupMasters.join(', ') || 'none')}
· hbase:meta on ${esc(s.metaLocation?.serverName ?? 'not assigned')} · balancer ${s.balancerEnabled ? 'on' : 'off'}</p>
<h2>Region servers (${s.servers.length})</h2>
${table(
  ['server', 'rpc', 'http', 'regions', 'requests/s', 'memstore bytes', 'store files', 'stopping'],
  s.servers.map((r) => [r.serverName, r.rpcAddress, r.httpAddress, r.load.regions, r.load.requestsPerSecond, r.load.memStoreBytes, r.load.storeFiles, r.stopping === true]),
)}
<h2>Dead servers (${s.deadServers.length})</h2>
${table(['server'], s.deadServers.map((d) => [d]))}
<h2>Tables (${s.tables})</h2>
${tables === undefined ? '<p><em>see the active master</em></p>' : table(['table', 'state', 'families'], tables.map((t) => [t.name, t.state, t.families.map((f) => f['NAME']).join(', ')]))}
<h2>Regions in transition (${s.regionsInTransition.length})</h2>
${table(['region', 'table', 'state', 'server'], s.regionsInTransition.map((r) => [r.region.encodedName, `${r.region.namespace}:${r.region.table}`, r.state, r.serverName]))}
<p><a href="/api/v1/status">status JSON</a> · <a href="/metrics">metrics</a></p>
</body></html>
`;
}
