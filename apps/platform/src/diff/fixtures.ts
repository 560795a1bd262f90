// Test helpers: small dist/ trees built in memory, shaped like synth's output (docs/dist-contract.md).
import { stringify } from 'yaml';
import { DistTree, parseDistFiles } from './tree';

/** Serializes `files` (path under dist/ → content; objects are written as JSON or YAML by extension). */
export function distFiles(files: Record<string, unknown>): Map<string, string> {
  return new Map(
    Object.entries(files).map(([path, content]) => {
      if (typeof content === 'string') return [path, content];
      return [path, path.endsWith('.json') ? `${JSON.stringify(content, null, 2)}\n` : stringify(content)];
    }),
  );
}

/** A tree from in-memory files. */
export function distTree(files: Record<string, unknown>): DistTree {
  return parseDistFiles(distFiles(files));
}

export function deployment(namespace: string, name: string, replicas: number, image: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      template: {
        spec: {
          containers: [{ name, image, resources: { limits: { memory: '128Mi' }, requests: { cpu: '10m', memory: '128Mi' } } }],
        },
      },
    },
  };
}

export function networkPolicy(namespace: string, name: string) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace },
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  };
}

export interface ComponentOptions {
  readonly wave?: number;
  readonly digest?: string;
  readonly project?: string;
}

/** component.json of a component; `chartVersion` undefined for a component without a chart. */
export function componentJson(cluster: string, name: string, chartVersion?: string, options: ComponentOptions = {}) {
  const chart = chartVersion && {
    repoURL: 'https://charts.example.com',
    chart: name,
    version: chartVersion,
    ...(options.digest ? { digest: options.digest } : {}),
    releaseName: name,
  };
  return {
    name,
    cluster,
    namespace: name,
    project: options.project ?? 'apps',
    wave: options.wave ?? 1,
    dependsOn: [],
    ...(chart ? { chart } : {}),
    manifests: `dist/${cluster}/${name}/manifests`,
  };
}

const REPO = 'https://github.com/example-org/platform-manifests.git';

const automated = { automated: { prune: true, selfHeal: true } };

/**
 * What synth writes for Argo CD (ADR 0004): the `argocd` component with the bootstrap Applications
 * `argocd` (its manifests except the ApplicationSets) and `platform` (only the ApplicationSets), and
 * one ApplicationSet per component with its wave (`waves`: component → wave; `argocd` has none).
 */
export function argocdDelivery(cluster: string, waves: Record<string, number>): Record<string, unknown> {
  const dir = `${cluster}/argocd`;
  const files: Record<string, unknown> = {
    [`${dir}/component.json`]: componentJson(cluster, 'argocd', undefined, { wave: 1, project: 'bootstrap' }),
    [`${dir}/manifests/application-argocd.yaml`]: bootstrapApplication(cluster, 'argocd', { exclude: 'applicationset-*.yaml' }),
    [`${dir}/manifests/application-platform.yaml`]: bootstrapApplication(cluster, 'platform', { include: 'applicationset-*.yaml' }),
  };
  for (const [component, wave] of Object.entries(waves)) {
    if (component !== 'argocd') files[`${dir}/manifests/applicationset-${component}.yaml`] = applicationSet(cluster, component, wave);
  }
  return files;
}

function bootstrapApplication(cluster: string, name: string, directory: Record<string, string>) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: 'argocd',
      ...(name === 'platform' ? { annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false' } } : {}),
    },
    spec: {
      destination: { namespace: 'argocd', server: 'https://kubernetes.default.svc' },
      project: 'bootstrap',
      source: { directory, path: `dist/${cluster}/argocd/manifests`, repoURL: REPO, targetRevision: 'main' },
      syncPolicy: { ...automated, syncOptions: ['ServerSideApply=true', 'Delete=false'] },
    },
  };
}

/** The ApplicationSet of one component, as synth writes it. */
export function applicationSet(cluster: string, component: string, wave: number) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: {
      name: component,
      namespace: 'argocd',
      annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false', 'argocd.argoproj.io/sync-wave': String(wave) },
    },
    spec: {
      generators: [{ git: { files: [{ path: `dist/${cluster}/${component}/component.json` }], repoURL: REPO, revision: 'main' } }],
      goTemplate: true,
      syncPolicy: { preserveResourcesOnDeletion: false },
      template: {
        metadata: { name: '{{ .name }}', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
        spec: {
          destination: { namespace: '{{ .namespace }}', server: 'https://kubernetes.default.svc' },
          project: '{{ .project }}',
          source: { path: '{{ .manifests }}', repoURL: REPO, targetRevision: 'main' },
          syncPolicy: automated,
        },
      },
    },
  };
}

/** The ADR 0001 layout: one ApplicationSet per wave, selecting components by the `wave` of their component.json. */
export function perWaveApplicationSet(cluster: string, wave: number) {
  const set = applicationSet(cluster, `platform-wave-${wave}`, wave + 1);
  const generator = {
    git: {
      files: [{ path: `dist/${cluster}/*/component.json` }, { path: `dist/${cluster}/argocd/component.json`, exclude: true }],
      repoURL: REPO,
      revision: 'main',
    },
    selector: { matchLabels: { wave: String(wave) } },
  };
  return { ...set, spec: { ...set.spec, generators: [generator] } };
}

/** A Namespace with `annotations` (none: a chart's own Namespace). */
export function namespace(name: string, annotations: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) } };
}

/** A Namespace as the `namespaces` component declares it (docs/dist-contract.md). */
export function declaredNamespace(name: string) {
  return namespace(name, {
    'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
    'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false',
  });
}

/** An object of any kind, with annotations. */
export function object(apiVersion: string, kind: string, namespace: string, name: string, annotations: Record<string, string> = {}) {
  const metadata = { name, ...(namespace ? { namespace } : {}), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
  return { apiVersion, kind, metadata };
}

export function crd(name: string, annotations: Record<string, string> = {}) {
  return {
    ...object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', '', name, annotations),
    spec: { group: name.split('.').slice(1).join('.') },
  };
}

export function statefulSet(namespace: string, name: string, whenDeleted?: 'Delete' | 'Retain') {
  return {
    ...object('apps/v1', 'StatefulSet', namespace, name),
    spec: {
      replicas: 1,
      ...(whenDeleted ? { persistentVolumeClaimRetentionPolicy: { whenDeleted } } : {}),
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }],
    },
  };
}
