// Google/bert4keras TF names for Hugging Face names, written out by hand as the inverse of the
// importer (tests build TF checkpoints from the HF fixture with it).

/** The TF variable for an HF tensor and whether TF stores it as a kernel [in, out]; null: no TF variable. */
export function googleName(name: string): { name: string; kernel: boolean } | null {
  const fixed: Record<string, string> = {
    'cls.predictions.bias': 'cls/predictions/output_bias',
    'cls.seq_relationship.weight': 'cls/seq_relationship/output_weights',
    'cls.seq_relationship.bias': 'cls/seq_relationship/output_bias',
  };
  if (fixed[name]) return { name: fixed[name], kernel: false };
  if (name.startsWith('cls.predictions.decoder') || name.endsWith('position_ids')) return null;
  const kernel = /(query|key|value|dense)\.weight$/.test(name);
  const tfName = name
    .replace(/\.layer\.(\d+)\./, '/layer_$1/')
    .replace(/_embeddings\.weight$/, '_embeddings')
    .replace(/LayerNorm\.weight$/, 'LayerNorm/gamma')
    .replace(/LayerNorm\.bias$/, 'LayerNorm/beta')
    .replace(/\.weight$/, '/kernel')
    .replaceAll('.', '/');
  return { name: tfName, kernel };
}
