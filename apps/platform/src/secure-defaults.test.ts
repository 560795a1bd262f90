import { describe, expect, test } from 'vitest';
import { Component, Namespace, Platform, SecureDeployment, findComponent, renderTestCluster } from '@platform/core';
import { checkPolicies } from './validate/policies';
import { devContext, distComponent } from './validate/test-helpers';

/** A component built only from the core helpers, as a new component would be. */
class Web extends Component {
  constructor(scope: Platform, id: string, replicas: number) {
    super(scope, id, { namespace: Namespace.restricted('web'), project: 'apps' });
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

describe('the core workload helpers and the namespaces core renders satisfy every validate policy', () => {
  test.each([1, 3])('with %i replicas', (replicas) => {
    const cluster = renderTestCluster((p) => new Web(p, 'web', replicas));
    const web = findComponent(cluster, 'web').objects;
    const namespaces = findComponent(cluster, 'namespaces').objects;
    expect(namespaces.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['web']);
    const { findings, exemptions } = checkPolicies(
      devContext([distComponent('dev', 'namespaces', namespaces), distComponent('dev', 'web', web)]),
    );
    expect(findings).toEqual([]);
    expect(exemptions).toEqual([]);
    expect(web.some((o) => o.kind === 'PodDisruptionBudget')).toBe(replicas > 1);
  });
});
