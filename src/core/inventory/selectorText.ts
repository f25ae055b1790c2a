/**
 * selectTargets' errors (selectors.ts words them in English, for logs and --json) in the user's
 * language, for the CLI and the run report: the selector, group and host names stay as written.
 */
import { translateKnown, type Translate } from '../l10n';

export const SELECTOR_TEXTS = [
  'empty target selector; known groups: {0}',
  'target "{0}" in "{1}" {2}; known groups: {3}',
  'target "{0}" {1}; known groups: {2}',
  'target "{0}" includes {1}; to run on the others, name them (e.g. {2})',
  'target "{0}" includes {1}',
];

/** Why a part of the selector matched nothing (the `why` of selectors.ts). */
export const WHY_TEXTS = [
  'is empty (stray comma)',
  'matches no host (known tags: {0})',
  'names no group "{0}"',
  'has an empty index',
  'is out of range: {0}',
  'group "{0}" has {1} host',
  'group "{0}" has {1} hosts',
  'names group "{0}", which has no hosts',
  'matches no group, host name or tag',
];

export function selectorText(t: Translate, message: string): string {
  const why = (v: string): string => (v === 'none' ? t(v) : translateKnown(t, v, WHY_TEXTS, why));
  return translateKnown(t, message, SELECTOR_TEXTS, why);
}
