import { clusterSpecRules, renderCluster } from '@platform/core';
import { describe, expect, test } from 'vitest';
import prod from '../../../../clusters/prod';
import { buildFleet, editFleet, fleetClusterName } from './fleet';

describe('buildFleet', () => {
  const fleet = buildFleet(prod, 4);

  test('gives N clusters with distinct names, domains and files', () => {
    expect(fleet.map((m) => m.exports.default!.spec.name)).toEqual(['bench-001', 'bench-002', 'bench-003', 'bench-004']);
    expect(fleet.map((m) => m.exports.default!.spec.domain)).toEqual([
      'bench-001.example.com',
      'bench-002.example.com',
      'bench-003.example.com',
      'bench-004.example.com',
    ]);
    expect(new Set(fleet.map((m) => m.file)).size).toBe(4);
  });

  test('every spec is valid, and the rest of it is the original spec', () => {
    for (const m of fleet) {
      const { spec, compose } = m.exports.default!;
      expect(clusterSpecRules.safeParse(spec).success, spec.name).toBe(true);
      expect({ ...spec, name: prod.spec.name, domain: prod.spec.domain }).toEqual(prod.spec);
      expect(compose).toBe(prod.compose);
    }
    expect(prod.spec.name).toBe('prod');
    expect(prod.spec.domain).toBe('platform.example.com');
  });

  test('clones do not share state with the original or each other', () => {
    const [a, b] = fleet.map((m) => m.exports.default!.spec);
    expect(a.network).not.toBe(prod.spec.network);
    expect(a.network).not.toBe(b.network);
    expect(a.azs).toEqual(prod.spec.azs);
  });

  test('renders N clusters with the same components and objects as prod', () => {
    const original = renderCluster(prod, 'clusters/prod.ts');
    const shape = (c: typeof original) => c.components.map((x) => [x.name, x.objects.length]);
    for (const m of fleet.slice(0, 2)) {
      const rendered = renderCluster(m.exports.default!, m.file);
      expect(rendered.name).toBe(m.exports.default!.spec.name);
      expect(shape(rendered)).toEqual(shape(original));
    }
  });

  test('names are zero-padded to at least three digits', () => {
    expect(fleetClusterName(7, 100)).toBe('bench-007');
    expect(fleetClusterName(7, 1000)).toBe('bench-0007');
    expect(buildFleet(prod, 1).map((m) => m.file)).toEqual(['clusters/bench-001.ts']);
  });

  test('rejects a size that is not a positive integer', () => {
    expect(() => buildFleet(prod, 0)).toThrow('expected an integer ≥ 1');
    expect(() => buildFleet(prod, 1.5)).toThrow('expected an integer ≥ 1');
  });
});

describe('editFleet', () => {
  const fleet = buildFleet(prod, 3);
  const edited = editFleet(fleet, 'edit-1');

  test("changes the first cluster's domain only, leaving the fleet it was given alone", () => {
    expect(edited.map((m) => m.exports.default!.spec.domain)).toEqual([
      'bench-001.edit-1.example.com',
      'bench-002.example.com',
      'bench-003.example.com',
    ]);
    expect(edited.slice(1)).toEqual(fleet.slice(1));
    expect(fleet[0].exports.default!.spec.domain).toBe('bench-001.example.com');
    expect({ ...edited[0].exports.default!.spec, domain: fleet[0].exports.default!.spec.domain }).toEqual(fleet[0].exports.default!.spec);
    expect(clusterSpecRules.safeParse(edited[0].exports.default!.spec).success).toBe(true);
  });

  test("reaches exactly one chart's values: Argo CD's", () => {
    const values = (m: (typeof fleet)[number]) =>
      Object.fromEntries(renderCluster(m.exports.default!, m.file).components.flatMap((c) => (c.chart ? [[c.name, c.values]] : [])));
    const before = values(fleet[0]);
    const after = values(edited[0]);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    const changed = Object.keys(before).filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]));
    expect(changed).toEqual(['argocd']);
  });

  test('rejects a tag that is not a DNS label, and an empty fleet', () => {
    expect(() => editFleet(fleet, 'Edit_1')).toThrow('expected a DNS label');
    expect(() => editFleet([], 'edit-1')).toThrow('the fleet is empty');
  });
});
