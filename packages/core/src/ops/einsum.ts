import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { describe } from '../shape.js';
import { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';
import { diagonal } from './rearrange.js';
import { sum } from './reduce.js';
import { expand, permute, reshape } from './view.js';
import { broadcastShapes } from '../shape.js';

// Einstein summation, built from ops that already have gradients: a letter repeated within one
// operand takes a diagonal, a letter no one else needs is summed out, and each pair of operands is
// contracted by one batched matmul after a permute and a reshape (the letters both share and the
// output keeps are the batch, the ones both share and the output drops are contracted).
// So einsum's gradient is those ops' gradients, and second derivatives work.

/** An operand with one letter per dim, all distinct. */
interface Labeled {
  t: Tensor;
  letters: string[];
}

/**
 * Einstein summation (PyTorch's einsum): `einsum('ij,jk->ik', a, b)` is a matmul, `'bij,bjk->bik'`
 * bmm, `'i,j->ij'` outer, `'ii->'` the trace, `'ij->ji'` a transpose, `'ij->'` a sum. Without
 * `->`, the output is every letter used once, in alphabetical order. Operands are contracted
 * left to right. Letters are a–z and A–Z. `...` stands for the dims no letter names, broadcast
 * across the operands as elementwise ops broadcast (`'...ij,...jk->...ik'` is a batched matmul
 * over any broadcast batch dims); without `->` they lead the output. Each operand's `...` is given
 * letters of its own (past z) and expanded to the broadcast shape, so its gradient sums back over
 * the broadcast dims, as `expand`'s does.
 */
export function einsum(equation: string, ...operandList: Tensor[]): Tensor {
  let operands = operandList;
  if (typeof equation !== 'string') throw new ValueError('einsum', `the equation must be a string such as 'ij,jk->ik', got ${describe(equation)}`);
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs0, ...extra] = eq.split('->');
  if (extra.length > 0) throw new ValueError('einsum', `more than one '->' in ${JSON.stringify(equation)}`);
  const inputs0 = lhs.split(',');
  if (inputs0.length !== operands.length) throw new ValueError('einsum', `the equation ${JSON.stringify(equation)} has ${inputs0.length} operands, but ${operands.length} tensors were given`);
  for (const s of [...inputs0, rhs0 ?? '']) {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(s)) throw new ValueError('einsum', `subscripts are letters a–z and A–Z with at most one '...', got ${JSON.stringify(s)} in ${JSON.stringify(equation)}`);
  }
  operands.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ValueError('einsum', `operand ${i} must be a tensor, got ${describe(t)}`);
  });
  const { inputs, rhs, tensors } = expandEllipses(equation, inputs0, rhs0, operands);
  operands = tensors;
  const sizes = new Map<string, number>();
  const labeled = operands.map((t, i) => {
    const letters = [...inputs[i]];
    if (letters.length !== t.ndim) throw new ShapeError('einsum', `operand ${i} has ${t.ndim} dims (${fmtShape(t.shape)}) but ${JSON.stringify(inputs[i])} names ${letters.length}`);
    letters.forEach((l, d) => {
      const known = sizes.get(l);
      if (known !== undefined && known !== t.shape[d]) throw new ShapeError('einsum', `letter ${l} is ${known} in one place and ${t.shape[d]} in another (operand ${i}, ${fmtShape(t.shape)})`);
      sizes.set(l, t.shape[d]);
    });
    return { t, letters };
  });
  const uses = (l: string) => inputs.join('').split(l).length - 1;
  const implicit = (lead: string[]) => [...lead, ...[...sizes.keys()].filter((l) => uses(l) === 1 && !lead.includes(l) && l < '\u0100').sort()];
  const output = rhs === undefined ? implicit([]) : rhs.endsWith(OUTPUT_LETTERS_MARK) ? implicit([...rhs.slice(0, -1)]) : [...rhs];
  output.forEach((l) => {
    if (!sizes.has(l)) throw new ValueError('einsum', `output letter ${l} appears in no operand of ${JSON.stringify(equation)}`);
  });
  if (new Set(output).size !== output.length) throw new ValueError('einsum', `an output letter repeats in ${JSON.stringify(equation)}`);

  // Letters still needed after operand i: the output's, and those of the operands after it.
  const neededAfter = (i: number) => new Set([...output, ...labeled.slice(i + 1).flatMap((o) => o.letters)]);
  let acc = reduceAlone(distinctLetters(labeled[0]), neededAfter(0));
  for (let i = 1; i < labeled.length; i++) {
    const keep = neededAfter(i);
    acc = contract(acc, reduceAlone(distinctLetters(labeled[i]), new Set([...keep, ...acc.letters])), keep);
  }
  return permute(acc.t, output.map((l) => acc.letters.indexOf(l)));
}

/**
 * Replaces each `...` by letters of its own — the broadcast dims, right-aligned, one letter each
 * past z — and expands the operands' `...` dims to their broadcast shape, so the rest of einsum
 * sees letters only.
 */
function expandEllipses(equation: string, inputs: string[], rhs: string | undefined, operands: Tensor[]): { inputs: string[]; rhs: string | undefined; tensors: Tensor[] } {
  const counts = inputs.map((s, i) => {
    if (!s.includes('...')) return 0;
    const n = operands[i].ndim - (s.length - 3);
    if (n < 0) throw new ShapeError('einsum', `operand ${i} has ${operands[i].ndim} dims (${fmtShape(operands[i].shape)}) but ${JSON.stringify(s)} names ${s.length - 3} besides '...'`);
    return n;
  });
  if (rhs?.includes('...') && !inputs.some((s) => s.includes('...'))) throw new ValueError('einsum', `the output of ${JSON.stringify(equation)} has '...' but no operand does`);
  const E = Math.max(0, ...counts);
  if (E === 0 && !inputs.some((s) => s.includes('...'))) return { inputs, rhs, tensors: operands };
  const letters = Array.from({ length: E }, (_, k) => String.fromCharCode(0x100 + k));
  const ellipsisShape = (i: number): number[] => {
    const start = inputs[i].indexOf('...');
    return operands[i].shape.slice(start, start + counts[i]);
  };
  let shape: readonly number[];
  try {
    shape = broadcastShapes('einsum', ...inputs.map((s, i) => (s.includes('...') ? ellipsisShape(i) : [])));
  } catch {
    throw new ShapeError('einsum', `the dims under '...' do not broadcast: ${inputs.map((s, i) => (s.includes('...') ? fmtShape(ellipsisShape(i)) : null)).filter((x) => x !== null).join(' and ')} in ${JSON.stringify(equation)}`);
  }
  const tensors = operands.map((t, i) => {
    if (!inputs[i].includes('...')) return t;
    const start = inputs[i].indexOf('...');
    const target = [...t.shape.slice(0, start), ...shape.slice(E - counts[i]), ...t.shape.slice(start + counts[i])];
    return expand(t, target);
  });
  return {
    inputs: inputs.map((s, i) => s.replace('...', letters.slice(E - counts[i]).join(''))),
    // Without '->' the broadcast dims lead the output (PyTorch's rule); the letters used once follow.
    rhs: rhs === undefined ? letters.join('') + OUTPUT_LETTERS_MARK : rhs.replace('...', letters.join('')),
    tensors,
  };
}

/** Marks an implicit output that already holds the broadcast letters (the letters used once are added after them). */
const OUTPUT_LETTERS_MARK = '>';

/** A letter repeated within an operand (`ii`) keeps only its diagonal, as a last dim. */
function distinctLetters(o: Labeled): Labeled {
  let { t, letters } = o;
  for (;;) {
    const d1 = letters.findIndex((l, i) => letters.indexOf(l) !== i);
    if (d1 === -1) return { t, letters };
    const d0 = letters.indexOf(letters[d1]);
    t = diagonal(t, 0, d0, d1);
    letters = [...letters.filter((_, i) => i !== d0 && i !== d1), letters[d0]];
  }
}

/** Sums out the letters nothing later needs. */
function reduceAlone(o: Labeled, needed: Set<string>): Labeled {
  const drop = o.letters.map((l, d) => (needed.has(l) ? -1 : d)).filter((d) => d >= 0);
  if (drop.length === 0) return o;
  return { t: sum(o.t, drop), letters: o.letters.filter((l) => needed.has(l)) };
}

/**
 * a and b contracted over their shared letters that `keep` lacks, by one batched matmul:
 * a → [batch, left, contracted], b → [batch, contracted, right], product [batch, left, right].
 */
function contract(a: Labeled, b: Labeled, keep: Set<string>): Labeled {
  const inB = new Set(b.letters);
  const batch = a.letters.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.letters.filter((l) => inB.has(l) && !keep.has(l));
  const left = a.letters.filter((l) => !inB.has(l));
  const right = b.letters.filter((l) => !a.letters.includes(l));
  const size = (o: Labeled, ls: string[]) => ls.reduce((n, l) => n * o.t.shape[o.letters.indexOf(l)], 1);
  const arrange = (o: Labeled, order: string[], shape: number[]) => reshape(permute(o.t, order.map((l) => o.letters.indexOf(l))), shape);
  const nb = size(a, batch), nk = size(a, summed);
  const product = matmul(
    arrange(a, [...batch, ...left, ...summed], [nb, size(a, left), nk]),
    arrange(b, [...batch, ...summed, ...right], [nb, nk, size(b, right)]),
  );
  const letters = [...batch, ...left, ...right];
  const shape = letters.map((l) => (a.letters.includes(l) ? a.t.shape[a.letters.indexOf(l)] : b.t.shape[b.letters.indexOf(l)]));
  return { t: reshape(product, shape), letters };
}
