import { type AwsNames, awsNames } from './aws-names';
import type { ComponentJson } from './component-json';
import { Problem, SynthError } from './errors';
import type { RenderedCluster, RenderedComponent } from './platform';
import { renderClusterReadme } from './readme';
import { toJsonText, toYaml, toYamlMemo } from './yaml';

/**
 * `dist/<cluster>/cluster.json`: the facts tools reading dist need. validate checks against the
 * cluster's Kubernetes version; on EKS, Terraform (apps/terraform-aws) reads `aws`, the facts both
 * sides share, so the cluster file stays their one source.
 */
export interface ClusterJson {
  name: string;
  file: string;
  environment: string;
  provider: string;
  kubernetesVersion: string;
  /** EKS only: the network, and the AWS names components and Terraform share (awsNames). */
  aws?: {
    region: string;
    azs: string[];
    network: { vpcCidr: string; podCidr: string; serviceCidr: string };
    /** The EKS endpoint host the cluster file recorded (a Terraform output). */
    apiServerHost?: string;
  } & AwsNames;
}

export function clusterJson(cluster: RenderedCluster): ClusterJson {
  const { spec } = cluster;
  return {
    name: cluster.name,
    file: cluster.file,
    environment: spec.environment,
    provider: spec.provider,
    kubernetesVersion: spec.kubernetesVersion,
    ...(spec.provider === 'eks' && {
      aws: {
        region: spec.region!,
        azs: [...spec.azs],
        network: { ...spec.network },
        ...(spec.apiServer && { apiServerHost: spec.apiServer.host }),
        ...awsNames(spec),
      },
    }),
  };
}

/** Repository-relative directory of a component, e.g. `dist/dev/cert-manager`. */
export function componentDir(distPath: string, cluster: string, component: string): string {
  return `${distPath}/${cluster}/${component}`;
}

/** The component.json Argo CD's ApplicationSet reads: the shape of ComponentJsonSchema (component-json.ts). */
export function componentJson(distPath: string, cluster: string, c: RenderedComponent): ComponentJson {
  const dir = componentDir(distPath, cluster, c.name);
  return {
    name: c.name,
    cluster,
    namespace: c.namespace,
    project: c.project,
    wave: c.wave,
    dependsOn: [...c.dependsOn],
    ...(c.chart && { chart: { ...c.chart, valuesFile: `${dir}/values.yaml` } }),
    ...(c.upstreamFiles && { upstreamFiles: { ...c.upstreamFiles, files: c.upstreamFiles.files.map((f) => ({ ...f })) } }),
    // A component that renders nothing has no folder to sync, and no ApplicationSet.
    ...(c.objects.length > 0 && { manifests: `${dir}/manifests` }),
    syncOptions: [...c.syncOptions],
  };
}

type KubeObject = { kind?: string; metadata?: { name?: string; namespace?: string } };

/**
 * File names of a component's objects: `<kind>-<name>.yaml`, or `<kind>-<namespace>-<name>.yaml`
 * when the same kind and name occur in several namespaces of the component. Duplicates are problems.
 */
export function manifestFileNames(
  file: string,
  component: string,
  objects: readonly KubeObject[],
): { names: string[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const key = (o: KubeObject) => `${o.kind}/${o.metadata?.name}`.toLowerCase();
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(key(o), (counts.get(key(o)) ?? 0) + 1);
  // Lower case; anything but letters, digits, '.' and '-' (a ':' in RBAC names, say) becomes '-'.
  const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  const names = objects.map((o) => {
    const kind = safe(String(o.kind));
    const name = safe(String(o.metadata?.name));
    const ns = o.metadata?.namespace;
    return counts.get(key(o))! > 1 && ns ? `${kind}-${safe(ns)}-${name}.yaml` : `${kind}-${name}.yaml`;
  });
  const seen = new Map<string, KubeObject>();
  names.forEach((n, i) => {
    const first = seen.get(n);
    if (first) {
      const o = objects[i];
      const where = (x: KubeObject) =>
        `${x.kind} "${x.metadata?.name}"${x.metadata?.namespace ? ` in namespace ${x.metadata.namespace}` : ''}`;
      problems.push({
        file,
        path: `components.${component}`,
        message:
          first.metadata?.name === o.metadata?.name
            ? `renders ${where(o)} twice: object names are unique per kind and namespace`
            : `renders ${where(first)} and ${where(o)}, which both become manifests/${n} (characters other than a-z, 0-9, '.' and '-' become '-'): rename one`,
      });
    } else seen.set(n, objects[i]);
  });
  return { names, problems };
}

/**
 * Every file of dist for these clusters, keyed by path relative to the dist directory.
 * `distPath` is the dist directory relative to the repository root (what component.json refers to).
 */
export function distFiles(clusters: readonly RenderedCluster[], distPath = 'dist'): Map<string, string> {
  const files = new Map<string, string>();
  const problems: Problem[] = [];
  for (const cluster of clusters) {
    files.set(`${cluster.name}/README.md`, renderClusterReadme(cluster));
    files.set(`${cluster.name}/cluster.json`, toJsonText(clusterJson(cluster)));
    for (const c of cluster.components) {
      const dir = `${cluster.name}/${c.name}`;
      files.set(`${dir}/component.json`, toJsonText(componentJson(distPath, cluster.name, c)));
      if (c.chart) files.set(`${dir}/values.yaml`, toYaml(c.values ?? {}));
      const { names, problems: nameProblems } = manifestFileNames(cluster.file, c.name, c.objects);
      problems.push(...nameProblems);
      c.objects.forEach((o, i) => files.set(`${dir}/manifests/${names[i]}`, toYamlMemo(o)));
      for (const [path, content] of Object.entries(c.configFiles ?? {})) files.set(`${dir}/config/${path}`, content);
    }
  }
  if (problems.length > 0) throw new SynthError(problems);
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}
