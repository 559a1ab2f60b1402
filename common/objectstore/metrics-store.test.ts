import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../clock.js';
import { objectStoreConformance } from './conformance.js';
import { MemoryObjectStore } from './memory-store.js';
import { MetricsObjectStore, OBJECTSTORE_METRICS } from './metrics-store.js';
import type { ByteRange, GetResult } from './object-store.js';

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const all = (await registry.getMetricsAsJSON()) as unknown as Array<{ name: string; values: Sample[] }>;
  return all.find((m) => m.name === name)?.values ?? [];
}

async function value(registry: Registry, name: string, labels: Record<string, string> = {}, metricName?: string): Promise<number> {
  const s = (await samples(registry, name)).find(
    (v) => (metricName === undefined || v.metricName === metricName) && Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x),
  );
  return s?.value ?? 0;
}

/** A memory store whose get takes 30 ms of the manual clock. */
class SlowGetStore extends MemoryObjectStore {
  constructor(private readonly clock: ManualClock) {
    super();
  }
  override async get(key: string, range?: ByteRange): Promise<GetResult> {
    const r = await super.get(key, range);
    this.clock.advance(30);
    return r;
  }
}

describe('MetricsObjectStore', () => {
  it('counts operations by outcome, bytes, errors by code, and latency by operation', async () => {
    const registry = new Registry();
    const clock = new ManualClock();
    const store = new MetricsObjectStore(new SlowGetStore(clock), registry, { clock });
    await store.put('a', Buffer.alloc(100));
    await store.put('b', Buffer.alloc(50), { ifNoneMatch: '*' });
    await store.put('b', Buffer.alloc(50), { ifNoneMatch: '*' }).catch(() => {});
    await store.get('a', { offset: 10, length: 20 });
    await store.get('missing').catch(() => {});
    await store.head('nope');
    await store.upload('u', [Buffer.alloc(7)]);

    const M = OBJECTSTORE_METRICS;
    assert.equal(await value(registry, M.operations, { op: 'put', outcome: 'ok' }), 2);
    assert.equal(await value(registry, M.operations, { op: 'put', outcome: 'error' }), 1);
    assert.equal(await value(registry, M.operations, { op: 'get', outcome: 'ok' }), 1);
    assert.equal(await value(registry, M.operations, { op: 'get', outcome: 'error' }), 1);
    assert.equal(await value(registry, M.operations, { op: 'head', outcome: 'ok' }), 1);
    assert.equal(await value(registry, M.errors, { op: 'put', code: 'TSB_ALREADY_EXISTS' }), 1);
    assert.equal(await value(registry, M.errors, { op: 'get', code: 'TSB_NOT_FOUND' }), 1);
    assert.equal(await value(registry, M.readBytes), 20);
    assert.equal(await value(registry, M.writtenBytes), 157);
    assert.equal(await value(registry, M.duration, { op: 'get' }, `${M.duration}_count`), 2);
    assert.equal(await value(registry, M.duration, { op: 'get' }, `${M.duration}_sum`), 0.03);
    // The found get took 30 ms, the missing one 0 ms.
    assert.equal(await value(registry, M.duration, { op: 'get', le: '0.025' } as Record<string, string>, `${M.duration}_bucket`), 1);
    assert.equal(await value(registry, M.duration, { op: 'get', le: '0.05' } as Record<string, string>, `${M.duration}_bucket`), 2);
  });

  it('two stores on one registry share the metrics instead of failing to register', async () => {
    const registry = new Registry();
    const a = new MetricsObjectStore(new MemoryObjectStore(), registry);
    const b = new MetricsObjectStore(new MemoryObjectStore(), registry);
    await a.put('k', Buffer.from('x'));
    await b.put('k', Buffer.from('y'));
    assert.equal(await value(registry, OBJECTSTORE_METRICS.operations, { op: 'put', outcome: 'ok' }), 2);
  });
});

objectStoreConformance('metrics(memory)', async () => {
  const store = new MetricsObjectStore(new MemoryObjectStore(), new Registry());
  return { store, cleanup: () => store.close() };
});
