// What the split crash test and its child (split-child.ts) agree on.

/** Where the child splits (rows are k0..k<rows-1>: about half sort below it). */
export const SPLIT_ROW = Buffer.from('k5');
/** The wall clock of the split (the daughters' region ids derive from it). */
export const SPLIT_NOW_MS = 1_800_000_000_000;

export interface SplitChildConfig {
  readonly store: { readonly kind: 'fs'; readonly root: string };
  readonly walDir: string;
  readonly rows: number;
  readonly killAtWrite?: number;
}
