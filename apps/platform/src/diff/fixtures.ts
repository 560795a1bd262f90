// Test helpers: small dist/ trees built in memory.
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

export function deployment(namespace: string, name: string, replicas: number, image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
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

export function componentJson(cluster: string, name: string, chartVersion: string) {
  return {
    name,
    cluster,
    namespace: name,
    project: 'apps',
    wave: 1,
    dependsOn: [],
    chart: { repoURL: 'https://charts.example.com', chart: name, version: chartVersion, releaseName: name },
  };
}
