/**
 * Everything the catalog knows, flattened into one list of entries for the triage search: log
 * patterns, bad field values of documented log formats, alerts (metrics and thresholds), checks,
 * ports, log files, components, plans and products, each with its own words in zh and en.
 */
import { badFieldId } from '../logs/logScanner';
import { literalRuns } from '../logs/regexLiterals';
import type { Bilingual, Catalog, Check, Severity } from '../catalog/types';

export type TriageKind = 'pattern' | 'field' | 'metric' | 'check' | 'port' | 'log' | 'component' | 'plan' | 'product';

export interface TriageEntry {
  /** Unique across kinds: `${kind}:${id}`. */
  key: string;
  kind: TriageKind;
  /** The catalog id (a pattern id, `format.field` for a field, `component:port` for a port). */
  id: string;
  product: string;
  components: string[];
  title: Bilingual;
  section: string;
  explanation?: Bilingual;
  action?: Bilingual;
  severity?: Severity;
  /** Log ids the entry is about (a pattern's logs, a field's log, the log itself). */
  logs: string[];
  /** Words that name the entry but are not prose: ids, match text, paths, keys, port numbers. */
  keywords: string[];
  /** What the title is searched by, when not the title itself (a regex's literal text, not its syntax). */
  searchTitle?: string;
}

const both = (text: string): Bilingual => ({ zh: text, en: text });
const join = (...parts: Array<Bilingual | undefined>): Bilingual | undefined => {
  const present = parts.filter((p): p is Bilingual => !!p);
  return present.length ? { zh: present.map((p) => p.zh).join(' '), en: present.map((p) => p.en).join(' ') } : undefined;
};

export function triageEntries(catalog: Catalog): TriageEntry[] {
  const entries: TriageEntry[] = [];
  const add = (e: Omit<TriageEntry, 'key'>) => entries.push({ ...e, key: `${e.kind}:${e.id}` });
  const allLogs = catalog.products.flatMap((p) => p.logs);
  const logById = new Map(allLogs.map((l) => [l.id, l]));
  for (const pc of catalog.products) {
    const product = pc.product.id;
    add({ kind: 'product', id: product, product, components: [], title: pc.product.name, section: pc.product.section, explanation: pc.product.summary, logs: [], keywords: [product, ...(pc.product.aliases ?? [])] });
    for (const c of pc.components) {
      add({ kind: 'component', id: c.id, product, components: [c.id], title: c.name, section: c.section, explanation: c.role, logs: [], keywords: [c.id, c.appName ?? '', ...(c.aliases ?? []), c.logRoot ?? ''] });
      for (const port of c.ports) {
        add({ kind: 'port', id: `${c.id}:${port.port}`, product, components: [c.id], title: { zh: `${port.port} ${port.purpose.zh}`, en: `${port.port} ${port.purpose.en}` }, section: port.section, explanation: port.purpose, logs: [], keywords: [String(port.port), c.id] });
      }
    }
    for (const log of pc.logs) {
      add({ kind: 'log', id: log.id, product, components: log.components, title: both(log.name), section: log.section, explanation: log.records, logs: [log.id], keywords: [log.id, log.name, log.path] });
      for (const field of log.format?.fields ?? []) {
        if (!field.bad) continue;
        const id = badFieldId(log.format!.id, field.name);
        add({
          kind: 'field', id, product, components: log.components, title: { zh: `${log.name} ${field.name}：${field.meaning.zh}`, en: `${log.name} ${field.name}: ${field.meaning.en}` },
          section: log.section, explanation: { zh: `${field.bad.explanation.zh}（${field.meaning.zh}）`, en: `${field.bad.explanation.en} (${field.meaning.en})` }, severity: 'warning', logs: [log.id],
          keywords: [field.name, log.name, ...(field.bad.equals ?? [])],
        });
      }
    }
    for (const p of pc.patterns) {
      const components = p.components?.length ? p.components : [...new Set(p.logs.flatMap((id) => logById.get(id)?.components ?? []))];
      add({ kind: 'pattern', id: p.id, product, components, title: both(p.match), section: p.section, explanation: p.explanation, action: p.action, severity: p.severity, logs: p.logs, keywords: [p.regex ? '' : p.match, ...p.logs.map((id) => logById.get(id)?.name ?? '')], ...(p.regex ? { searchTitle: (literalRuns(p.match) ?? []).join(' ') } : {}) });
    }
    for (const m of pc.metrics) {
      add({ kind: 'metric', id: m.id, product, components: m.components, title: m.name, section: m.section, explanation: join(m.meaning, m.threshold?.text), action: m.action, logs: [], keywords: [m.key ?? '', m.level ?? ''] });
    }
    for (const c of pc.checks) {
      add({ kind: 'check', id: c.id, product, components: c.components, title: c.title, section: c.section, explanation: c.passWhen, action: c.action, logs: c.log ? [c.log.logId] : [], keywords: checkKeywords(c) });
    }
    for (const plan of pc.plans) {
      const steps = plan.steps.slice(0, 6).map((s) => s.text);
      const action = steps.length ? { zh: steps.map((s, i) => `${i + 1}. ${s.zh}`).join('\n'), en: steps.map((s, i) => `${i + 1}. ${s.en}`).join('\n') } : undefined;
      add({ kind: 'plan', id: plan.id, product, components: plan.components, title: plan.title, section: plan.section, explanation: join(plan.problem, plan.scope), action, logs: [], keywords: plan.steps.map((s) => s.command ?? '') });
    }
  }
  return entries;
}

function checkKeywords(c: Check): string[] {
  return [c.kind, c.resource ?? '', c.process ?? '', ...(c.ports ?? []).map(String), c.http ? `${c.http.port} ${c.http.path}` : '', c.command ?? '', c.log?.logId ?? ''];
}
