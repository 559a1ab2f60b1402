// The catalog janitor (HBase's CatalogJanitor): a chore of the active master that removes
// split and merge parents once the regions made from them no longer need them.
//
// A split parent is a region in state SPLIT (META row with splitA/splitB). Its files stay as
// long as a daughter's store refers to them (references are rewritten by the daughter's first
// compactions; a retired reference keeps the parent for `retainMs` more, for readers that
// opened it before — regionserver/split/split-parent-cleanup.ts). Then, under the parent's
// lock: delete its objects (files, then manifests), its recovered-edits objects, and last its
// META row and in-memory node. A crash in between leaves a SPLIT row whose objects are
// (partly) gone; the next run finishes (every step is idempotent).
//
// The janitor runs only after reconcile, which re-adds daughter rows a master crash left
// missing (from the parent's row), and under the parent's lock, which split() holds until both
// daughter rows are written; so deleting the parent's row never loses a daughter. A daughter
// with no node is one the janitor removed itself (it split again and was cleaned): its
// objects are gone, so it refers to nothing.
//
// Merge parents (state MERGED) are found from the merged region's row (mergeParents), and
// removed the same way, each on its own once the merged region no longer refers to it; when
// every parent is gone, the merged region's merge columns are deleted (under its lock, so an
// assignment writing its row does not put them back). A parent not yet MERGED (a merge being
// rolled forward) is left for the next run. Merge parents are handled first, and a merged
// region that was split or merged again since keeps its row until its own parents are
// removed (its row is how they are found).
//
// Runs every catalogJanitorPeriodMs (default 5 min, HBase hbase.catalogjanitor.interval) and on
// demand (run()); concurrent runs share one.

import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import { ErrorCodes, errorCode } from '../common/errors.js';
import type { ObjectStore } from '../common/objectstore/object-store.js';
import { listAllKeys } from '../common/objectstore/object-store.js';
import { mergeQualifier } from '../common/meta/meta-row.js';
import { recoveredEditsPrefix } from '../common/paths.js';
import { purgeSplitParent } from '../regionserver/split/split-parent-cleanup.js';
import type { AssignmentManager } from './assignment-manager.js';
import type { Catalog } from './catalog.js';
import type { LeaderTerm } from './leader-term.js';
import type { RegionNode } from './region-states.js';

export interface CatalogJanitorDeps {
  readonly term: LeaderTerm;
  readonly am: AssignmentManager;
  readonly catalog: Catalog;
  readonly objectStore: ObjectStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a daughter's retired reference still keeps the parent (default 10 min). */
  readonly retainMs: number;
}

export interface JanitorReport {
  /** Split and merge parents seen. */
  readonly parents: number;
  /** Parents removed by this run (objects and META row). */
  readonly removed: readonly string[];
  /** Parents kept because a daughter still refers to them. */
  readonly kept: readonly string[];
}

export class CatalogJanitor {
  private running: Promise<JanitorReport> | undefined;
  runs = 0;
  removedTotal = 0;

  constructor(private readonly d: CatalogJanitorDeps) {}

  /** One pass over every split and merge parent (concurrent calls share a pass). Throws TSB_NOT_LEADER once the term ended. */
  run(): Promise<JanitorReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<JanitorReport> {
    const { am, term, logger } = this.d;
    const removed: string[] = [];
    const kept: string[] = [];
    let mergeParents = 0;
    for (const m of am.states.mergedRegions()) {
      term.assertActive();
      mergeParents += m.mergeParents?.length ?? 0;
      try {
        const r = await this.cleanMergeParents(m);
        removed.push(...r.removed);
        kept.push(...r.kept);
      } catch (e) {
        if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
        kept.push(...(m.mergeParents ?? []).map((p) => p.encodedName));
        logger.warn({ err: e, region: m.info.encodedName }, 'catalog janitor could not clean the parents of a merged region');
      }
    }
    const parents = am.states.all().filter((n) => n.state === 'SPLIT' && n.splitA !== undefined && n.splitB !== undefined);
    for (const n of parents) {
      term.assertActive();
      try {
        if (await this.cleanParent(n)) removed.push(n.info.encodedName);
        else kept.push(n.info.encodedName);
      } catch (e) {
        if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
        kept.push(n.info.encodedName);
        logger.warn({ err: e, region: n.info.encodedName }, 'catalog janitor could not clean a split parent');
      }
    }
    this.runs++;
    this.removedTotal += removed.length;
    if (removed.length > 0) logger.info({ removed, kept: kept.length }, 'catalog janitor removed split and merge parents');
    return { parents: parents.length + mergeParents, removed, kept };
  }

  /** Removes each parent of merged region `m` that it no longer needs; then its merge columns. */
  private async cleanMergeParents(m: RegionNode): Promise<{ removed: string[]; kept: string[] }> {
    const { am, term, catalog, objectStore, clock } = this.d;
    const removed: string[] = [];
    const kept: string[] = [];
    const parents = m.mergeParents ?? [];
    for (const p of parents) {
      const gone = await am.locks.run(p.encodedName, async () => {
        const pn = am.states.get(p.encodedName);
        if (pn === undefined) return true; // removed by an earlier run (objects first, row last)
        if (pn.state !== 'MERGED') return false; // being rolled forward
        if (pn.mergeParents !== undefined) return false; // its own parents first (see the file comment)
        const r = await purgeSplitParent(objectStore, p, [m.info], { clock, retainMs: this.d.retainMs });
        if (!r.purged) return false;
        const edits = (await listAllKeys(objectStore, recoveredEditsPrefix(p.encodedName))).map((o) => o.key);
        if (edits.length > 0) await objectStore.deleteMany(edits);
        term.assertActive();
        await catalog.delete(p);
        am.states.delete(p.encodedName);
        removed.push(p.encodedName);
        this.d.logger.info({ region: p.encodedName, objects: r.deleted, merged: m.info.encodedName }, 'merge parent removed');
        return true;
      });
      if (!gone) kept.push(p.encodedName);
    }
    if (kept.length === 0) {
      await am.locks.run(m.info.encodedName, async () => {
        if (am.states.get(m.info.encodedName) !== m || m.mergeParents !== parents) return;
        term.assertActive();
        await catalog.deleteColumns(
          m.info,
          parents.map((_, i) => mergeQualifier(i)),
        );
        am.states.setMergeParents(m, undefined);
      });
    }
    return { removed, kept };
  }

  /** Under the parent's lock: removes it if no daughter needs it. True if removed. */
  private cleanParent(n: RegionNode): Promise<boolean> {
    const { am, term, catalog, objectStore, clock } = this.d;
    return am.locks.run(n.info.encodedName, async () => {
      const a = n.splitA;
      const b = n.splitB;
      if (n.state !== 'SPLIT' || a === undefined || b === undefined || am.states.get(n.info.encodedName) !== n) return false;
      // A merged region split before its own parents were removed: it keeps them findable until they are.
      if (n.mergeParents !== undefined) return false;
      const r = await purgeSplitParent(objectStore, n.info, [a, b], { clock, retainMs: this.d.retainMs });
      if (!r.purged) return false;
      const edits = (await listAllKeys(objectStore, recoveredEditsPrefix(n.info.encodedName))).map((o) => o.key);
      if (edits.length > 0) await objectStore.deleteMany(edits);
      term.assertActive();
      await catalog.delete(n.info);
      am.states.delete(n.info.encodedName);
      this.d.logger.info({ region: n.info.encodedName, objects: r.deleted, daughters: [a.encodedName, b.encodedName] }, 'split parent removed');
      return true;
    });
  }
}
