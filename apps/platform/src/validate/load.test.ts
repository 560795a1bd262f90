import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deployment, makeDist, service, type Fixture } from './__fixtures__/dist';
import { loadDist } from './load';

const fixtures: Fixture[] = [];
afterEach(() => fixtures.splice(0).forEach((f) => f.cleanup()));

function fixture(clusters: Parameters<typeof makeDist>[0]) {
  const f = makeDist(clusters);
  fixtures.push(f);
  return f;
}

describe('loadDist', () => {
  it('reads clusters, components, values and objects in a stable order', () => {
    const f = fixture({
      prod: [{ name: 'web', manifests: { 'service-web.yaml': service(), 'deployment-web.yaml': deployment() } }],
      dev: [
        { name: 'web', values: { replicas: 1 }, manifests: { 'deployment-web.yaml': deployment() } },
        { name: 'argocd', componentJson: '{ not json' },
      ],
    });
    const ctx = loadDist(f.root, 'dist');
    expect(ctx.root).toBe(f.root);
    expect(ctx.distDir).toBe(f.distDir);
    expect(ctx.loadFindings).toEqual([]);
    expect(ctx.clusters.map((c) => [c.name, c.dir, c.components.map((x) => x.name)])).toEqual([
      ['dev', 'dist/dev', ['argocd', 'web']],
      ['prod', 'dist/prod', ['web']],
    ]);
    const [argocd, web] = ctx.clusters[0].components;
    expect(argocd.componentJson).toBeUndefined();
    expect(web).toMatchObject({
      cluster: 'dev',
      name: 'web',
      dir: 'dist/dev/web',
      values: { replicas: 1 },
      componentJson: { name: 'web' },
    });
    expect(ctx.clusters[1].components[0].objects.map((o) => [o.file, o.object.kind, o.documentIndex, o.documentCount])).toEqual([
      ['dist/prod/web/manifests/deployment-web.yaml', 'Deployment', 0, 1],
      ['dist/prod/web/manifests/service-web.yaml', 'Service', 0, 1],
    ]);
  });

  it('keeps every document of a multi-document file, for the contract check to report', () => {
    const f = fixture({
      dev: [
        {
          name: 'web',
          manifests: {
            'deployment-web.yaml':
              'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\n',
          },
        },
      ],
    });
    const objects = loadDist(f.root, 'dist').clusters[0].components[0].objects;
    expect(objects.map((o) => [o.object.metadata?.name, o.documentIndex, o.documentCount])).toEqual([
      ['a', 0, 2],
      ['b', 1, 2],
    ]);
  });

  it('reports YAML syntax errors, non-objects and empty files instead of stopping', () => {
    const f = fixture({
      dev: [
        {
          name: 'web',
          values: 'a: [1,\n',
          manifests: {
            'a.yaml': 'kind: [unclosed\n',
            'b.yaml': '- just\n- a list\n',
            'c.yaml': '# nothing here\n',
            'd.yaml': 'a: 1\na: 2\n',
            'e.yaml': service(),
          },
        },
      ],
    });
    const ctx = loadDist(f.root, 'dist');
    expect(ctx.loadFindings!.map((x) => [x.check, x.rule, x.file])).toEqual([
      ['helm-values', 'yaml-syntax', 'dist/dev/web/values.yaml'],
      ['schema', 'yaml-syntax', 'dist/dev/web/manifests/a.yaml'],
      ['schema', 'empty-manifest', 'dist/dev/web/manifests/a.yaml'],
      ['schema', 'not-an-object', 'dist/dev/web/manifests/b.yaml'],
      ['schema', 'empty-manifest', 'dist/dev/web/manifests/c.yaml'],
      ['schema', 'yaml-syntax', 'dist/dev/web/manifests/d.yaml'],
      ['schema', 'empty-manifest', 'dist/dev/web/manifests/d.yaml'],
    ]);
    expect(ctx.loadFindings!.every((x) => x.severity === 'error' && x.cluster === 'dev')).toBe(true);
    expect(ctx.clusters[0].components[0].objects.map((o) => o.file)).toEqual(['dist/dev/web/manifests/e.yaml']);
  });

  it('reports a missing dist directory', () => {
    const f = fixture({});
    const ctx = loadDist(f.root, 'nowhere');
    expect(ctx.clusters).toEqual([]);
    expect(ctx.loadFindings).toMatchObject([{ rule: 'missing-dist', file: 'nowhere' }]);
  });
});

describe('an interrupted synth swap', () => {
  it('is completed before reading when the new tree was committed (journal present): the new tree is read', () => {
    const old = fixture({ dev: [{ name: 'web', manifests: { 'service-web.yaml': service() } }] });
    const next = fixture({ prod: [{ name: 'web', manifests: { 'deployment-web.yaml': deployment() } }] });
    // The writer's state after its journal: dist (old), the complete new tree, the journal.
    renameSync(next.distDir, join(old.root, '.dist.tmp-t1'));
    writeFileSync(join(old.root, '.dist.swap'), JSON.stringify({ new: '.dist.tmp-t1', old: '.dist.old-t1' }));
    const ctx = loadDist(old.root, 'dist');
    expect(ctx.recovered).toMatch(/completed an interrupted swap/);
    expect(ctx.clusters.map((c) => c.name)).toEqual(['prod']);
    expect(readdirSync(old.root).filter((e) => e.startsWith('.dist'))).toEqual([]);
  });

  it('is rolled back when the new tree was never committed (no journal): the old tree is read', () => {
    const old = fixture({ dev: [{ name: 'web', manifests: { 'service-web.yaml': service() } }] });
    const partial = fixture({ prod: [{ name: 'web' }] });
    renameSync(partial.distDir, join(old.root, '.dist.tmp-t2'));
    const ctx = loadDist(old.root, 'dist');
    expect(ctx.recovered).toBeTruthy();
    expect(ctx.clusters.map((c) => c.name)).toEqual(['dev']);
    expect(existsSync(join(old.root, '.dist.tmp-t2'))).toBe(false);
  });

  it('leaves a clean dist alone', () => {
    expect(loadDist(fixture({ dev: [] }).root, 'dist').recovered).toBeUndefined();
  });
});

describe('the parse cache', () => {
  it('gives the same objects from the cache as from parsing, fresh for every file', () => {
    const f = fixture({
      dev: [{ name: 'web', manifests: { 'deployment-web.yaml': deployment() } }],
      prod: [{ name: 'web', manifests: { 'deployment-web.yaml': deployment() } }],
    });
    const cacheFile = join(f.root, 'parse-cache.json');
    const parsed = loadDist(f.root, 'dist', { cacheFile: false });
    const first = loadDist(f.root, 'dist', { cacheFile });
    expect(existsSync(cacheFile)).toBe(true);
    const second = loadDist(f.root, 'dist', { cacheFile });
    const objects = (ctx: typeof parsed) => ctx.clusters.flatMap((c) => c.components.flatMap((x) => x.objects));
    expect(objects(first)).toEqual(objects(parsed));
    expect(objects(second)).toEqual(objects(parsed));
    const [dev, prod] = objects(second);
    expect(dev.contentKey).toBe(prod.contentKey);
    expect(dev.object).not.toBe(prod.object);
  });

  it('never caches a file with a syntax error: it is reported on every run', () => {
    const f = fixture({ dev: [{ name: 'web', manifests: { 'deployment-web.yaml': 'kind: [unclosed\n' } }] });
    const cacheFile = join(f.root, 'parse-cache.json');
    for (let run = 0; run < 2; run++)
      expect(loadDist(f.root, 'dist', { cacheFile }).loadFindings?.map((x) => x.rule)).toContain('yaml-syntax');
  });
});
