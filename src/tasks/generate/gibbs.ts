// Gibbs sampling from the MLM head (and its Metropolis–Hastings-corrected variant, see
// gibbs-core.ts): several chains in one batch, one position per chain per step, every step
// streamed so the page can animate it. Randomness comes from an injected seeded RNG.
import * as tf from '@tensorflow/tfjs';
import { categoricalFromScores, createRng, drawCategorical, type Rng } from '../decoding/rng';
import { yieldAndCheck, type TaskContext } from '../context';
import type { Session } from '../session';
import { TaskError } from '../../worker/protocol';
import { asCancelled, clampInt, nowMs, type Notices } from './common';
import { conditionalLogits, energies, excludedTokens, inSupport, mhLogAcceptance, proposalLogProbs } from './gibbs-core';
import { checkSeq2SeqModel } from './unilm';

export type GibbsOrder = 'random' | 'sequential';

export interface GibbsParams {
  /** Start from this many [MASK] tokens (default 16) unless `text` is given. */
  length?: number;
  /** Start from this text instead ([MASK] may appear in it). */
  text?: string;
  /** Steps per chain (default 200); each step resamples one position. */
  steps?: number;
  /** The first steps are not counted as samples (default 50, < steps). */
  burnIn?: number;
  /** Chains run together in one batch (default 4, 1..32). */
  chains?: number;
  order?: GibbsOrder;
  temperature?: number;
  /** Sample among the k most likely tokens only; 0 (default) = all. */
  topK?: number;
  /** Metropolis–Hastings correction (energy = negated pseudo-log-likelihood). */
  mh?: boolean;
  seed?: number;
}

export interface GibbsChainStep {
  tokens: string[];
  /** Position (0-based, [CLS] not counted) resampled at this step. */
  position: number;
  /** Token proposed there. */
  token: string;
  /** Whether the chain now holds the proposal (always true without MH). */
  accepted: boolean;
  /** Whether the token at `position` differs from before the step. */
  changed: boolean;
}

export interface GibbsPartial {
  step: number;
  steps: number;
  burnIn: number;
  chains: GibbsChainStep[];
  /** MH only: accepted / proposals counted so far (null before the first counted proposal). */
  acceptanceRate: number | null;
  stepsPerSecond: number;
}

export interface GibbsChainResult {
  text: string;
  tokens: string[];
  ids: number[];
  /** Distinct texts seen after burn-in, most frequent first (at most 20). */
  samples: { text: string; count: number }[];
  /** MH only: E of the final state (NaN while it still holds an excluded token). */
  energy: number | null;
}

export interface GibbsResult {
  chains: GibbsChainResult[];
  steps: number;
  burnIn: number;
  length: number;
  order: GibbsOrder;
  mh: boolean;
  /** MH: proposals counted (made while the chain was inside the target's support) and accepted. */
  proposals: number;
  accepted: number;
  acceptanceRate: number | null;
  truncated: boolean;
  notices: string[];
  seed: number;
  elapsedMs: number;
  stepsPerSecond: number;
  backend: string;
}

export const GIBBS_DEFAULTS = { length: 16, steps: 200, burnIn: 50, chains: 4, order: 'random' as GibbsOrder, temperature: 1, topK: 0 };

/** Hooks for tests: every step's raw state, before the partial is posted. */
export interface GibbsHooks {
  onStep?: (step: number, before: number[][], after: number[][], positions: number[], proposed: number[]) => void;
}

export async function gibbsSample(session: Session, params: GibbsParams, ctx: TaskContext, rngOverride?: Rng, hooks: GibbsHooks = {}): Promise<GibbsResult> {
  const started = nowMs();
  const { model, tokenizer: tok } = session;
  checkSeq2SeqModel(model, 'Gibbs sampling');
  const notices: Notices = [];
  const maxLen = Math.min(128, model.config.maxPositions - 2);
  const steps = clampInt(params.steps, GIBBS_DEFAULTS.steps, 1, 100_000, 'The number of steps', notices);
  const burnIn = clampInt(params.burnIn, Math.min(GIBBS_DEFAULTS.burnIn, steps - 1), 0, steps - 1, 'The burn-in', notices);
  const chains = clampInt(params.chains, GIBBS_DEFAULTS.chains, 1, 32, 'The number of chains', notices);
  const topK = clampInt(params.topK, GIBBS_DEFAULTS.topK, 0, model.config.vocabSize, 'Top-k', notices);
  const temperature = params.temperature ?? GIBBS_DEFAULTS.temperature;
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new TaskError('bad-input', `Temperature must be a positive number (got ${temperature}).`);
  const order = params.order ?? GIBBS_DEFAULTS.order;
  if (order !== 'random' && order !== 'sequential') throw new TaskError('bad-input', `The order must be "random" or "sequential" (got "${String(order)}").`);
  const mh = params.mh ?? false;
  const seed = Math.trunc(params.seed ?? Date.now() % 2 ** 31);
  const rng = rngOverride ?? createRng(seed);
  const excluded = excludedTokens(tok);

  // The starting sequence: the user's text, or all [MASK].
  let start: number[];
  let truncated = false;
  if (params.text !== undefined && params.text.trim() !== '') {
    const enc = tok.encode(params.text, undefined, { maxLength: maxLen + 2 });
    start = enc.ids.slice(1, -1);
    truncated = enc.truncated;
    if (truncated) notices.push(`The start text was longer than ${maxLen} tokens and was cut to fit.`);
    if (start.length === 0) throw new TaskError('bad-input', 'The start text has no tokens: type a sentence or leave it empty to start from [MASK]s.');
  } else {
    const length = clampInt(params.length, GIBBS_DEFAULTS.length, 1, maxLen, 'The length', notices);
    start = new Array<number>(length).fill(tok.maskId);
  }
  const len = start.length;
  const x = Array.from({ length: chains }, () => start.slice());
  const energy: number[] = new Array<number>(chains).fill(NaN);
  const check = () => yieldAndCheck(ctx.signal);
  const counts = Array.from({ length: chains }, () => new Map<string, number>());
  let proposals = 0;
  let accepted = 0;
  const toTokens = (ids: number[]) => ids.map((id) => tok.idToToken[id] ?? '[UNK]');

  try {
    if (mh && inSupport(start, excluded)) {
      const e = (await energies(model, tok, [start], check))[0]!;
      energy.fill(e);
    }
    for (let step = 0; step < steps; step++) {
      await check();
      const positions = x.map(() => (order === 'sequential' ? step % len : Math.floor(rng.next() * len)));
      const rows = await conditionalLogits(model, tok, x, positions);
      const before = x.map((r) => r.slice());
      const proposed: number[] = [];
      const logqForward: number[] = [];
      const logqReverse: number[] = [];
      for (let c = 0; c < chains; c++) {
        const lp = proposalLogProbs(rows[c]!, excluded, temperature, topK);
        const dist = categoricalFromScores(lp);
        if (!dist) throw new TaskError('bad-input', 'Every token is excluded at this position: raise top-k.');
        const token = drawCategorical(dist, rng);
        proposed.push(token);
        logqForward.push(lp[token]!);
        logqReverse.push(lp[x[c]![positions[c]!]!]!);
      }
      const acceptedNow = new Array<boolean>(chains).fill(true);
      if (mh) {
        const xNew = x.map((r, c) => r.map((id, i) => (i === positions[c] ? proposed[c]! : id)));
        // Energies are needed for proposals inside the support that change the state (or whose
        // current energy is unknown because the chain has just left the [MASK]s behind).
        const need = xNew.map((r, c) => inSupport(r, excluded) && (proposed[c] !== x[c]![positions[c]!] || Number.isNaN(energy[c]!)));
        const scored = await energies(model, tok, xNew.filter((_, c) => need[c]), check);
        const eNew = new Array<number>(chains).fill(NaN);
        need.forEach((n, c) => n && (eNew[c] = scored.shift()!));
        for (let c = 0; c < chains; c++) {
          const same = proposed[c] === x[c]![positions[c]!];
          const outside = Number.isNaN(energy[c]!) || !inSupport(x[c]!, excluded);
          if (outside) {
            // Any move is accepted while the chain holds tokens outside the target's support.
            if (!Number.isNaN(eNew[c]!)) energy[c] = eNew[c]!;
            continue;
          }
          proposals++;
          if (!same) {
            const logAlpha = mhLogAcceptance(energy[c]!, eNew[c]!, logqReverse[c]!, logqForward[c]!, temperature);
            acceptedNow[c] = Math.log(rng.next()) < logAlpha;
          }
          if (acceptedNow[c]) {
            accepted++;
            if (!same) energy[c] = eNew[c]!;
          }
        }
      }
      for (let c = 0; c < chains; c++) if (acceptedNow[c]) x[c]![positions[c]!] = proposed[c]!;
      if (step >= burnIn) {
        x.forEach((r, c) => {
          const text = tok.decode(r);
          counts[c]!.set(text, (counts[c]!.get(text) ?? 0) + 1);
        });
      }
      hooks.onStep?.(step + 1, before, x.map((r) => r.slice()), positions, proposed);
      const partial: GibbsPartial = {
        step: step + 1,
        steps,
        burnIn,
        chains: x.map((r, c) => ({
          tokens: toTokens(r),
          position: positions[c]!,
          token: tok.idToToken[proposed[c]!] ?? '[UNK]',
          accepted: acceptedNow[c]!,
          changed: before[c]![positions[c]!] !== r[positions[c]!],
        })),
        acceptanceRate: mh && proposals > 0 ? accepted / proposals : null,
        stepsPerSecond: (1000 * (step + 1)) / Math.max(nowMs() - started, 1),
      };
      ctx.progress(step + 1, steps, 'steps', step < burnIn ? 'burn-in' : 'sampling', partial);
    }
  } catch (e) {
    throw asCancelled(e);
  }
  const elapsedMs = nowMs() - started;
  return {
    chains: x.map((ids, c) => ({
      text: tok.decode(ids),
      tokens: toTokens(ids),
      ids: ids.slice(),
      samples: [...counts[c]!.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([text, count]) => ({ text, count })),
      energy: mh ? energy[c]! : null,
    })),
    steps, burnIn, length: len, order, mh, proposals, accepted,
    acceptanceRate: mh && proposals > 0 ? accepted / proposals : null,
    truncated, notices, seed, elapsedMs, stepsPerSecond: (1000 * steps) / Math.max(elapsedMs, 1), backend: tf.getBackend(),
  };
}
