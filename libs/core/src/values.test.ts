import { expect, test } from 'vitest';
import { mergeValues } from '@platform/core';

test('additional values merge maps deeply and replace lists, like Helm', () => {
  const base = { server: { replicas: 2, resources: { limits: { cpu: '1' } } }, extraArgs: ['--a'] };
  expect(mergeValues(base, { server: { resources: { limits: { memory: '1Gi' } } }, extraArgs: ['--b'], newKey: true })).toEqual({
    server: { replicas: 2, resources: { limits: { cpu: '1', memory: '1Gi' } } },
    extraArgs: ['--b'],
    newKey: true,
  });
  expect(mergeValues(base, undefined)).toBe(base);
  expect(base.extraArgs).toEqual(['--a']);
});
