import { describe, expect, test } from 'vitest';
import { deployment, distTree, crd } from './fixtures';
import { KObject } from './tree';
import { chartOf, imageChanges, imagesOf, parseImage } from './versions';

const objects = (files: Record<string, unknown>): KObject[] => [...distTree(files).get('dev')!.components.get('c')!.objects.values()];

describe('versions', () => {
  test('image references: repository and version', () => {
    expect(parseImage('quay.io/jetstack/cert-manager-controller:v1.21.1')).toEqual({
      repository: 'quay.io/jetstack/cert-manager-controller',
      version: 'v1.21.1',
    });
    expect(parseImage('localhost:5000/web')).toEqual({ repository: 'localhost:5000/web', version: '(untagged)' });
    expect(parseImage('registry.example.com/web:1.0@sha256:abc')).toEqual({
      repository: 'registry.example.com/web',
      version: '1.0@sha256:abc',
    });
  });

  test('images an object runs: image fields anywhere, --…-image= arguments; CRD schemas run nothing', () => {
    const web = deployment('api', 'web', 1, 'registry.example.com/web:1.0');
    const container = {
      ...web.spec.template.spec.containers[0],
      args: ['--acme-http01-solver-image=quay.io/jetstack/acmesolver:v1', '--v=2'],
    };
    const withInit = {
      ...web,
      spec: { ...web.spec, template: { spec: { containers: [container], initContainers: [{ name: 'init', image: 'busybox:1.37' }] } } },
    };
    const [o, schema] = objects({
      'dev/c/manifests/deployment-web.yaml': withInit,
      'dev/c/manifests/crd.yaml': { ...crd('widgets.example.com'), spec: { properties: { image: 'x:1' } } },
    }).sort((a, b) => (a.kind < b.kind ? 1 : -1));
    expect(imagesOf(o)).toEqual(['busybox:1.37', 'quay.io/jetstack/acmesolver:v1', 'registry.example.com/web:1.0']);
    expect(imagesOf(schema)).toEqual([]);
  });

  test('a repository whose versions change, with the objects that run the new one', () => {
    const side = (tag: string, sidecarTag: string) =>
      objects({
        'dev/c/manifests/deployment-a.yaml': deployment('c', 'a', 1, `registry.example.com/web:${tag}`),
        'dev/c/manifests/deployment-b.yaml': deployment('c', 'b', 1, `registry.example.com/sidecar:${sidecarTag}`),
      });
    const changes = imageChanges(side('1.0', '2.0'), side('1.1', '2.0'));
    expect(changes.map((c) => [c.repository, c.before, c.after, c.objects.map((o) => o.name)])).toEqual([
      ['registry.example.com/web', ['1.0'], ['1.1'], ['a']],
    ]);
  });

  test('chart provenance of component.json', () => {
    expect(chartOf({ chart: { chart: 'cert-manager', version: 'v1.21.1', digest: 'abc' } })).toEqual({
      chart: 'cert-manager',
      version: 'v1.21.1',
      digest: 'abc',
    });
    expect(chartOf({ name: 'namespaces' })).toBeUndefined();
  });
});
