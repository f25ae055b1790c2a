import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { main } from '../../../src/cli/main';
import type { Catalog } from '../../../src/core/catalog/types';
import { bundledCatalog, captureIO, minimalProduct, repoRoot, tempTree } from '../helpers';

async function run(args: string[], catalogDir = bundledCatalog) {
  const io = captureIO();
  const code = await main(args, io, catalogDir);
  return { code, ...io };
}

describe('sofa-ops catalog', () => {
  it('prints the whole catalog as JSON with both languages and section numbers', async () => {
    const { code, stdout } = await run(['catalog', '--json']);
    assert.strictEqual(code, 0);
    const catalog = JSON.parse(stdout) as Catalog;
    const ids = catalog.products.map((p) => p.product.id).sort();
    assert.deepStrictEqual(ids, ['acvip', 'cloud-platform', 'dbp', 'dds', 'dst', 'dtx', 'microservice', 'mq', 'physical-host', 'registry', 'troubleshooting']);
    const mq = catalog.products.find((p) => p.product.id === 'mq')!;
    const broker = mq.components.find((c) => c.id === 'msgbroker')!;
    assert.ok(broker.ports.some((p) => p.port === 9529 && p.purpose.zh && p.purpose.en));
    const registry = catalog.products.find((p) => p.product.id === 'registry')!;
    const closePush = registry.plans.find((p) => p.steps.some((s) => s.command === 'curl http://localhost:9615/stopPushDataSwitch/open'));
    assert.ok(closePush, 'the pre-change push switch procedure is there');
    assert.strictEqual(closePush.section, '7.4.1');
  });

  it('flattens text to one language with --lang and filters with --product', async () => {
    const { code, stdout } = await run(['catalog', '--json', '--lang', 'zh', '--product', 'acvip']);
    assert.strictEqual(code, 0);
    const data = JSON.parse(stdout) as { products: Array<{ product: { id: string; name: unknown }; patterns: Array<{ match: string; action: unknown }> }> };
    assert.strictEqual(data.products.length, 1);
    assert.strictEqual(typeof data.products[0].product.name, 'string');
    const domain = data.products[0].patterns.find((p) => p.match === 'Domain Not Found')!;
    assert.match(domain.action as string, /时间/);
  });

  it('prints a readable listing with ports, logs and patterns for one product', async () => {
    const { code, stdout } = await run(['catalog', '--product', 'dbp', '--lang', 'en']);
    assert.strictEqual(code, 0);
    assert.match(stdout, /dbp-proxy:8066/);
    assert.match(stdout, /\[ok\] "CobarServer is started and listening on 8066"/);
  });

  it("labels paraphrases and shows what was corrected in the guide in the listing", async () => {
    const { stdout } = await run(['catalog', '--product', 'acvip', '--lang', 'zh']);
    assert.match(stdout, /端口: 基础监控-端口监控（ACVIP-acvip，2022）（转述，非指南原文） {2}\[§10\.5\.1\.1\] {2}\(说明: 指南该表格单元格写作“2022 3 不通”/);
    assert.match(stdout, /"Domain Not Found" .*\[§10\.4\.2\] {2}\(出现在使用本产品的应用自己的日志中/);
    const en = await run(['catalog', '--product', 'dtx', '--lang', 'en']);
    assert.match(en.stdout, /\/home\/admin\/logs\/dtxserver\/common-default\.log {2}Default log {2}\[§5\.3\.1\.1\] {2}\(Note: The guide's path column repeats/);
  });

  it('exits 1 with file:line problems for an invalid catalog', async () => {
    const t = tempTree({ 'demo/catalog.yaml': minimalProduct.replace('severity: error', 'severity: loud') });
    try {
      const { code, stderr, stdout } = await run(['catalog', '--json'], t.dir);
      assert.strictEqual(code, 1);
      assert.strictEqual(stdout, '');
      assert.match(stderr, /demo\/catalog\.yaml:24: patterns\.0\.severity: must be one of/);
      assert.match(stderr, /has 1 problem\(s\)/);
    } finally {
      t.cleanup();
    }
  });

  it('exits 2 with usage for bad options and unknown products or commands', async () => {
    assert.strictEqual((await run(['catalog', '--lang', 'fr'])).code, 2);
    assert.strictEqual((await run(['catalog', '--bogus'])).code, 2);
    const unknown = await run(['catalog', '--product', 'nope']);
    assert.strictEqual(unknown.code, 2);
    assert.match(unknown.stderr, /known: microservice, dds, mq, dtx, dst, registry/);
    assert.strictEqual((await run(['frobnicate'])).code, 2);
    assert.strictEqual((await run(['--help'])).code, 0);
  });

  it('works as the installed `sofa-ops` command from the bundle', function () {
    // The real entry point users type: bin/sofa-ops.js over dist/cli.js (built by `npm run build`).
    const bin = path.join(repoRoot, 'bin', 'sofa-ops.js');
    const out = execFileSync(process.execPath, [bin, 'catalog', '--json', '--product', 'registry'], { encoding: 'utf8' });
    assert.strictEqual((JSON.parse(out) as Catalog).products[0].product.id, 'registry');
    const bad = spawnSync(process.execPath, [bin, 'catalog', '--catalog', '/nonexistent'], { encoding: 'utf8' });
    assert.strictEqual(bad.status, 1);
    assert.match(bad.stderr, /\/nonexistent:1: cannot read catalog folder/);
  });
});
