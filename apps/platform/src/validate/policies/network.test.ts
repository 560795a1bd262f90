import { describe, expect, it } from 'vitest';
import { rules, run } from './test-helpers';

describe('namespace default-deny', () => {
  it('a default-deny policy must deny both directions', () => {
    expect(rules(run((b) => (b.denyAll.spec.policyTypes = ['Ingress'])))).toEqual(['namespace-default-deny']);
    expect(rules(run((b) => (b.denyAll.spec.podSelector = { matchLabels: { a: 'b' } })))).toEqual(['namespace-default-deny']);
  });
});
