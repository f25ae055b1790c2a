/** Choosing one language out of the catalog's bilingual text. */
import type { Bilingual, Lang } from './types';

export function pick(text: Bilingual | undefined, lang: Lang): string {
  if (!text) return '';
  return text[lang] || text.zh || text.en;
}

/** Map a UI locale such as "zh-cn" or "en-US" to the catalog language used for it. */
export function langForLocale(locale: string | undefined): Lang {
  return locale?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** Replace every `{zh, en}` object in a JSON-ready value by the chosen language's string. */
export function flattenLanguage(value: unknown, lang: Lang): unknown {
  if (Array.isArray(value)) return value.map((v) => flattenLanguage(v, lang));
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (typeof record.zh === 'string' && typeof record.en === 'string' && keys.every((k) => k === 'zh' || k === 'en' || k === 'zhSource')) {
      return pick(record as unknown as Bilingual, lang);
    }
    return Object.fromEntries(keys.map((k) => [k, flattenLanguage(record[k], lang)]));
  }
  return value;
}
