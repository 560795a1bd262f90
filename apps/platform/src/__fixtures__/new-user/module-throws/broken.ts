// A cluster file whose top level throws while the synth bundle loads it (a missing setting, say).
import { defineCluster, testSpec } from '@platform/core';

function requireSetting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export default defineCluster(testSpec({ name: 'broken', domain: requireSetting('NEW_USER_FIXTURE_DOMAIN') }), () => undefined);
