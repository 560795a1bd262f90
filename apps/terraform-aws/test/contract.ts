/**
 * The contract between synth and Terraform (issue 13 item 7): the facts both sides share live in
 * dist/<env>/cluster.json, which synth writes from clusters/<env>.ts; Terraform reads them from there.
 * checkContract() reports, as `<file>: <problem>` lines:
 * - a root module whose cluster file does not exist;
 * - a read of `cluster.<path>` that the cluster file of an environment using that module lacks
 *   (a fact renamed or dropped on the TypeScript side);
 * - a literal in a .tf file equal to a shared fact of any environment (a role, bucket, queue, alias,
 *   CIDR, zone, region, version or name restated instead of read), or a template that re-derives one
 *   from the cluster name (`"alias/${var.cluster.name}-vault-unseal"`);
 * - an attribute that carries a shared fact (the VPC's CIDRs, the cluster's name and version, role,
 *   queue, bucket and alias names, each Pod Identity's namespace and ServiceAccount) whose value does
 *   not come from the cluster file, whatever its value.
 */
import { dirname, join, normalize, relative } from 'node:path';
import {
  APP_DIR,
  type Block,
  clusterPaths,
  existsSync,
  type Json,
  literals,
  loadApp,
  locals,
  modules,
  readJson,
  resolvePath,
  resources,
  strings,
  type TfFile,
} from './hcl';

export interface EnvRoot {
  /** The root module's directory, relative to the app. */
  readonly dir: string;
  /** The cluster file it reads, relative to the app. */
  readonly clusterFile: string;
  readonly cluster: Json | undefined;
}

/** Facts that are Terraform's own although they look like shared ones, with the reason. */
export const EXEMPT: readonly { readonly file: string; readonly module: string; readonly attribute: string; readonly reason: string }[] = [
  {
    file: 'modules/eks/main.tf',
    module: 'ebs_csi_identity',
    attribute: 'associations.*.namespace',
    reason: 'the EBS CSI add-on’s own ServiceAccount (EKS creates it): no component shares it',
  },
  {
    file: 'modules/eks/main.tf',
    module: 'ebs_csi_identity',
    attribute: 'associations.*.service_account',
    reason: 'the EBS CSI add-on’s own ServiceAccount (EKS creates it): no component shares it',
  },
];

/** Every root module that reads a cluster file (`jsondecode(file(".../cluster.json"))`), with that file. */
export function envRoots(files: readonly TfFile[], appDir: string): EnvRoot[] {
  const dirs = [...new Set(files.map((f) => f.dir))].sort();
  return dirs.flatMap((dir) => {
    const l = locals(files, dir);
    const m = typeof l.cluster === 'string' ? /jsondecode\(file\("([^"]*cluster\.json)"\)\)/.exec(l.cluster) : null;
    if (!m) return [];
    const clusterFile = normalize(resolvePath(m[1], dir, l));
    const abs = join(appDir, clusterFile);
    return [{ dir, clusterFile, cluster: existsSync(abs) ? readJson(abs) : undefined }];
  });
}

/** Local module directories `dir` calls, transitively, with `dir` itself. */
function moduleClosure(files: readonly TfFile[], dir: string, seen = new Set<string>()): Set<string> {
  if (seen.has(dir)) return seen;
  seen.add(dir);
  for (const m of modules(files).filter((b) => b.dir === dir && b.type.startsWith('.')))
    moduleClosure(files, normalize(join(dir, m.type)), seen);
  return seen;
}

function has(obj: Json, path: string): boolean {
  let cur = obj;
  for (const key of path.split('.').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object' || !(key in cur)) return false;
    cur = cur[key];
  }
  return true;
}

interface Fact {
  readonly label: string;
  readonly value: string;
}

/** The shared facts of a cluster file: its name and Kubernetes version, and every `aws` value but namespaces and ServiceAccounts. */
export function facts(cluster: Json): Fact[] {
  const out: Fact[] = [
    { label: 'name', value: cluster.name },
    { label: 'kubernetesVersion', value: cluster.kubernetesVersion },
  ];
  const walk = (v: Json, label: string) => {
    if (typeof v === 'string') {
      if (!/\.(namespace|serviceAccount)$/.test(label)) out.push({ label, value: v });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${label}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${label}.${k}`);
  };
  walk(cluster.aws ?? {}, 'aws');
  return out;
}

/** Attributes that carry a shared fact, by module source or resource type. */
const FACT_ATTRIBUTES: readonly {
  readonly kind: 'module' | 'resource' | 'data';
  readonly type: RegExp;
  readonly attributes: readonly string[];
}[] = [
  { kind: 'module', type: /^terraform-aws-modules\/vpc\/aws$/, attributes: ['name', 'cidr', 'secondary_cidr_blocks', 'azs'] },
  { kind: 'module', type: /^terraform-aws-modules\/eks\/aws$/, attributes: ['name', 'kubernetes_version', 'service_ipv4_cidr'] },
  {
    kind: 'module',
    type: /^terraform-aws-modules\/eks\/aws\/\/modules\/karpenter$/,
    attributes: ['cluster_name', 'iam_role_name', 'node_iam_role_name', 'queue_name', 'namespace', 'service_account'],
  },
  {
    kind: 'module',
    type: /^terraform-aws-modules\/eks-pod-identity\/aws$/,
    attributes: ['name', 'associations.*.cluster_name', 'associations.*.namespace', 'associations.*.service_account'],
  },
  { kind: 'resource', type: /^aws_kms_alias$/, attributes: ['name'] },
  { kind: 'resource', type: /^aws_s3_bucket$/, attributes: ['bucket'] },
  { kind: 'resource', type: /^aws_subnet$/, attributes: ['cidr_block', 'availability_zone'] },
  { kind: 'resource', type: /^aws_eks_pod_identity_association$/, attributes: ['cluster_name', 'namespace', 'service_account'] },
  { kind: 'resource', type: /^aws_eks_addon$/, attributes: ['cluster_name'] },
  { kind: 'data', type: /^aws_eks_cluster$/, attributes: ['name'] },
];

/** The values at `path` (`*` matches every key). */
function at(body: Json, path: string): Json[] {
  let cur: Json[] = [body];
  for (const key of path.split('.')) {
    cur = cur.flatMap((v) => {
      if (Array.isArray(v)) v = v[0];
      if (v === null || typeof v !== 'object') return [];
      return key === '*' ? Object.values(v) : key in v ? [v[key]] : [];
    });
  }
  return cur;
}

/** Whether an expression's value comes from the cluster file (through locals, for_each, module inputs and outputs). */
function derives(files: readonly TfFile[], dir: string, expr: Json, block: Block | undefined, depth = 0): boolean {
  if (depth > 12) return false;
  const texts = strings(expr);
  if (texts.length === 0) return false;
  return texts.every((s) => {
    if (clusterPaths(s).length > 0) return true;
    if (!s.includes('${')) return false;
    const l = locals(files, dir);
    for (const [, name] of s.matchAll(/\blocal\.(\w+)/g)) if (name in l && derives(files, dir, l[name], undefined, depth + 1)) return true;
    if (/\beach\.(value|key)\b/.test(s) && block && derives(files, dir, block.body.for_each, undefined, depth + 1)) return true;
    for (const [, name] of s.matchAll(/\bvar\.(\w+)/g)) {
      const callers = modules(files).filter((m) => m.type.startsWith('.') && normalize(join(m.dir, m.type)) === dir);
      if (callers.length > 0 && callers.every((c) => name in c.body && derives(files, c.dir, c.body[name], c, depth + 1))) return true;
    }
    for (const [, name, output] of s.matchAll(/\bmodule\.(\w+)\.(\w+)/g)) {
      const m = modules(files).find((b) => b.dir === dir && b.name === name);
      if (!m) continue;
      if (m.type.startsWith('.')) {
        const target = normalize(join(dir, m.type));
        const out = files.filter((f) => f.dir === target).flatMap((f) => (f.json.output?.[output] ?? []) as Json[])[0];
        if (out && derives(files, target, out.value, undefined, depth + 1)) return true;
      } else if (['name', 'cluster_name'].some((k) => k in m.body && derives(files, dir, m.body[k], m, depth + 1))) return true;
    }
    return false;
  });
}

export async function checkContract(appDir = APP_DIR): Promise<string[]> {
  const files = await loadApp(appDir);
  const problems: string[] = [];
  const roots = envRoots(files, appDir);
  if (roots.length === 0) problems.push('no root module reads a cluster.json');

  // Which cluster files each module directory is used with.
  const usedWith = new Map<string, EnvRoot[]>();
  for (const root of roots) {
    if (!root.cluster) problems.push(`${root.dir}: reads ${root.clusterFile}, which does not exist (run npm run synth)`);
    for (const dir of moduleClosure(files, root.dir)) usedWith.set(dir, [...(usedWith.get(dir) ?? []), root]);
  }

  const allFacts = roots.flatMap((r) => (r.cluster ? facts(r.cluster).map((f) => ({ ...f, file: r.clusterFile })) : []));
  const names = [...new Set(roots.flatMap((r) => (r.cluster ? [r.cluster.name as string] : [])))];

  for (const f of files) {
    for (const s of strings(f.json)) {
      for (const path of clusterPaths(s))
        for (const root of usedWith.get(f.dir) ?? [])
          if (root.cluster && path && !has(root.cluster, path))
            problems.push(
              `${f.path}: reads cluster.${path}, which ${relative('.', root.clusterFile).replace(/^(\.\.\/)+/, '')} does not have`,
            );
      for (const lit of literals(s))
        for (const fact of allFacts)
          if (lit === fact.value || (fact.value.length >= 8 && lit.includes(fact.value)))
            problems.push(
              `${f.path}: hard-codes "${fact.value}" (${fact.label} in ${fact.file.replace(/^(\.\.\/)+/, '')}): read it from the cluster file`,
            );
      // A template that rebuilds a fact from the cluster's name instead of reading it.
      if (/\$\{(var|local)\.cluster\.name\}/.test(s) && !/\$\{(?!(var|local)\.cluster\.name\})/.test(s))
        for (const name of names) {
          const value = s.replace(/\$\{(var|local)\.cluster\.name\}/g, name);
          for (const fact of allFacts.filter((x) => x.value === value && x.label !== 'name' && !x.label.endsWith('discoveryTag.value')))
            problems.push(`${f.path}: re-derives "${fact.value}" (${fact.label}) from the cluster name: read it from the cluster file`);
        }
    }
    // The region of the provider comes from the cluster file.
    for (const p of (f.json.provider?.aws ?? []) as Json[])
      if (!derives(files, f.dir, p.region, undefined))
        problems.push(`${f.path}: provider "aws" region does not come from the cluster file`);
  }

  const blocks = [
    ...modules(files).map((b) => ({ kind: 'module' as const, b })),
    ...resources(files).map((b) => ({ kind: 'resource' as const, b })),
    ...resources(files, 'data').map((b) => ({ kind: 'data' as const, b })),
  ];
  for (const rule of FACT_ATTRIBUTES)
    for (const { b } of blocks.filter((x) => x.kind === rule.kind && rule.type.test(x.b.type)))
      for (const attribute of rule.attributes) {
        if (EXEMPT.some((e) => e.file === b.file && e.module === b.name && e.attribute === attribute)) continue;
        for (const value of at(b.body, attribute))
          if (!derives(files, b.dir, value, b))
            problems.push(
              `${b.file}: ${rule.kind} "${b.name}" ${attribute} = ${JSON.stringify(value)} does not come from the cluster file`,
            );
      }
  return [...new Set(problems)].sort();
}

export { dirname };
