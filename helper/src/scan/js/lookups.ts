/**
 * What the first round of binding (bindings.ts) looked up and bound, in order: enough to tell afterwards whether
 * a second round would resolve anything differently, which is when some name was bound after it was looked up
 * (an alias declared before its target). Lookups are appended to a list, not hashed into a set: there is one per
 * name a binder's initialiser resolves, and binds are few by comparison.
 */
export class LookupLog {
  private readonly refLookups: string[] = [];
  private readonly refBinds: string[] = [];
  private readonly refBindAt: number[] = [];
  private readonly constantLookups: string[] = [];
  private readonly constantBinds: string[] = [];
  private readonly constantBindAt: number[] = [];

  /** `name` was looked up as a module reference. */
  lookedUpRef(name: string): void {
    this.refLookups.push(name);
  }

  /** `name` was bound to a module reference. */
  boundRef(name: string): void {
    this.refBinds.push(name);
    this.refBindAt.push(this.refLookups.length);
  }

  /** `name` was looked up as a constant. */
  lookedUpConstant(name: string): void {
    this.constantLookups.push(name);
  }

  /** `name` was bound to a constant. */
  boundConstant(name: string): void {
    this.constantBinds.push(name);
    this.constantBindAt.push(this.constantLookups.length);
  }

  /** Whether some name was bound after it was looked up (as the same kind). */
  stale(): boolean {
    return boundAfterLookup(this.refLookups, this.refBinds, this.refBindAt) || boundAfterLookup(this.constantLookups, this.constantBinds, this.constantBindAt);
  }
}

/** Whether some `binds[i]` (made when `lookups` held `at[i]` entries) had been looked up before. */
function boundAfterLookup(lookups: readonly string[], binds: readonly string[], at: readonly number[]): boolean {
  if (lookups.length === 0 || binds.length === 0) return false;
  // The last bind of each name: a lookup before it saw a value that was still to change.
  const last = new Map<string, number>();
  for (let i = 0; i < binds.length; i++) if (at[i]! > (last.get(binds[i]!) ?? 0)) last.set(binds[i]!, at[i]!);
  for (let k = 0; k < lookups.length; k++) {
    const before = last.get(lookups[k]!);
    if (before !== undefined && k < before) return true;
  }
  return false;
}
