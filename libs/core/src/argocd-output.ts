import { Construct } from 'constructs';
import { AppProject, Application, ApplicationSet } from '@platform/crds/generated/argoproj.io';
import type { ClusterSpec } from './cluster-spec';
import { Component, GroupKind, PROJECTS, ProjectName } from './component';
import { componentDir } from './dist-writer';
import { ARGOCD_SYNC_WAVE } from './labels';
import type { Platform } from './platform';

/** Namespace Argo CD runs in and where its Applications, ApplicationSets and AppProjects live. */
export const ARGOCD_NAMESPACE = 'argocd';

const PROJECT_DESCRIPTIONS: Record<ProjectName, string> = {
  infrastructure: 'CNI, mesh, certificates, node autoscaling, secrets, operators and Argo CD itself',
  iam: 'Keycloak and its database',
  observability: 'Prometheus, Grafana, Alertmanager, Loki and log collection',
  apps: 'Applications served to users',
};

/** Sync policy of every Application: automated with prune and self-heal, 5 retries with backoff. */
export const APPLICATION_SYNC_POLICY = {
  automated: { prune: true, selfHeal: true },
  retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
};

/** Deleting an Application deletes what it deployed (GitOps: a removed component disappears). */
export const APPLICATION_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

const uniqueSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** Namespaces and cluster-scoped kinds one component writes: its own objects plus what it declares for upstream. */
export function footprint(c: Component): { namespaces: string[]; clusterKinds: GroupKind[] } {
  const namespaces = new Set([c.applicationNamespace, ...c.upstreamNamespaces]);
  const kinds = new Map(c.upstreamClusterKinds.map((k) => [`${k.group}/${k.kind}`, k]));
  for (const o of c.objects()) {
    if (o.metadata.namespace) namespaces.add(o.metadata.namespace);
    else kinds.set(`${groupOf(o.apiVersion)}/${o.kind}`, { group: groupOf(o.apiVersion), kind: o.kind });
  }
  return {
    namespaces: uniqueSorted(namespaces),
    clusterKinds: [...kinds.values()].sort((a, b) => (`${a.group}/${a.kind}` < `${b.group}/${b.kind}` ? -1 : 1)),
  };
}

/**
 * One AppProject per project, restricted to exactly what its components need: this repository and
 * their upstream repositories as sources, their namespaces on this cluster as destinations, and the
 * cluster-scoped kinds they create. Never `*`.
 */
export function renderAppProjects(scope: Construct, platform: Platform): AppProject[] {
  const { spec } = platform;
  return PROJECTS.map((project) => {
    const members = platform.components.filter((c) => c.project === project);
    const repos = uniqueSorted([
      spec.gitops.repoURL,
      ...members.flatMap((c) => [c.chart?.repoURL, c.git?.repoURL].filter((r): r is string => !!r)),
    ]);
    const prints = members.map(footprint);
    const namespaces = uniqueSorted(prints.flatMap((p) => p.namespaces));
    const kinds = new Map(prints.flatMap((p) => p.clusterKinds).map((k) => [`${k.group}/${k.kind}`, k]));
    return new AppProject(scope, `project-${project}`, {
      metadata: { name: project, namespace: ARGOCD_NAMESPACE, annotations: { [ARGOCD_SYNC_WAVE]: '-1' } },
      spec: {
        description: `${PROJECT_DESCRIPTIONS[project]} (cluster ${spec.name})`,
        sourceRepos: repos,
        destinations: namespaces.map((namespace) => ({ server: spec.gitops.destination.server, namespace })),
        clusterResourceWhitelist: [...kinds.keys()].sort().map((k) => kinds.get(k)!),
      },
    });
  });
}

/**
 * The Application sources of a component, as the ApplicationSet template renders them from
 * component.json: the upstream chart with the committed values.yaml (multi-source with a `ref`),
 * upstream git manifests, and our manifests folder.
 */
export function applicationSources(spec: ClusterSpec, c: Component, hasManifests: boolean) {
  const dir = componentDir('dist', spec.name, c.name);
  const repo = { repoUrl: spec.gitops.repoURL, targetRevision: spec.gitops.revision };
  return [
    ...(c.chart
      ? [
          {
            repoUrl: c.chart.repoURL,
            chart: c.chart.chart,
            targetRevision: c.chart.version,
            helm: { releaseName: c.chart.releaseName ?? c.name, valueFiles: [`$values/${dir}/values.yaml`] },
          },
          { ...repo, ref: 'values' },
        ]
      : []),
    ...(c.git ? [{ repoUrl: c.git.repoURL, path: c.git.path, targetRevision: c.git.revision }] : []),
    ...(hasManifests ? [{ ...repo, path: `${dir}/manifests` }] : []),
  ];
}

/**
 * Go template patch that builds `spec.sources` and `syncOptions` from component.json, mirroring
 * applicationSources(). `hasKey` because the ApplicationSet runs with `missingkey=error`.
 */
export function sourcesTemplatePatch(spec: ClusterSpec): string {
  const repo = JSON.stringify(spec.gitops.repoURL);
  const rev = JSON.stringify(spec.gitops.revision);
  return [
    'spec:',
    '  sources:',
    '  {{- if hasKey . "chart" }}',
    '    - repoURL: {{ .chart.repoURL | quote }}',
    '      chart: {{ .chart.chart | quote }}',
    '      targetRevision: {{ .chart.version | quote }}',
    '      helm:',
    '        releaseName: {{ .chart.releaseName | quote }}',
    '        valueFiles:',
    '          - {{ printf "$values/%s" .chart.valuesFile | quote }}',
    `    - repoURL: ${repo}`,
    `      targetRevision: ${rev}`,
    '      ref: values',
    '  {{- end }}',
    '  {{- if hasKey . "git" }}',
    '    - repoURL: {{ .git.repoURL | quote }}',
    '      path: {{ .git.path | quote }}',
    '      targetRevision: {{ .git.revision | quote }}',
    '  {{- end }}',
    '  {{- if hasKey . "manifests" }}',
    `    - repoURL: ${repo}`,
    `      targetRevision: ${rev}`,
    '      path: {{ .manifests | quote }}',
    '  {{- end }}',
    '  syncPolicy:',
    '    syncOptions:',
    '    {{- range .syncOptions }}',
    '      - {{ . | quote }}',
    '    {{- end }}',
    '',
  ].join('\n');
}

/** Name of the ApplicationSet generating the Applications of one wave. */
export const waveApplicationSetName = (wave: number) => `platform-wave-${wave}`;

/**
 * One ApplicationSet per wave: a git files generator over `dist/<cluster>/*\/component.json`
 * filtered to the wave, so the bootstrap Application can sync wave N+1 only once the
 * ApplicationSet of wave N reports every generated Application Synced and Healthy (custom health
 * check in argocd-cm; see docs/adr/0001-argocd-ordering.md). `exclude` names component
 * directories not generated here (the Argo CD component manages itself through the bootstrap
 * Application).
 */
export function renderApplicationSets(scope: Construct, platform: Platform, exclude: readonly string[]): ApplicationSet[] {
  const { spec } = platform;
  const waves = [...new Set(platform.components.filter((c) => !exclude.includes(c.name)).map((c) => platform.waveOf(c.name)))].sort(
    (a, b) => a - b,
  );
  return waves.map(
    (wave) =>
      new ApplicationSet(scope, waveApplicationSetName(wave), {
        metadata: {
          name: waveApplicationSetName(wave),
          namespace: ARGOCD_NAMESPACE,
          // Wave w syncs at w+1: the AppProjects (-1) and Argo CD itself (0) come first.
          annotations: { [ARGOCD_SYNC_WAVE]: String(wave + 1) },
        },
        spec: {
          goTemplate: true,
          goTemplateOptions: ['missingkey=error'],
          generators: [
            {
              git: {
                repoUrl: spec.gitops.repoURL,
                revision: spec.gitops.revision,
                files: [
                  { path: `dist/${spec.name}/*/component.json` },
                  ...exclude.map((name) => ({ path: `dist/${spec.name}/${name}/component.json`, exclude: true })),
                ],
                // status.resources (read by the health check) refreshes on reconcile: keep it short.
                requeueAfterSeconds: 30,
              },
              selector: { matchLabels: { wave: String(wave) } },
            },
          ],
          syncPolicy: { preserveResourcesOnDeletion: false },
          template: {
            metadata: {
              name: '{{ .name }}',
              namespace: ARGOCD_NAMESPACE,
              labels: { 'platform/wave': '{{ .wave }}', 'platform/cluster': '{{ .cluster }}' },
              finalizers: [APPLICATION_FINALIZER],
            },
            spec: {
              project: '{{ .project }}',
              destination: { server: spec.gitops.destination.server, namespace: '{{ .namespace }}' },
              syncPolicy: APPLICATION_SYNC_POLICY,
            },
          },
          templatePatch: sourcesTemplatePatch(spec),
        },
      }),
  );
}

/**
 * The bootstrap Application: it manages the Argo CD component itself (chart + manifests, which
 * hold the AppProjects, the ApplicationSets and this Application). Terraform or `kubectl apply`
 * creates it once; from then on Argo CD manages itself.
 */
export function renderBootstrapApplication(scope: Construct, platform: Platform, self: Component): Application {
  const { spec } = platform;
  return new Application(scope, 'bootstrap-application', {
    metadata: {
      name: self.name,
      namespace: ARGOCD_NAMESPACE,
      labels: { 'platform/wave': String(platform.waveOf(self.name)), 'platform/cluster': spec.name },
    },
    spec: {
      project: self.project,
      destination: { server: spec.gitops.destination.server, namespace: self.applicationNamespace },
      sources: applicationSources(spec, self, true),
      syncPolicy: { ...APPLICATION_SYNC_POLICY, syncOptions: [...self.syncOptions] },
    },
  });
}
