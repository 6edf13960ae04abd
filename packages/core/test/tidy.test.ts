// tidy(): inside a scope the wasm backend leaves results in its own memory, and the scope frees
// them when it ends — except what is returned or kept, and the gradients backward() stores.
import { afterEach, describe, expect, test } from 'vitest';
import { Generator, ValueError, conv2d, keep, matmul, maxPool2d, randn, setBackend, tensor, tidy, withBackend, type Tensor } from '../src/index.js';
import { heap } from '../src/backend/wasm/instance.js';
import { arena } from '../src/backend/wasm/operands.js';

/** Bytes of wasm blocks held by tensors: the last kernel call's scratch given back first. */
const held = (): number => (arena.reset(), heap.bytesInUse());
import { thrownBy } from '../src/testing/index.js';

afterEach(() => setBackend('wasm'));
const onWasm = <T>(fn: () => T): T => withBackend('wasm', fn);

/** A small tanh MLP's loss on a fixed batch: weights [4,8] and [8,1]. */
const lossOf = (w1: Tensor, w2: Tensor, x: Tensor, y: Tensor): Tensor => matmul(matmul(x, w1).tanh(), w2).sub(y).pow(2).mean();

describe('tidy on the wasm backend', () => {
  test('results stay in wasm memory inside the scope, with the values they have outside it', () => {
    onWasm(() => {
      const g = new Generator(1);
      const a = randn([64, 32], { generator: g }), b = randn([32, 16], { generator: g });
      const outside = matmul(a, b).exp().sum(1);
      const inside = tidy(() => {
        const h = matmul(a, b);
        expect(h.device).toBe('wasm');
        return h.exp().sum(1);
      });
      expect(inside.device).toBe('wasm');
      expect(Array.from(inside.data)).toEqual(Array.from(outside.data));
    });
  });

  test('every kernel that writes its result into the scope\'s memory gives the values it gives outside (conv, pooling, gather, padded matmul)', () => {
    onWasm(() => {
      const g = new Generator(2);
      const x = randn([9, 3, 12, 12], { generator: g }), w = randn([5, 3, 3, 3], { generator: g, requiresGrad: true });
      const b = randn([5], { generator: g, requiresGrad: true }), v = randn([5 * 36, 10], { generator: g, requiresGrad: true });
      // conv (implicit gemm) → max pool (values, then gather/scatter-add backward) → a matmul 10 wide (padded to 8s) → sigmoid.
      const step = (): number[] => {
        w.zeroGrad(); b.zeroGrad(); v.zeroGrad();
        const loss = matmul(maxPool2d(conv2d(x, w, b, { padding: 1 }).relu(), 2).reshape(9, 180), v).sigmoid().sum();
        loss.backward();
        return [loss.item(), ...w.grad!.data, ...b.grad!.data, ...v.grad!.data];
      };
      const outside = step();
      expect(tidy(step)).toEqual(outside);
    });
  });

  test('what the scope made is freed when it ends; returned and kept tensors live on', () => {
    onWasm(() => {
      const x = randn([128, 128]);
      let leaked: Tensor | null = null, kept: Tensor | null = null;
      const before = held();
      const out = tidy(() => {
        leaked = x.mul(2);
        kept = keep(x.mul(3));
        return { y: x.add(1), list: [x.sub(1)] };
      });
      expect(thrownBy(() => leaked!.data)).toBeInstanceOf(ValueError);
      expect(thrownBy(() => leaked!.data).message).toMatch(/^tidy: this tensor's memory was freed when the tidy\(\) scope that made it ended; return it from the scope, or keep\(\) it/);
      expect(out.y.data[0]).toBeCloseTo(x.data[0] + 1, 5);
      expect(out.list[0].data[0]).toBeCloseTo(x.data[0] - 1, 5);
      expect(kept!.data[0]).toBeCloseTo(x.data[0] * 3, 5);
      // three results survive (y, list[0], kept): their blocks, and nothing else, are still in use
      expect(held() - before).toBeLessThanOrEqual(3 * 128 * 128 * 4 * 2);
    });
  });

  test('a training loop in tidy keeps its memory bounded, and its numbers equal the loop without scopes', () => {
    const run = (scoped: boolean): { losses: number[]; growth: number } => onWasm(() => {
      const g = new Generator(7);
      const w1 = randn([4, 8], { generator: g }).mul(0.5).requiresGrad_(), w2 = randn([8, 1], { generator: g }).mul(0.5).detach().requiresGrad_();
      const w1l = w1.detach().requiresGrad_();
      const x = randn([32, 4], { generator: g }), y = randn([32, 1], { generator: g });
      const losses: number[] = [];
      let start = 0;
      for (let i = 0; i < 60; i++) {
        if (i === 10) start = held();
        const step = (): number => {
          w1l.grad = null;
          w2.grad = null;
          const loss = lossOf(w1l, w2, x, y);
          loss.backward();
          for (const w of [w1l, w2]) {
            const upd = w.grad!.mul(0.1);
            (w.data as Float32Array).forEach((v, k, arr) => (arr[k] = v - upd.data[k]));
          }
          return loss.item();
        };
        losses.push(scoped ? tidy(step) : step());
      }
      return { losses, growth: held() - start };
    });
    const plain = run(false), scoped = run(true);
    expect(scoped.losses).toEqual(plain.losses);
    expect(scoped.losses.at(-1)!).toBeLessThan(scoped.losses[0]);
    // the step's intermediates are freed every step; what remains are the two gradients of the last step
    expect(scoped.growth).toBeLessThan(64 * 1024);
  });

  test('gradients set by backward() inside a scope outlive it', () => {
    onWasm(() => {
      const w = randn([16, 16]).requiresGrad_();
      tidy(() => matmul(w, w).sum().backward());
      expect(w.grad!.shape).toEqual([16, 16]);
      expect(Number.isFinite(w.grad!.data[0])).toBe(true);
    });
  });

  test('scopes nest: a tensor returned from an inner scope belongs to the outer one', () => {
    onWasm(() => {
      const x = randn([32, 32]);
      let inner: Tensor | null = null;
      const outer = tidy(() => {
        inner = tidy(() => x.mul(2));
        expect(inner.device).toBe('wasm'); // alive (and still only in wasm memory) inside the outer scope
        return inner.add(1);
      });
      expect(thrownBy(() => inner!.data)).toBeInstanceOf(ValueError);
      expect(outer.data[0]).toBeCloseTo(x.data[0] * 2 + 1, 5);
    });
  });

  test('an exception inside frees the scope, a promise is refused, and a tensor read inside keeps its host copy', () => {
    onWasm(() => {
      const x = randn([64, 64]);
      const before = held();
      expect(() => tidy(() => {
        x.mul(2);
        throw new Error('boom');
      })).toThrow('boom');
      expect(held()).toBe(before);
      expect(() => tidy(async () => 1)).toThrow(/synchronous function/);
      let read: Tensor | null = null;
      tidy(() => {
        read = x.mul(2);
        void read.data; // downloaded inside: the host copy survives the scope
      });
      expect(read!.data[0]).toBeCloseTo(x.data[0] * 2, 5);
    });
  });

  test('on the cpu backend a scope changes nothing', () => {
    withBackend('cpu', () => {
      const t = tensor([1, 2, 3]);
      const y = tidy(() => t.mul(2));
      expect(y.toArray()).toEqual([2, 4, 6]);
    });
  });
});
