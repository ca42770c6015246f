// UI strings of the explanation tabs (Attributions, Segmentation), English and Chinese.
export const explainEn = {};
export const explainZh: Record<keyof typeof explainEn, string> = {};
