import { z } from 'zod';
import { showValue } from '@platform/core';

/**
 * A non-negative Kubernetes quantity (`resource.Quantity`): a decimal number with an optional
 * binary (`Ki`...`Ei`), decimal (`n`, `u`, `m`, `k`, `M`...`E`) or exponent suffix. The same
 * syntax as validate's `quantity` format (apps/platform/src/validate/ajv-setup.ts), without a sign.
 */
export const QUANTITY = /^\+?((\d+(\.\d*)?)|(\.\d+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?((\d+(\.\d*)?)|(\.\d+))))?$/;

/** A zod string that must be a non-negative Kubernetes quantity; `examples` go into the message. */
export const quantity = (examples: string) =>
  z
    .string({ error: (iss) => `got ${showValue(iss.input)}, expected a Kubernetes quantity as a string such as ${examples}` })
    .refine((v) => QUANTITY.test(v), {
      error: (iss) =>
        `got ${showValue(iss.input)}, which is not a Kubernetes quantity; expected a number with an optional suffix such as ${examples}`,
    });
