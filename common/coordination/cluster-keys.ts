// Where the cluster keeps its state in coordination (etcd). Every key lives under
// `/tsbase/<cluster>/`; the layout is documented in docs/rfcs/0005-cluster.md.
//
//   master/election                election of the active master (value: MasterRecord JSON)
//   rs/<serverName>                a live region server, leased (value: ServerRecord JSON)
//   meta-location                  where hbase:meta is open (value: MetaLocation JSON)
//   namespaces/<ns>                a namespace (value: NamespaceDescriptor JSON)
//   tables/<ns>:<table>            a table descriptor (value: TableRecord JSON, master/)
//   master/...                     anything else the master keeps (procedures, balancer switch)

export const DEFAULT_CLUSTER = 'default';

export function clusterPrefix(cluster: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(cluster)) throw new Error(`invalid cluster name: ${cluster}`);
  return `/tsbase/${cluster}/`;
}

export const clusterKeys = (cluster: string) => {
  const p = clusterPrefix(cluster);
  return {
    prefix: p,
    masterElection: `${p}master/election`,
    masterPrefix: `${p}master/`,
    serversPrefix: `${p}rs/`,
    server: (serverName: string) => `${p}rs/${serverName}`,
    metaLocation: `${p}meta-location`,
    namespacesPrefix: `${p}namespaces/`,
    namespace: (ns: string) => `${p}namespaces/${ns}`,
    tablesPrefix: `${p}tables/`,
    table: (ns: string, table: string) => `${p}tables/${ns}:${table}`,
    /** Admin operation nonces (master/admin-nonces.ts). */
    adminNoncesPrefix: `${p}admin-nonces/`,
  };
};

/** Value of the master election key: how to reach the active master. */
export interface MasterRecord {
  /** host:port of the master's admin HTTP API. */
  readonly httpAddress: string;
  readonly startCode: number;
}

/** Load a region server reports (HBase ServerLoad). */
export interface ServerLoad {
  readonly regions: number;
  /** Requests per second over the last report period. */
  readonly requestsPerSecond: number;
  readonly readRequests: number;
  readonly writeRequests: number;
  readonly memStoreBytes: number;
  readonly storeFiles: number;
  readonly storeFileBytes: number;
}

/** Value of `rs/<serverName>`: a live region server. */
export interface ServerRecord {
  /** HBase-style server name `host,port,startCode`; also the WAL's server segment. */
  readonly serverName: string;
  /** host:port of the data RPC. */
  readonly rpcAddress: string;
  /** host:port of the status/metrics HTTP port. */
  readonly httpAddress: string;
  readonly startCode: number;
  readonly load: ServerLoad;
  /** Set when the server is stopping cleanly (its regions should move first). */
  readonly stopping?: boolean;
}

/** Value of `meta-location`. */
export interface MetaLocation {
  readonly serverName: string;
  readonly rpcAddress: string;
}

/** HBase-style server name. */
export function serverName(host: string, port: number, startCode: number): string {
  return `${host},${port},${startCode}`;
}
