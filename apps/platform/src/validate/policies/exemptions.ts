/**
 * Exemptions: annotation `policy.platform/exempt-<policy-id>: "<reason>"`, read from
 * - the object's own `metadata.annotations` (any object: a workload, a Namespace, a Role, ...), and
 * - for workloads, also the pod template's annotations (`spec.template.metadata.annotations`, for a
 *   CronJob `spec.jobTemplate.spec.template.metadata.annotations`), for charts that let a component
 *   set pod annotations but not the workload's. Both waive the policy for the whole workload.
 * A valid one waives that policy on that object and is listed with where it was found; one without a
 * reason, or for an unknown or unexemptable policy, is an error; the same policy exempted in both
 * places, or an exemption the object does not need, is a warning.
 */
import type { DistObject, Exemption, Finding } from '../types';
import { EXEMPTION_PREFIX } from '../types';
import { asRecord, getPath, podSpecOf, templateMetadataPath, type Item } from '../workloads';
import { POLICIES, POLICY_BY_ID, SCAN_EXEMPTIONS } from './catalog';
import { policyFinding, show, type Violation } from './scope';

interface ParsedExemptions {
  readonly valid: Exemption[];
  readonly findings: Finding[];
}

/** Where an object carries exemption annotations: its metadata, and a workload's pod template. */
function annotationSources(item: Item): { path: readonly string[]; where: Exemption['on'] }[] {
  const sources: { path: readonly string[]; where: Exemption['on'] }[] = [{ path: ['metadata'], where: 'object' }];
  if (podSpecOf(item) && item.kind !== 'Pod') sources.push({ path: templateMetadataPath(item.kind), where: 'pod-template' });
  return sources;
}

function parseExemptions(item: Item): ParsedExemptions {
  const valid: Exemption[] = [];
  const findings: Finding[] = [];
  for (const source of annotationSources(item)) {
    const annotations = asRecord(getPath(item.object, [...source.path, 'annotations']));
    for (const [key, raw] of Object.entries(annotations)) {
      if (!key.startsWith(EXEMPTION_PREFIX)) continue;
      const id = key.slice(EXEMPTION_PREFIX.length);
      const path = `${source.path.join('.')}.annotations["${key}"]`;
      const policy = POLICY_BY_ID.get(id) ?? (SCAN_EXEMPTIONS.has(id) ? { exemptable: true, fix: '' } : undefined);
      const reason = typeof raw === 'string' ? raw.trim() : '';
      const report = (rule: string, severity: Finding['severity'], message: string, hint: string) =>
        findings.push(policyFinding(item.source, item.ref, rule, severity, path, `${item.ref}: ${message}`, hint));
      if (!policy) {
        report(
          'unknown-exemption',
          'error',
          `exemption names unknown policy ${JSON.stringify(id)}`,
          `Known policy ids: ${[...POLICIES.map((p) => p.id), ...SCAN_EXEMPTIONS.keys()].join(', ')}.`,
        );
      } else if (!policy.exemptable) {
        report('unknown-exemption', 'error', `policy ${JSON.stringify(id)} cannot be exempted`, policy.fix);
      } else if (reason === '') {
        report(
          'exemption-without-reason',
          'error',
          `exemption of ${JSON.stringify(id)} has no reason (value ${show(raw)})`,
          'Write why the object needs the exemption as the annotation value.',
        );
      } else if (valid.some((e) => e.policy === id)) {
        report(
          'duplicate-exemption',
          'warning',
          `${JSON.stringify(id)} is exempted on the ${item.kind} and again on its pod template`,
          'Keep one of the two annotations.',
        );
      } else {
        valid.push({
          cluster: item.component.cluster,
          file: item.source.file,
          object: item.ref,
          policy: id,
          reason,
          on: source.where,
          path,
        });
      }
    }
  }
  return { valid, findings };
}

export function applyExemptions(
  items: readonly Item[],
  violations: readonly Violation[],
): { findings: Finding[]; exemptions: Exemption[] } {
  const findings: Finding[] = [];
  const exemptions: Exemption[] = [];
  const exemptedBy = new Map<DistObject, Set<string>>();
  for (const item of items) {
    const parsed = parseExemptions(item);
    findings.push(...parsed.findings);
    exemptions.push(...parsed.valid);
    exemptedBy.set(item.source, new Set(parsed.valid.map((e) => e.policy)));
  }
  const used = new Set<string>();
  for (const v of violations) {
    if (exemptedBy.get(v.item.source)?.has(v.policy)) {
      used.add(`${v.item.source.file}\0${v.item.ref}\0${v.policy}`);
      continue;
    }
    const policy = POLICY_BY_ID.get(v.policy);
    findings.push(policyFinding(v.item.source, v.item.ref, v.policy, policy?.severity ?? 'error', v.path, v.message, policy?.fix));
  }
  for (const e of exemptions) {
    if (used.has(`${e.file}\0${e.object}\0${e.policy}`) || SCAN_EXEMPTIONS.has(e.policy)) continue;
    const item = items.find((i) => i.source.file === e.file && i.ref === e.object);
    if (item) {
      findings.push(
        policyFinding(
          item.source,
          e.object,
          'unused-exemption',
          'warning',
          e.path,
          `${e.object}: exemption of ${JSON.stringify(e.policy)} is not needed: the object passes that policy`,
          'Remove the annotation.',
        ),
      );
    }
  }
  return { findings, exemptions };
}

/**
 * Applies the exemptions of other checks' warnings (SCAN_EXEMPTIONS) to their findings: drops the
 * exempted ones and warns about such exemptions that waive nothing.
 */
export function applyScanExemptions(findings: readonly Finding[], exemptions: readonly Exemption[]): Finding[] {
  const scanExemptions = exemptions.filter((e) => SCAN_EXEMPTIONS.has(e.policy));
  if (scanExemptions.length === 0) return [...findings];
  const key = (file: string, object: string | undefined, rule: string) => `${file}\0${object ?? ''}\0${rule}`;
  const exempted = new Set(scanExemptions.map((e) => key(e.file, e.object, e.policy)));
  const used = new Set<string>();
  const kept = findings.filter((f) => {
    const k = key(f.file, f.object, f.rule);
    if (f.severity !== 'warning' || f.check !== SCAN_EXEMPTIONS.get(f.rule)?.check || !exempted.has(k)) return true;
    used.add(k);
    return false;
  });
  for (const e of scanExemptions) {
    if (used.has(key(e.file, e.object, e.policy))) continue;
    kept.push({
      check: 'policy',
      rule: 'unused-exemption',
      severity: 'warning',
      cluster: e.cluster,
      file: e.file,
      path: e.path,
      object: e.object,
      message: `${e.object}: exemption of ${JSON.stringify(e.policy)} is not needed: the ${SCAN_EXEMPTIONS.get(e.policy)?.check} check finds nothing to waive`,
      hint: 'Remove the annotation.',
    });
  }
  return kept;
}
