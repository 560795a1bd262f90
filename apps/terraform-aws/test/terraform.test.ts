/**
 * The structure of the Terraform app (issue 13 item 8), read from every .tf file with an HCL parser:
 * pinned versions, remote state, network, EKS, Karpenter, platform IAM and the bootstrap's dist/ files.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { type Json, loadApp, locals, modules, REPO_ROOT, resources, strings, type TfFile } from './hcl';

let files: TfFile[];
beforeAll(async () => {
  files = await loadApp();
});

const ENVS = ['dev', 'prod'] as const;
const ROOTS = ENVS.flatMap((env) => [`envs/${env}`, `envs/${env}/bootstrap`]);
const mod = (dir: string, name: string) => modules(files).find((m) => m.dir === dir && m.name === name)!.body;
const root = (env: string, name: string) => mod(`envs/${env}`, name);

describe('versions and state', () => {
  test('every provider and module version is exact in the roots; child modules name their sources', () => {
    for (const dir of ROOTS) {
      const terraform = files.filter((f) => f.dir === dir).flatMap((f) => f.json.terraform ?? []);
      const providers = Object.assign({}, ...terraform.flatMap((t: Json) => t.required_providers ?? []));
      expect(Object.keys(providers).length, dir).toBeGreaterThan(0);
      for (const [name, p] of Object.entries(providers) as [string, Json][]) {
        expect(p.source, `${dir} ${name}`).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/);
        expect(p.version, `${dir} ${name}`).toMatch(/^\d+\.\d+\.\d+$/);
      }
    }
    for (const m of modules(files).filter((b) => !b.type.startsWith('.')))
      expect(m.body.version, `${m.file}: module "${m.name}"`).toMatch(/^\d+\.\d+\.\d+$/);
    expect(
      modules(files)
        .filter((b) => !b.type.startsWith('.'))
        .map((m) => `${m.type}@${m.body.version}`),
    ).toEqual(
      expect.arrayContaining([
        'terraform-aws-modules/vpc/aws@6.6.0',
        'terraform-aws-modules/eks/aws@21.19.0',
        'terraform-aws-modules/eks/aws//modules/karpenter@21.19.0',
        'terraform-aws-modules/eks-pod-identity/aws@2.8.1',
      ]),
    );
  });

  test('remote state in S3 with S3-native locking, one key per stack; default tags on every AWS provider', () => {
    const keys: string[] = [];
    for (const dir of ROOTS) {
      const terraform = files.filter((f) => f.dir === dir).flatMap((f) => f.json.terraform ?? []);
      const s3 = terraform.flatMap((t: Json) => t.backend?.s3 ?? []);
      expect(s3, dir).toEqual([expect.objectContaining({ encrypt: true, use_lockfile: true })]);
      keys.push(s3[0].key);
      expect(existsSync(join(REPO_ROOT, 'apps/terraform-aws', dir.replace('/bootstrap', ''), 'backend.hcl')), dir).toBe(true);
      const aws = files.filter((f) => f.dir === dir).flatMap((f) => f.json.provider?.aws ?? []);
      expect(aws, dir).toHaveLength(1);
      expect(Object.keys(aws[0].default_tags[0].tags), dir).toEqual(
        expect.arrayContaining(['platform/cluster', 'platform/environment', 'platform/managed-by']),
      );
    }
    expect(new Set(keys).size).toBe(ROOTS.length);
  });
});

describe('network', () => {
  test('one NAT gateway in dev, one per zone in prod', () => {
    expect(root('dev', 'network').single_nat_gateway).toBe(true);
    expect(root('prod', 'network').single_nat_gateway).toBe(false);
    const vpc = mod('modules/network', 'vpc');
    expect(vpc).toMatchObject({
      enable_nat_gateway: true,
      single_nat_gateway: '${var.single_nat_gateway}',
      one_nat_gateway_per_az: '${!var.single_nat_gateway}',
    });
  });

  test('public, private and database subnets over the zones, the pods’ subnets from the secondary CIDR, flow logs, discovery tags', () => {
    const vpc = mod('modules/network', 'vpc');
    expect(vpc).toMatchObject({
      azs: '${local.azs}',
      secondary_cidr_blocks: ['${local.pod_cidr}'],
      public_subnets: '${local.public_subnets}',
      private_subnets: '${local.private_subnets}',
      database_subnets: '${local.database_subnets}',
      enable_flow_log: true,
      flow_log_traffic_type: 'ALL',
      create_flow_log_cloudwatch_log_group: true,
      map_public_ip_on_launch: false,
      manage_default_security_group: true,
      default_security_group_ingress: [],
      public_subnet_tags: { 'kubernetes.io/role/elb': '1' },
      private_subnet_tags: {
        'kubernetes.io/role/internal-elb': '1',
        '${(var.cluster.aws.discoveryTag.key)}': '${var.cluster.aws.discoveryTag.value}',
      },
    });
    const l = locals(files, 'modules/network');
    expect(l.pod_cidr).toBe('${var.cluster.aws.network.podCidr}');
    const pods = resources(files).find((r) => r.type === 'aws_subnet' && r.name === 'pods')!.body;
    expect(pods.tags['${(var.cluster.aws.podSubnetTag.key)}']).toBe('${var.cluster.aws.podSubnetTag.value}');
    expect(pods.for_each).toBe('${local.pod_subnets}');
    expect(resources(files).some((r) => r.type === 'aws_route_table_association' && r.name === 'pods')).toBe(true);
  });

  test('no ingress from 0.0.0.0/0 anywhere (the load balancer’s rules are made in the cluster, by its controller)', () => {
    const ingress = [
      ...Object.values(mod('modules/eks', 'eks').node_security_group_additional_rules as Json),
      ...Object.values((mod('modules/eks', 'eks').security_group_additional_rules as Json) ?? {}),
    ];
    for (const rule of resources(files).filter((r) => /security_group_(rule|ingress_rule)$/.test(r.type))) ingress.push(rule.body);
    for (const f of files) for (const s of strings(f.json)) if (s.includes('0.0.0.0/0')) expect(s, f.path).toMatch(/!contains\(/);
    expect(ingress.length).toBeGreaterThan(0);
  });
});

describe('EKS', () => {
  const eks = () => mod('modules/eks', 'eks');

  test('the cluster file’s version, a private endpoint (public off unless CIDRs are named), KMS-encrypted secrets, control-plane logs', () => {
    expect(eks()).toMatchObject({
      name: '${var.cluster.name}',
      kubernetes_version: '${var.cluster.kubernetesVersion}',
      endpoint_private_access: true,
      endpoint_public_access: '${length(var.public_access_cidrs) > 0}',
      endpoint_public_access_cidrs: '${var.public_access_cidrs}',
      create_kms_key: true,
      enable_kms_key_rotation: true,
      encryption_config: { resources: ['secrets'] },
      enabled_log_types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
    });
    const variables = files
      .filter((f) => f.dir === 'modules/eks')
      .flatMap((f) => Object.entries((f.json.variable ?? {}) as Record<string, Json[]>));
    const cidrs = Object.fromEntries(variables).public_access_cidrs[0];
    expect(cidrs.default).toEqual([]);
    expect(cidrs.validation[0].condition).toBe('${!contains(var.public_access_cidrs, "0.0.0.0/0")}');
    for (const env of ENVS) expect(root(env, 'eks').public_access_cidrs).toBe('${var.public_access_cidrs}');
  });

  test('no kube-proxy, no VPC CNI: module 21.19.0 creates the cluster with bootstrap_self_managed_addons = false, and no such add-on', () => {
    expect(modules(files).find((m) => m.name === 'eks' && m.dir === 'modules/eks')!.body.version).toBe('21.19.0');
    const addons = new Set([
      ...Object.keys(eks().addons),
      ...resources(files)
        .filter((r) => r.type === 'aws_eks_addon')
        .flatMap((r) => strings(r.body.addon_name)),
      ...resources(files, 'data')
        .filter((r) => r.type === 'aws_eks_addon_version')
        .flatMap((r) => strings(r.body.for_each)),
    ]);
    expect([...addons].join(' ')).not.toMatch(/kube-proxy|vpc-cni/);
    expect(Object.keys(eks().addons)).toEqual(['eks-pod-identity-agent']);
    expect(eks().addons['eks-pod-identity-agent'].before_compute).toBe(true);
    // CoreDNS and the EBS CSI driver, after Cilium (they need pod networking to turn ACTIVE).
    const later = resources(files, 'data').find((r) => r.type === 'aws_eks_addon_version')!.body.for_each;
    expect(later).toBe('${toset(["coredns", "aws-ebs-csi-driver"])}');
    expect(resources(files).find((r) => r.type === 'aws_eks_addon')!.body.depends_on).toEqual(['${kubectl_manifest.cilium}']);
  });

  test('a small Bottlerocket system node group: IMDSv2 required, encrypted gp3 volumes, Cilium’s startup taint, no CNI policy', () => {
    const system = eks().eks_managed_node_groups.system;
    expect(system).toMatchObject({
      ami_type: 'BOTTLEROCKET_x86_64',
      metadata_options: { http_tokens: 'required', http_put_response_hop_limit: 1 },
      iam_role_attach_cni_policy: false,
      taints: { cni: '${var.cni_startup_taint}' },
    });
    for (const d of Object.values(system.block_device_mappings) as Json[])
      expect(d.ebs).toMatchObject({ encrypted: true, volume_type: 'gp3' });
    for (const env of ENVS) expect(root(env, 'eks').system_node_group.max_size).toBeLessThanOrEqual(5);
  });

  test('an encrypted gp3 default StorageClass beside the EBS CSI driver', () => {
    const sc = resources(files).find((r) => r.type === 'kubectl_manifest' && r.name === 'storage_class_gp3')!.body;
    expect(sc.yaml_body).toContain('"storageclass.kubernetes.io/is-default-class" = "true"');
    expect(sc.yaml_body).toMatch(/type\s+= "gp3"/);
    expect(sc.yaml_body).toMatch(/encrypted = "true"/);
    expect(sc.depends_on).toEqual(['${aws_eks_addon.this}']);
  });
});

describe('IAM: every Pod Identity association bound to exactly one namespace and ServiceAccount', () => {
  test('Karpenter: controller via Pod Identity on karpenter/karpenter, node role, interruption queue (names from the cluster file)', () => {
    const k = mod('modules/karpenter', 'karpenter');
    expect(k).toMatchObject({
      create_pod_identity_association: true,
      namespace: '${var.cluster.aws.karpenter.controller.namespace}',
      service_account: '${var.cluster.aws.karpenter.controller.serviceAccount}',
      iam_role_name: '${var.cluster.aws.karpenter.controller.role}',
      iam_role_use_name_prefix: false,
      node_iam_role_name: '${var.cluster.aws.karpenter.nodeRole}',
      node_iam_role_use_name_prefix: false,
      enable_spot_termination: true,
      queue_name: '${var.cluster.aws.karpenter.interruptionQueue}',
    });
  });

  test('each Pod Identity module has exactly one association, with a literal-free namespace and ServiceAccount', () => {
    const identities = modules(files).filter((m) => m.type === 'terraform-aws-modules/eks-pod-identity/aws');
    expect(identities.map((m) => m.name).sort()).toEqual([
      'cilium_operator_identity',
      'cnpg_backup_identity',
      'ebs_csi_identity',
      'loki_identity',
      'vault_identity',
    ]);
    for (const m of identities) {
      const associations = Object.values(m.body.associations) as Json[];
      expect(associations, m.name).toHaveLength(1);
      expect(typeof associations[0].namespace).toBe('string');
      expect(typeof associations[0].service_account).toBe('string');
      expect(m.body.use_name_prefix, m.name).toBe(false);
    }
    expect(mod('modules/platform-iam', 'cnpg_backup_identity').for_each).toBe('${local.cnpg_backups}');
  });

  test('every identity of the cluster files is created: the named ones, and one CloudNativePG role per remaining entry', async () => {
    const { readJson } = await import('./hcl');
    for (const env of ENVS) {
      const aws = readJson(join(REPO_ROOT, 'dist', env, 'cluster.json')).aws;
      const named = [aws.ciliumOperator.role, aws.karpenter.controller.role, aws.vault.role, aws.loki.role];
      const cnpg = aws.podIdentities.filter((p: Json) => !named.includes(p.role));
      expect(
        cnpg.every((p: Json) => /-cnpg-.*-backup$/.test(p.role)),
        env,
      ).toBe(true);
      expect(
        named.every((r) => aws.podIdentities.some((p: Json) => p.role === r)),
        env,
      ).toBe(true);
    }
  });

  test('Vault: a rotated KMS key under the cluster file’s alias, usable only for encrypt/decrypt by Vault’s identity', () => {
    const key = resources(files).find((r) => r.type === 'aws_kms_key' && r.name === 'vault')!.body;
    expect(key.enable_key_rotation).toBe(true);
    expect(resources(files).find((r) => r.type === 'aws_kms_alias')!.body.name).toBe('${var.cluster.aws.vault.kmsAlias}');
    expect(mod('modules/platform-iam', 'vault_identity').policy_statements[0].actions).toEqual([
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
    ]);
  });

  test('buckets: SSE-KMS, versioned, every public access block on, ACLs off, TLS-only policy', () => {
    const of = (type: string) => resources(files).find((r) => r.type === type && r.dir === 'modules/platform-iam')!.body;
    expect(of('aws_s3_bucket').for_each).toBe('${local.buckets}');
    expect(of('aws_s3_bucket_versioning').versioning_configuration[0].status).toBe('Enabled');
    expect(of('aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default[0].sse_algorithm).toBe(
      'aws:kms',
    );
    expect(of('aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(of('aws_s3_bucket_ownership_controls').rule[0].object_ownership).toBe('BucketOwnerEnforced');
    const policy = resources(files, 'data').find((r) => r.type === 'aws_iam_policy_document' && r.name === 'tls_only')!.body;
    expect(policy.statement[0]).toMatchObject({ effect: 'Deny', condition: [{ variable: 'aws:SecureTransport', values: ['false'] }] });
    for (const sub of ['ownership_controls', 'public_access_block', 'versioning', 'server_side_encryption_configuration', 'policy'])
      expect(of(`aws_s3_bucket_${sub}`).for_each, sub).toBe('${aws_s3_bucket.this}');
    expect(Object.keys(locals(files, 'modules/platform-iam').buckets).sort()).toEqual(['cnpg-backups', 'loki']);
  });
});

describe('bootstrap from the committed dist/', () => {
  /** The dist/ paths the bootstrap names (`fileset`, `file`), with `${...}` parts as wildcards. */
  function distPatterns(): { dir: string; pattern: string }[] {
    const text = files
      .filter((f) => f.dir === 'modules/bootstrap')
      .flatMap((f) => strings(f.json))
      .join('\n');
    const out = [...text.matchAll(/fileset\("\$\{var\.dist_dir\}\/([^"]+)", "([^"]+)"\)/g)].map((m) => ({ dir: m[1], pattern: m[2] }));
    for (const m of text.matchAll(/"\$\{var\.dist_dir\}\/([^"]*?)\/([^/"]+)"/g)) out.push({ dir: m[1], pattern: m[2] });
    return out;
  }
  const glob = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/\$\{[^}]*\}|\*/g, '\u00a7')
        .replace(/[.+^$()|[\]\\{}?]/g, '\\$&')
        .replace(/\u00a7/g, '[^/]*')}$`,
    );

  /** The patterns that match no file of dist/<env>, for each EKS cluster. */
  function missing(patterns: { dir: string; pattern: string }[]): string[] {
    return ENVS.flatMap((env) =>
      patterns.flatMap((p) => {
        const dir = join(REPO_ROOT, 'dist', env, p.dir);
        const found = existsSync(dir) ? readdirSync(dir).filter((f) => glob(p.pattern).test(f)) : [];
        return found.length > 0 ? [] : [`dist/${env}/${p.dir}/${p.pattern}`];
      }),
    );
  }

  test('every dist/ file and pattern the bootstrap names exists for each EKS cluster', () => {
    const patterns = distPatterns();
    expect(patterns.map((p) => `${p.dir}/${p.pattern}`)).toEqual(
      expect.arrayContaining(['cilium/manifests/*.yaml', 'argocd/manifests/*.yaml', 'namespaces/manifests/namespace-${ns}.yaml']),
    );
    expect(missing(patterns)).toEqual([]);
  });

  test('a bootstrap that names a file synth does not write fails this check', () => {
    const patterns = [
      ...distPatterns(),
      { dir: 'cilium', pattern: 'helm-release.yaml' },
      { dir: 'argocd/manifests', pattern: 'application-${x}-extra.yaml' },
    ];
    expect(missing(patterns)).toEqual([
      'dist/dev/cilium/helm-release.yaml',
      'dist/dev/argocd/manifests/application-${x}-extra.yaml',
      'dist/prod/cilium/helm-release.yaml',
      'dist/prod/argocd/manifests/application-${x}-extra.yaml',
    ]);
  });

  test('the namespaces the bootstrapped objects use each have their file in the namespaces component', async () => {
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    for (const env of ENVS) {
      const namespaces = new Set<string>();
      for (const c of ['cilium', 'argocd']) {
        const dir = join(REPO_ROOT, 'dist', env, c, 'manifests');
        for (const f of readdirSync(dir)) {
          const ns = parse(readFileSync(join(dir, f), 'utf8'))?.metadata?.namespace;
          if (ns && ns !== 'kube-system' && ns !== 'default') namespaces.add(ns);
        }
      }
      expect([...namespaces].sort(), env).toEqual(['argocd', 'cilium-secrets']);
      for (const ns of namespaces)
        expect(existsSync(join(REPO_ROOT, 'dist', env, 'namespaces/manifests', `namespace-${ns}.yaml`)), `${env} ${ns}`).toBe(true);
    }
  });

  test('applied server-side under Argo CD’s field manager, never deleted by Terraform; CRDs established first; no ApplicationSet', () => {
    const manifests = resources(files).filter((r) => r.type === 'kubectl_manifest' && r.name !== 'storage_class_gp3');
    expect(manifests.map((m) => m.name).sort()).toEqual(['argocd', 'argocd_bootstrap', 'argocd_crd', 'cilium', 'namespace']);
    for (const m of manifests)
      expect(m.body, m.name).toMatchObject({ server_side_apply: true, field_manager: '${local.field_manager}', apply_only: true });
    expect(locals(files, 'modules/bootstrap').field_manager).toBe('argocd-controller');
    const by = (name: string) => manifests.find((m) => m.name === name)!.body;
    expect(by('argocd_crd').wait_for[0].condition[0]).toEqual({ type: 'Established', status: 'True' });
    expect(by('cilium').depends_on).toEqual(['${kubectl_manifest.namespace}']);
    expect(by('argocd').depends_on).toEqual(['${kubectl_manifest.argocd_crd}', '${aws_eks_addon.this}']);
    expect(by('argocd_bootstrap').depends_on).toEqual(['${kubectl_manifest.argocd}']);
    expect(locals(files, 'modules/bootstrap').argocd_core_files).toContain('!startswith(f, "applicationset-")');
  });
});
