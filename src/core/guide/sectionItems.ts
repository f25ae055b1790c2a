/** Which catalog items come from a guide section, so the guide view can list them bilingually. */
import { pick } from '../catalog/text';
import type { Bilingual, Catalog, Lang } from '../catalog/types';

export interface SectionItem {
  kind: string;
  id: string;
  label: string;
  detail: string;
}

export function itemsOfSection(catalog: Catalog, section: string, lang: Lang): SectionItem[] {
  const inSection = (s: string) => s === section || s.startsWith(`${section}.`);
  const t = (b: Bilingual | undefined) => pick(b, lang);
  const items: SectionItem[] = [];
  for (const p of catalog.products) {
    for (const c of p.components) {
      if (inSection(c.section)) items.push({ kind: 'component', id: c.id, label: t(c.name), detail: t(c.role) });
      for (const port of c.ports) if (inSection(port.section)) items.push({ kind: 'port', id: `${c.id}:${port.port}`, label: String(port.port), detail: t(port.purpose) });
    }
    for (const m of p.metrics) if (inSection(m.section)) items.push({ kind: 'metric', id: m.id, label: t(m.name), detail: [m.threshold ? t(m.threshold.text) : t(m.meaning), m.action ? t(m.action) : ''].filter(Boolean).join(' — ') });
    for (const l of p.logs) if (inSection(l.section)) items.push({ kind: 'log', id: l.id, label: l.path, detail: t(l.records) });
    for (const x of p.patterns) if (inSection(x.section)) items.push({ kind: `pattern (${x.severity})`, id: x.id, label: x.match, detail: `${t(x.explanation)} — ${t(x.action)}` });
    for (const c of p.checks) if (inSection(c.section)) items.push({ kind: `check (${c.kind})`, id: c.id, label: t(c.title), detail: [c.command ?? '', t(c.passWhen)].filter(Boolean).join(' — ') });
    for (const plan of p.plans) if (inSection(plan.section)) items.push({ kind: plan.kind, id: plan.id, label: t(plan.title), detail: plan.steps.map((s, i) => `${i + 1}. ${t(s.text)}`).join(' ') });
  }
  return items;
}
