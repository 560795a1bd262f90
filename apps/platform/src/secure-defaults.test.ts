import { describe, expect, test } from 'vitest';
import { Component, Platform, PlatformNamespace, SecureDeployment, renderTestCluster } from '@platform/core';
import { checkPolicies } from './validate/policies';
import { devContext, distComponent } from './validate/test-helpers';

/** A component built only from the core helpers, as a new component would be. */
class Web extends Component {
  constructor(scope: Platform, id: string, replicas: number) {
    super(scope, id, { namespace: 'web', project: 'apps' });
    new PlatformNamespace(this, 'namespace', { name: 'web' });
    new SecureDeployment(this, 'web', {
      name: 'web',
      namespace: 'web',
      image: 'registry.example.com/web:1.4.2',
      replicas,
      spread: 'zone',
      resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '128Mi', limit: '256Mi' } },
      port: { name: 'http', containerPort: 8080 },
      liveness: { path: '/healthz', port: 8080 },
      readiness: { path: '/ready', port: 8080 },
    });
  }
}

describe('the core workload and namespace helpers satisfy every validate policy', () => {
  test.each([1, 3])('with %i replicas', (replicas) => {
    const cluster = renderTestCluster((p) => new Web(p, 'web', replicas));
    const objects = cluster.components[0].objects;
    const { findings, exemptions } = checkPolicies(devContext([distComponent('dev', 'web', objects)]));
    expect(findings).toEqual([]);
    expect(exemptions).toEqual([]);
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(replicas > 1);
  });
});
