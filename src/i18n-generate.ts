// UI strings of the generation tabs (Similar questions, Gibbs sampling), English and Chinese.
export const generateEn = {};
export const generateZh: Record<keyof typeof generateEn, string> = {};
