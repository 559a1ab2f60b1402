// Table: the data operations of one table (HBase's Table), over the data RPC.
//
// Single-row calls go to the region holding the row (RegionLocator) and are retried per the
// connection's policy. Calls over many rows are grouped by server (MULTI_GET, MULTI_MUTATE
// grouped by region) and only their failed actions are resent (multi-action.ts).
// increment, append and checkAndMutate are not idempotent. With nonces (the default,
// ConnectionOptions.nonces) each gets one nonce kept across its retries and is retried like an
// idempotent call: after a lost answer or a timeout the server recognises the retry and
// answers it without applying it again (docs/rfcs/0006-operation-nonces.md). Without nonces
// they are resent only after errors that prove they were not applied (routing errors,
// backpressure).
//
// Thread safety: any number of calls may run concurrently.

import type { Append, CheckAndMutate, Delete, Get, Increment, Mutation, Put, Result, Scan } from '../common/ops/operations.js';
import { InternalError, InvalidError } from '../common/errors.js';
import type { ResultScanner, Table } from './client-types.js';
import type { ClientContext } from './client-context.js';
import { callRegion } from './client-context.js';
import { MAX_GETS_PER_CALL, MAX_MUTATE_BYTES_PER_CALL, runGrouped, sendMultiGet, sendMultiMutate } from './multi-action.js';
import type { TableName } from './region-locator.js';
import { ClientScanner } from './scanner.js';
import { checkAppend, checkCheckAndMutate, checkGet, checkIncrement, checkMutation, checkScan, mutationSize } from './validate-ops.js';

export class ClientTable implements Table {
  constructor(
    private readonly ctx: ClientContext,
    readonly name: string,
    private readonly tableName: TableName,
  ) {}

  /** The row's cells (none if it does not exist). */
  async get(get: Get): Promise<Result> {
    checkGet(get);
    const res = await callRegion(this.ctx, this.tableName, get.row, 'get', (c, loc, timeoutMs) =>
      c.call('GET', { region: loc.info.encodedName, get }, { timeoutMs }),
    );
    return res.result;
  }

  async getMany(gets: readonly Get[]): Promise<Result[]> {
    if (!Array.isArray(gets)) throw new InvalidError('getMany needs an array of gets');
    gets.forEach(checkGet);
    if (gets.length === 0) return [];
    if (gets.length === 1) return [await this.get(gets[0]!)];
    const outcomes = await runGrouped(this.ctx, this.tableName, gets.map((g) => g.row), 'getMany', sendMultiGet(gets), {
      weight: () => 1,
      maxWeightPerCall: MAX_GETS_PER_CALL,
    });
    const results: Result[] = [];
    for (const o of outcomes) {
      if (!o.ok) throw o.error;
      results.push(o.value);
    }
    return results;
  }

  async exists(get: Get): Promise<boolean> {
    checkGet(get);
    const g: Get = { ...get, existenceOnly: true };
    const res = await callRegion(this.ctx, this.tableName, get.row, 'exists', (c, loc, timeoutMs) =>
      c.call('GET', { region: loc.info.encodedName, get: g }, { timeoutMs }),
    );
    return res.exists;
  }

  put(put: Put | readonly Put[]): Promise<void> {
    return this.mutate(put, 'put');
  }

  delete(del: Delete | readonly Delete[]): Promise<void> {
    return this.mutate(del, 'delete');
  }

  private async mutate(m: Mutation | readonly Mutation[], kind: 'put' | 'delete'): Promise<void> {
    if (Array.isArray(m)) {
      const list = m as readonly Mutation[];
      for (const x of list) {
        checkMutation(x);
        if (x.kind !== kind) throw new InvalidError(`${kind} was given a mutation of another kind`, { details: { kind: x.kind } });
      }
      return this.batch(list);
    }
    const one = m as Mutation;
    checkMutation(one);
    if (one.kind !== kind) throw new InvalidError(`${kind} was given a mutation of another kind`, { details: { kind: one.kind } });
    await callRegion(this.ctx, this.tableName, one.row, kind, (c, loc, timeoutMs) => c.call('MUTATE', { region: loc.info.encodedName, mutation: one }, { timeoutMs }));
  }

  async batch(mutations: readonly Mutation[]): Promise<void> {
    if (!Array.isArray(mutations)) throw new InvalidError('batch needs an array of mutations');
    mutations.forEach(checkMutation);
    if (mutations.length === 0) return;
    const outcomes = await runGrouped(this.ctx, this.tableName, mutations.map((x) => x.row), 'batch', sendMultiMutate(mutations), {
      weight: (i) => mutationSize(mutations[i]!),
      maxWeightPerCall: MAX_MUTATE_BYTES_PER_CALL,
    });
    const failed = outcomes.find((o) => !o.ok);
    if (failed !== undefined && !failed.ok) throw failed.error;
  }

  async checkAndMutate(c: CheckAndMutate): Promise<boolean> {
    checkCheckAndMutate(c);
    const nonce = this.ctx.nonces?.newNonce();
    const res = await callRegion(
      this.ctx,
      this.tableName,
      c.row,
      'checkAndMutate',
      (cl, loc, timeoutMs) =>
        cl.call('CHECK_AND_MUTATE', nonce === undefined ? { region: loc.info.encodedName, checkAndMutate: c } : { region: loc.info.encodedName, checkAndMutate: c, nonce }, { timeoutMs }),
      { idempotent: nonce !== undefined },
    );
    return res.processed;
  }

  async increment(inc: Increment): Promise<Result> {
    checkIncrement(inc);
    // One nonce for every attempt of this increment: a retry is recognised by the server.
    const nonce = this.ctx.nonces?.newNonce();
    const res = await callRegion(
      this.ctx,
      this.tableName,
      inc.row,
      'increment',
      (cl, loc, timeoutMs) =>
        cl.call('INCREMENT', nonce === undefined ? { region: loc.info.encodedName, increment: inc } : { region: loc.info.encodedName, increment: inc, nonce }, { timeoutMs }),
      { idempotent: nonce !== undefined },
    );
    return res.result;
  }

  async incrementColumnValue(row: Buffer, family: Buffer, qualifier: Buffer, amount: bigint): Promise<bigint> {
    const result = await this.increment({ row, columns: [{ family, qualifier, amount }] });
    const cell = result.cells.find((c) => c.family.equals(family) && c.qualifier.equals(qualifier));
    if (cell === undefined) throw new InternalError('the increment answer lacks the incremented column', { details: { row: row.toString('hex') } });
    if (cell.value.length !== 8) {
      throw new InvalidError('the column does not hold an 8-byte counter', { details: { row: row.toString('hex'), length: cell.value.length } });
    }
    return cell.value.readBigInt64BE(0);
  }

  async append(app: Append): Promise<Result> {
    checkAppend(app);
    const nonce = this.ctx.nonces?.newNonce();
    const res = await callRegion(
      this.ctx,
      this.tableName,
      app.row,
      'append',
      (cl, loc, timeoutMs) =>
        cl.call('APPEND', nonce === undefined ? { region: loc.info.encodedName, append: app } : { region: loc.info.encodedName, append: app, nonce }, { timeoutMs }),
      { idempotent: nonce !== undefined },
    );
    return res.result;
  }

  getScanner(scan: Scan = {}): ResultScanner {
    checkScan(scan);
    return new ClientScanner(this.ctx, this.tableName, scan);
  }
}
