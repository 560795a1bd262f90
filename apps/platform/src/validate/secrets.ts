/**
 * Credential scan over dist/ and the source tree ("no credentials anywhere in dist", DESIGN.md).
 *
 * The token rules are ported from the gitleaks v8.30.1 default rules kept in
 * ../shared/audit/gitleaks.toml (ids in brackets below), with their entropy thresholds and
 * allowlists; the toml is not read at runtime. Two rules are the platform's own: literal values of
 * password/secret/token keys, and container env values of dist objects (by name and by entropy).
 *
 * False positives: `gitleaks:allow` or `platform:allow-secret` on the line. Test files cannot use
 * that escape: their fixtures must be assembled at run time from harmless parts.
 *
 * Generated code (`libs/crds/src/generated/`, ~190k lines of CRD bindings) is scanned once per
 * content: a clean result is remembered in `node_modules/.cache/platform/secrets-clean.json`, keyed by
 * the sha256 of the file's text and of the scanner (its rules and code). A changed file, or a
 * changed scanner, is scanned again; a file with findings is never cached. Everything else is
 * scanned on every run.
 *
 * Every regex below is written so that its own source text cannot match it, so this file scans clean.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Finding, ValidateContext } from './types';
import { EXEMPTION_PREFIX } from './types';
import { isRecord, sha256, writeFileAtomic } from './util';
import { allItems, asArray, containersOf, podSpecOf } from './workloads';

export interface SecretRule {
  readonly id: string;
  readonly description: string;
  /** Global regex (flag `d` added at use); group `group` is the secret itself. */
  readonly pattern: RegExp;
  readonly group: number;
  /** Lower-case words of which one must be on the line before the regex runs (speed only). */
  readonly keywords: readonly string[];
  /** Minimum Shannon entropy of the secret (gitleaks' `entropy`). */
  readonly minEntropy?: number;
  /** True for matches known to be harmless (gitleaks' rule allowlists). */
  readonly allow?: (secret: string) => boolean;
}

/** gitleaks' terminator after a token: a quote, backtick, whitespace, `;`, an escaped newline or the end. */
const END = String.raw`(?=[\x60'"\s;,)\]}]|\\[nr]|$)`;

/** Line rules, most specific first: a later rule never reports a span an earlier one did. */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'aws-access-key-id',
    description: 'AWS access key id [aws-access-token]',
    pattern: /\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g,
    group: 1,
    keywords: ['a3t', 'akia', 'asia', 'abia', 'acca'],
    minEntropy: 3,
    allow: (s) => s.endsWith('EXAMPLE'),
  },
  {
    id: 'github-token',
    description: 'GitHub token [github-pat, github-oauth, github-app-token, github-refresh-token, github-fine-grained-pat]',
    pattern: /\b(gh[pousr]_[0-9a-zA-Z]{36}|github_pat_\w{82})/g,
    group: 1,
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    minEntropy: 3,
  },
  {
    id: 'gitlab-token',
    description: 'GitLab token [gitlab-pat, gitlab-ptt, gitlab-rrt, gitlab-runner-authentication-token, gitlab-deploy-token]',
    pattern: /\b(glpat-[\w-]{20,}|glptt-[0-9a-f]{40}|GR1348941[\w-]{20}|glrt-[\w-]{20}|gldt-[\w-]{20})/g,
    group: 1,
    keywords: ['glpat-', 'glptt-', 'gr1348941', 'glrt-', 'gldt-'],
    minEntropy: 3,
  },
  {
    id: 'slack-token',
    description: 'Slack token or webhook [slack-bot-token, slack-user-token, slack-app-token, slack-legacy-*, slack-webhook-url]',
    pattern: new RegExp(
      `(${[
        String.raw`xox[bpeaors]-[0-9]{8,14}-[A-Za-z0-9-]{10,}`,
        String.raw`xoxe\.xox[bp]-\d-[A-Za-z0-9]{163,166}`,
        String.raw`xapp-\d-[A-Za-z0-9]+-\d+-[a-z0-9]+`,
        String.raw`hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}`,
      ].join('|')})`,
      'g',
    ),
    group: 1,
    keywords: ['xox', 'xapp', 'hooks.slack.com'],
    minEntropy: 2,
  },
  {
    id: 'jwt',
    description: 'JSON Web Token [jwt]',
    pattern: new RegExp(String.raw`\b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/\\_-]{17,}\.(?:[a-zA-Z0-9/\\_-]{10,}={0,2})?)${END}`, 'g'),
    group: 1,
    keywords: ['ey'],
    minEntropy: 3,
  },
  {
    id: 'vault-token',
    description: 'Vault service or batch token [vault-service-token, vault-batch-token]',
    pattern: new RegExp(String.raw`\b(hvs\.[\w-]{90,120}|hvb\.[\w-]{138,300}|s\.[A-Za-z0-9]{24})${END}`, 'g'),
    group: 1,
    keywords: ['hvs.', 'hvb.', 's.'],
    minEntropy: 3.5,
    allow: (s) => /^s\.[A-Za-z]{24}$/.test(s),
  },
  {
    id: 'bearer-token',
    description: 'Bearer token in text [curl-auth-header, generalised]',
    pattern: /\b[Bb]earer[ \t]+([A-Za-z0-9._~+/-]{20,}=*)/g,
    group: 1,
    keywords: ['bearer'],
    minEntropy: 3,
  },
];

export const PRIVATE_KEY_RULE = 'private-key';
export const PASSWORD_RULE = 'password-literal';
export const SENSITIVE_ENV_RULE = 'sensitive-env-value';
export const HIGH_ENTROPY_ENV_RULE = 'high-entropy-env-value';

/** Shannon entropy (bits per character) from which a token-like env value is reported. */
export const HIGH_ENTROPY_THRESHOLD = 3.5;
export const HIGH_ENTROPY_MIN_LENGTH = 20;

/** [private-key]: a PEM or OpenSSH private key block with a body. */
const PRIVATE_KEY = new RegExp(String.raw`-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]{64,}?KEY(?: BLOCK)?-----`, 'gi');

const ALLOW_MARKERS = ['gitleaks:allow', 'platform:allow-secret'];

const SKIP_DIRS = new Set(['node_modules', '.git', '.nx', '.cache', 'tmp', '.terraform', 'coverage']);
/** Lock files (gitleaks' global allowlist): integrity hashes, no credentials of ours. */
const SKIP_FILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock']);
const BINARY_EXTENSIONS = new Set(
  '.png .jpg .jpeg .gif .bmp .ico .webp .tif .tiff .pdf .zip .gz .tgz .tar .bz2 .xz .7z .jar .woff .woff2 .ttf .otf .eot .exe .dll .so .dylib .bin .wasm .class .pyc .mp3 .mp4 .mov .tsbuildinfo'.split(
    ' ',
  ),
);
const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** Generated code, repository-relative: scanned once per content (see the file comment). */
export const GENERATED_DIRS: readonly string[] = ['libs/crds/src/generated/'];

export interface ScanOptions {
  /**
   * Directories of the source tree to scan (absolute or relative to ctx.root), default [ctx.root].
   * ctx.distDir is always scanned when it exists, and never twice.
   */
  readonly sourceRoots?: string[];
  /**
   * Where clean results of generated files are remembered; default
   * `<ctx.root>/node_modules/.cache/platform/secrets-clean.json`; false: no cache.
   */
  readonly cacheFile?: string | false;
}

export function scanSecrets(ctx: ValidateContext, opts: ScanOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const cache = new CleanCache(opts.cacheFile ?? join(ctx.root, 'node_modules/.cache/platform/secrets-clean.json'));
  const distDir = resolve(ctx.distDir);
  const defaultDist = resolve(ctx.root, 'dist');
  const files = new Set<string>();
  if (existsSync(distDir)) collectFiles(distDir, () => false, files);
  for (const root of opts.sourceRoots ?? [ctx.root]) {
    const dir = resolve(ctx.root, root);
    if (existsSync(dir)) collectFiles(dir, (path) => path === distDir || path === defaultDist, files);
  }
  /** Hits by content and how the path is scanned: a file that occurs in several clusters is scanned once. */
  const scanned = new Map<string, TextHit[]>();
  for (const abs of [...files].sort()) {
    const file = toPosix(relative(ctx.root, abs));
    const cluster = isInside(abs, distDir) ? toPosix(relative(distDir, abs)).split('/')[0] : undefined;
    const bytes = readBytes(abs);
    if (bytes === 'too-large') {
      findings.push({
        check: 'secrets',
        rule: 'file-not-scanned',
        severity: 'warning',
        cluster,
        file,
        message: `${file} is larger than ${MAX_FILE_BYTES} bytes and was not scanned`,
      });
      continue;
    }
    if (bytes === undefined) continue;
    const key = `${sha256(bytes)}:${passwordStyle(file) ?? 'none'}:${isTestFile(file) ? 'test' : 'source'}`;
    const generated = cluster === undefined && GENERATED_DIRS.some((dir) => file.startsWith(dir));
    if (generated && cache.isClean(key)) continue;
    let hits = scanned.get(key);
    if (!hits) {
      hits = textHits(bytes.toString('utf8'), file);
      scanned.set(key, hits);
    }
    if (generated && hits.length === 0) cache.markClean(key);
    findings.push(...hits.map((hit) => toFinding(hit, file, cluster)));
  }
  cache.save();
  findings.push(...scanEnvValues(ctx));
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Clean results of generated files

/**
 * The scanner itself, hashed: rule data and the code that applies it. Any change to a rule, an
 * allowlist or the scanning code gives a new hash, so no clean result of an older scanner is reused.
 */
let scannerHash: string | undefined;
export function scannerFingerprint(): string {
  scannerHash ??= sha256(
    JSON.stringify({
      rules: SECRET_RULES.map((r) => [r.id, r.pattern.source, r.pattern.flags, r.group, r.keywords, r.minEntropy, r.allow?.toString()]),
      patterns: [PRIVATE_KEY.source, PASSWORD_ASSIGNMENT.source, REFERENCE_KEY.source, EXEMPTION_ANNOTATION_PREFIX],
      keywords: KEYWORDS,
      markers: ALLOW_MARKERS,
      code: [textHits, privateKeyHits, lineHits, passwordHits, passwordStyle, isReferenceOrPlaceholder, isTestFile, shannon, excerpt].map(
        String,
      ),
    }),
  );
  return scannerHash;
}

interface CleanCacheFile {
  readonly scanner: string;
  readonly clean: string[];
}

/** Keys (`sha256 of the text` + how the path is scanned) of generated files that scanned clean. */
class CleanCache {
  private readonly clean = new Set<string>();
  private readonly seen = new Set<string>();
  private dirty = false;

  constructor(private readonly file: string | false) {
    if (!file || !existsSync(file)) return;
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as CleanCacheFile;
      if (data.scanner === scannerFingerprint() && Array.isArray(data.clean)) for (const key of data.clean) this.clean.add(key);
    } catch {
      // unreadable: start empty, it is rewritten below
    }
  }

  isClean(key: string): boolean {
    this.seen.add(key);
    return this.file !== false && this.clean.has(key);
  }

  markClean(key: string): void {
    this.clean.add(key);
    this.dirty = true;
  }

  /** Keeps the keys of this run only (old versions of the generated files drop out). */
  save(): void {
    if (!this.file) return;
    const keys = [...this.clean].filter((key) => this.seen.has(key)).sort();
    if (!this.dirty && keys.length === this.clean.size) return;
    try {
      writeFileAtomic(this.file, `${JSON.stringify({ scanner: scannerFingerprint(), clean: keys } satisfies CleanCacheFile)}\n`);
    } catch {
      // a read-only checkout: scan again next time
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Files

function collectFiles(dir: string, skipDir: (abs: string) => boolean, out: Set<string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !skipDir(abs)) collectFiles(abs, skipDir, out);
    } else if (entry.isFile() && !SKIP_FILES.has(entry.name) && !BINARY_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
      out.add(abs);
    }
  }
}

/** The file's bytes, undefined for binary files (a NUL byte in the first 8 KiB). */
function readBytes(abs: string): Buffer | undefined | 'too-large' {
  if (lstatSync(abs).size > MAX_FILE_BYTES) return 'too-large';
  const bytes = readFileSync(abs);
  return bytes.subarray(0, 8192).includes(0) ? undefined : bytes;
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** Test code may not hide secrets behind an allow comment. */
export function isTestFile(file: string): boolean {
  return (
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(file) ||
    /(^|\/)test-helpers?\.[cm]?[jt]s$/.test(file) ||
    /(^|\/)(__tests__|__fixtures__|fixtures?|tests?)\//.test(file)
  );
}

// ---------------------------------------------------------------------------------------------
// Text

interface Hit {
  readonly rule: string;
  readonly description: string;
  readonly line: number;
  readonly start: number;
  readonly end: number;
  readonly secret: string;
}

/** What the scan found on one line of a text, independent of where the text lives. */
interface TextHit {
  readonly rule: string;
  readonly line: number;
  readonly description: string;
  /** The line around the secret, every secret on it redacted. */
  readonly excerpt: string;
}

/** Scans one file's text. `file` is the repository-relative path used in findings and for the file type. */
export function scanText(text: string, file: string, opts: { cluster?: string } = {}): Finding[] {
  return textHits(text, file).map((hit) => toFinding(hit, file, opts.cluster));
}

/** The hits of a text; they depend on the path only through its password style and whether it is a test file. */
function textHits(text: string, file: string): TextHit[] {
  const lines = text.split(/\r?\n/);
  const allowed = (line: number) => !isTestFile(file) && ALLOW_MARKERS.some((m) => lines[line - 1]?.includes(m));
  const hits = [...privateKeyHits(text), ...lineHits(lines, passwordStyle(file))].filter((hit) => !allowed(hit.line));
  return hits.map((hit) => ({
    rule: hit.rule,
    line: hit.line,
    description: hit.description,
    excerpt: excerpt(lines[hit.line - 1] ?? '', hit, hits),
  }));
}

function toFinding(hit: TextHit, file: string, cluster: string | undefined): Finding {
  return {
    check: 'secrets',
    rule: hit.rule,
    severity: 'error',
    cluster,
    file,
    line: hit.line,
    message: `${file}:${hit.line}: ${hit.description}: ${hit.excerpt}`,
    hint: hintFor(hit.rule),
  };
}

function privateKeyHits(text: string): Hit[] {
  if (!/PRIVATE KEY/i.test(text)) return [];
  return [...text.matchAll(PRIVATE_KEY)].map((m) => {
    const before = text.slice(0, m.index);
    const lineStart = before.lastIndexOf('\n') + 1;
    const header = m[0].indexOf('-----', 5) + 5;
    return {
      rule: PRIVATE_KEY_RULE,
      description: 'private key',
      line: before.split('\n').length,
      start: m.index - lineStart + header,
      end: m.index - lineStart + m[0].length,
      secret: m[0].slice(header),
    };
  });
}

function lineHits(lines: readonly string[], style: PasswordStyle | undefined): Hit[] {
  const hits: Hit[] = [];
  lines.forEach((text, index) => {
    const lower = text.toLowerCase();
    const onLine: Hit[] = [];
    const add = (hit: Hit) => {
      if (!onLine.some((h) => hit.start < h.end && h.start < hit.end)) onLine.push(hit);
    };
    for (const rule of SECRET_RULES) {
      if (!rule.keywords.some((k) => lower.includes(k))) continue;
      for (const m of text.matchAll(withIndices(rule.pattern))) {
        const secret = m[rule.group];
        const span = m.indices?.[rule.group];
        if (!secret || !span || rule.allow?.(secret) || shannon(secret) < (rule.minEntropy ?? 0)) continue;
        add({ rule: rule.id, description: rule.description, line: index + 1, start: span[0], end: span[1], secret });
      }
    }
    if (style) for (const hit of passwordHits(text, index + 1, style)) add(hit);
    hits.push(...onLine);
  });
  return hits;
}

const indexed = new Map<RegExp, RegExp>();
function withIndices(pattern: RegExp): RegExp {
  let result = indexed.get(pattern);
  if (!result)
    indexed.set(pattern, (result = new RegExp(pattern.source, pattern.flags.includes('d') ? pattern.flags : `${pattern.flags}d`)));
  return result;
}

// ---------------------------------------------------------------------------------------------
// password: <literal>

/**
 * `quoted`: only quoted values are literals (TypeScript, JavaScript, HCL: an unquoted value there is
 * a variable). `plain`: an unquoted value running to the end of the line is a literal too (YAML,
 * .env, properties, shell, Markdown).
 */
type PasswordStyle = 'quoted' | 'plain';

function passwordStyle(file: string): PasswordStyle | undefined {
  const name = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  if (/^\.env(\..*)?$|\.env$/.test(name)) return 'plain';
  const ext = extname(name);
  if (['.yaml', '.yml', '.properties', '.ini', '.conf', '.cfg', '.sh', '.bash', '.md', '.txt'].includes(ext)) return 'plain';
  if (['.ts', '.tsx', '.js', '.mjs', '.cjs', '.mts', '.cts', '.json', '.tf', '.tfvars', '.hcl', '.toml', '.py', '.go'].includes(ext))
    return 'quoted';
  return undefined;
}

const KEYWORDS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'api_key',
  'api-key',
  'private_key',
  'privatekey',
  'access_key',
  'accesskey',
];

/**
 * key (ending with a sensitive word), optional quotes around it, `:`/`=`/`:=`/`=>`, then a quoted
 * value or (plain style) an unquoted value followed only by an optional `#` comment.
 */
const PASSWORD_ASSIGNMENT = new RegExp(
  String.raw`(?<![\w.$-])(["']?)([\w.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|private[_-]?key|access[_-]?key))\1[ \t]*(?::=|=>|:|=)[ \t]*` +
    String.raw`(?:(["'\x60])(.*?)\3|([^\s'"\x60#;,{}()\[\]<>|]+)(?=[ \t]*(?:#.*)?$))`,
  'gid',
);

/** Exemption annotations (types.ts EXEMPTION_PREFIX) whose policy id ends with a sensitive word. */
const EXEMPTION_ANNOTATION_PREFIX = EXEMPTION_PREFIX.slice(0, EXEMPTION_PREFIX.indexOf('/') + 1);

/**
 * Keys that name a Secret object rather than hold a value: `existingSecret`, `passwordSecret`,
 * `tlsSecret`, cert-manager's `inject-ca-from-secret: <namespace>/<name>`.
 */
const REFERENCE_KEY = /^existing|(password|passwd|token|credentials?|tls|ca|cert|certificate|from|plugin(client|server))[_.-]?secret$/i;

function passwordHits(text: string, line: number, style: PasswordStyle): Hit[] {
  const lower = text.toLowerCase();
  if (!KEYWORDS.some((k) => lower.includes(k))) return [];
  const hits: Hit[] = [];
  for (const m of text.matchAll(PASSWORD_ASSIGNMENT)) {
    const key = m[2];
    const quoted = m[4] !== undefined;
    const value = quoted ? m[4] : m[5];
    const span = quoted ? m.indices?.[4] : m.indices?.[5];
    if (value === undefined || !span) continue;
    if (style === 'quoted' && (!quoted || /\s/.test(value))) continue; // code: a variable, or prose in a comment
    if (style === 'plain' && m[3] === '\x60') continue; // Markdown/YAML: a backtick is not a quote
    if (REFERENCE_KEY.test(key) || isReferenceOrPlaceholder(value)) continue;
    // `policy.platform/exempt-no-automount-service-account-token: "<reason>"`: a policy id, not a token.
    if (key.startsWith('exempt-') && text.slice(0, m.index).endsWith(EXEMPTION_ANNOTATION_PREFIX)) continue;
    hits.push({
      rule: PASSWORD_RULE,
      description: `literal value for ${JSON.stringify(key)}`,
      line,
      start: span[0],
      end: span[1],
      secret: value,
    });
  }
  return hits;
}

/**
 * Values that are not credentials: empty, references (`${X}`, `$X`, `$(X)`, `{{ }}`, `vault:`,
 * `ref+...://`, ARNs), placeholders (`<password>`, `xxxx`, `REDACTED`, ...) and booleans.
 * `changeme`-style defaults are NOT placeholders: they end up deployed.
 */
export function isReferenceOrPlaceholder(raw: string): boolean {
  const value = raw.trim();
  return (
    value === '' ||
    value.startsWith('$') ||
    value.includes('${') ||
    value.includes('{{') ||
    /^<[^<>]*>$/.test(value) ||
    /^%[\w.-]+%$|^@[\w.-]+@$/.test(value) ||
    // A file to read the value from (`@/path`: PostgREST's jwt-secret, curl).
    /^@\/[\w./-]+$/.test(value) ||
    /^(.)\1*$/.test(value) ||
    /^(true|false|yes|no|on|off|null|nil|none|undefined|~)$/i.test(value) ||
    /^(redacted|replace[_-]?me|todo|fixme|placeholder|string)$/i.test(value) ||
    /^(vault|ref\+[a-z0-9]+|env|file|arn|secretref|awssm|gcpsm|k8s):/i.test(value)
  );
}

// ---------------------------------------------------------------------------------------------
// Container env values of dist objects

const SENSITIVE_ENV_NAME = /password|passwd|secret|token|api_?key|private_?key|credential/i;
/** Names that point at a credential rather than hold one. */
const REFERENCE_ENV_NAME = /_(file|path|name|ref|url|uri|endpoint|dir|key_id|id)$/i;

function scanEnvValues(ctx: ValidateContext): Finding[] {
  const findings: Finding[] = [];
  for (const item of allItems(ctx)) {
    const pod = podSpecOf(item);
    if (!pod) continue;
    for (const container of containersOf(pod.spec, pod.path)) {
      asArray(container.container.env).forEach((env, index) => {
        if (!isRecord(env) || typeof env.value !== 'string') return;
        const name = typeof env.name === 'string' ? env.name : `#${index}`;
        const rule = envRule(name, env.value);
        if (!rule) return;
        findings.push({
          check: 'secrets',
          rule,
          severity: rule === HIGH_ENTROPY_ENV_RULE ? 'warning' : 'error',
          cluster: item.component.cluster,
          file: item.source.file,
          path: `${container.path}.env[${index}].value`,
          object: item.ref,
          message: `${item.ref} container ${JSON.stringify(container.name)}: env ${name}=${redact(env.value)} ${
            rule === SENSITIVE_ENV_RULE
              ? 'is a literal credential'
              : `looks like a credential (entropy ${shannon(env.value).toFixed(2)} >= ${HIGH_ENTROPY_THRESHOLD})`
          }; use valueFrom.secretKeyRef`,
          hint: hintFor(rule),
        });
      });
    }
  }
  return findings;
}

function envRule(name: string, value: string): string | undefined {
  if (SECRET_RULES.some((rule) => new RegExp(rule.pattern.source, rule.pattern.flags.replace('g', '')).test(value))) return undefined; // reported by the file scan
  if (SENSITIVE_ENV_NAME.test(name) && !REFERENCE_ENV_NAME.test(name) && !isReferenceOrPlaceholder(value)) return SENSITIVE_ENV_RULE;
  return looksLikeToken(value) ? HIGH_ENTROPY_ENV_RULE : undefined;
}

/**
 * Token-like: no spaces, paths, URLs or host names; letters and digits, mixed case (or long hex);
 * high Shannon entropy.
 */
export function looksLikeToken(value: string): boolean {
  if (value.length < HIGH_ENTROPY_MIN_LENGTH || !/^[A-Za-z0-9+/=_.~-]+$/.test(value) || value.startsWith('/')) return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return false;
  const mixed = /[a-z]/.test(value) && /[A-Z]/.test(value) && /[0-9]/.test(value);
  const hex = /^[0-9a-f]{32,}$/i.test(value);
  return (mixed || hex) && shannon(value) >= HIGH_ENTROPY_THRESHOLD;
}

export function shannon(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

// ---------------------------------------------------------------------------------------------
// Output

/** Never the whole secret: its first 4 characters when it is long enough to stay unguessable. */
export function redact(secret: string): string {
  return `${secret.length >= 20 ? secret.slice(0, 4) : ''}…[${secret.length} chars redacted]`;
}

/** The line around the hit, every secret on it redacted. */
function excerpt(line: string, hit: Hit, all: readonly Hit[]): string {
  const onLine = all.filter((h) => h.line === hit.line).sort((a, b) => b.start - a.start);
  let text = line;
  let focus = hit.start;
  for (const h of onLine) {
    const end = Math.min(h.end, text.length);
    text = text.slice(0, h.start) + redact(h.secret) + text.slice(end);
    if (h.start < hit.start) focus += redact(h.secret).length - (end - h.start);
  }
  const from = Math.max(0, focus - 40);
  return `${from > 0 ? '…' : ''}${text.slice(from, focus + 60).trim()}${focus + 60 < text.length ? '…' : ''}`;
}

function hintFor(rule: string): string {
  if (rule === SENSITIVE_ENV_RULE || rule === HIGH_ENTROPY_ENV_RULE) {
    return 'Take the value from a Secret delivered by Vault (env[].valueFrom.secretKeyRef); if it is not a credential, rename the variable or review the warning.';
  }
  return 'Remove the credential from the file and rotate it; keep credentials in Vault. For a proven false positive add `platform:allow-secret` on the line (not possible in test files).';
}
