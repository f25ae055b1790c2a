/**
 * The runbooks shipped under runbooks/<product>/ (issue 7, part 4): the guide's emergency plans
 * (应急预案), change procedures and each product's business checks (业务功能检查) as runnable
 * notebooks. They must parse cleanly, survive the editor's save byte for byte, only run on
 * inventory targets named after catalog components, and together cover every emergency plan and
 * procedure of the catalog. Registry changes that close push must reopen it in a `finally` step.
 */
import * as assert from 'assert';
import { readdirSync, readFileSync, statSync } from 'fs';
import * as path from 'path';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import type { Catalog, Plan } from '../../../../src/core/catalog/types';
import { parseExpectation } from '../../../../src/core/runbook/expectation';
import { type CodeCell, type Runbook, runbookParameters } from '../../../../src/core/runbook/runbookFormat';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';
import { rollbackCells } from '../../../../src/core/runbook/runbookRunner';
import { serializeRunbook } from '../../../../src/core/runbook/runbookSerializer';
import { FAULTS } from '../../../../src/demo/faults';
import { bundledCatalog } from '../../helpers';

interface Shipped {
  /** Relative to runbooks/, e.g. registry/restart-meta.runbook.md */
  rel: string;
  folder: string;
  text: string;
  runbook: Runbook;
  problems: string[];
}

function findRunbooks(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return findRunbooks(full);
      return name.endsWith('.runbook.md') ? [full] : [];
    });
}

const shipped: Shipped[] = findRunbooks(bundledCatalog).map((file) => {
  const text = readFileSync(file, 'utf8');
  const rel = path.relative(bundledCatalog, file).split(path.sep).join('/');
  const { runbook, problems } = parseRunbook(text, file);
  return { rel, folder: rel.split('/')[0], text, runbook, problems: problems.map((p) => `${p.line}: ${p.message}`) };
});

const codeCells = (runbook: Runbook): CodeCell[] => runbook.cells.filter((c): c is CodeCell => c.kind === 'code');

/** Does the runbook follow or cite the guide section (front matter, or "§7.4.1" in its text)? */
function cites(s: Shipped, section: string): boolean {
  if (s.runbook.frontMatter?.meta?.section === section) return true;
  const escaped = section.replace(/\./g, '\\.');
  return new RegExp(`§${escaped}(?![.\\d])`).test(s.text);
}

/**
 * Catalog procedures that get no runbook, and why. Everything else with a section must be cited.
 */
const notRunbooks: Record<string, string> = {
  'registry-dr-switchover':
    '§7.6 says Registry is deployed independently in both rooms: only the SaaS business is switched, Registry needs no switchover, so there is no step to run.',
};

describe('shipped runbooks (runbooks/<product>/*.runbook.md)', () => {
  let catalog: Catalog;
  let componentIds: Set<string>;
  before(async () => {
    const loaded = await loadCatalog(bundledCatalog);
    assert.deepStrictEqual(loaded.problems, []);
    catalog = loaded.catalog;
    componentIds = new Set(catalog.products.flatMap((p) => p.components.map((c) => c.id)));
  });

  it('ships runbooks for every product of the guide', () => {
    const folders = new Set(shipped.map((s) => s.folder));
    for (const p of ['microservice', 'dds', 'mq', 'dtx', 'dst', 'registry', 'dbp', 'cloud-platform', 'acvip', 'physical-host', 'troubleshooting']) {
      assert.ok(folders.has(p), `no runbook under runbooks/${p}/`);
    }
  });

  it('parse with no problems', () => {
    const broken = shipped.filter((s) => s.problems.length).map((s) => `${s.rel}: ${s.problems.join('; ')}`);
    assert.deepStrictEqual(broken, []);
  });

  it('round-trip byte-identical (what the notebook editor writes on save)', () => {
    for (const s of shipped) assert.strictEqual(serializeRunbook(s.runbook), s.text, s.rel);
  });

  it('have front matter naming their folder as product, a guide section and catalog components', () => {
    const products = new Set(catalog.products.map((p) => p.product.id));
    for (const s of shipped) {
      const meta = s.runbook.frontMatter?.meta;
      assert.ok(meta?.title, `${s.rel}: no title`);
      assert.strictEqual(meta.product, s.folder, `${s.rel}: product`);
      assert.ok(products.has(meta.product!), `${s.rel}: product ${meta.product} is not in the catalog`);
      assert.match(meta.section ?? '', /^\d+(\.\d+)*$/, `${s.rel}: section`);
      for (const c of meta.components ?? []) assert.ok(componentIds.has(c), `${s.rel}: component ${c} is not in the catalog`);
    }
  });

  it('rehearse on the demo with its faults: a drill names demo faults and one of its cells, and its kind', () => {
    const problems: string[] = [];
    const kinds: Record<string, string> = {};
    for (const r of shipped) {
      const drill = r.runbook.frontMatter?.meta?.drill;
      if (!drill) continue;
      for (const f of drill.fault.split(',')) if (!(f.split('@')[0] in FAULTS)) problems.push(`${r.rel}: no demo fault "${f}"`);
      if (!r.runbook.cells.some((c) => c.kind === 'code' && c.options.name === drill.failsAt)) problems.push(`${r.rel}: failsAt names no cell "${drill.failsAt}"`);
      if (drill.kind) kinds[r.rel] = drill.kind;
    }
    assert.deepStrictEqual(problems, []);
    // The two §11 plans turn the drill around: one is for a host that is down, one is the recovery.
    assert.deepStrictEqual(kinds, { 'physical-host/abnormal-reboot-recovery.runbook.md': 'recovery', 'physical-host/host-down-migration.runbook.md': 'situation' });
    const bad = parseRunbook(`---\ntitle: t\ndrill: { fault: host-down, failsAt: x, kind: sometimes }\n---\n`, 'bad.runbook.md');
    assert.ok(bad.problems.some((p) => /kind/.test(p.message)), bad.problems.map((p) => p.message).join('; '));
    assert.strictEqual(bad.runbook.frontMatter?.meta?.drill, undefined, 'a drill with an unknown kind is not used');
  });

  it('run every code cell on a target or as a manual step; cell names are unique', () => {
    for (const s of shipped) {
      const names = new Set<string>();
      for (const cell of codeCells(s.runbook)) {
        assert.ok(cell.options.target || cell.options.manual, `${s.rel}:${cell.line}: a code cell needs target= or manual`);
        assert.ok(cell.options.name, `${s.rel}:${cell.line}: cells are named (the audit trail shows the name)`);
        assert.ok(!names.has(cell.options.name!), `${s.rel}:${cell.line}: duplicate name ${cell.options.name}`);
        names.add(cell.options.name!);
      }
    }
  });

  it('target inventory groups named after catalog components (parameters at their defaults)', () => {
    for (const s of shipped) {
      const params = runbookParameters(s.runbook);
      for (const cell of codeCells(s.runbook)) {
        if (!cell.options.target) continue;
        const selector = cell.options.target.replace(/\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g, (_m, name: string) => {
          const value = params[name]?.default;
          assert.ok(value !== undefined, `${s.rel}:${cell.line}: target uses {{${name}}}, which has no default`);
          return String(value);
        });
        for (const part of selector.split(',')) {
          const group = part.replace(/\[[^\]]*\]$/, '');
          assert.ok(componentIds.has(group), `${s.rel}:${cell.line}: target ${part} is not a catalog component`);
        }
      }
    }
  });

  it('write manual steps as # comments, and every expect is valid', () => {
    for (const s of shipped) {
      for (const cell of codeCells(s.runbook)) {
        if (cell.options.manual) {
          const code = cell.source.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
          assert.deepStrictEqual(code, [], `${s.rel}:${cell.line}: a manual step is instructions only`);
          assert.ok(!cell.options.target, `${s.rel}:${cell.line}: a manual step runs nowhere`);
        }
        if (cell.options.expect) assert.ok(!parseExpectation(cell.options.expect).error, `${s.rel}:${cell.line}: expect`);
      }
    }
  });

  it('ask before destructive steps (close push, changePeer, starting kubelet)', () => {
    for (const s of shipped) {
      for (const cell of codeCells(s.runbook)) {
        if (/stopPushDataSwitch\/open|changePeer|kubelet start|\b(kill|reboot|stop\.sh)\b/.test(cell.source)) {
          assert.ok(cell.options.confirm, `${s.rel}:${cell.line} (${cell.options.name}) needs confirm`);
        }
      }
    }
  });

  it('reopen registry push in finally steps after every close (§7.4.1 → §7.4.2)', () => {
    const closing = shipped.filter((s) => codeCells(s.runbook).some((c) => c.source.includes('stopPushDataSwitch/open')));
    const names = closing.map((s) => s.rel);
    for (const required of ['registry/restart-meta.runbook.md', 'registry/restart-data.runbook.md', 'registry/restart-session.runbook.md', 'registry/version-upgrade.runbook.md', 'registry/scale-out-data.runbook.md', 'registry/scale-out-session.runbook.md', 'registry/service-exception-emergency.runbook.md']) {
      assert.ok(names.includes(required), `${required} closes push around its change`);
    }
    for (const s of closing) {
      if (s.rel === 'registry/close-push.runbook.md') continue; // the pre-operation alone (§7.4.1), paired with open-push
      const cells = codeCells(s.runbook);
      const close = cells.findIndex((c) => c.source.includes('stopPushDataSwitch/open'));
      const reopen = cells.findIndex((c, i) => i > close && c.source.includes('stopPushDataSwitch/close'));
      assert.ok(reopen > close, `${s.rel}: push is closed but never reopened`);
      assert.ok(cells[reopen].options.finally || cells[reopen].options.after, `${s.rel}: the reopen step must be finally or a gated cleanup (after=)`);
      assert.strictEqual(cells[reopen].options.target, cells[close].options.target, `${s.rel}: reopen on the node that closed`);
      const verify = cells.slice(reopen + 1).find((c) => c.source.includes('digest/pushSwitch'));
      assert.ok(verify?.options.finally || verify?.options.after, `${s.rel}: the check that push is open must be cleanup too`);
      assert.match(verify.options.expect ?? '', /pushSwitch==open/, `${s.rel}: verify open`);
      // Nothing between the close and the reopen may be a finally step that skips ahead of it.
      assert.ok(cells.slice(close, reopen).every((c) => !c.options.finally), `${s.rel}: finally steps come after the change`);
    }
    // §7.4.4 / §7.8.1: after a failed or cancelled half-upgrade, reopening push risks 推空: gated on the health checks.
    const upgrade = codeCells(shipped.find((s) => s.rel === 'registry/version-upgrade.runbook.md')!.runbook);
    const reopenUpgrade = upgrade.find((c) => c.source.includes('stopPushDataSwitch/close'))!;
    assert.deepStrictEqual(reopenUpgrade.options.after?.split(','), ['meta-health', 'data-health', 'session-health', 'watch-pubsub']);
    assert.match(reopenUpgrade.options.otherwise ?? '', /push stays closed/);
    assert.ok(!reopenUpgrade.options.finally);
    // The post-operation alone (§7.4.2) is cleanup through and through.
    const open = shipped.find((s) => s.rel === 'registry/open-push.runbook.md')!;
    assert.ok(codeCells(open.runbook).every((c) => c.options.finally));
  });

  it('keep the rollback section out of a normal run and put cells there only when the guide gives a rollback', () => {
    for (const s of shipped) {
      const rollback = rollbackCells(s.runbook);
      for (const index of rollback) {
        const cell = s.runbook.cells[index] as CodeCell;
        assert.ok(cell.options.manual || cell.options.confirm, `${s.rel}:${cell.line}: a rollback step is manual or confirmed`);
      }
    }
  });

  it('cover every emergency plan and change procedure of the catalog (or say why not)', () => {
    const plans: Array<{ product: string; plan: Plan }> = catalog.products.flatMap((p) => p.plans.filter((plan) => plan.kind !== 'scenario' && plan.section).map((plan) => ({ product: p.product.id, plan })));
    assert.ok(plans.length >= 40, `only ${plans.length} plans`);
    const missing = plans
      .filter(({ plan }) => !notRunbooks[plan.id])
      .filter(({ product, plan }) => !shipped.some((s) => s.folder === product && cites(s, plan.section)))
      .map(({ product, plan }) => `${product} §${plan.section} ${plan.id}`);
    assert.deepStrictEqual(missing, []);
    for (const id of Object.keys(notRunbooks)) assert.ok(plans.some(({ plan }) => plan.id === id), `exclusion ${id} is not a catalog plan any more`);
  });

  it('give every emergency plan (应急预案) a runbook of its own', () => {
    for (const p of catalog.products) {
      for (const plan of p.plans.filter((x) => x.kind === 'emergency')) {
        assert.ok(
          shipped.some((s) => s.folder === p.product.id && s.runbook.frontMatter?.meta?.section === plan.section),
          `${p.product.id} §${plan.section} ${plan.id}: no runbook with section "${plan.section}"`,
        );
      }
    }
  });

  it("turn each product's business checks (业务功能检查) into a runbook", () => {
    for (const p of catalog.products) {
      const sections = new Set(p.checks.filter((c) => ['command', 'http', 'process'].includes(c.kind)).map((c) => c.section));
      for (const section of sections) {
        assert.ok(shipped.some((s) => s.folder === p.product.id && cites(s, section)), `${p.product.id}: no runbook for the checks of §${section}`);
      }
    }
    // DDS has no 业务功能检查 section; its port monitoring and console check (§3.1.1, §3.3.1) stand in.
    assert.ok(shipped.some((s) => s.rel === 'dds/datasource-config-check.runbook.md' && cites(s, '3.1.1')));
  });

  it('run the ACVIP and middleware-console scenarios that have steps', () => {
    for (const id of ['acvip-server-node-liveness', 'acvip-domain-list-not-pulled', 'cloud-platform-portal-home-unreachable', 'cloud-platform-portal-page-error']) {
      const found = catalog.products.flatMap((p) => p.plans.map((plan) => ({ product: p.product.id, plan }))).find(({ plan }) => plan.id === id);
      assert.ok(found, id);
      assert.ok(shipped.some((s) => s.folder === found.product && cites(s, found.plan.section)), `${id} (§${found.plan.section})`);
    }
  });
});
