import { afterEach, describe, expect, it } from 'vitest';
import { crdLocation, deployment, edit, makeDist, TEST_CACHE_DIR, type DistOptions, type Fixture } from './__fixtures__/dist';
import { findRemovedApi } from './k8s-api';
import { definitionName } from './k8s-models-schema';
import { checkSchemas, clusterReleases, loadCoreSchemas, schemaPackage } from './k8s-schemas';
import { loadDist } from './load';
import type { Finding } from './types';
import { writeFile } from './test-helpers';

const fixtures: Fixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

function fixture(manifests: Record<string, unknown>, options: DistOptions = {}): Fixture {
  const made = makeDist({ dev: [{ name: 'app', manifests }] }, options);
  fixtures.push(made);
  return made;
}

async function validate(manifests: Record<string, unknown>, options: DistOptions = {}): Promise<Finding[]> {
  const made = fixture(manifests, options);
  return checkSchemas(loadDist(made.root, 'dist'), { crdLocation: crdLocation(), cacheDir: TEST_CACHE_DIR });
}

const brief = (findings: Finding[]) => findings.map((f) => [f.severity, f.rule, f.path, f.message]);

/** `lifecycle.stopSignal` exists from Kubernetes 1.33 on. */
const withStopSignal = () =>
  edit(deployment(), (d) => {
    d.spec.template.spec.containers[0].lifecycle = { stopSignal: 'SIGTERM' };
  });

const flowSchema = {
  apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3',
  kind: 'FlowSchema',
  metadata: { name: 'platform' },
  spec: { priorityLevelConfiguration: { name: 'workload-low' }, matchingPrecedence: 1000 },
};

describe('schemas of each release', () => {
  it('derives 1.30 from kubernetes-types and 1.33 from kubernetes-models, with the same definition names', () => {
    expect(schemaPackage('1.30')).toBe('kubernetes-types 1.30.0');
    expect(schemaPackage('1.33')).toBe('kubernetes-models 4.5.1');
    const floor = loadCoreSchemas(TEST_CACHE_DIR, '1.30');
    const current = loadCoreSchemas(TEST_CACHE_DIR, '1.33');
    const lifecycle = (bundle: typeof floor) => Object.keys((bundle.definitions['core.v1.Lifecycle'] as { properties: object }).properties);
    expect(lifecycle(floor)).not.toContain('stopSignal');
    expect(lifecycle(current)).toContain('stopSignal');
    expect(current.kinds['apps/v1'].Deployment).toBe('apps.v1.Deployment');
    expect(current.kinds['v1'].Pod).toBe('core.v1.Pod');
    // The string-literal unions of kubernetes-models become enums.
    expect((current.definitions['core.v1.Container'] as any).properties.imagePullPolicy).toEqual({
      type: 'string',
      enum: ['Always', 'IfNotPresent', 'Never'],
    });
  });

  it('names kubernetes-models types like kubernetes-types does', () => {
    expect(definitionName('IIoK8sApiAppsV1Deployment')).toBe('apps.v1.Deployment');
    expect(definitionName('IIoK8sApiFlowcontrolV1beta3FlowSchema')).toBe('flowcontrol.v1beta3.FlowSchema');
    expect(definitionName('IIoK8sApimachineryPkgApisMetaV1ObjectMeta')).toBe('meta.v1.ObjectMeta');
    expect(definitionName('IIoK8sApimachineryPkgApiResourceQuantity')).toBe('api.resource.Quantity');
    expect(definitionName('IIoK8sApimachineryPkgUtilIntstrIntOrString')).toBe('util.intstr.IntOrString');
    expect(definitionName('IIoK8sApiextensionsApiserverPkgApisApiextensionsV1JSONSchemaProps')).toBe('apiextensions.v1.JSONSchemaProps');
    expect(definitionName('IIoK8sKubeAggregatorPkgApisApiregistrationV1APIService')).toBe('apiregistration.v1.APIService');
    expect(() => definitionName('IIoK8sSomethingElse')).toThrow(/cannot name/);
  });

  it('knows which APIs each release removed', () => {
    expect(findRemovedApi('flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', '1.30')).toBeUndefined();
    expect(findRemovedApi('flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', '1.33')).toMatchObject({ removedIn: '1.32' });
    expect(findRemovedApi('policy/v1beta1', 'PodDisruptionBudget')).toMatchObject({ removedIn: '1.25', replacement: 'policy/v1' });
  });
});

describe('objects are checked against the floor 1.30 and the release the cluster declares', () => {
  it('a 1.33-only field passes the 1.33 check and fails the 1.30 one', async () => {
    expect(brief(await validate({ 'deployment-web.yaml': withStopSignal() }))).toEqual([
      [
        'error',
        'unknown-field',
        'spec.template.spec.containers[0].lifecycle.stopSignal',
        expect.stringMatching(/^unknown field "stopSignal" in .*\(Kubernetes 1\.30 schema of Deployment apps\/v1\)$/),
      ],
    ]);
  });

  it('a problem both releases find is reported once, naming both', async () => {
    const typo = edit(deployment(), (d) => (d.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes'));
    const findings = await validate({ 'deployment-web.yaml': typo });
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('(Kubernetes 1.30 and 1.33 schema of Deployment apps/v1)');
  });

  it('an API removed after the floor: a warning on 1.30, an error on 1.33', async () => {
    expect(brief(await validate({ 'flowschema-platform.yaml': flowSchema }, { kubernetesVersion: '1.30' }))).toEqual([
      ['warning', 'deprecated-api', 'apiVersion', expect.stringContaining('deprecated and removed in Kubernetes 1.32')],
    ]);
    expect(brief(await validate({ 'flowschema-platform.yaml': flowSchema }))).toEqual([
      ['warning', 'deprecated-api', 'apiVersion', expect.stringContaining('deprecated and removed in Kubernetes 1.32')],
      [
        'error',
        'removed-api',
        'apiVersion',
        'flowcontrol.apiserver.k8s.io/v1beta3 (FlowSchema) is not served since Kubernetes 1.32; use flowcontrol.apiserver.k8s.io/v1',
      ],
    ]);
  });

  it('the same object in two clusters is checked once and reported in each, with its own file', async () => {
    const typo = edit(deployment(), (d) => (d.spec.replica = 2));
    const made = makeDist({
      dev: [{ name: 'app', manifests: { 'deployment-web.yaml': typo } }],
      prod: [{ name: 'app', manifests: { 'deployment-web.yaml': typo } }],
    });
    fixtures.push(made);
    const ctx = loadDist(made.root, 'dist');
    expect(ctx.clusters[0].components[0].objects[0].contentKey).toBe(ctx.clusters[1].components[0].objects[0].contentKey);
    const findings = await checkSchemas(ctx, { crdLocation: crdLocation(), cacheDir: TEST_CACHE_DIR });
    expect(findings.map((f) => [f.cluster, f.file, f.path])).toEqual([
      ['dev', 'dist/dev/app/manifests/deployment-web.yaml', 'spec.replica'],
      ['prod', 'dist/prod/app/manifests/deployment-web.yaml', 'spec.replica'],
    ]);
  });

  it('a cluster that declares 1.30 is checked against 1.30 only', async () => {
    const made = fixture({}, { kubernetesVersion: '1.30' });
    expect(clusterReleases(loadDist(made.root, 'dist')).get('dev')).toEqual({
      declared: '1.30',
      source: 'dist/dev/cluster.json',
      checked: ['1.30'],
    });
  });
});

describe("where a cluster's release comes from", () => {
  it('dist/<cluster>/cluster.json, kubernetesVersion (v-prefix and patch accepted)', () => {
    const made = fixture({}, { kubernetesVersion: 'v1.33.4' });
    expect(clusterReleases(loadDist(made.root, 'dist')).get('dev')).toEqual({
      declared: '1.33',
      source: 'dist/dev/cluster.json',
      checked: ['1.30', '1.33'],
    });
  });

  it('else the Kubernetes row of the generated README.md', () => {
    const made = fixture({}, { kubernetesVersion: null });
    writeFile(made.root, 'dist/dev/README.md', '# Cluster `dev`\n\n| fact | value |\n|---|---|\n| Kubernetes | 1.33 |\n');
    expect(clusterReleases(loadDist(made.root, 'dist')).get('dev')).toEqual({
      declared: '1.33',
      source: 'dist/dev/README.md',
      checked: ['1.30', '1.33'],
    });
  });

  it('neither: the floor only, with a warning', async () => {
    const findings = await validate({ 'deployment-web.yaml': withStopSignal() }, { kubernetesVersion: null });
    expect(findings.map((f) => [f.severity, f.rule, f.file])).toEqual([
      ['warning', 'unknown-kubernetes-version', 'dist/dev/cluster.json'],
      ['error', 'unknown-field', 'dist/dev/app/manifests/deployment-web.yaml'],
    ]);
    expect(findings[0].message).toContain('checked against the floor 1.30 only');
  });

  it('a release without schemas here, or below the floor, is an error; a bad cluster.json is a load finding', async () => {
    const unsupported = await validate({}, { kubernetesVersion: '1.31' });
    expect(brief(unsupported)).toEqual([
      [
        'error',
        'unsupported-kubernetes-version',
        undefined,
        'cluster dev declares Kubernetes 1.31; validate has schemas for 1.30, 1.33: checked against the floor 1.30 only',
      ],
    ]);
    expect((await validate({}, { kubernetesVersion: '1.29' })).map((f) => f.message)).toEqual([
      'cluster dev declares Kubernetes 1.29, below the floor 1.30 the platform supports',
    ]);
    const bad = loadDist(fixture({}, { kubernetesVersion: 'latest' }).root, 'dist');
    expect(bad.clusters[0].kubernetes).toBeUndefined();
    expect(bad.loadFindings?.map((f) => [f.rule, f.file, f.message])).toEqual([
      ['invalid-cluster-json', 'dist/dev/cluster.json', 'cluster.json: kubernetesVersion is "latest"; expected a release such as "1.33"'],
    ]);
  });
});

describe('what the upstream charts render', () => {
  it('a field set to null is absent, as for the API server: optional passes, required is missing', async () => {
    const nulls = edit(deployment(), (d) => {
      d.metadata.annotations = null;
      d.spec.template.spec.containers[0].args = null;
    });
    expect(await validate({ 'deployment-web.yaml': nulls })).toEqual([]);
    const noName = edit(deployment(), (d) => (d.spec.template.spec.containers[0].name = null));
    expect((await validate({ 'deployment-web.yaml': noName })).map((f) => [f.rule, f.path])).toEqual([
      ['missing-field', 'spec.template.spec.containers[0].name'],
    ]);
  });

  it('a CRD with structural-schema extensions and an admission webhook with rule resources pass both releases', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    'x-kubernetes-preserve-unknown-fields': true,
                    properties: {
                      port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
                      items: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
                    },
                    'x-kubernetes-validations': [{ rule: 'self.port != 0', message: 'port must be set' }],
                  },
                },
              },
            },
          },
        ],
      },
    };
    const webhook = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'widgets' },
      webhooks: [
        {
          name: 'widgets.example.com',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          clientConfig: { service: { name: 'widgets', namespace: 'apps', path: '/validate' } },
          rules: [{ apiGroups: ['example.com'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['widgets'], scope: 'Namespaced' }],
        },
      ],
    };
    expect(
      await validate({ 'customresourcedefinition-widgets.example.com.yaml': crd, 'validatingwebhookconfiguration-widgets.yaml': webhook }),
    ).toEqual([]);
    const badListType = edit(
      crd,
      (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.items['x-kubernetes-list-type'] = 'bag'),
    );
    expect((await validate({ 'customresourcedefinition-widgets.example.com.yaml': badListType })).map((f) => f.path)).toEqual([
      'spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.items.x-kubernetes-list-type',
    ]);
  });
});
