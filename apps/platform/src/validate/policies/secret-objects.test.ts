import { describe, expect, it } from 'vitest';
import { run, type Baseline } from './test-helpers';

describe('passing alternatives', () => {
  const passes = (mutate: (b: Baseline) => void) => expect(run(mutate).findings).toEqual([]);

  it('a Secret without data (filled by an operator)', () =>
    passes((b) => b.extra.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'api' }, type: 'Opaque' })));
});

describe('Secret objects', () => {
  it('a Secret with data is an error that names the keys, never the values', () => {
    const key = ['pass', 'word'].join('');
    const encoded = Buffer.from('not-a-real-value').toString('base64');
    const { findings } = run((b) =>
      b.extra.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'api' }, data: { [key]: encoded } }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'no-secret-data', path: 'data', object: 'Secret/api/db' });
    expect(findings[0].message).toContain(`"${key}"`);
    expect(findings[0].message).not.toContain(encoded);
  });
});
