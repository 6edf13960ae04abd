/**
 * Function transforms, as `torch.func` and JAX have them: each takes a function of tensors (or
 * arrays and objects of tensors) and returns a function computing a derivative of it. They
 * compose: `grad(grad(f))`, `jacfwd(jacrev(f))`, `vmap(grad(f))`.
 */
export { grad, valueAndGrad, vjp, jacrev, type TransformOptions, type Fn } from './reverse.js';
export { jvp, jacfwd, linearize } from './forward.js';
export { hessian, hvp } from './second-order.js';
export { vmap, type VmapOptions } from './vmap.js';
export type { Tree } from './tree.js';
