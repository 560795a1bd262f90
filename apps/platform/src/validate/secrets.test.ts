import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isReferenceOrPlaceholder, looksLikeToken, redact, scannerFingerprint, scanSecrets, scanText } from './secrets';
import { devContext, distComponent, makeContext, removeTempRoots, tempRoot, writeFile } from './test-helpers';

/*
 * Every credential-shaped fixture is assembled at run time from parts that do not match any rule,
 * so scanning this file (and the repository) stays at zero findings. Never paste a literal here.
 */
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A deterministic high-entropy string: steps through the alphabet by a stride coprime to its length. */
function noise(length: number, alphabet = ALNUM, stride = 7): string {
  return Array.from({ length }, (_, i) => alphabet[(i * stride + 3) % alphabet.length]).join('');
}
const dash5 = '-'.repeat(5);
function privateKey(kind: string): string {
  const body =
    Buffer.from(noise(120))
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return [`${dash5}BEGIN ${kind} ${'PRIVATE'} KEY${dash5}`, ...body, `${dash5}END ${kind} ${'PRIVATE'} KEY${dash5}`].join('\n');
}
const awsKeyId = () => ['AK', 'IA', 'Q7ZL2MB4XN5RT6WY'].join('');
const githubToken = () => ['ghp', noise(36)].join('_');
const gitlabToken = () => ['glpat', noise(20)].join('-');
const slackToken = () => ['xoxb', '1234567890', '9876543210', noise(24)].join('-');
const vaultToken = () => ['hvs', noise(95, `${ALNUM}_-`)].join('.');
function jwt(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return [
    part({ alg: 'HS256', typ: 'JWT' }),
    part({ sub: '1234567890', name: 'Test User', iat: 1516239022 }),
    noise(43, `${ALNUM}_-`),
  ].join('.');
}
const PASSWORD = ['pass', 'word'].join('');
const ALLOW = ['platform', 'allow-secret'].join(':');

afterEach(removeTempRoots);

function rulesOf(text: string, file = 'config/app.yaml'): string[] {
  return scanText(text, file).map((f) => f.rule);
}

describe('token rules', () => {
  it('finds a PEM private key and an OpenSSH key, on the BEGIN line, without printing the key', () => {
    const rsa = privateKey('RSA');
    const text = `apiVersion: v1\ndata:\n  key: |\n    ${rsa.split('\n').join('\n    ')}\n`;
    const [finding] = scanText(text, 'config/key.yaml');
    expect(finding).toMatchObject({ check: 'secrets', rule: 'private-key', severity: 'error', file: 'config/key.yaml', line: 4 });
    const bodyLine = rsa.split('\n')[1];
    expect(finding.message).not.toContain(bodyLine.slice(0, 20));
    expect(finding.message).toContain('redacted');
    expect(rulesOf(privateKey('OPENSSH'), 'id_ed25519')).toEqual(['private-key']);
  });

  it('ignores a key header without a body (documentation)', () => {
    expect(rulesOf(`The file starts with ${dash5}BEGIN ${'PRIVATE'} KEY${dash5}.`, 'docs/x.md')).toEqual([]);
  });

  it('finds an AWS access key id, not the documented EXAMPLE key nor a low-entropy placeholder', () => {
    expect(rulesOf(`AWS_ACCESS_KEY_ID=${awsKeyId()}\n`, '.env')).toEqual(['aws-access-key-id']);
    expect(rulesOf(`id: ${['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('')}`)).toEqual([]);
    expect(rulesOf(`id: ${'AKIA'}${'X'.repeat(16)}`)).toEqual([]);
  });

  it('finds GitHub, GitLab and Slack tokens in code', () => {
    const text = [`const a = '${githubToken()}';`, `const b = "${gitlabToken()}";`, `const c = \`${slackToken()}\`;`].join('\n');
    expect(scanText(text, 'scripts/x.ts').map((f) => [f.rule, f.line])).toEqual([
      ['github-token', 1],
      ['gitlab-token', 2],
      ['slack-token', 3],
    ]);
  });

  it('finds a JWT, also after Bearer (reported once, as jwt)', () => {
    expect(rulesOf(`token is ${jwt()}`, 'docs/x.md')).toEqual(['jwt']);
    expect(rulesOf(`curl -H "Authorization: ${'Bear'}er ${jwt()}" https://api`, 'scripts/x.sh')).toEqual(['jwt']);
  });

  it('finds an opaque Bearer token, not prose or a variable', () => {
    expect(rulesOf(`curl -H "Authorization: ${'Bear'}er ${noise(32)}"`, 'scripts/x.sh')).toEqual(['bearer-token']);
    expect(rulesOf(`curl -H "Authorization: ${'Bear'}er $TOKEN"`, 'scripts/x.sh')).toEqual([]);
    expect(rulesOf(`Use ${'Bear'}er authentication for the API.`, 'docs/x.md')).toEqual([]);
  });

  it('finds a Vault token', () => {
    expect(rulesOf(`VAULT_TOKEN=${vaultToken()}`, 'scripts/x.sh')).toEqual(['vault-token']);
  });
});

describe('password literals', () => {
  it('flags literal values of password, secret and token keys in YAML, .env and JSON', () => {
    expect(rulesOf(`db:\n  ${PASSWORD}: hunter2-but-longer # demo\n`)).toEqual(['password-literal']);
    expect(rulesOf(`  ${['client', 'secret'].join('_')}: "s3cr3t-value"`)).toEqual(['password-literal']);
    expect(rulesOf(`DB_${PASSWORD.toUpperCase()}=hunter2\n`, '.env')).toEqual(['password-literal']);
    expect(rulesOf(`{ "admin${'Pass'}word": "hunter2" }`, 'config/x.json')).toEqual(['password-literal']);
    expect(rulesOf(`- --${PASSWORD}=hunter2`)).toEqual(['password-literal']);
  });

  it('does not take a reference to a Secret for a value (cert-manager inject-ca-from-secret)', () => {
    expect(rulesOf(`    cert-manager.io/inject-ca-from-${'sec'}ret: cert-manager/cert-manager-webhook-ca\n`)).toEqual([]);
  });

  it('does not take an exemption annotation for a token (its key ends with a policy id)', () => {
    const key = ['policy.platform/exempt-no-automount-service-account', 'token'].join('-');
    expect(rulesOf(`metadata:\n  annotations:\n    ${key}: "calls the Kubernetes API to list pods"\n`)).toEqual([]);
    // The same words elsewhere still count.
    expect(rulesOf(`  exempt-service-account-${'tok'}en: "calls-the-api"\n`)).toEqual(['password-literal']);
  });

  it('accepts references, placeholders and empty values', () => {
    const values = [
      '${DB_PASSWORD}',
      '"{{ .Values.db.password }}"',
      '""',
      "''",
      '<your-password>',
      'xxxxxx',
      'REDACTED',
      '$(DB_PASSWORD)',
      'vault:secret/data/db#password',
      '@/jwks/jwks.json',
      'true',
    ];
    for (const value of values) expect(rulesOf(`${PASSWORD}: ${value}`), value).toEqual([]);
  });

  it('does not flag keys that name a Secret or keys that only contain the word', () => {
    expect(rulesOf(`existing${'Secret'}: grafana-admin`)).toEqual([]);
    expect(rulesOf(`${PASSWORD}Secret: keycloak-db-app`)).toEqual([]);
    expect(rulesOf(`${PASSWORD}SecretRef:\n  name: x`)).toEqual([]);
    expect(rulesOf(`secretName: tls-cert`)).toEqual([]);
    expect(rulesOf(`automountServiceAccount${'Token'}: false`)).toEqual([]);
  });

  it('in code only quoted values are literals (an unquoted value is a variable); prose is ignored', () => {
    expect(rulesOf(`const x = { ${PASSWORD}: 'hunter2' };`, 'libs/x.ts')).toEqual(['password-literal']);
    expect(rulesOf(`const x = { ${PASSWORD}: props.${PASSWORD} };`, 'libs/x.ts')).toEqual([]);
    expect(rulesOf(`// the API token: \`set it in Vault\``, 'libs/x.ts')).toEqual([]);
    expect(rulesOf(`${PASSWORD} = var.db_${PASSWORD}`, 'infra/main.tf')).toEqual([]);
  });
});

describe('allow comments', () => {
  const line = `${PASSWORD}: hunter2 # ${ALLOW}`;

  it('a line comment hides a proven false positive in ordinary files', () => {
    expect(rulesOf(line)).toEqual([]);
    expect(rulesOf(`${PASSWORD}: hunter2 # ${['gitleaks', 'allow'].join(':')}`)).toEqual([]);
  });

  it('test files cannot hide secrets behind it', () => {
    expect(rulesOf(line, 'libs/x/src/x.test.ts'.replace('.ts', '.yaml'))).toEqual([]); // not a test file name
    expect(scanText(`const y = '${githubToken()}'; // ${ALLOW}`, 'libs/x/src/x.test.ts').map((f) => f.rule)).toEqual(['github-token']);
    expect(scanText(`${line}\n`, 'libs/x/__fixtures__/values.yaml').map((f) => f.rule)).toEqual(['password-literal']);
  });
});

describe('redaction', () => {
  it('never prints the whole secret; keeps 4 characters of long ones only', () => {
    expect(redact('short')).toBe('…[5 chars redacted]');
    const token = githubToken();
    expect(redact(token)).toBe(`${token.slice(0, 4)}…[${token.length} chars redacted]`);
    const findings = scanText(`a: ${githubToken()} b: ${awsKeyId()}`, 'x.yaml');
    expect(findings.map((f) => f.rule)).toEqual(['aws-access-key-id', 'github-token']);
    for (const f of findings) {
      expect(f.message).not.toContain(githubToken().slice(4, 20));
      expect(f.message).not.toContain(awsKeyId().slice(4));
    }
  });
});

describe('container env values of dist objects', () => {
  const deployment = (env: object[]) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'api' },
    spec: { template: { spec: { containers: [{ name: 'api', image: 'x:1', env }] } } },
  });
  const scan = (env: object[]) => scanSecrets(devContext([distComponent('dev', 'api', [deployment(env)])]));

  it('flags a literal value under a credential-like name, with path and object', () => {
    const [finding] = scan([{ name: `DB_${PASSWORD.toUpperCase()}`, value: 'hunter2' }]);
    expect(finding).toMatchObject({
      rule: 'sensitive-env-value',
      severity: 'error',
      cluster: 'dev',
      object: 'Deployment/api/api',
      path: 'spec.template.spec.containers[0].env[0].value',
    });
    expect(finding.message).not.toContain('hunter2');
  });

  it('warns on a high-entropy value under any name', () => {
    expect(scan([{ name: 'SIGNING', value: noise(32) }]).map((f) => [f.rule, f.severity])).toEqual([['high-entropy-env-value', 'warning']]);
  });

  it('accepts valueFrom, references, URLs, host names, UUIDs and ordinary settings', () => {
    const env = [
      { name: `DB_${PASSWORD.toUpperCase()}`, valueFrom: { secretKeyRef: { name: 'db', key: PASSWORD } } },
      { name: 'API_TOKEN', value: '$(TOKEN_FROM_FILE)' },
      { name: 'TOKEN_FILE', value: '/var/run/secrets/token' },
      { name: 'ISSUER', value: 'https://keycloak.example.org/realms/Platform2024' },
      { name: 'DB_HOST', value: 'postgrest-api-rw.api.svc.cluster.local' },
      { name: 'CLIENT', value: '123e4567-e89b-12d3-a456-426614174000' },
      { name: 'JAVA_OPTS', value: '-XX:MaxRAMPercentage=75.0 -Dfile.encoding=UTF-8' },
    ];
    expect(scan(env)).toEqual([]);
  });

  it('looksLikeToken and isReferenceOrPlaceholder', () => {
    expect(looksLikeToken(noise(24))).toBe(true);
    expect(looksLikeToken('org.postgresql.DriverManager')).toBe(false);
    expect(looksLikeToken('a'.repeat(30))).toBe(false);
    expect(isReferenceOrPlaceholder('changeme')).toBe(false); // a default password is not a placeholder
    expect(isReferenceOrPlaceholder('{{ .Values.x }}')).toBe(true);
  });
});

describe('file walk', () => {
  it('scans dist once (with its cluster) and the source tree, skipping dependency, cache and binary files', () => {
    const root = tempRoot();
    const token = githubToken();
    writeFile(root, 'dist/dev/api/manifests/configmap-x.yaml', `data:\n  t: ${token}\n`);
    writeFile(root, 'libs/x/src/x.ts', `export const t = '${token}';\n`);
    writeFile(root, 'docs/notes.md', `${PASSWORD}: hunter2\n`);
    for (const skipped of ['node_modules/p/index.js', '.git/config', '.nx/cache/x', '.cache/x', 'tmp/x.ts', 'package-lock.json']) {
      writeFile(root, skipped, `t = '${token}'\n`);
    }
    writeFile(root, 'assets/blob.dat', `\u0000binary ${token}`);
    const findings = scanSecrets(makeContext([], root));
    expect(findings.map((f) => [f.file, f.line, f.rule, f.cluster])).toEqual([
      ['dist/dev/api/manifests/configmap-x.yaml', 2, 'github-token', 'dev'],
      ['docs/notes.md', 1, 'password-literal', undefined],
      ['libs/x/src/x.ts', 1, 'github-token', undefined],
    ]);
  });

  it('scans a dist directory outside the repository root, and only the given source roots', () => {
    const root = tempRoot();
    const other = tempRoot();
    writeFile(other, 'dev/a/manifests/x.yaml', `t: ${githubToken()}\n`);
    writeFile(root, 'libs/a.ts', `const t = '${githubToken()}';\n`);
    writeFile(root, 'apps/b.ts', `const t = '${githubToken()}';\n`);
    const findings = scanSecrets({ root, distDir: other, clusters: [] }, { sourceRoots: ['apps'] });
    const seen = findings.map((f) => [f.rule, f.cluster, f.file.endsWith('dev/a/manifests/x.yaml') || f.file]);
    expect(seen).toHaveLength(2);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['github-token', 'dev', true],
        ['github-token', undefined, 'apps/b.ts'],
      ]),
    );
  });

  it('the validate sources themselves (rules, tests, helpers) scan clean', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const root = resolve(here, '../../../..');
    const findings = scanSecrets({ root, distDir: join(root, 'nonexistent-dist'), clusters: [] }, { sourceRoots: [here] });
    expect(findings).toEqual([]);
  });
});

describe('generated code: clean results cached by content', () => {
  const GENERATED = 'libs/crds/src/generated/example.io.ts';
  const CACHE = 'node_modules/.cache/platform/secrets-clean.json';
  const clean = 'export class Widget {\n  public readonly spec?: WidgetSpec;\n}\n';
  const readCache = (root: string) => JSON.parse(readFileSync(join(root, CACHE), 'utf8')) as { scanner: string; clean: string[] };
  const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

  it('remembers a clean generated file by its sha256 and the scanner fingerprint; other files are not cached', () => {
    const root = tempRoot();
    writeFile(root, GENERATED, clean);
    writeFile(root, 'libs/x/src/x.ts', 'export const x = 1;\n');
    expect(scanSecrets(makeContext([], root))).toEqual([]);
    const cache = readCache(root);
    expect(cache.scanner).toBe(scannerFingerprint());
    expect(cache.clean).toEqual([`${hashOf(clean)}:quoted:source`]);
    expect(scanSecrets(makeContext([], root))).toEqual([]);
  });

  it('a secret planted in a cached generated file is found: new content, cache miss', () => {
    const root = tempRoot();
    writeFile(root, GENERATED, clean);
    expect(scanSecrets(makeContext([], root))).toEqual([]);
    writeFile(root, GENERATED, `${clean}export const token = '${githubToken()}';\n`);
    const findings = scanSecrets(makeContext([], root));
    expect(findings.map((f) => [f.file, f.line, f.rule])).toEqual([[GENERATED, 4, 'github-token']]);
    // The dirty content is never cached, and the old clean key is dropped.
    expect(readCache(root).clean).toEqual([]);
    expect(scanSecrets(makeContext([], root)).map((f) => f.rule)).toEqual(['github-token']);
  });

  it('uses the cache only for the same scanner: a cache from other rules is ignored', () => {
    const root = tempRoot();
    const dirty = `export const token = '${githubToken()}';\n`;
    writeFile(root, GENERATED, dirty);
    const claim = (scanner: string) => writeFile(root, CACHE, JSON.stringify({ scanner, clean: [`${hashOf(dirty)}:quoted:source`] }));
    claim('0'.repeat(64));
    expect(scanSecrets(makeContext([], root)).map((f) => f.rule)).toEqual(['github-token']);
    // Proof that the cache is what skips a file: a (forged) entry of the current scanner hides it.
    claim(scannerFingerprint());
    expect(scanSecrets(makeContext([], root))).toEqual([]);
    expect(scanSecrets(makeContext([], root), { cacheFile: false }).map((f) => f.rule)).toEqual(['github-token']);
  });

  it('never caches files outside the generated directories', () => {
    const root = tempRoot();
    writeFile(root, 'libs/crds/src/crds.ts', clean);
    writeFile(root, 'dist/dev/a/manifests/x.yaml', 'kind: ConfigMap\n');
    scanSecrets(makeContext([], root));
    expect(existsSync(join(root, CACHE))).toBe(false);
  });
});
