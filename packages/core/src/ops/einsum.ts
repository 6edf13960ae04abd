import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { describe } from '../shape.js';
import { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';
import { diagonal } from './rearrange.js';
import { sum } from './reduce.js';
import { permute, reshape } from './view.js';

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
 * left to right. Letters are a–z and A–Z; no `...` yet.
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  if (typeof equation !== 'string') throw new ValueError('einsum', `the equation must be a string such as 'ij,jk->ik', got ${describe(equation)}`);
  const eq = equation.replace(/\s+/g, '');
  if (eq.includes('.')) throw new ValueError('einsum', `'...' is not supported yet, in ${JSON.stringify(equation)}`);
  const [lhs, rhs, ...extra] = eq.split('->');
  if (extra.length > 0) throw new ValueError('einsum', `more than one '->' in ${JSON.stringify(equation)}`);
  const inputs = lhs.split(',');
  if (inputs.length !== operands.length) throw new ValueError('einsum', `the equation ${JSON.stringify(equation)} has ${inputs.length} operands, but ${operands.length} tensors were given`);
  for (const s of [...inputs, rhs ?? '']) {
    if (!/^[a-zA-Z]*$/.test(s)) throw new ValueError('einsum', `subscripts are letters a–z and A–Z, got ${JSON.stringify(s)} in ${JSON.stringify(equation)}`);
  }
  const sizes = new Map<string, number>();
  const labeled = operands.map((t, i) => {
    if (!(t instanceof Tensor)) throw new ValueError('einsum', `operand ${i} must be a tensor, got ${describe(t)}`);
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
  const output = rhs !== undefined ? [...rhs] : [...sizes.keys()].filter((l) => uses(l) === 1).sort();
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
