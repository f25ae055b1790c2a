/**
 * The editor's triage index: built from the catalog snapshot on the first search (activation
 * never pays for it), rebuilt after the catalog changes, with the workspace inventory for hosts.
 */
import type { CatalogStore } from '../catalog/catalogStore';
import { componentEquivalence } from '../core/checks/checkPlan';
import { withSections } from '../core/checks/runbookLinks';
import { Disposable } from '../core/dispose';
import { TriageIndex, type TriageAnswer, type TriageOptions } from '../core/triage/triageIndex';
import type { SshService } from '../ssh/sshService';
import type { Logger } from '../vscode/logger';

export class TriageService extends Disposable {
  private index: Promise<TriageIndex> | undefined;

  constructor(
    private readonly store: CatalogStore,
    private readonly ssh: SshService,
    private readonly logger: Logger,
  ) {
    super();
    this.register(store.onDidChange(() => (this.index = undefined)));
  }

  /** True once an index exists (tests check that activation did not build one). */
  get built(): boolean {
    return this.index !== undefined;
  }

  async query(text: string, options: Omit<TriageOptions, 'inventory'> = {}): Promise<TriageAnswer> {
    const [index, inventory] = await Promise.all([this.getIndex(), this.ssh.inventory().catch(() => undefined)]);
    const answer = index.query(text, { ...options, ...(inventory ? { inventory } : {}) });
    if (answer.builtInMs !== undefined) this.logger.info(`triage index: ${index.size} entries built in ${answer.builtInMs.toFixed(0)} ms`);
    return answer;
  }

  private getIndex(): Promise<TriageIndex> {
    this.index ??= this.store.get().then(async (snapshot) => {
      const equivalence = componentEquivalence(snapshot.catalog);
      return new TriageIndex(snapshot.catalog, {
        runbooks: await withSections(snapshot.runbooks),
        sameComponent: (a, b) => a === b || (equivalence.get(a)?.has(b) ?? false),
      });
    });
    return this.index;
  }
}
