// What backward() does, on a network small enough to check by hand: 2 inputs → 2 tanh units → 1 output.
import { tape, tensor, type Tensor } from '@tensorgrad/core';

const x = tensor([[0.5, -1.0]]);
const W1 = tensor([[0.1, -0.2], [0.4, 0.3]], { requiresGrad: true });
const b1 = tensor([0.0, 0.1], { requiresGrad: true });
const W2 = tensor([[0.7], [-0.5]], { requiresGrad: true });
const b2 = tensor([0.2], { requiresGrad: true });
const h = x.matmul(W1).add(b1).tanh();
const y = h.matmul(W2).add(b2);
const loss = y.sub(1).square().sum(); // L = (y − 1)²

// The tape: every tensor, each after its inputs. backward() walks it from the end.
const names = new Map<Tensor, string>([[x, 'x'], [W1, 'W1'], [b1, 'b1'], [W2, 'W2'], [b2, 'b2']]);
tape(loss).forEach((t, i) => console.log(`${i}. ${t.gradFn?.name ?? names.get(t) ?? 'constant'} [${t.shape}]`));
loss.backward();

// The chain rule by hand: ∂L/∂y = 2(y − 1); ∂L/∂W2 = hᵀ·∂L/∂y; ∂L/∂b2 = Σ ∂L/∂y;
// ∂L/∂h = ∂L/∂y·W2ᵀ; through tanh ∂L/∂a = ∂L/∂h ⊙ (1 − h²); ∂L/∂W1 = xᵀ·∂L/∂a; ∂L/∂b1 = Σ ∂L/∂a.
const dy = y.sub(1).mul(2).detach();
const da = dy.matmul(W2.T).mul(h.square().neg().add(1)).detach();
const byHand: [string, Tensor, Tensor][] = [
  ['W2', W2, h.detach().T.matmul(dy)], ['b2', b2, dy.sum(0)], ['W1', W1, x.T.matmul(da)], ['b1', b1, da.sum(0)],
];
const show = (t: Tensor) => Array.from(t.data, (v) => v.toFixed(6)).join(', ');
for (const [name, p, g] of byHand) console.log(`∂L/∂${name}: tape [${show(p.grad!)}]  by hand [${show(g)}]`);
