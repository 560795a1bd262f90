/**
 * Test fixtures: builds a throw-away repository root with a `dist/` tree in the OS temp directory,
 * plus valid sample objects that tests break one field at a time.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { locateSources, type SourceLocation } from '../../../../../scripts/pinned-files.mjs';

/** The repository this code lives in. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** Derived-schema cache shared by the test files (content-keyed, safe to share). */
export const TEST_CACHE_DIR = join(tmpdir(), 'platform-validate-test-cache');

/** CRD files as the CLI finds them: PLATFORM_CRDS_DIR, ../shared/crds, or downloads. */
export function crdLocation(): SourceLocation {
  return locateSources({
    root: REPO_ROOT,
    label: 'CRD dir',
    flagName: '--crds-dir',
    envDir: process.env.PLATFORM_CRDS_DIR,
    envName: 'PLATFORM_CRDS_DIR',
    defaultDir: resolve(REPO_ROOT, '../shared/crds'),
    cacheDir: join(REPO_ROOT, '.cache/crds'),
    listFile: 'crd-sources.json',
  });
}

export function chartSchemaLocation(): SourceLocation {
  return locateSources({
    root: REPO_ROOT,
    label: 'chart schemas dir',
    flagName: '--schemas-dir',
    envDir: process.env.PLATFORM_CHART_SCHEMAS_DIR,
    envName: 'PLATFORM_CHART_SCHEMAS_DIR',
    defaultDir: resolve(REPO_ROOT, '../shared/chart-schemas'),
    cacheDir: join(REPO_ROOT, '.cache/chart-schemas'),
    listFile: 'chart-schema-sources.json',
  });
}

export interface FixtureComponent {
  readonly name: string;
  /** Parsed into component.json; a string is written as is. Defaults to a minimal valid one. */
  readonly componentJson?: unknown;
  /** values.yaml content: an object (serialized) or raw text. */
  readonly values?: unknown;
  /** manifests/<file>: an object (serialized as YAML) or raw text. */
  readonly manifests?: Readonly<Record<string, unknown>>;
}

export interface Fixture {
  readonly root: string;
  readonly distDir: string;
  cleanup(): void;
}

function write(path: string, content: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof content === 'string' ? content : stringify(content));
}

export interface DistOptions {
  /** `kubernetesVersion` of each `dist/<cluster>/cluster.json`; null: no cluster.json. Default 1.33. */
  readonly kubernetesVersion?: string | null;
}

/** Writes `<tmp>/dist/<cluster>/cluster.json` and `<tmp>/dist/<cluster>/<component>/...` for each cluster. */
export function makeDist(clusters: Readonly<Record<string, readonly FixtureComponent[]>>, options: DistOptions = {}): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'platform-validate-'));
  writeFileSync(join(root, 'package.json'), '{"name":"fixture","private":true}\n');
  const distDir = join(root, 'dist');
  const kubernetesVersion = options.kubernetesVersion === undefined ? '1.33' : options.kubernetesVersion;
  for (const [cluster, components] of Object.entries(clusters)) {
    if (kubernetesVersion !== null)
      write(join(distDir, cluster, 'cluster.json'), `${JSON.stringify({ name: cluster, kubernetesVersion })}\n`);
    for (const component of components) {
      const dir = join(distDir, cluster, component.name);
      mkdirSync(dir, { recursive: true });
      const json = component.componentJson ?? {
        name: component.name,
        cluster,
        namespace: component.name,
        project: 'infrastructure',
        wave: 0,
        dependsOn: [],
        syncOptions: [],
      };
      writeFileSync(join(dir, 'component.json'), typeof json === 'string' ? json : `${JSON.stringify(json, null, 2)}\n`);
      if (component.values !== undefined) write(join(dir, 'values.yaml'), component.values);
      for (const [file, content] of Object.entries(component.manifests ?? {})) write(join(dir, 'manifests', file), content);
    }
  }
  return { root, distDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

type Obj = Record<string, unknown>;

export function deployment(name = 'web', namespace = 'apps'): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name,
              image: 'ghcr.io/example/web:1.2.3',
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1, memory: '256Mi' } },
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 10 },
              livenessProbe: { httpGet: { path: '/live', port: 8080 } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}

export function service(name = 'web', namespace = 'apps'): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { 'app.kubernetes.io/name': name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
}

export function namespaceObject(name = 'apps'): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
}

export function certificate(name = 'web-tls', namespace = 'apps'): Obj {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name, namespace },
    spec: {
      secretName: name,
      dnsNames: ['web.example.com'],
      duration: '2160h',
      renewBefore: '360h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    },
  };
}

export function applicationSet(name = 'dev', namespace = 'argocd'): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name, namespace },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [
        {
          git: {
            repoURL: 'https://github.com/example/platform.git',
            revision: 'main',
            files: [{ path: `dist/${name}/*/component.json` }],
            requeueAfterSeconds: 60,
          },
        },
      ],
      template: {
        metadata: { name: '{{.name}}', labels: { wave: '{{.wave}}' } },
        spec: {
          project: '{{.project}}',
          destination: { server: 'https://kubernetes.default.svc', namespace: '{{.namespace}}' },
          sources: [{ repoURL: 'https://github.com/example/platform.git', targetRevision: 'main', path: '{{.manifests}}' }],
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
            syncOptions: ['ServerSideApply=true'],
          },
        },
      },
    },
  };
}

/** A deep copy with one change applied, for "break one field" tests. */
export function edit<T extends Obj>(object: T, change: (copy: any) => void): T {
  const copy = structuredClone(object);
  change(copy);
  return copy;
}
