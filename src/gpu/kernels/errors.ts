// Errors of the attention and pairwise kernels. Both are thrown before any GPU work is queued.

/** The caller passed tensors of the wrong rank, shape, dtype or an unknown option. */
export class KernelInputError extends Error {
  override name = 'KernelInputError';
}

/** The inputs are valid but exceed what this device or kernel can run in one dispatch. */
export class KernelLimitError extends Error {
  override name = 'KernelLimitError';
}
