import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  Component,
  ComponentJsonSchema,
  Namespace,
  PinnedManifests,
  Platform,
  findComponent,
  findObject,
  renderTestCluster,
  renderTestClusterWithManifests,
  synthProblems,
  upstreamCell,
} from '@platform/core';
import crdSources from '@platform/crds/crd-sources.json';

const ROOT = resolve(__dirname, '../../..');
const SHARED = resolve(ROOT, '../shared/crds');
const CERT_MANAGER: PinnedManifests = {
  project: 'cert-manager',
  repo: 'cert-manager/cert-manager',
  tag: 'v1.21.1',
  files: ['cert-manager.io_certificates.yaml', 'cert-manager.io_issuers.yaml'],
  apiVersions: ['cert-manager.io/v1'],
};
const CERTIFICATES = 'cert-manager/cert-manager.io_certificates.yaml';
const pinOf = (path: string) => crdSources.files.find((f) => f.path === path)!;
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

class Delivery extends Component {
  constructor(scope: Platform, id: string, manifests: PinnedManifests, extra: readonly Namespace[] = []) {
    super(scope, id, { namespace: Namespace.restricted('operators'), extraNamespaces: extra, project: 'infrastructure', manifests });
  }
}

const temps: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'manifests-test-'));
  temps.push(dir);
  return dir;
};
afterEach(() => temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A repository root with no ../shared beside it (a lone clone), holding only the pins. */
function loneRoot(pins: object = crdSources): string {
  const root = join(tempDir(), 'repo');
  mkdirSync(join(root, 'libs/crds'), { recursive: true });
  writeFileSync(join(root, 'libs/crds/crd-sources.json'), JSON.stringify(pins));
  return root;
}

describe('pinned manifest files are delivered like a chart', () => {
  test("the files' objects are in the component's manifests, normalized like chart CRDs, with provenance", async () => {
    const cluster = await renderTestClusterWithManifests((p) => new Delivery(p, 'certs', CERT_MANAGER), {}, { root: ROOT });
    const certs = findComponent(cluster, 'certs');
    expect(certs.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'CustomResourceDefinition/certificates.cert-manager.io',
      'CustomResourceDefinition/issuers.cert-manager.io',
    ]);
    const crd = findObject(cluster, 'certs', 'CustomResourceDefinition', 'certificates.cert-manager.io');
    expect(crd.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(crd.metadata.namespace).toBeUndefined();
  });

  test('provenance: repository, tag and every file with its path, URL and sha256 (component.json shape, README cell)', () => {
    let component: Component | undefined;
    renderTestCluster((p) => void (component = new Delivery(p, 'certs', CERT_MANAGER)));
    const upstreamFiles = component!.upstreamFiles!;
    expect(upstreamFiles).toEqual({
      repo: 'cert-manager/cert-manager',
      tag: 'v1.21.1',
      files: [pinOf(CERTIFICATES), pinOf('cert-manager/cert-manager.io_issuers.yaml')].map(({ path, url, sha256 }) => ({
        path,
        url,
        sha256,
      })),
    });
    expect(ComponentJsonSchema.shape.upstreamFiles.parse(upstreamFiles)).toEqual(upstreamFiles);
    expect(upstreamCell({ upstreamFiles })).toBe(
      'files of cert-manager/cert-manager v1.21.1: `cert-manager.io_certificates.yaml`, `cert-manager.io_issuers.yaml`',
    );
  });

  test('a test render without files (renderTestCluster) still works: no objects from the files', () => {
    const cluster = renderTestCluster((p) => new Delivery(p, 'certs', CERT_MANAGER));
    expect(findComponent(cluster, 'certs').objects).toEqual([]);
  });

  test('deterministic: the same files give the same objects, and each cluster its own copy', async () => {
    const render = () => renderTestClusterWithManifests((p) => new Delivery(p, 'certs', CERT_MANAGER), {}, { root: ROOT });
    const [a, b] = await Promise.all([render(), render()]);
    expect(JSON.stringify(findComponent(a, 'certs').objects)).toBe(JSON.stringify(findComponent(b, 'certs').objects));
    (findComponent(a, 'certs').objects[0] as { metadata: { labels?: object } }).metadata.labels = { changed: 'yes' };
    expect(findComponent(b, 'certs').objects[0].metadata.labels).not.toEqual({ changed: 'yes' });
  });

  test('parsed files are kept on disk by their pinned sha256, so a warm synth parses no YAML', async () => {
    const cacheDir = tempDir();
    const gatewayClasses: PinnedManifests = {
      project: 'gateway-api',
      repo: 'kubernetes-sigs/gateway-api',
      tag: 'v1.5.1',
      files: ['gateway.networking.k8s.io_gatewayclasses.yaml'],
      apiVersions: ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'],
    };
    const cluster = await renderTestClusterWithManifests(
      (p) => new Delivery(p, 'gateway-api', gatewayClasses),
      {},
      { root: ROOT, cacheDir },
    );
    const { sha256: digest } = pinOf('gateway-api-1.5.1/gateway.networking.k8s.io_gatewayclasses.yaml');
    const kept = JSON.parse(readFileSync(join(cacheDir, `manifests-${digest}.json`), 'utf8'));
    expect(kept.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['gatewayclasses.gateway.networking.k8s.io']);
    expect(findComponent(cluster, 'gateway-api').objects.map((o) => o.metadata.name)).toEqual(['gatewayclasses.gateway.networking.k8s.io']);
  });

  test('the CRD dir comes from --crds-dir (crdsDir) as well', async () => {
    const dir = tempDir();
    cpSync(join(SHARED, 'cert-manager'), join(dir, 'cert-manager'), { recursive: true });
    const cluster = await renderTestClusterWithManifests(
      (p) => new Delivery(p, 'certs', CERT_MANAGER),
      {},
      { root: loneRoot(), crdsDir: dir },
    );
    expect(findComponent(cluster, 'certs').objects).toHaveLength(2);
  });

  test('a file that is not the pinned one fails, naming the file and both sha256', async () => {
    const dir = tempDir();
    cpSync(join(SHARED, 'cert-manager'), join(dir, 'cert-manager'), { recursive: true });
    const edited = `${readFileSync(join(dir, CERTIFICATES), 'utf8')}\n# edited\n`;
    writeFileSync(join(dir, CERTIFICATES), edited);
    const render = renderTestClusterWithManifests((p) => new Delivery(p, 'certs', CERT_MANAGER), {}, { root: ROOT, crdsDir: dir });
    await expect(render).rejects.toThrow(
      `components.certs.manifests: cannot read the pinned CRD files:\n  ${CERTIFICATES}: sha256 mismatch in ${join(dir, CERTIFICATES)}: ` +
        `expected ${pinOf(CERTIFICATES).sha256} (pinned in libs/crds/crd-sources.json, ${pinOf(CERTIFICATES).url}), got ${sha256(edited)}`,
    );
  });

  test('a missing file fails with where it was looked for and how to fix it, offline too', async () => {
    const dir = tempDir();
    const render = renderTestClusterWithManifests((p) => new Delivery(p, 'certs', CERT_MANAGER), {}, { root: ROOT, crdsDir: dir });
    await expect(render).rejects.toThrow(`${CERTIFICATES}: missing from ${dir} (--crds-dir); it is pinned at ${pinOf(CERTIFICATES).url}`);

    // No CRD dir and no network: the download fails with what to do.
    const port = await new Promise<number>((done) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => done(port));
      });
    });
    const base = `http://127.0.0.1:${port}`;
    const offline = renderTestClusterWithManifests(
      (p) => new Delivery(p, 'certs', CERT_MANAGER),
      {},
      {
        root: loneRoot(),
        env: { PLATFORM_CRDS_BASE_URL: base },
      },
    );
    await expect(offline).rejects.toThrow(`${CERTIFICATES}: cannot download ${base}/${CERTIFICATES} (ECONNREFUSED)`);
    await expect(offline).rejects.toThrow('or point --crds-dir (or PLATFORM_CRDS_DIR) at a directory holding the pinned files');
  });

  test('namespaced objects without a namespace go to `namespace` (one of the component namespaces)', async () => {
    // An operator install file stands in for a pinned one: same path, its own sha256 in a lone root's pins.
    const path = 'keycloak/keycloaks.k8s.keycloak.org-v1.yml';
    const text = [
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: operator',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pinned\n  namespace: elsewhere',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: operator',
    ].join('\n---\n');
    const pins = { ...crdSources, files: crdSources.files.map((f) => (f.path === path ? { ...f, sha256: sha256(text) } : f)) };
    const dir = tempDir();
    mkdirSync(join(dir, 'keycloak'));
    writeFileSync(join(dir, path), text);
    const manifests: PinnedManifests = {
      project: 'keycloak',
      repo: 'keycloak/keycloak-k8s-resources',
      tag: '26.0.0',
      files: ['keycloaks.k8s.keycloak.org-v1.yml'],
      namespace: 'keycloak-operator',
    };
    const cluster = await renderTestClusterWithManifests(
      (p) => new Delivery(p, 'kc', manifests, [Namespace.restricted('keycloak-operator'), Namespace.restricted('elsewhere')]),
      {},
      { root: loneRoot(pins), crdsDir: dir },
    );
    expect(findObject(cluster, 'kc', 'ServiceAccount', 'operator').metadata.namespace).toBe('keycloak-operator');
    expect(findObject(cluster, 'kc', 'ConfigMap', 'pinned').metadata.namespace).toBe('elsewhere');
    expect(findObject(cluster, 'kc', 'ClusterRole', 'operator').metadata.namespace).toBeUndefined();
  });

  test('a declaration that does not match the pins fails when the component is built', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new Delivery(p, 'a', { ...CERT_MANAGER, project: 'nope' });
        new Delivery(p, 'b', { ...CERT_MANAGER, tag: 'v1.20.0', files: ['unpinned.yaml'], namespace: 'other' });
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^clusters\/test.ts: components.a.manifests: project "nope" is not pinned in libs\/crds\/crd-sources.json \(projects: argo-cd, /,
      ),
      'clusters/test.ts: components.b.manifests: tag "v1.20.0" is not the tag libs/crds/crd-sources.json pins for cert-manager: v1.21.1',
      'clusters/test.ts: components.b.manifests: cert-manager/unpinned.yaml is not pinned in libs/crds/crd-sources.json: add its upstream url and sha256 there',
      'clusters/test.ts: components.b.manifests: namespace "other" is not one of the component\'s namespaces (operators): declare it in extraNamespaces',
    ]);
  });

  describe('a project kept beside the chart sources ("from": "charts") and files of several projects (more)', () => {
    const OPERATOR = 'keycloak-operator-26.0.0/kubernetes.yml';
    const KEYCLOAK: PinnedManifests = {
      project: 'keycloak',
      repo: 'keycloak/keycloak-k8s-resources',
      tag: '26.0.0',
      files: ['keycloaks.k8s.keycloak.org-v1.yml'],
      namespace: 'operators',
      apiVersions: ['k8s.keycloak.org/v2alpha1'],
      more: [{ project: 'keycloak-operator', repo: 'keycloak/keycloak-k8s-resources', tag: '26.0.0', files: ['kubernetes.yml'] }],
    };
    const CHARTS = resolve(ROOT, '../shared/charts');

    test('the CRDs from the CRD dir, then the install manifest from the charts dir; provenance lists both', async () => {
      const cluster = await renderTestClusterWithManifests((p) => new Delivery(p, 'kc', KEYCLOAK), {}, { root: ROOT });
      const kc = findComponent(cluster, 'kc');
      expect(kc.objects[0]).toMatchObject({ kind: 'CustomResourceDefinition', metadata: { name: 'keycloaks.k8s.keycloak.org' } });
      expect(findObject(cluster, 'kc', 'Deployment', 'keycloak-operator').metadata.namespace).toBe('operators');
      expect(kc.upstreamFiles?.files.map((f) => f.path)).toEqual(['keycloak/keycloaks.k8s.keycloak.org-v1.yml', OPERATOR]);
    });

    test('the charts dir comes from --charts-dir (chartsDir) or PLATFORM_CHARTS_DIR; a missing file names it', async () => {
      const dir = tempDir();
      cpSync(join(CHARTS, 'keycloak-operator-26.0.0'), join(dir, 'keycloak-operator-26.0.0'), { recursive: true });
      for (const options of [{ chartsDir: dir }, { env: { PLATFORM_CHARTS_DIR: dir } }]) {
        const cluster = await renderTestClusterWithManifests((p) => new Delivery(p, 'kc', KEYCLOAK), {}, { root: ROOT, ...options });
        expect(findObject(cluster, 'kc', 'Deployment', 'keycloak-operator')).toBeDefined();
      }
      const empty = tempDir();
      const render = renderTestClusterWithManifests((p) => new Delivery(p, 'kc', KEYCLOAK), {}, { root: ROOT, chartsDir: empty });
      await expect(render).rejects.toThrow(
        `components.kc.manifests: cannot read the pinned files from ${empty} (--charts-dir):\n  ${OPERATOR}: missing from ${empty} (--charts-dir); it is pinned at ${pinOf(OPERATOR).url}`,
      );
    });

    test('an edited install manifest fails with both sha256', async () => {
      const dir = tempDir();
      cpSync(join(CHARTS, 'keycloak-operator-26.0.0'), join(dir, 'keycloak-operator-26.0.0'), { recursive: true });
      const edited = `${readFileSync(join(dir, OPERATOR), 'utf8')}\n# edited\n`;
      writeFileSync(join(dir, OPERATOR), edited);
      const render = renderTestClusterWithManifests((p) => new Delivery(p, 'kc', KEYCLOAK), {}, { root: ROOT, chartsDir: dir });
      await expect(render).rejects.toThrow(
        `expected ${pinOf(OPERATOR).sha256} (pinned in libs/crds/crd-sources.json, ${pinOf(OPERATOR).url}), got ${sha256(edited)}`,
      );
    });

    test('without a charts dir the file is downloaded from the pinned URL (or the mirror), hash-checked, into .cache/upstream-files', async () => {
      const text = readFileSync(join(CHARTS, OPERATOR));
      const { createServer: http } = await import('node:http');
      const requests: string[] = [];
      const server = http((req, res) => {
        requests.push(req.url!);
        const file = req.url === `/${OPERATOR}` ? text : undefined;
        res.writeHead(file ? 200 : 404).end(file);
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      try {
        const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
        const root = loneRoot();
        const crds = tempDir();
        cpSync(join(SHARED, 'keycloak'), join(crds, 'keycloak'), { recursive: true });
        const cluster = await renderTestClusterWithManifests(
          (p) => new Delivery(p, 'kc', KEYCLOAK),
          {},
          { root, crdsDir: crds, env: { PLATFORM_CRDS_BASE_URL: base } },
        );
        expect(findObject(cluster, 'kc', 'Deployment', 'keycloak-operator')).toBeDefined();
        expect(requests).toEqual([`/${OPERATOR}`]);
        expect(readFileSync(join(root, '.cache/upstream-files', OPERATOR))).toEqual(text);
      } finally {
        server.close();
      }
    });

    test('the projects of one component are one upstream release; every project and file is checked', () => {
      const problems = synthProblems(() =>
        renderTestCluster((p) => {
          new Delivery(p, 'a', { ...KEYCLOAK, more: [{ ...CERT_MANAGER }] });
          new Delivery(p, 'b', { ...KEYCLOAK, more: [{ ...KEYCLOAK.more![0], tag: '25.0.0', files: ['nope.yml'] }] });
        }),
      );
      expect(problems).toEqual([
        'clusters/test.ts: components.a.manifests: more[0]: project cert-manager is cert-manager/cert-manager v1.21.1, not keycloak/keycloak-k8s-resources 26.0.0: the files of one component come from one upstream release',
        'clusters/test.ts: components.b.manifests: more[0]: tag "25.0.0" is not the tag libs/crds/crd-sources.json pins for keycloak-operator: 26.0.0',
        'clusters/test.ts: components.b.manifests: more[0]: keycloak-operator-26.0.0/nope.yml is not pinned in libs/crds/crd-sources.json: add its upstream url and sha256 there',
      ]);
    });
  });

  test('apiVersions are checked against the CRDs the files deliver', async () => {
    const render = renderTestClusterWithManifests(
      (p) => new Delivery(p, 'certs', { ...CERT_MANAGER, apiVersions: [] }),
      {},
      { root: ROOT },
    );
    await expect(render).rejects.toThrow(
      "components.certs.manifests: declares apiVersions [] but its CRDs serve [cert-manager.io/v1]: set apiVersions in the component's versions.ts to what the manifest files serve",
    );
  });
});
