/**
 * Opening a runbook "for a host" (from triage, or from an inspection FAIL): which declared
 * parameters take the host's name, and which cell targets narrow to it. A parameter takes the
 * host when it is a string that names a host (`host`, `node`, `target`…), names the host's
 * component or group, or defaults to a selector of one of the host's groups (`registry-meta[0]`);
 * a cell whose target selects the host among others runs on the host only. Nothing else changes:
 * the values are offered in the usual prompts, where the user can still change them.
 */
import type { ParameterDecl } from './runbookFormat';

export interface PrefillHost {
  name: string;
  component?: string;
  groups: readonly string[];
}

export interface HostPrefill {
  host: string;
  /** Parameter values offered as defaults (the user confirms each in its prompt). */
  params: Record<string, string>;
}

const HOST_NAMES = /^(host|hosts|target|targets|node|server|instance|container|machine)$/i;

/** `registry-meta[0]`, `registry-meta[0:2]`, `registry-meta` → `registry-meta`. */
function selectorGroup(value: string): string {
  return value.trim().replace(/\[[^\]]*\]$/, '');
}

export function hostPrefill(decls: Readonly<Record<string, ParameterDecl>>, host: PrefillHost): HostPrefill {
  const groups = new Set([...(host.component ? [host.component] : []), ...host.groups]);
  const params: Record<string, string> = {};
  for (const [name, decl] of Object.entries(decls)) {
    if (decl.secret) continue;
    if (decl.type !== 'string' && !(decl.type === 'enum' && decl.allowed?.map(String).includes(host.name))) continue;
    const byName = HOST_NAMES.test(name) || groups.has(name);
    const byDefault = typeof decl.default === 'string' && decl.default !== '' && groups.has(selectorGroup(decl.default));
    if (!byName && !byDefault) continue;
    if (decl.pattern !== undefined) {
      try {
        if (!new RegExp(`^(?:${decl.pattern})$`, 'u').test(host.name)) continue;
      } catch {
        continue;
      }
    }
    params[name] = host.name;
  }
  return { host: host.name, params };
}

/** A cell's targets for a run opened for `prefill.host`: that host alone when the cell selects it. */
export function narrowTargets(selected: readonly string[], prefill: HostPrefill | undefined): string[] {
  if (!prefill || !selected.includes(prefill.host)) return [...selected];
  return [prefill.host];
}
