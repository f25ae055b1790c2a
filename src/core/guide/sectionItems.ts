/**
 * Which catalog items come from a guide section, so the guide view can list them bilingually
 * beside the guide's text: details label a zh text that is not the guide's words and end with the
 * item's note (what the catalog corrected in the guide), so the reader can compare.
 */
import { guideText, noteText } from '../catalog/provenance';
import { pick } from '../catalog/text';
import type { Bilingual, Catalog, Lang, Note } from '../catalog/types';

export interface SectionItem {
  kind: string;
  id: string;
  label: string;
  detail: string;
}

export function itemsOfSection(catalog: Catalog, section: string, lang: Lang): SectionItem[] {
  const inSection = (s: string) => s === section || s.startsWith(`${section}.`);
  const t = (b: Bilingual | undefined) => pick(b, lang);
  const g = (b: Bilingual | undefined) => guideText(b, lang);
  const withNote = (detail: string, note: Note | undefined) => [detail, noteText(note, lang)].filter(Boolean).join(' — ');
  const items: SectionItem[] = [];
  for (const p of catalog.products) {
    for (const c of p.components) {
      if (inSection(c.section)) items.push({ kind: 'component', id: c.id, label: t(c.name), detail: withNote(g(c.role), c.note) });
      for (const port of c.ports) if (inSection(port.section)) items.push({ kind: 'port', id: `${c.id}:${port.port}`, label: String(port.port), detail: withNote(g(port.purpose), port.note) });
    }
    for (const m of p.metrics) if (inSection(m.section)) items.push({ kind: 'metric', id: m.id, label: t(m.name), detail: withNote([m.threshold ? g(m.threshold.text) : g(m.meaning), m.action ? g(m.action) : ''].filter(Boolean).join(' — '), m.note) });
    for (const l of p.logs) if (inSection(l.section)) items.push({ kind: 'log', id: l.id, label: l.path, detail: withNote(g(l.records), l.note) });
    for (const x of p.patterns) if (inSection(x.section)) items.push({ kind: `pattern (${x.severity})`, id: x.id, label: x.match, detail: withNote(`${g(x.explanation)} — ${g(x.action)}`, x.note) });
    for (const c of p.checks) if (inSection(c.section)) items.push({ kind: `check (${c.kind})`, id: c.id, label: t(c.title), detail: withNote([c.command ?? '', g(c.passWhen)].filter(Boolean).join(' — '), c.note) });
    for (const plan of p.plans) if (inSection(plan.section)) items.push({ kind: plan.kind, id: plan.id, label: t(plan.title), detail: withNote(plan.steps.map((s, i) => `${i + 1}. ${g(s.text)}`).join(' '), plan.note) });
  }
  return items;
}
