import { describe, expect, test } from 'vitest';
import {
  Component,
  Namespace,
  Platform,
  findComponent,
  renderTestCluster,
  renderTestClusterWithManifests,
  synthProblems,
} from '@platform/core';
import { GATEWAY_API_VERSION, GatewayApi } from '@platform/gateway-api';

class Cni extends Component {
  constructor(scope: Platform, id: string) {
    super(scope, id, { namespace: Namespace.kubeSystem(), project: 'infrastructure' });
  }
}

describe('GatewayApi', () => {
  test('delivers exactly the 8 standard-channel CRDs of the v1.5.1 release files, before anything else of its Application', async () => {
    const cluster = await renderTestClusterWithManifests((p) => new GatewayApi(p, 'gateway-api'));
    const c = findComponent(cluster, 'gateway-api');
    expect(c.objects.map((o) => o.metadata.name).sort()).toEqual(
      ['backendtlspolicies', 'gatewayclasses', 'gateways', 'grpcroutes', 'httproutes', 'listenersets', 'referencegrants', 'tlsroutes'].map(
        (n) => `${n}.gateway.networking.k8s.io`,
      ),
    );
    for (const crd of c.objects) {
      expect(crd.kind).toBe('CustomResourceDefinition');
      expect(crd.metadata.annotations).toMatchObject({
        'gateway.networking.k8s.io/bundle-version': GATEWAY_API_VERSION,
        'gateway.networking.k8s.io/channel': 'standard',
        'argocd.argoproj.io/sync-wave': '-1',
      });
    }
  });

  test('is an infrastructure Application in kube-system, applied server-side (the HTTPRoute CRD is about 240 kB)', () => {
    const cluster = renderTestCluster((p) => new GatewayApi(p, 'gateway-api'));
    expect(findComponent(cluster, 'gateway-api')).toMatchObject({
      namespace: 'kube-system',
      project: 'infrastructure',
      syncOptions: ['ServerSideApply=true'],
    });
  });

  test('syncs after the CNI when the cluster has one', () => {
    const cluster = renderTestCluster((p) => new GatewayApi(p, 'gateway-api', { cni: new Cni(p, 'cilium') }));
    const c = findComponent(cluster, 'gateway-api');
    expect(c.dependsOn).toContain('cilium');
    expect(c.wave).toBeGreaterThan(findComponent(cluster, 'cilium').wave);
  });

  test('a CNI that is not a component fails with what is expected', () => {
    expect(synthProblems(() => renderTestCluster((p) => new GatewayApi(p, 'gateway-api', { cni: 'cilium' as never })))).toEqual([
      expect.stringContaining(
        `components.gateway-api.cni: got "cilium", expected the cluster's CNI (Cilium) component (a value of the cluster file)`,
      ),
    ]);
  });
});
