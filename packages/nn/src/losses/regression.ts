/** Element-wise regression losses on d = input − target: squared, absolute, and their smooth blends. */
import { type Tensor, where } from '@tensorgrad/core';
import { type LossOptions, lossOptions, reduce } from './reduction.js';
import { elementwisePair, numberOption } from './checks.js';

export interface SmoothL1LossOptions extends LossOptions {
  /** Where the quadratic turns linear, ≥ 0 (default 1); 0 is l1Loss. */
  beta?: number;
}

export interface HuberLossOptions extends LossOptions {
  /** Where the quadratic turns linear, > 0 (default 1). */
  delta?: number;
}

/** Mean squared error: ℓ = d². */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const op = 'mseLoss';
  const o = lossOptions(op, options, ['reduction'], "{ reduction: 'sum' }");
  const [x, t] = elementwisePair(op, input, target);
  return reduce(x.sub(t).square(), o.reduction);
}

/** Absolute error: ℓ = |d|, with gradient sign(d) (0 at d = 0, as PyTorch). */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const op = 'l1Loss';
  const o = lossOptions(op, options, ['reduction'], "{ reduction: 'sum' }");
  const [x, t] = elementwisePair(op, input, target);
  return reduce(x.sub(t).abs(), o.reduction);
}

/**
 * ℓ = ½d²/β where |d| < β, else |d| − ½β: quadratic near 0, linear (slope ±1) beyond β; value and
 * slope agree at |d| = β. β = 0 is l1Loss (PyTorch's special case: ½d²/0 is undefined).
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  const op = 'smoothL1Loss';
  const o = lossOptions(op, options, ['reduction', 'beta'], "{ beta: 1, reduction: 'sum' }");
  const beta = o.beta === undefined ? 1 : numberOption(op, 'beta', o.beta, { min: 0 });
  const [x, t] = elementwisePair(op, input, target);
  const d = x.sub(t);
  const a = d.abs();
  if (beta === 0) return reduce(a, o.reduction);
  return reduce(where(a.lt(beta), d.square().mul(0.5 / beta), a.sub(0.5 * beta)), o.reduction);
}

/**
 * ℓ = ½d² where |d| < δ, else δ·(|d| − ½δ): quadratic near 0, linear (slope ±δ) beyond δ.
 * huberLoss(δ) = δ·smoothL1Loss(β = δ).
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const op = 'huberLoss';
  const o = lossOptions(op, options, ['reduction', 'delta'], "{ delta: 1, reduction: 'sum' }");
  const delta = o.delta === undefined ? 1 : numberOption(op, 'delta', o.delta, { min: 0, exclusive: true });
  const [x, t] = elementwisePair(op, input, target);
  const d = x.sub(t);
  const a = d.abs();
  return reduce(where(a.lt(delta), d.square().mul(0.5), a.sub(0.5 * delta).mul(delta)), o.reduction);
}
