/**
 * Exemptions: annotation `policy.platform/exempt-<policy-id>: "<reason>"` on the object concerned.
 * A valid one waives that policy on that object and is listed; one without a reason, for an unknown
 * or unexemptable policy, or on a pod template is an error; one the object does not need a warning.
 */
import type { DistObject, Exemption, Finding } from '../types';
import { EXEMPTION_PREFIX } from '../types';
import { asRecord, getPath, podSpecOf, templateMetadataPath, type Item } from '../workloads';
import { POLICIES, POLICY_BY_ID } from './catalog';
import { policyFinding, show, type Violation } from './scope';

interface ParsedExemptions {
  readonly valid: Exemption[];
  readonly findings: Finding[];
}

function parseExemptions(item: Item): ParsedExemptions {
  const valid: Exemption[] = [];
  const findings: Finding[] = [];
  const annotations = asRecord(getPath(item.object, ['metadata', 'annotations']));
  for (const [key, raw] of Object.entries(annotations)) {
    if (!key.startsWith(EXEMPTION_PREFIX)) continue;
    const id = key.slice(EXEMPTION_PREFIX.length);
    const path = `metadata.annotations["${key}"]`;
    const policy = POLICY_BY_ID.get(id);
    const reason = typeof raw === 'string' ? raw.trim() : '';
    const fail = (rule: string, message: string, hint: string) =>
      findings.push(policyFinding(item.source, item.ref, rule, 'error', path, `${item.ref}: ${message}`, hint));
    if (!policy) {
      fail(
        'unknown-exemption',
        `exemption names unknown policy ${JSON.stringify(id)}`,
        `Known policy ids: ${POLICIES.map((p) => p.id).join(', ')}.`,
      );
    } else if (!policy.exemptable) {
      fail('unknown-exemption', `policy ${JSON.stringify(id)} cannot be exempted`, policy.fix);
    } else if (reason === '') {
      fail(
        'exemption-without-reason',
        `exemption of ${JSON.stringify(id)} has no reason (value ${show(raw)})`,
        'Write why the object needs the exemption as the annotation value.',
      );
    } else {
      valid.push({ cluster: item.component.cluster, file: item.source.file, object: item.ref, policy: id, reason });
    }
  }
  return { valid, findings };
}

/** Exemption annotations on a pod template are ignored by design: say so instead of silently. */
export function misplacedExemptions(item: Item): Finding[] {
  if (!podSpecOf(item) || item.kind === 'Pod') return [];
  const metaPath = templateMetadataPath(item.kind);
  const annotations = asRecord(getPath(item.object, [...metaPath, 'annotations']));
  return Object.keys(annotations)
    .filter((key) => key.startsWith(EXEMPTION_PREFIX))
    .map((key) =>
      policyFinding(
        item.source,
        item.ref,
        'misplaced-exemption',
        'error',
        `${metaPath.join('.')}.annotations["${key}"]`,
        `${item.ref}: exemption ${JSON.stringify(key)} is on the pod template, where it has no effect`,
        `Move it to the ${item.kind}'s metadata.annotations.`,
      ),
    );
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
    if (used.has(`${e.file}\0${e.object}\0${e.policy}`)) continue;
    const item = items.find((i) => i.source.file === e.file && i.ref === e.object);
    if (item) {
      findings.push(
        policyFinding(
          item.source,
          e.object,
          'unused-exemption',
          'warning',
          `metadata.annotations["${EXEMPTION_PREFIX}${e.policy}"]`,
          `${e.object}: exemption of ${JSON.stringify(e.policy)} is not needed: the object passes that policy`,
          'Remove the annotation.',
        ),
      );
    }
  }
  return { findings, exemptions };
}
