import type { Backend } from '../kernels.js';
import { copy, copyInto } from '../host.js';
import { binary, clamp, unary, where } from './elementwise.js';
import { gather, put, scatterAdd } from './gather.js';
import { matmul } from './matmul.js';
import { adam } from './optim.js';
import { argReduce, argsort, reduce, scan } from './reduce.js';
import { getNumThreads } from './threads.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad, fold, maxPool, unfold } from './windows.js';

/** Plain TypeScript kernels over every dtype's typed array: the reference every other backend is tested against. */
export const cpuBackend: Backend = {
  name: 'cpu',
  info: () => ({ threads: getNumThreads() }),
  unary,
  clamp,
  binary,
  where,
  reduce,
  argReduce,
  scan,
  matmul,
  copy,
  copyInto,
  gather,
  scatterAdd,
  put,
  unfold,
  fold,
  conv2d,
  conv2dInputGrad,
  conv2dWeightGrad,
  maxPool,
  argsort,
  adam,
};
