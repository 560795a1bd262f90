import { describe, expect, test } from 'vitest';
import { Risk, compareTrees, diffValues } from './compare';
import { argocdDelivery, componentJson, deployment, distTree, networkPolicy } from './fixtures';
import { renderPath } from './markdown';

const paths = (before: unknown, after: unknown) => diffValues(before, after).map((f) => [renderPath(f.path), f.op, f.before, f.after]);

/** Risks as `title: object-or-file path`. */
const risks = (list: readonly Risk[]) =>
  list.map(
    (r) =>
      `${r.title}: ${r.object ? `${r.object.kind}/${r.object.name}` : (r.file ?? r.component ?? r.cluster)}${r.change ? ` ${renderPath(r.change.path)}` : ''}`,
  );

describe('diffValues', () => {
  test('reports the first differing path: added, removed, changed', () => {
    expect(paths({ a: 1, b: { c: 'x', d: [1, 2] } }, { a: 2, b: { d: [1], e: null } })).toEqual([
      ['a', 'changed', 1, 2],
      ['b.c', 'removed', 'x', undefined],
      ['b.d[1]', 'removed', 2, undefined],
      ['b.e', 'added', undefined, null],
    ]);
  });

  test('array items with distinct names are matched by name, reordering reported once', () => {
    const before = { containers: [{ name: 'a', image: 'a:1' }, { name: 'b' }] };
    const after = { containers: [{ name: 'b' }, { name: 'a', image: 'a:2' }, { name: 'c' }] };
    expect(paths(before, after)).toEqual([
      ['containers[name=a].image', 'changed', 'a:1', 'a:2'],
      ['containers[name=c]', 'added', undefined, { name: 'c' }],
      ['containers', 'changed', ['a', 'b'], ['b', 'a']],
    ]);
  });

  test('arrays without names are aligned on their equal items: one inserted, changed or removed item is one change', () => {
    expect(paths({ a: ['x', 'y', 'z'] }, { a: ['x', 'new', 'y', 'z'] })).toEqual([['a[1]', 'added', undefined, 'new']]);
    expect(paths({ args: ['--a=1', '--b=1', '--c'] }, { args: ['--a=1', '--b=2', '--c'] })).toEqual([
      ['args[1]', 'changed', '--b=1', '--b=2'],
    ]);
    // Of two items removed for one added, the one that shares entries with it changed (r[0] below is the added one's index).
    expect(paths({ r: [{ kind: 'A' }, { kind: 'B', x: 1 }] }, { r: [{ kind: 'B', x: 2 }] })).toEqual([
      ['r[0]', 'removed', { kind: 'A' }, undefined],
      ['r[0].x', 'changed', 1, 2],
    ]);
  });

  test('keys that are not identifiers are quoted; equal values give nothing', () => {
    expect(paths({ labels: { 'app.kubernetes.io/name': 'x' } }, { labels: { 'app.kubernetes.io/name': 'y' } })[0][0]).toBe(
      'labels["app.kubernetes.io/name"]',
    );
    expect(diffValues({ a: [{ x: 1 }], b: 'c' }, { b: 'c', a: [{ x: 1 }] })).toEqual([]);
  });
});

describe('compareTrees', () => {
  const base = {
    ...argocdDelivery('dev', { api: 1 }),
    'dev/api/component.json': componentJson('dev', 'api', '1.0.0'),
    'dev/api/manifests/deployment-web.yaml': deployment('api', 'web', 2, 'web:1.0'),
    'dev/api/manifests/networkpolicy-allow-web.yaml': networkPolicy('api', 'allow-web'),
  };

  test('identical trees differ in nothing; objects are identified by identity, not file name', () => {
    const renamedFile = { ...base, 'dev/api/manifests/networkpolicy-allow-web.yaml': undefined };
    delete renamedFile['dev/api/manifests/networkpolicy-allow-web.yaml'];
    const moved = { ...renamedFile, 'dev/api/manifests/networkpolicy-api-allow-web.yaml': networkPolicy('api', 'allow-web') };
    expect(compareTrees(distTree(base), distTree(base))).toEqual({ clusters: [], risks: [] });
    expect(compareTrees(distTree(base), distTree(moved))).toEqual({ clusters: [], risks: [] });
  });

  test('a rename is a delete + create, reported as a breaking change', () => {
    const head = { ...base, 'dev/api/manifests/deployment-web.yaml': deployment('api', 'web2', 2, 'web:1.0') };
    const diff = compareTrees(distTree(base), distTree(head));
    expect(diff.clusters[0].components[0].added.map((o) => o.name)).toEqual(['web2']);
    expect(diff.clusters[0].components[0].removed.map((o) => o.name)).toEqual(['web']);
    expect(risks(diff.risks)).toEqual(['Object re-created: Deployment/web']);
    expect(diff.risks[0].note).toBe(
      'becomes Deployment `api/web2`: `api` creates the new object and prunes the old one; anything that refers to the old one breaks',
    );
  });

  test('availability and security risks', () => {
    const pdb = (spec: object) => ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'api' },
      spec,
    });
    const pa = (mode: string) => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: 'api' },
      spec: { mtls: { mode } },
    });
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'api' } };
    const web = deployment('api', 'web', 3, 'web:1.0');
    const before = {
      ...base,
      'dev/api/values.yaml': { server: { replicaCount: 3, resources: { limits: { cpu: '1' } } }, image: { tag: '1.0' } },
      'dev/api/manifests/deployment-web.yaml': web,
      'dev/api/manifests/poddisruptionbudget-web.yaml': pdb({ minAvailable: 2 }),
      'dev/api/manifests/peerauthentication-default.yaml': pa('STRICT'),
      'dev/api/manifests/namespace-api.yaml': ns,
    };
    const container = { name: 'web', image: 'web:1.0' }; // its resources removed
    const after = {
      ...before,
      'dev/api/values.yaml': { server: { replicaCount: 2, resources: {} }, image: { tag: '1.1' } },
      'dev/api/manifests/deployment-web.yaml': { ...web, spec: { template: { spec: { containers: [container] } } } },
      'dev/api/manifests/poddisruptionbudget-web.yaml': pdb({ minAvailable: 1 }),
      'dev/api/manifests/peerauthentication-default.yaml': pa('PERMISSIVE'),
    };
    delete (after as Record<string, unknown>)['dev/api/manifests/namespace-api.yaml'];
    // values.yaml of a hydrated chart: its images are read from the rendered objects (unchanged here).
    expect(risks(compareTrees(distTree(before), distTree(after)).risks)).toEqual([
      'Namespace deleted: Namespace/api',
      'mTLS weakened: PeerAuthentication/default spec.mtls.mode',
      'PodDisruptionBudget minAvailable lowered: PodDisruptionBudget/web spec.minAvailable',
      'Replicas lowered: Deployment/web spec.replicas',
      'Replicas lowered: values.yaml server.replicaCount',
      'Resources removed: Deployment/web spec.template.spec.containers[name=web].resources',
      'Resources removed: values.yaml server.resources.limits',
    ]);
  });

  test('removed PodDisruptionBudget, STRICT PeerAuthentication, CRD and component; new permissive PeerAuthentication', () => {
    const obj = (apiVersion: string, kind: string, name: string, spec?: object) => ({
      apiVersion,
      kind,
      metadata: { name, namespace: 'api' },
      spec,
    });
    const before = {
      ...base,
      ...argocdDelivery('dev', { api: 1, crds: 1 }),
      'dev/api/manifests/poddisruptionbudget-web.yaml': obj('policy/v1', 'PodDisruptionBudget', 'web', { maxUnavailable: 1 }),
      'dev/api/manifests/peerauthentication-default.yaml': obj('security.istio.io/v1', 'PeerAuthentication', 'default', {
        mtls: { mode: 'STRICT' },
      }),
      'dev/api/manifests/authorizationpolicy-web.yaml': obj('security.istio.io/v1', 'AuthorizationPolicy', 'web', {}),
      'dev/crds/component.json': componentJson('dev', 'crds', '1.0.0'),
      'dev/crds/manifests/customresourcedefinition-widgets.example.com.yaml': {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
      },
    };
    const after = {
      ...base,
      'dev/api/manifests/peerauthentication-web.yaml': obj('security.istio.io/v1', 'PeerAuthentication', 'web', {
        portLevelMtls: { '8080': { mode: 'DISABLE' } },
      }),
    };
    // The finalizer keeps the removed component's CRD: no CRD risk.
    const diff = compareTrees(distTree(before), distTree(after));
    expect(diff.risks[0].note).toBe(
      '`platform` prunes ApplicationSet `crds`, so Kubernetes deletes Application `crds`, which the set owns; its resources finalizer deletes 0 objects and keeps 1',
    );
    expect(risks(diff.risks)).toEqual([
      'Component removed: crds',
      'STRICT PeerAuthentication removed: PeerAuthentication/default',
      'mTLS weakened: PeerAuthentication/web spec.portLevelMtls["8080"].mode',
      'AuthorizationPolicy removed: AuthorizationPolicy/web',
      'PodDisruptionBudget removed: PodDisruptionBudget/web',
    ]);
  });

  test('a Namespace losing its sidecar injection label', () => {
    const ns = (labels: object) => ({
      'dev/namespaces/manifests/namespace-api.yaml': { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'api', labels } },
    });
    const diff = compareTrees(distTree(ns({ 'istio-injection': 'enabled' })), distTree(ns({ 'istio-injection': 'disabled' })));
    expect(risks(diff.risks)).toEqual(['Sidecar injection disabled: Namespace/api metadata.labels.istio-injection']);
    expect(compareTrees(distTree(ns({ 'istio-injection': 'disabled' })), distTree(ns({ 'istio-injection': 'enabled' }))).risks).toEqual([]);
  });

  test('new and removed clusters are whole-cluster entries; a removed cluster is one risk', () => {
    const diff = compareTrees(distTree(base), distTree({ 'prod/api/component.json': componentJson('prod', 'api', '1.0.0') }));
    expect(diff.clusters.map((c) => [c.name, c.status, c.components.map((x) => x.status)])).toEqual([
      ['dev', 'removed', ['removed', 'removed']],
      ['prod', 'added', ['added']],
    ]);
    expect(risks(diff.risks)).toEqual(['Cluster removed: dev']);
  });
});
