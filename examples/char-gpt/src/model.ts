// A decoder-only transformer (GPT-2's layout, as nanoGPT writes it), from tensorgrad's public API:
//
//   tokens [B, T] ─ wte ─┐
//   positions [T] ─ wpe ─┴─ + ─ Block × nLayer ─ LayerNorm ─ · wteᵀ ─ logits [B, T, vocab]
//
//   Block:  x ← x + proj(attention(LayerNorm(x)))       (pre-norm residual branches)
//           x ← x + Linear(GELU(Linear(LayerNorm(x))))   (MLP, 4× wide)
import { arange, scaledDotProductAttention, softmax, tril, ones, type Generator, type Tensor } from '@tensorgrad/core';
import { Dropout, Embedding, GELU, LayerNorm, Linear, Module, ModuleList, Sequential, init, type Parameter } from '@tensorgrad/nn';

/** How attention is computed: core's `scaledDotProductAttention`, or the same math written out below. */
export type AttentionImpl = 'sdpa' | 'manual';

export interface GPTConfig {
  vocabSize: number;
  /** The context length T: the most characters the model sees at once (position embeddings exist for 0 … T − 1). */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** The width d of the residual stream; each head works in d / nHead dims. */
  nEmbd: number;
  /** Dropout probability on the embeddings and both residual branches (0: off). */
  dropout: number;
  attention: AttentionImpl;
  generator?: Generator;
}

/**
 * Causal self-attention written out, for reading beside `scaledDotProductAttention`:
 *   scores = Q·Kᵀ / √d_head                   [..., T, T]: how much query t matches key s
 *   scores[t, s] = −∞ where s > t             the causal mask: no looking at later characters
 *   weights = softmax(scores, over s)         each row sums to 1; the −∞ entries become exactly 0
 *   out = weights · V                         [..., T, d_head]: a weighted mean of the values
 * The 1/√d_head keeps the scores' variance near 1 when q and k have unit-variance entries (a dot
 * product of d such terms has variance d), so the softmax does not saturate at initialisation.
 * `tril` of a T×T matrix of ones keeps entries with s ≤ t: the positions each query may see.
 */
export function manualCausalAttention(q: Tensor, k: Tensor, v: Tensor): Tensor {
  const T = q.shape[q.ndim - 2], dHead = q.shape[q.ndim - 1];
  const scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(dHead));
  const allowed = tril(ones([T, T], { dtype: 'bool' }));
  return softmax(scores.maskedFill(allowed.logicalNot(), -Infinity), -1).matmul(v);
}

export class CausalSelfAttention extends Module {
  /** Q, K and V for every head from one matmul: [B, T, d] → [B, T, 3d]. */
  qkv: Linear;
  /** Mixes the heads' outputs back into the residual stream. */
  proj: Linear;
  drop: Dropout;

  constructor(readonly nEmbd: number, readonly nHead: number, public attention: AttentionImpl, dropout: number, generator?: Generator) {
    super();
    if (nEmbd % nHead !== 0) throw new Error(`char-gpt: nEmbd ${nEmbd} must be a multiple of nHead ${nHead}`);
    this.qkv = new Linear(nEmbd, 3 * nEmbd, { generator });
    this.proj = new Linear(nEmbd, nEmbd, { generator });
    this.drop = new Dropout(dropout, { generator });
  }

  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape, H = this.nHead, D = C / H;
    // [B, T, 3C] → three [B, T, C] → [B, T, H, D] → [B, H, T, D]: heads become a batch dim, so
    // one batched matmul attends within every head of every sequence.
    const [q, k, v] = this.qkv.forward(x).chunk(3, -1).map((t) => t.reshape(B, T, H, D).transpose(1, 2));
    const y = this.attention === 'sdpa' ? scaledDotProductAttention(q, k, v, { isCausal: true }) : manualCausalAttention(q, k, v);
    // [B, H, T, D] → [B, T, H, D] → [B, T, C]: the heads side by side again (a copy: transpose
    // left the memory in head-major order).
    return this.drop.forward(this.proj.forward(y.transpose(1, 2).reshape(B, T, C)));
  }
}

export class Block extends Module {
  ln1: LayerNorm;
  attn: CausalSelfAttention;
  ln2: LayerNorm;
  /** Position-wise MLP: d → 4d → GELU → d, GPT-2's widths. */
  mlp: Sequential;

  constructor(c: GPTConfig) {
    super();
    this.ln1 = new LayerNorm(c.nEmbd);
    this.attn = new CausalSelfAttention(c.nEmbd, c.nHead, c.attention, c.dropout, c.generator);
    this.ln2 = new LayerNorm(c.nEmbd);
    this.mlp = new Sequential(
      new Linear(c.nEmbd, 4 * c.nEmbd, { generator: c.generator }), new GELU(),
      new Linear(4 * c.nEmbd, c.nEmbd, { generator: c.generator }), new Dropout(c.dropout, { generator: c.generator }),
    );
  }

  forward(x: Tensor): Tensor {
    // Pre-norm residuals: the stream x passes through unchanged plus each branch's correction,
    // so the gradient reaches early layers along the identity path (∂x_out/∂x_in = I + ∂branch/∂x).
    const h = x.add(this.attn.forward(this.ln1.forward(x)));
    return h.add(this.mlp.forward(this.ln2.forward(h)));
  }
}

export class GPT extends Module {
  /** Token embedding [vocab, d]; also the output projection (weight tying). */
  wte: Embedding;
  /** Learned position embedding [T, d]. */
  wpe: Embedding;
  drop: Dropout;
  blocks: ModuleList<Block>;
  lnF: LayerNorm;

  constructor(readonly config: GPTConfig) {
    super();
    const { vocabSize, blockSize, nLayer, nEmbd, dropout, generator } = config;
    this.wte = new Embedding(vocabSize, nEmbd, { generator });
    this.wpe = new Embedding(blockSize, nEmbd, { generator });
    this.drop = new Dropout(dropout, { generator });
    this.blocks = new ModuleList(Array.from({ length: nLayer }, () => new Block(config)));
    this.lnF = new LayerNorm(nEmbd);
    // GPT-2's initialisation (nanoGPT's _init_weights): every weight matrix and both embeddings
    // N(0, 0.02²), biases 0. Embedding's own N(0, 1) would be far too large here: the tied output
    // logits are LayerNorm(x)·wteᵀ, whose std would be ≈ √d ≈ 8 — a first loss in the dozens
    // instead of ≈ ln(vocab). The projections that write into the residual stream get a further
    // 1/√(2·nLayer), so the stream's variance does not grow with depth (2 residual adds per block).
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith('.bias')) init.zeros(p);
      else if (p.ndim === 2) init.normal(p, 0, name.endsWith('attn.proj.weight') || name.endsWith('mlp.2.weight') ? 0.02 / Math.sqrt(2 * nLayer) : 0.02, { generator });
    }
  }

  /** Every block's attention, switched between the two implementations (the weights are shared). */
  setAttention(impl: AttentionImpl): void {
    for (const b of this.blocks) b.attn.attention = impl;
  }

  /** idx: int32 [B, T] with T ≤ blockSize → logits [B, T, vocab] (unnormalised log-probabilities of the next character). */
  forward(idx: Tensor): Tensor {
    const T = idx.shape[1];
    if (T > this.config.blockSize) throw new Error(`char-gpt: a sequence of ${T} is longer than the context, ${this.config.blockSize}`);
    // [B, T, d] + [T, d]: every sequence gets the same position vectors (broadcast over B).
    let x = this.drop.forward(this.wte.forward(idx).add(this.wpe.forward(arange(T, { dtype: 'int32' }))));
    for (const block of this.blocks) x = block.forward(x);
    // Weight tying (Press & Wolf 2017): logits = h · Wᵀ with W the token embedding [vocab, d], so
    // a character's input vector is also the direction that predicts it; it saves vocab·d
    // parameters, and W gets gradient from both ends.
    return this.lnF.forward(x).matmul(this.wte.weight.transpose(0, 1));
  }

  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.numel(), 0);
  }

  /**
   * AdamW's parameter groups, PyTorch's and nanoGPT's convention: weight decay pulls matmul
   * weights towards 0 (θ ← θ·(1 − lr·λ) each step), a regulariser on how strongly features
   * combine; it is not applied to biases and LayerNorm gains (shifts and scales: decaying a gain
   * to 0 would switch its unit off, not regularise it) nor to the position embedding (a lookup
   * table, not a matmul). The token embedding is decayed: tied, it is the output layer's matmul
   * weight. So: decay = every 2-D weight but wpe; no decay = everything else.
   */
  paramGroups(weightDecay: number): { params: Parameter[]; weightDecay: number }[] {
    const decay: Parameter[] = [], noDecay: Parameter[] = [];
    for (const [name, p] of this.namedParameters()) (p.ndim >= 2 && name !== 'wpe.weight' ? decay : noDecay).push(p);
    return [{ params: decay, weightDecay }, { params: noDecay, weightDecay: 0 }];
  }
}
