// UI strings in English and Chinese. Keys are stable identifiers; components call t(key).
import { useApp } from './store/store';
import { generateEn, generateZh } from './i18n-generate';
import { explainEn, explainZh } from './i18n-explain';
import { spansEn, spansZh } from './i18n-spans';

export type Lang = 'en' | 'zh';

const coreEn = {
  title: 'BERT Playground',
  subtitle: 'See what a BERT does, live on your own GPU',
  language: '中文',
  backend: 'Backend',
  backendStarting: 'starting…',
  backendFailed: 'failed',
  modelPanel: 'Model',
  noModel: 'No model loaded.',
  loadDefault: 'Load bundled model',
  bundledModels: 'Bundled models',
  modelCard: 'Model card',
  chooseFiles: 'Choose files…',
  chooseFolder: 'Choose folder…',
  dropHint: 'or drop model files here (config.json + vocab.txt + model.safetensors / pytorch_model.bin, a TF checkpoint, or a .bpg file)',
  loadUrl: 'Load from URL or hf:org/name',
  load: 'Load',
  loading: 'Loading…',
  cancel: 'Cancel',
  format: 'Format',
  layers: 'Layers',
  hidden: 'Hidden',
  heads: 'Heads',
  vocab: 'Vocabulary',
  parameters: 'Parameters',
  size: 'Size',
  attention: 'Attention',
  mlmHead: 'MLM head',
  yes: 'yes',
  no: 'no',
  tabFillMask: 'Fill-mask',
  tabSimilar: 'Similar questions',
  tabGibbs: 'Gibbs sampling',
  tabAttributions: 'Attributions',
  tabSegmentation: 'Segmentation',
  tabDiagnostics: 'Diagnostics',
  fillMaskHelp: 'Write a sentence with [MASK] where a character is missing; the model ranks what fits.',
  predict: 'Predict',
  topK: 'Top k',
  running: 'Running…',
  diagnosticsHelp: 'Checks that the backend really computes on the device, and runs long jobs to watch progress and cancellation.',
  selfTest: 'Run GPU self-test',
  stress: 'Run forwards',
  forwards: 'Forwards',
  simulateLoss: 'Simulate GPU device loss',
  deviceLost: 'The GPU device was lost; recovering…',
  deviceRecovered: 'GPU device recovered',
  why: 'why',
  wasmThreads: 'threads',
  wasmSimdOn: 'SIMD kernels',
  wasmSimdOff: 'no SIMD (JS kernels)',
  reasonExplicit: 'requested explicitly with ?backend=',
  reasonHardware: 'a hardware WebGPU adapter',
  reasonSoftware: 'the WebGPU adapter is software; wasm is faster on a CPU',
  reasonNoAdapter: 'no WebGPU adapter is available',
  reasonNoWebgpu: 'this browser has no WebGPU',
  error: 'Error',
  cancelled: 'Cancelled.',
  result: 'Result',
};

const en = { ...coreEn, ...generateEn, ...explainEn, ...spansEn };
export type MessageKey = keyof typeof en;

const coreZh: Record<keyof typeof coreEn, string> = {
  title: 'BERT 演练场',
  subtitle: '在你自己的 GPU 上实时看 BERT 在做什么',
  language: 'English',
  backend: '后端',
  backendStarting: '启动中…',
  backendFailed: '失败',
  modelPanel: '模型',
  noModel: '尚未加载模型。',
  loadDefault: '加载内置模型',
  bundledModels: '内置模型',
  modelCard: '模型说明',
  chooseFiles: '选择文件…',
  chooseFolder: '选择文件夹…',
  dropHint: '或把模型文件拖到这里（config.json + vocab.txt + model.safetensors / pytorch_model.bin、TF checkpoint 或 .bpg 文件）',
  loadUrl: '从 URL 或 hf:org/name 加载',
  load: '加载',
  loading: '加载中…',
  cancel: '取消',
  format: '格式',
  layers: '层数',
  hidden: '隐藏维度',
  heads: '注意力头',
  vocab: '词表',
  parameters: '参数量',
  size: '大小',
  attention: '注意力',
  mlmHead: 'MLM 头',
  yes: '有',
  no: '无',
  tabFillMask: '完形填空',
  tabSimilar: '相似问句',
  tabGibbs: 'Gibbs 采样',
  tabAttributions: '归因',
  tabSegmentation: '分词',
  tabDiagnostics: '诊断',
  fillMaskHelp: '在缺字的位置写 [MASK]，模型给出最合适的候选。',
  predict: '预测',
  topK: '前 k 个',
  running: '运行中…',
  diagnosticsHelp: '检查后端是否真的在设备上计算，并运行长任务来观察进度和取消。',
  selfTest: '运行 GPU 自检',
  stress: '运行前向计算',
  forwards: '次数',
  simulateLoss: '模拟 GPU 设备丢失',
  deviceLost: 'GPU 设备丢失，正在恢复…',
  deviceRecovered: 'GPU 设备已恢复',
  why: '原因',
  wasmThreads: '线程',
  wasmSimdOn: 'SIMD 内核',
  wasmSimdOff: '无 SIMD（JS 内核）',
  reasonExplicit: '通过 ?backend= 指定',
  reasonHardware: '硬件 WebGPU 适配器',
  reasonSoftware: 'WebGPU 适配器是软件实现；在 CPU 上 wasm 更快',
  reasonNoAdapter: '没有可用的 WebGPU 适配器',
  reasonNoWebgpu: '此浏览器不支持 WebGPU',
  error: '错误',
  cancelled: '已取消。',
  result: '结果',
};

const zh: Record<MessageKey, string> = { ...coreZh, ...generateZh, ...explainZh, ...spansZh };
const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, zh };

export function translate(lang: Lang, key: MessageKey): string {
  return dictionaries[lang][key];
}

export function useT(): (key: MessageKey) => string {
  const lang = useApp((s) => s.lang);
  return (key) => translate(lang, key);
}
