/**
 * Triage: from a pasted alert, log line or a few words to the catalog entries that explain it,
 * best first. A log line the catalog knows is recognised by the log scanner's own matcher (the
 * same patterns, literals and regexes as `logs scan`), so those hits come first and are exact;
 * everything else is ranked by MiniSearch (BM25 over titles, ids and the guide's prose in zh
 * and en, with CJK bigrams). The index is built on the first query, never up front.
 */
import MiniSearch from 'minisearch';
import type { Bilingual, Catalog, Severity } from '../catalog/types';
import type { InventoryHost } from '../inventory/inventory';
import { logCatalogOf, resolveLogs, type LogCatalog } from '../logs/logCatalog';
import { compileLogMatcher, type LogMatcher } from '../logs/logMatcher';
import { badFieldId, scanText, severityRank } from '../logs/logScanner';
import { runbooksFor, type RunbookLink } from '../checks/runbookLinks';
import { indexTokens, isCjkToken, queryTokens } from './cjkTokens';
import { hostsInText, type HostMention } from './hostsInText';
import { triageEntries, type TriageEntry, type TriageKind } from './triageEntries';

export interface RelatedCheck {
  id: string;
  product: string;
  title: Bilingual;
  section: string;
  action?: Bilingual;
}

export interface TriageResult {
  kind: TriageKind;
  id: string;
  product: string;
  /** The entry's first component (what the panel names), and all of them. */
  component?: string;
  components: string[];
  /** Catalog log ids the entry is about (a pattern's or field's logs, the log itself). */
  logs: string[];
  title: Bilingual;
  section: string;
  explanation?: Bilingual;
  /** The entry's own action, else that of the check that watches it (`actionFrom` names it). */
  action?: Bilingual;
  actionFrom?: string;
  severity?: Severity;
  /** True when the text holds the pattern itself (or a bad value of the field), not just similar words. */
  exact: boolean;
  /** For exact hits: the text that matched. */
  matched?: string;
  score: number;
  checks: RelatedCheck[];
  runbooks: RunbookLink[];
  /** The host to run the fix on: the text's log's host, else the first host the text names, that serves the entry's component. */
  host?: HostMention;
}

export interface TriageAnswer {
  results: TriageResult[];
  /** Every inventory host the text names, first-mentioned first. */
  hosts: HostMention[];
  /** Milliseconds to build the index, when this query built it. */
  builtInMs?: number;
}

export interface TriageOptions {
  limit?: number;
  inventory?: { hosts: readonly InventoryHost[] };
  /** The host the text comes from (a log document's host): preferred to hosts the text names. */
  host?: string;
  /** The catalog log id or file path the text was taken from: enables that log's field format. */
  log?: string;
  /** Kinds to leave out (the tree filter has no node for some). */
  kinds?: readonly TriageKind[];
}

export interface TriageInputs {
  runbooks?: readonly RunbookLink[];
  /** Component equivalence for runbook links (aliases across products); default: same id. */
  sameComponent?: (a: string, b: string) => boolean;
}

interface Built {
  search: MiniSearch<IndexedDoc>;
  entries: Map<string, TriageEntry>;
  logCatalog: LogCatalog;
  anyLog: LogMatcher;
  /** One matcher per log whose documented layout (a regex format) has values the guide calls bad. */
  layouts: LogMatcher[];
}

interface IndexedDoc {
  key: string;
  title: string;
  keywords: string;
  text: string;
}

const DEFAULT_LIMIT = 10;
const KIND_BOOST: Partial<Record<TriageKind, number>> = { product: 0.4, component: 0.6, log: 0.8 };
/** A pasted line yields dozens of words (timestamps, thread names); more add time, not answers. */
const MAX_QUERY_TERMS = 48;
const EXACT_BASE = 1_000_000;

function telling(term: string): boolean {
  if (isCjkToken(term)) return true;
  if (term.length < 2) return false;
  // Port numbers (3–5 digits) stay; dates, times, ids and small counters go.
  if (/^[\d.:,_-]+$/.test(term)) return /^\d{3,5}$/.test(term);
  return !/^\d/.test(term) || !/\d{6}/.test(term);
}

export class TriageIndex {
  private built: Built | undefined;
  private buildMs: number | undefined;
  private readonly matchers = new Map<string, LogMatcher>();

  constructor(
    private readonly catalog: Catalog,
    private readonly inputs: TriageInputs = {},
  ) {}

  /** Milliseconds the index took to build, once it has been. */
  get buildTimeMs(): number | undefined {
    return this.buildMs;
  }

  get size(): number {
    return this.build().entries.size;
  }

  /** All entries, for tests and the tree filter. */
  entry(kind: TriageKind, id: string): TriageEntry | undefined {
    return this.build().entries.get(`${kind}:${id}`);
  }

  query(text: string, options: TriageOptions = {}): TriageAnswer {
    const fresh = this.built === undefined;
    const built = this.build();
    const limit = options.limit ?? DEFAULT_LIMIT;
    const skip = new Set(options.kinds ?? []);
    const hosts = options.inventory ? hostsInText(text, options.inventory.hosts) : [];
    const hinted = options.host && options.inventory ? options.inventory.hosts.find((h) => h.name === options.host) : undefined;
    // The document's host first (the text came from its log), then the hosts the text names.
    const candidates: HostMention[] = [...(hinted ? [{ name: hinted.name, address: `${hinted.host}:${hinted.port}`, ...(hinted.component ? { component: hinted.component } : {}), matched: '' }] : []), ...hosts];
    const host = candidates[0];
    const ranked = new Map<string, { entry: TriageEntry; score: number; exact: boolean; matched?: string }>();

    for (const hit of this.exactHits(built, text, options.log)) {
      const entry = built.entries.get(hit.key);
      if (!entry || skip.has(entry.kind) || ranked.has(hit.key)) continue;
      ranked.set(hit.key, { entry, score: EXACT_BASE + hit.score, exact: true, matched: hit.matched });
    }

    const all = queryTokens(text);
    const few = all.length <= 6;
    // In a pasted line, times, counters and one-letter words say nothing about what went wrong.
    const terms = (few ? all : all.filter(telling)).slice(0, MAX_QUERY_TERMS);
    if (terms.length) {
      const found = built.search.search(
        { queries: terms, combineWith: 'OR' },
        {
          boost: { title: 3, keywords: 2, text: 1 },
          // Products and components are described in broad words that match almost any query;
          // what an operator acts on (a pattern, check, alert, plan) should win a tie.
          boostDocument: (key: string) => KIND_BOOST[key.slice(0, key.indexOf(':')) as TriageKind] ?? 1,
          // Typos and word stems matter for a few typed words, not for a pasted line.
          prefix: (term) => (isCjkToken(term) ? term.length === 1 : few && term.length >= 3),
          fuzzy: (term) => (few && !isCjkToken(term) && term.length >= 5 ? 0.2 : false),
          maxFuzzy: 1,
          tokenize: (q) => [q],
          processTerm: (t) => t,
        },
      );
      for (const r of found) {
        const entry = built.entries.get(r.id as string);
        if (!entry || skip.has(entry.kind) || ranked.has(entry.key)) continue;
        // The named host's own component first: the same words on another product are less likely.
        const local = host?.component && entry.components.includes(host.component) ? 1.5 : 1;
        ranked.set(entry.key, { entry, score: r.score * local, exact: false });
      }
    }

    const results = [...ranked.values()]
      .sort((a, b) => b.score - a.score)
      .slice(0, limit)
      .map(({ entry, score, exact, matched }) => this.result(entry, score, exact, matched, this.hostFor(entry, candidates)));
    return { results, hosts, ...(fresh ? { builtInMs: this.buildMs } : {}) };
  }

  private build(): Built {
    if (this.built) return this.built;
    const started = performance.now();
    const entries = new Map(triageEntries(this.catalog).map((e) => [e.key, e]));
    const search = new MiniSearch<IndexedDoc>({
      idField: 'key',
      fields: ['title', 'keywords', 'text'],
      tokenize: indexTokens,
      processTerm: (t) => t,
    });
    search.addAll(
      [...entries.values()].map((e) => ({
        key: e.key,
        title: e.searchTitle ?? `${e.title.zh} ${e.title.en}`,
        keywords: [e.id, ...e.components, ...e.keywords].filter(Boolean).join(' '),
        text: [e.explanation?.zh, e.explanation?.en, e.action?.zh, e.action?.en].filter(Boolean).join(' '),
      })),
    );
    const logCatalog = logCatalogOf(this.catalog);
    const layouts = logCatalog.logs.filter((l) => l.format?.regex && l.format.fields.some((f) => f.bad)).map((l) => compileLogMatcher(logCatalog, [l]));
    this.built = { search, entries, logCatalog, anyLog: compileLogMatcher(logCatalog, []), layouts };
    this.buildMs = performance.now() - started;
    return this.built;
  }

  /** Patterns (and, for a known log, bad field values) the text holds, most severe first. */
  private exactHits(built: Built, text: string, log: string | undefined): Array<{ key: string; score: number; matched: string }> {
    const hits: Array<{ key: string; score: number; matched: string }> = [];
    const collect = (matcher: LogMatcher, patterns: boolean) => {
      scanText(matcher, text, { maxStackLines: 0 }).findings.forEach((f) => {
        // Earlier lines first, then severity: the first pasted line is usually the alert itself.
        const lineWeight = Math.max(0, 1000 - f.line) * 10;
        if (patterns) for (const m of f.matches) hits.push({ key: `pattern:${m.pattern.id}`, score: lineWeight + severityRank(m.pattern.severity), matched: f.text.slice(m.start, m.end) });
        for (const field of f.structured?.fields ?? []) {
          if (field.bad && f.structured) hits.push({ key: `field:${badFieldId(f.structured.format.id, field.name)}`, score: lineWeight + severityRank('warning'), matched: `${field.name}=${field.value}` });
        }
      });
    };
    const known = log ? this.matcherFor(built, log) : undefined;
    // A log the catalog knows exactly: its own patterns and field format. Unknown or ambiguous
    // (common-error.log is several products'): as for pasted text.
    if (known && known.selection.logs.length === 1) collect(known, true);
    else {
      collect(built.anyLog, true);
      // Text from an unknown log: a line in a log's own documented layout with a bad value is
      // that log's (a layout-only pattern such as `^\S` would match anything, so only fields count).
      for (const layout of built.layouts) collect(layout, false);
    }
    const best = new Map<string, { key: string; score: number; matched: string }>();
    for (const h of hits) if ((best.get(h.key)?.score ?? -1) < h.score) best.set(h.key, h);
    return [...best.values()].sort((a, b) => b.score - a.score);
  }

  private matcherFor(built: Built, log: string): LogMatcher {
    let matcher = this.matchers.get(log);
    if (!matcher) {
      matcher = compileLogMatcher(built.logCatalog, resolveLogs(built.logCatalog, log));
      this.matchers.set(log, matcher);
    }
    return matcher;
  }

  /**
   * The host to run this entry's runbooks on: the first candidate that serves one of its
   * components (a scheduler error naming a broker's address is not the broker's to fix), or one
   * whose component the inventory does not say.
   */
  private hostFor(entry: TriageEntry, candidates: readonly HostMention[]): HostMention | undefined {
    const same = this.inputs.sameComponent ?? ((a: string, b: string) => a === b);
    return candidates.find((h) => !h.component || !entry.components.length || entry.components.some((c) => same(c, h.component!)));
  }

  private result(entry: TriageEntry, score: number, exact: boolean, matched: string | undefined, host: HostMention | undefined): TriageResult {
    const checks = this.relatedChecks(entry);
    // A field value or an alert without an action of its own: the check that watches it says what to do.
    const borrowed = entry.action ? undefined : checks.find((c) => c.action);
    return {
      kind: entry.kind,
      id: entry.id,
      product: entry.product,
      ...(entry.components[0] ? { component: entry.components[0] } : {}),
      components: entry.components,
      logs: entry.logs,
      title: entry.title,
      section: entry.section,
      ...(entry.explanation ? { explanation: entry.explanation } : {}),
      ...(entry.action ? { action: entry.action } : borrowed ? { action: borrowed.action, actionFrom: borrowed.id } : {}),
      ...(entry.severity ? { severity: entry.severity } : {}),
      exact,
      ...(matched !== undefined ? { matched } : {}),
      score,
      checks,
      runbooks: this.relatedRunbooks(entry),
      ...(host ? { host } : {}),
    };
  }

  /** Checks that watch this entry: by pattern/field/log first, then same section, then same component. */
  private relatedChecks(entry: TriageEntry): RelatedCheck[] {
    const same = this.inputs.sameComponent ?? ((a: string, b: string) => a === b);
    const scored: Array<{ check: RelatedCheck; score: number }> = [];
    for (const pc of this.catalog.products) {
      for (const c of pc.checks) {
        if (entry.kind === 'check' && c.id === entry.id) continue;
        let score = 0;
        if (c.log && (c.log.pattern === entry.id || (entry.kind === 'log' && c.log.logId === entry.id))) score += 4;
        if (c.log && entry.logs.includes(c.log.logId)) score += 1;
        if (pc.product.id === entry.product && c.section === entry.section) score += 2;
        if (entry.kind === 'port' && c.ports?.includes(Number(entry.id.split(':').pop()))) score += 3;
        if (score === 0) continue;
        if (entry.components.length && !c.components.some((x) => entry.components.some((y) => same(x, y)))) continue;
        scored.push({ check: { id: c.id, product: pc.product.id, title: c.title, section: c.section, ...(c.action ? { action: c.action } : {}) }, score });
      }
    }
    return scored.sort((a, b) => b.score - a.score).slice(0, 5).map((s) => s.check);
  }

  private productOf(component: string): string | undefined {
    return this.catalog.products.find((p) => p.components.some((c) => c.id === component))?.product.id;
  }

  private relatedRunbooks(entry: TriageEntry): RunbookLink[] {
    const runbooks = this.inputs.runbooks ?? [];
    if (!runbooks.length) return [];
    const same = this.inputs.sameComponent;
    const found = new Map<string, RunbookLink>();
    // A component's runbooks live under its own product, which may not be the entry's (the
    // registry servers' logs are in the microservice chapter).
    for (const component of entry.components.length ? entry.components : ['']) {
      for (const product of new Set([entry.product, this.productOf(component) ?? entry.product])) {
        for (const r of runbooksFor({ product, section: entry.section, component }, runbooks, same)) if (!found.has(r.file)) found.set(r.file, r);
      }
    }
    return [...found.values()].slice(0, 5);
  }
}
