// File qa.ts is cluster "qa": declaring another name is the mistake this fixture makes.
import { defineCluster, testSpec } from '@platform/core';

export default defineCluster(testSpec({ name: 'staging' }), () => undefined);
