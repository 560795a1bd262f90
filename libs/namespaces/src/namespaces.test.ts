import { describe, expect, test } from 'vitest';
import { renderTestCluster } from '@platform/core';
import { Namespaces, PLATFORM_NAMESPACES } from '@platform/namespaces';

describe('Namespaces', () => {
  const cluster = renderTestCluster((p) => new Namespaces(p, 'namespaces', { exclude: ['karpenter'], sidecarInjection: true }));
  const objects = cluster.components[0].objects;
  const namespaces = objects.filter((o) => o.kind === 'Namespace');

  test('creates every platform namespace but the excluded ones', () => {
    expect(namespaces.map((n) => n.metadata.name).sort()).toEqual(
      PLATFORM_NAMESPACES.map((n) => n.name)
        .filter((n) => n !== 'karpenter')
        .sort(),
    );
    expect(namespaces.map((n) => n.metadata.name)).not.toContain('kube-system');
  });

  test('each namespace has PSS labels, a mesh label and a default-deny policy', () => {
    for (const ns of namespaces) {
      const name = ns.metadata.name;
      const labels = ns.metadata.labels;
      expect(labels['pod-security.kubernetes.io/enforce'], name).toMatch(/^(restricted|baseline|privileged)$/);
      expect(labels['pod-security.kubernetes.io/enforce-version'], name).toBe('v1.30');
      expect(labels['istio-injection'], name).toMatch(/^(enabled|disabled)$/);
      if (labels['pod-security.kubernetes.io/enforce'] !== 'restricted')
        expect(ns.metadata.annotations['platform/pod-security-reason'], name).toBeTruthy();
      const deny = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === name && o.metadata.name === 'default-deny');
      expect(deny?.spec, name).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    }
  });

  test('application namespaces are restricted and meshed; the CNPG operator namespace is not meshed', () => {
    const byName = Object.fromEntries(namespaces.map((n) => [n.metadata.name, n.metadata.labels]));
    for (const app of ['api', 'iam-system']) {
      expect(byName[app]['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(byName[app]['istio-injection']).toBe('enabled');
    }
    expect(byName['cnpg-system']['istio-injection']).toBe('disabled');
  });

  test('without sidecar injection no namespace is labelled for the mesh', () => {
    const plain = renderTestCluster((p) => new Namespaces(p, 'namespaces'));
    const labels = plain.components[0].objects.filter((o) => o.kind === 'Namespace').map((n) => n.metadata.labels['istio-injection']);
    expect(new Set(labels)).toEqual(new Set(['disabled']));
  });

  test('an unknown namespace to exclude is an error naming what is allowed', () => {
    expect(() => renderTestCluster((p) => new Namespaces(p, 'namespaces', { exclude: ['karpentr'] }))).toThrow(
      'clusters/test.ts: components.namespaces.exclude[0]: got "karpentr", allowed: "istio-system", "istio-ingress", "cert-manager", "karpenter"',
    );
  });
});
