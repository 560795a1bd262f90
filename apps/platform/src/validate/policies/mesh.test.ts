import { describe, expect, it } from 'vitest';
import { rules, run, type Baseline } from './test-helpers';

describe('passing alternatives', () => {
  const passes = (mutate: (b: Baseline) => void) => expect(run(mutate).findings).toEqual([]);

  it('a namespace-wide STRICT PeerAuthentication without a mesh-wide one; istio.io/rev label', () =>
    passes((b) => {
      b.namespace.metadata.labels = { 'istio.io/rev': 'stable' };
      b.mesh.metadata.namespace = 'api';
    }));

  it('a port-level PERMISSIVE exception with its reason (plaintextPort) does not weaken the namespace', () =>
    passes((b) =>
      b.extra.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'db-plaintext-8000', namespace: 'api', annotations: { 'platform/reason': 'the operator has no sidecar' } },
        spec: {
          selector: { matchLabels: { 'cnpg.io/cluster': 'db' } },
          mtls: { mode: 'STRICT' },
          portLevelMtls: { '8000': { mode: 'PERMISSIVE' } },
        },
      }),
    ));

  it('an unmeshed namespace needs no PeerAuthentication', () =>
    passes((b) => {
      b.namespace.metadata.labels = {};
      b.mesh.spec.mtls.mode = 'DISABLE';
    }));
});

describe('mesh mTLS', () => {
  it('a namespace PeerAuthentication overrides a STRICT mesh-wide one', () => {
    const result = run((b) =>
      b.extra.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'default', namespace: 'api' },
        spec: { mtls: { mode: 'PERMISSIVE' } },
      }),
    );
    expect(rules(result)).toEqual(['mesh-mtls-strict']);
    expect(result.findings[0].message).toContain('"PERMISSIVE"');
  });

  it('a missing mesh-wide PeerAuthentication is reported on the Namespace', () => {
    const { findings } = run((b) => (b.mesh.metadata.namespace = 'somewhere'));
    expect(findings.map((f) => [f.rule, f.object])).toEqual([['mesh-mtls-strict', 'Namespace/api']]);
  });
});

describe('plaintext only on a port, with its reason', () => {
  const exception = (spec: Record<string, unknown>, annotations?: Record<string, string>) =>
    run((b) =>
      b.extra.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'db', namespace: 'api', ...(annotations && { annotations }) },
        spec: { selector: { matchLabels: { 'cnpg.io/cluster': 'db' } }, ...spec },
      }),
    );

  it('whole pods PERMISSIVE is a finding even when the namespace stays STRICT', () => {
    const result = exception({ mtls: { mode: 'PERMISSIVE' } }, { 'platform/reason': 'why not' });
    expect(rules(result)).toEqual(['mesh-plaintext-port-only']);
    expect(result.findings[0].message).toContain('for whole pods');
  });

  it('a plaintext port without a reason is a finding', () => {
    const result = exception({ mtls: { mode: 'STRICT' }, portLevelMtls: { '8000': { mode: 'DISABLE' } } });
    expect(result.findings.map((f) => f.message)).toEqual([
      'PeerAuthentication/api/db: port 8000 accepts plaintext without a reason (annotation platform/reason)',
    ]);
  });
});
