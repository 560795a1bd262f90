// A file name that is not a DNS-1123 label cannot name a cluster (nor dist/<cluster>/).
import { defineCluster, testSpec } from '@platform/core';

export default defineCluster(testSpec({ name: 'dev2' }), () => undefined);
