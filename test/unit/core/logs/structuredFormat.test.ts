import * as assert from 'assert';
import type { LogFormat } from '../../../../src/core/catalog/types';
import { isBad, StructuredFormat } from '../../../../src/core/logs/structuredFormat';

const meaning = (en: string) => ({ zh: en, en });

describe('StructuredFormat', () => {
  it('splits separator formats into fields with their meaning and offsets', () => {
    const format: LogFormat = {
      id: 'demo-pool',
      separator: ',',
      fields: [
        { name: 'pool', meaning: meaning('Thread pool') },
        { name: 'queued', meaning: meaning('Queued tasks'), bad: { gt: 100, explanation: meaning('Queue is backing up') } },
      ],
    };
    const parsed = new StructuredFormat(format).parse('bizPool,250,extra')!;
    assert.deepStrictEqual(
      parsed.fields.map((f) => [f.name, f.value, f.start, f.end, f.bad?.en]),
      [
        ['pool', 'bizPool', 0, 7, undefined],
        ['queued', '250', 8, 11, 'Queue is backing up'],
      ],
    );
    assert.strictEqual(new StructuredFormat(format).parse('no separator here'), undefined);
  });

  it('reads the drm-monitor and threadpool layouts of the guide, and leaves other lines alone', () => {
    const monitor = new StructuredFormat({
      id: 'drm-monitor',
      regex: '\\[(?<dimension>monitorZone)\\](?<totalConnections>\\d+);(?<zone>[^;]*);(?<instanceIds>\\d+);(?<configItems>\\d+);(?<zoneConnections>\\d+);?',
      fields: ['dimension', 'totalConnections', 'zone', 'instanceIds', 'configItems', 'zoneConnections'].map((name) => ({ name, meaning: meaning(name) })),
    });
    const fields = monitor.parse('[monitorZone]11;DEFAULT_ZONE;4;32;3;')!.fields;
    assert.deepStrictEqual(Object.fromEntries(fields.map((f) => [f.name, f.value])), {
      dimension: 'monitorZone', totalConnections: '11', zone: 'DEFAULT_ZONE', instanceIds: '4', configItems: '32', zoneConnections: '3',
    });
    assert.ok(fields.every((f) => !f.bad));
    assert.strictEqual(monitor.parse('2024-05-06 10:11:12,345 INFO started'), undefined);
  });

  it('calls a value bad when any condition of the rule holds', () => {
    const rule = { equals: ['N'], regex: '^ERR', gt: 0, explanation: meaning('bad') };
    assert.deepStrictEqual(['N', 'ERR_X', '3', '0', 'Y', 'n/a'].map((v) => isBad(rule, v)), [true, true, true, false, false, false]);
  });
});
