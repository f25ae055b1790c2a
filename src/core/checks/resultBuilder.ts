/**
 * How the inspection runner words a check's result: English in the result's own fields, Chinese
 * beside it in `zh`, so a report can be shown in either language without running again.
 */
import type { Bilingual } from '../catalog/types';
import { bilingual as b, translator } from '../l10n';
import type { PlannedCheck } from './checkPlan';
import { resultText, type CheckResult, type CheckStatus } from './types';

/** Runner wording: English only (host output, the guide's own strings), or in both languages. */
export type Text = string | Bilingual;

/** Result fields that may be worded in both languages. */
export type Extra = Partial<Omit<CheckResult, 'value' | 'threshold'>> & { value?: Text; threshold?: Text };

const en = (t: Text | undefined) => (t === undefined || typeof t === 'string' ? t : t.en);
const zhOf = (t: Text | undefined) => (t === undefined ? undefined : typeof t === 'string' ? t : t.zh);

/** A result's field as both languages, to word a new message around it. */
export function own(r: CheckResult, field: 'message' | 'value' | 'threshold'): Bilingual {
  return { en: r[field] ?? '', zh: resultText(r, field, 'zh') ?? '' };
}

/** The result with a new message (English in `message`, Chinese in `zh.message`). */
export function withMessage(r: CheckResult, message: Bilingual, extra: Partial<CheckResult> = {}): CheckResult {
  return { ...r, ...extra, message: message.en, zh: { ...r.zh, message: message.zh } };
}

/** ExecOutcome / SshError kinds as the reader sees them. */
export function outcomeWord(kind: string | undefined): Bilingual {
  return b(kind ?? 'error');
}

export function base(planned: PlannedCheck, host: string | undefined, status: CheckStatus, message: Text, durationMs: number, extra: Extra = {}): CheckResult {
  const { check, product, component } = planned;
  const { value, threshold, ...rest } = extra;
  const bilingualParts = [message, value, threshold].some((t) => t !== undefined && typeof t !== 'string');
  return {
    checkId: check.id,
    product: product.product.id,
    kind: check.kind,
    component,
    host,
    status,
    message: en(message)!,
    section: check.section,
    title: check.title,
    passWhen: check.passWhen,
    ...(status === 'fail' || status === 'warn' ? { action: check.action } : {}),
    durationMs,
    ...rest,
    ...(value !== undefined ? { value: en(value) } : {}),
    ...(threshold !== undefined ? { threshold: en(threshold) } : {}),
    ...(bilingualParts ? { zh: { message: zhOf(message), value: zhOf(value), threshold: zhOf(threshold) } } : {}),
  };
}

/** Texts in both languages joined as a list. */
export function joined(parts: readonly Bilingual[], separator = ', '): Bilingual {
  const t = { en: translator('en'), zh: translator('zh') };
  return { en: parts.map((p) => p.en).join(t.en(separator)), zh: parts.map((p) => p.zh).join(t.zh(separator)) };
}
