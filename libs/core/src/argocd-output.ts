import { Construct } from 'constructs';
import { AppProject, Application, ApplicationSet } from '@platform/crds/generated/argoproj.io';
import { ARGOCD_NAMESPACE } from './argocd-names';
import { SynthError } from './errors';
import { groupOf } from './kinds';
import type { ClusterSpec } from './cluster-spec';
import { Component, GroupKind, PROJECTS, ProjectName } from './component';
import { componentDir } from './dist-writer';
import { ARGOCD_SYNC_OPTIONS, ARGOCD_SYNC_WAVE } from './labels';
import type { Platform } from './platform';

const PROJECT_DESCRIPTIONS: Record<ProjectName, string> = {
  bootstrap: 'Argo CD itself, the ApplicationSets that deliver the platform, and the namespaces',
  infrastructure: 'CNI, mesh, certificates, node autoscaling, secrets and operators',
  iam: 'Keycloak and its database',
  observability: 'Prometheus, Grafana, Alertmanager, Loki and log collection',
  apps: 'Applications served to users',
};

/** Sync policy of every component Application: automated with prune and self-heal, 5 retries with backoff. */
export const APPLICATION_SYNC_POLICY = {
  automated: { prune: true, selfHeal: true },
  retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
};

/**
 * Sync policy of the `platform` Application that syncs the ApplicationSets wave by wave: retried
 * without limit (a negative limit), so a wave whose Application recovers continues by itself; each
 * attempt ends at the controller's sync timeout at the latest (`controller.sync.timeout.seconds`).
 */
export const PLATFORM_SYNC_POLICY = {
  automated: { prune: true, selfHeal: true },
  retry: { limit: -1, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } },
};

/** Deleting a component's Application deletes what it deployed (a removed component disappears). */
export const APPLICATION_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** File names of the ApplicationSets in the argocd component's manifests (synced by the `platform` Application). */
export const APPLICATIONSET_FILES = 'applicationset-*.yaml';

/** Name of the Application that syncs the ApplicationSets, one per component, wave by wave. */
export const PLATFORM_APPLICATION = 'platform';

/** Kinds only the bootstrap project may write: what delivers the platform. */
const DELIVERY_KINDS: GroupKind[] = [
  { group: 'argoproj.io', kind: 'Application' },
  { group: 'argoproj.io', kind: 'ApplicationSet' },
  { group: 'argoproj.io', kind: 'AppProject' },
];

const uniqueSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/**
 * Namespaces and cluster-scoped kinds one component writes: its own objects, what its chart
 * rendered, and its declared namespaces.
 */
export function footprint(c: Component): { namespaces: string[]; clusterKinds: GroupKind[] } {
  const namespaces = new Set(c.namespaces.map((n) => n.name));
  const kinds = new Map<string, GroupKind>();
  for (const o of [
    ...c.objects().map((x) => ({ apiVersion: x.apiVersion, kind: x.kind, namespace: x.metadata.namespace })),
    ...c.chartObjects.map((x) => ({ apiVersion: x.apiVersion, kind: x.kind, namespace: x.metadata.namespace })),
  ]) {
    if (o.namespace) namespaces.add(o.namespace);
    else kinds.set(`${groupOf(o.apiVersion)}/${o.kind}`, { group: groupOf(o.apiVersion), kind: o.kind });
  }
  return {
    namespaces: uniqueSorted(namespaces),
    clusterKinds: [...kinds.values()].sort((a, b) => (`${a.group}/${a.kind}` < `${b.group}/${b.kind}` ? -1 : 1)),
  };
}

/**
 * One AppProject per project, restricted to exactly what its components need: this repository as
 * the only source (charts are rendered into it), their namespaces on this cluster as destinations,
 * and the cluster-scoped kinds they create. Never `*`. Only `bootstrap` may write Applications,
 * ApplicationSets and AppProjects; the other projects cannot reach the argocd namespace at all.
 */
export function renderAppProjects(scope: Construct, platform: Platform): AppProject[] {
  const { spec } = platform;
  return PROJECTS.map((project) => {
    const prints = platform.components.filter((c) => c.project === project).map(footprint);
    const namespaces = uniqueSorted(prints.flatMap((p) => p.namespaces));
    const kinds = new Map(prints.flatMap((p) => p.clusterKinds).map((k) => [`${k.group}/${k.kind}`, k]));
    if (project !== 'bootstrap') {
      const intruders = platform.components.filter((c) => c.project === project && footprint(c).namespaces.includes(ARGOCD_NAMESPACE));
      if (intruders.length > 0)
        throw new SynthError(
          intruders.map((c) => ({
            file: platform.file,
            path: `components.${c.name}.project`,
            message: `got "${project}", but the component writes into namespace ${ARGOCD_NAMESPACE}: only the bootstrap project delivers into it (Argo CD itself and the namespaces)`,
          })),
        );
    }
    return new AppProject(scope, `project-${project}`, {
      metadata: { name: project, namespace: ARGOCD_NAMESPACE, annotations: { [ARGOCD_SYNC_WAVE]: '-1' } },
      spec: {
        description: `${PROJECT_DESCRIPTIONS[project]} (cluster ${spec.name})`,
        sourceRepos: [spec.gitops.repoURL],
        destinations: namespaces.map((namespace) => ({ server: spec.gitops.destination.server, namespace })),
        clusterResourceWhitelist: [...kinds.keys()].sort().map((k) => kinds.get(k)!),
        ...(project === 'bootstrap' ? {} : { namespaceResourceBlacklist: DELIVERY_KINDS }),
      },
    });
  });
}

/** The one source of every Application: a folder of this repository's dist/. */
function distSource(spec: ClusterSpec, path: string, directory?: { include?: string; exclude?: string }) {
  return { repoUrl: spec.gitops.repoURL, targetRevision: spec.gitops.revision, path, ...(directory && { directory }) };
}

/**
 * One ApplicationSet per component, named after it, generating exactly one Application from
 * `dist/<cluster>/<component>/component.json`. Its sync wave in the `platform` Application is the
 * component's wave: a wave change edits one annotation of this ApplicationSet, never its name, so
 * the Application keeps its owner and nothing is deleted or re-created. The `platform` Application
 * waits for each wave's ApplicationSets to be healthy (every generated Application Synced and
 * Healthy: the health check in argocd-cm). See docs/adr/0004-argocd-delivery.md.
 */
export function renderApplicationSets(scope: Construct, platform: Platform, exclude: readonly string[]): ApplicationSet[] {
  const { spec } = platform;
  return platform.components
    .filter((c) => !exclude.includes(c.name) && c.objects().length + c.chartObjects.length > 0)
    .map((c) => {
      const dir = componentDir('dist', spec.name, c.name);
      return new ApplicationSet(scope, `applicationset-${c.name}`, {
        metadata: {
          name: c.name,
          namespace: ARGOCD_NAMESPACE,
          annotations: {
            [ARGOCD_SYNC_WAVE]: String(platform.waveOf(c.name)),
            // Deleting the `platform` Application never cascades to the platform; a component
            // removed from dist/ is still pruned (Delete=false guards deletion, not pruning).
            [ARGOCD_SYNC_OPTIONS]: 'Delete=false',
          },
        },
        spec: {
          goTemplate: true,
          goTemplateOptions: ['missingkey=error'],
          generators: [
            {
              git: {
                repoUrl: spec.gitops.repoURL,
                revision: spec.gitops.revision,
                files: [{ path: `${dir}/component.json` }],
                // status.resources (read by the health check) refreshes on reconcile: keep it short.
                requeueAfterSeconds: 30,
              },
            },
          ],
          // Removing a component deletes what its Application deployed (except Delete=false objects,
          // CRDs and helm keep objects).
          syncPolicy: { preserveResourcesOnDeletion: false },
          template: {
            metadata: {
              name: '{{ .name }}',
              namespace: ARGOCD_NAMESPACE,
              labels: { 'platform/cluster': '{{ .cluster }}', 'platform/component': '{{ .name }}' },
              finalizers: [APPLICATION_FINALIZER],
            },
            spec: {
              project: '{{ .project }}',
              destination: { server: spec.gitops.destination.server, namespace: '{{ .namespace }}' },
              source: { repoUrl: spec.gitops.repoURL, targetRevision: spec.gitops.revision, path: '{{ .manifests }}' },
              syncPolicy: APPLICATION_SYNC_POLICY,
            },
          },
          templatePatch: SYNC_OPTIONS_PATCH,
        },
      });
    });
}

/** Go template patch adding the component's sync options; `hasKey`, as the set runs with `missingkey=error`. */
export const SYNC_OPTIONS_PATCH = [
  '{{- if hasKey . "syncOptions" }}',
  'spec:',
  '  syncPolicy:',
  '    syncOptions:',
  '    {{- range .syncOptions }}',
  '      - {{ . | quote }}',
  '    {{- end }}',
  '{{- end }}',
  '',
].join('\n');

/**
 * The two Applications the bootstrap creates (Terraform or `kubectl apply`), both in the bootstrap
 * project, without the resources finalizer and with `Delete=false` (deleting either, even with a
 * cascade from the UI, deletes nothing it delivered), each with one source:
 * - `argocd` manages Argo CD itself: the argocd component's manifests except the ApplicationSets.
 *   It never waits for the platform, so Argo CD's own updates and self-heal are never blocked.
 * - `platform` syncs the ApplicationSets, one sync wave per platform wave, retried without limit.
 */
export function renderBootstrapApplications(scope: Construct, platform: Platform, self: Component): Application[] {
  const { spec } = platform;
  const manifests = `${componentDir('dist', spec.name, self.name)}/manifests`;
  const destination = { server: spec.gitops.destination.server, namespace: self.home.name };
  const labels = { 'platform/cluster': spec.name };
  return [
    new Application(scope, 'application-argocd', {
      metadata: { name: self.name, namespace: ARGOCD_NAMESPACE, labels },
      spec: {
        project: 'bootstrap',
        destination,
        source: distSource(spec, manifests, { exclude: APPLICATIONSET_FILES }),
        // Delete=false: deleting this Application (the UI and CLI add the finalizer by default)
        // keeps Argo CD and everything it delivers.
        syncPolicy: { ...APPLICATION_SYNC_POLICY, syncOptions: [...self.syncOptions, 'Delete=false'] },
      },
    }),
    new Application(scope, 'application-platform', {
      metadata: {
        name: PLATFORM_APPLICATION,
        namespace: ARGOCD_NAMESPACE,
        labels,
        // After Argo CD's own objects and the AppProjects; kept if the argocd Application is deleted.
        annotations: { [ARGOCD_SYNC_WAVE]: '1', [ARGOCD_SYNC_OPTIONS]: 'Delete=false' },
      },
      spec: {
        project: 'bootstrap',
        destination,
        source: distSource(spec, manifests, { include: APPLICATIONSET_FILES }),
        syncPolicy: { ...PLATFORM_SYNC_POLICY, syncOptions: ['ServerSideApply=true', 'Delete=false'] },
      },
    }),
  ];
}
