// The region server's human page (HBase's /rs-status): who it is, its WAL, and a table of the
// regions it hosts. Rendered from the same document as /status; every value is escaped.

export interface StatusRegion {
  readonly namespace: string;
  readonly table: string;
  readonly startKey: string; // base64
  readonly endKey: string; // base64
  readonly encodedName: string;
  readonly state: string;
  readonly memStoreBytes: number;
  readonly storeFiles: number;
  readonly storeFileBytes: number;
  readonly readRequests: number;
  readonly writeRequests: number;
}

export interface StatusDocument {
  readonly serverName: string;
  readonly startCode: number;
  readonly rpcAddress: string;
  readonly httpAddress: string;
  readonly state: string;
  readonly memStoreBytes: number;
  readonly scanners: number;
  readonly wal?: { readonly description: string; readonly commits: number; readonly entries: number; readonly units: number };
  readonly regions: readonly StatusRegion[];
}

function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A key as HBase prints it (Bytes.toStringBinary): printable ASCII as is, other bytes as \xNN. */
function keyString(b64: string): string {
  let out = '';
  for (const byte of Buffer.from(b64, 'base64')) out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function renderStatusPage(doc: StatusDocument): string {
  const rows = [...doc.regions]
    .sort((a, b) => `${a.namespace}:${a.table}`.localeCompare(`${b.namespace}:${b.table}`) || Buffer.compare(Buffer.from(a.startKey, 'base64'), Buffer.from(b.startKey, 'base64')))
    .map(
      (r) =>
        `<tr><td>${esc(r.namespace === 'default' ? r.table : `${r.namespace}:${r.table}`)}</td><td>${esc(keyString(r.startKey))}</td><td>${esc(keyString(r.endKey))}</td>` +
        `<td><code>${esc(r.encodedName)}</code></td><td>${esc(r.state)}</td><td>${esc(bytes(r.memStoreBytes))}</td><td>${esc(r.storeFiles)}</td>` +
        `<td>${esc(bytes(r.storeFileBytes))}</td><td>${esc(r.readRequests)}</td><td>${esc(r.writeRequests)}</td></tr>`,
    )
    .join('\n');
  const wal = doc.wal === undefined ? '' : `<p>WAL: ${esc(doc.wal.description)} — ${esc(doc.wal.commits)} commits, ${esc(doc.wal.entries)} edits, ${esc(doc.wal.units)} live units</p>`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>tsbase region server ${esc(doc.serverName)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}th{background:#eee}</style>
</head><body>
<h1>Region server ${esc(doc.serverName)}</h1>
<p>State: <b>${esc(doc.state)}</b> · RPC ${esc(doc.rpcAddress)} · MemStore ${esc(bytes(doc.memStoreBytes))} · open scanners ${esc(doc.scanners)} ·
<a href="/status">status JSON</a> · <a href="/metrics">metrics</a></p>
${wal}
<h2>Regions (${doc.regions.length})</h2>
<table><thead><tr><th>Table</th><th>Start key</th><th>End key</th><th>Encoded name</th><th>State</th><th>MemStore</th><th>Store files</th><th>Store file size</th><th>Reads</th><th>Writes</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
