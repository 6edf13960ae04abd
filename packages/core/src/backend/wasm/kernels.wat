;; tensorgrad's WebAssembly SIMD kernels, written by hand. `scripts/assemble-wasm.mjs` assembles
;; this file with wabt (twice: with a shared memory for worker threads, and with a plain one for
;; pages that cannot share memory) into `module.generated.ts`; a test checks that file is current.
;;
;; Conventions: every pointer is a byte address into the imported memory; tensors are float32,
;; row-major. The TypeScript side (`backend.ts`) copies operands in, calls one of these, and copies
;; the result out. Buffers are padded to 16 bytes, so loops run over whole v128 vectors.
;;
;; Numbers: additions and multiplications are the IEEE float32 ones (no fused multiply-add), so
;; every result here is a fixed function of the inputs — the same on every machine and for any
;; thread count. exp/log/sigmoid use range reduction plus a polynomial (within 2 ulps of the correctly
;; rounded value, checked against the reference kernels by property tests).
(module
  (import "env" "memory" (memory 1 32768 shared))

  ;; ---- matmul -------------------------------------------------------------------------------
  ;; C = A·B with A [m,k], B [k,n]. B is packed into panels of 8 columns (`pack_b`) and A into
  ;; blocks of 4 rows (`pack_a`); `gemm` then computes a 4×8 block of C at a time in
  ;; 8 vector registers: for each p it loads one row of the panel (two f32x4) and broadcasts four
  ;; neighbouring floats of the A block, 8 multiplies and 8 adds. Each element's sum runs over
  ;; p = 0…k−1 in order, whatever block or thread computes it.

  ;; Packs columns [j0, j1) of B (element (p, j) at b + 4·(p·rs + j·cs); j0 a multiple of 8) into
  ;; `dst`: panel q holds columns 8q…8q+7 as k rows of 8 floats, at dst + 4·(q·8k + 8p + jj);
  ;; columns past n are zero. Threads each pack the panels they then multiply.
  ;; A transposed B (rs = 1: B[p..p+3, j] are neighbours) with a full panel goes 4 steps of p at a
  ;; time: 8 column vectors, two 4×4 transposes by shuffles, 4 panel rows stored.
  (func (export "pack_b") (param $b i32) (param $rs i32) (param $cs i32) (param $k i32) (param $n i32) (param $dst i32)
                          (param $j0 i32) (param $j1 i32)
    (local $p i32) (local $jj i32) (local $j i32) (local $src i32) (local $out i32) (local $col i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $out (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $j0) (local.get $k)) (i32.const 2))))
    (local.set $col (i32.shl (local.get $cs) (i32.const 2)))
    (if (i32.gt_s (local.get $j1) (local.get $n)) (then (local.set $j1 (local.get $n))))
    (block $panels_done
      (loop $panel
        (br_if $panels_done (i32.ge_s (local.get $j0) (local.get $j1)))
        (local.set $p (i32.const 0))
        (if (i32.and (i32.eq (local.get $rs) (i32.const 1)) (i32.le_s (i32.add (local.get $j0) (i32.const 8)) (local.get $n)))
          (then
            (block $quads_done
              (loop $quad
                (br_if $quads_done (i32.gt_s (i32.add (local.get $p) (i32.const 4)) (local.get $k)))
                ;; columns j0…j0+3, then j0+4…j0+7: each 4×4 block transposed into the panel rows
                (local.set $jj (i32.const 0))
                (block $halves_done
                  (loop $half
                    (br_if $halves_done (i32.ge_s (local.get $jj) (i32.const 8)))
                    (local.set $src (i32.add (local.get $b)
                      (i32.shl (i32.add (i32.mul (i32.add (local.get $j0) (local.get $jj)) (local.get $cs)) (local.get $p)) (i32.const 2))))
                    (local.set $v0 (v128.load (local.get $src)))
                    (local.set $v1 (v128.load (i32.add (local.get $src) (local.get $col))))
                    (local.set $v2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $col) (i32.const 1)))))
                    (local.set $v3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $col) (i32.const 3)))))
                    ;; (a0 b0 a1 b1) (a2 b2 a3 b3) (c0 d0 c1 d1) (c2 d2 c3 d3)
                    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
                    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
                    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
                    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
                    ;; row q of the block: (a_q b_q c_q d_q), stored at panel row p+q, lanes jj…jj+3
                    (local.set $src (i32.add (local.get $out) (i32.shl (local.get $jj) (i32.const 2))))
                    (v128.store (local.get $src) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                    (v128.store offset=32 (local.get $src) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                    (v128.store offset=64 (local.get $src) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                    (v128.store offset=96 (local.get $src) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                    (local.set $jj (i32.add (local.get $jj) (i32.const 4)))
                    (br $half)))
                (local.set $out (i32.add (local.get $out) (i32.const 128)))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $quad)))))
        (block $rows_done
          (loop $row
            (br_if $rows_done (i32.ge_s (local.get $p) (local.get $k)))
            ;; src = b + 4·(p·rs + j0·cs)
            (local.set $src (i32.add (local.get $b)
              (i32.shl (i32.add (i32.mul (local.get $p) (local.get $rs)) (i32.mul (local.get $j0) (local.get $cs))) (i32.const 2))))
            (if (i32.and (i32.eq (local.get $cs) (i32.const 1)) (i32.le_s (i32.add (local.get $j0) (i32.const 8)) (local.get $n)))
              (then
                ;; a row-major B: the panel row is 8 neighbours, two vector copies
                (v128.store (local.get $out) (v128.load (local.get $src)))
                (v128.store offset=16 (local.get $out) (v128.load offset=16 (local.get $src))))
              (else
                (local.set $jj (i32.const 0))
                (block $cols_done
                  (loop $col
                    (br_if $cols_done (i32.ge_s (local.get $jj) (i32.const 8)))
                    (local.set $j (i32.add (local.get $j0) (local.get $jj)))
                    (f32.store (i32.add (local.get $out) (i32.shl (local.get $jj) (i32.const 2)))
                      (if (result f32) (i32.lt_s (local.get $j) (local.get $n))
                        (then (f32.load (i32.add (local.get $src) (i32.shl (i32.mul (local.get $jj) (local.get $cs)) (i32.const 2)))))
                        (else (f32.const 0))))
                    (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
                    (br $col)))))
            (local.set $out (i32.add (local.get $out) (i32.const 32)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $row)))
        (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
        (br $panel))))

  ;; Packs rows [i0, i1) of A (A[i, p] at a + 4·(i·ars + p·acs), so a row-major A, ars = k, acs = 1,
  ;; and a transposed one, ars = 1, acs = m, are both read in place) into blocks of 4 rows: block
  ;; q holds rows 4q…4q+3 as k groups of 4 floats, at ap + 4·(q·4k + 4p + r). Rows at or past m
  ;; are zero. i0 is a multiple of 4. A full block of a transposed A is one vector copy per p; of a
  ;; row-major A, 4 steps of p at a time (one vector from each row, a 4×4 transpose by shuffles).
  (func (export "pack_a") (param $a i32) (param $ars i32) (param $acs i32) (param $m i32) (param $k i32) (param $ap i32) (param $i0 i32) (param $i1 i32)
    (local $i i32) (local $p i32) (local $r i32) (local $out i32) (local $row i32) (local $src i32) (local $stride i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $out (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $i0) (local.get $k)) (i32.const 2))))
    (local.set $i (local.get $i0))
    (block $blocks_done
      (loop $block
        (br_if $blocks_done (i32.ge_s (local.get $i) (local.get $i1)))
        (local.set $p (i32.const 0))
        (if (i32.le_s (i32.add (local.get $i) (i32.const 4)) (local.get $m))
          (then
            (if (i32.eq (local.get $ars) (i32.const 1))
              (then
                ;; transposed: A[i..i+3, p] are neighbours, acs apart from one p to the next
                (local.set $src (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
                (local.set $stride (i32.shl (local.get $acs) (i32.const 2)))
                (block $t_done
                  (loop $t_col
                    (br_if $t_done (i32.ge_s (local.get $p) (local.get $k)))
                    (v128.store (local.get $out) (v128.load (local.get $src)))
                    (local.set $src (i32.add (local.get $src) (local.get $stride)))
                    (local.set $out (i32.add (local.get $out) (i32.const 16)))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (br $t_col)))))
            (if (i32.eq (local.get $acs) (i32.const 1))
              (then
                ;; row-major: rows ars apart; (a b c d) are rows i…i+3 at columns p…p+3
                (local.set $stride (i32.shl (local.get $ars) (i32.const 2)))
                (block $q_done
                  (loop $q_col
                    (br_if $q_done (i32.gt_s (i32.add (local.get $p) (i32.const 4)) (local.get $k)))
                    (local.set $src (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ars)) (local.get $p)) (i32.const 2))))
                    (local.set $v0 (v128.load (local.get $src)))
                    (local.set $v1 (v128.load (i32.add (local.get $src) (local.get $stride))))
                    (local.set $v2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $stride) (i32.const 1)))))
                    (local.set $v3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $stride) (i32.const 3)))))
                    ;; (a0 b0 a1 b1) (a2 b2 a3 b3) (c0 d0 c1 d1) (c2 d2 c3 d3), then group q = (a_q b_q c_q d_q)
                    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
                    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
                    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
                    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
                    (v128.store (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                    (v128.store offset=16 (local.get $out) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                    (v128.store offset=32 (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                    (v128.store offset=48 (local.get $out) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                    (local.set $out (i32.add (local.get $out) (i32.const 64)))
                    (local.set $p (i32.add (local.get $p) (i32.const 4)))
                    (br $q_col)))))))
        ;; what is left of the block, one float at a time (zeros past m)
        (block $cols_done
          (loop $col
            (br_if $cols_done (i32.ge_s (local.get $p) (local.get $k)))
            (local.set $r (i32.const 0))
            (block $rows_done
              (loop $row
                (br_if $rows_done (i32.ge_s (local.get $r) (i32.const 4)))
                (local.set $row (i32.add (local.get $i) (local.get $r)))
                (f32.store (local.get $out)
                  (if (result f32) (i32.lt_s (local.get $row) (local.get $m))
                    (then (f32.load (i32.add (local.get $a)
                      (i32.shl (i32.add (i32.mul (local.get $row) (local.get $ars)) (i32.mul (local.get $p) (local.get $acs))) (i32.const 2)))))
                    (else (f32.const 0))))
                (local.set $out (i32.add (local.get $out) (i32.const 4)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $row)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $col)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $block))))

  ;; The block [i0, i1) × [j0, j1) of C = A·B (+ bias); i0 a multiple of 4, j0 of 8, i1 and j1
  ;; multiples of 4 and 8 (or m4 and n8). `ap` is A packed by `pack_a`, `bp` B packed by `pack_b`
  ;; (both at least over the block's rows and columns); n8 = n rounded up to 8; C is [m4, n8]
  ;; row-major at c, m4 = m rounded up to 4 (rows past m are computed from zeros and never read).
  ;; `bias` (n8 floats) is added to each finished product when nonzero, as `matmul` then `add` would.
  (func $gemm_block (export "gemm") (param $ap i32) (param $bp i32) (param $k i32) (param $n8 i32) (param $c i32)
                        (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32) (param $bias i32)
    (local $i i32) (local $panel i32) (local $pb i32) (local $end i32) (local $cp i32)
    (local $pa i32) (local $crow i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128) (local $z0 v128) (local $z1 v128)
    (local.set $crow (i32.shl (local.get $n8) (i32.const 2)))
    (block $panels_done
      (loop $panel_loop
        (br_if $panels_done (i32.ge_s (local.get $j0) (local.get $j1)))
        ;; panel j0/8 starts at bp + 4·(j0/8)·8k = bp + 4·j0·k
        (local.set $panel (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $j0) (local.get $k)) (i32.const 2))))
        (local.set $end (i32.add (local.get $panel) (i32.shl (local.get $k) (i32.const 5))))
        (if (local.get $bias)
          (then
            (local.set $z0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j0) (i32.const 2)))))
            (local.set $z1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $j0) (i32.const 2)))))))
        (local.set $i (local.get $i0))
        (block $quads_done
          (loop $quad
            (br_if $quads_done (i32.ge_s (local.get $i) (local.get $i1)))
            ;; the packed block of rows i…i+3: 4 floats per step of p
            (local.set $pa (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 2))))
            (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
            (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
            (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
            (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
            (local.set $pb (local.get $panel))
            ;; tested at the bottom: k ≥ 1 (the caller never sends k = 0)
            (loop $k_loop
                (local.set $b0 (v128.load (local.get $pb)))
                (local.set $b1 (v128.load offset=16 (local.get $pb)))
                (local.set $x (v128.load32_splat (local.get $pa)))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
                (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
                (local.set $x (v128.load32_splat offset=4 (local.get $pa)))
                (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
                (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
                (local.set $x (v128.load32_splat offset=8 (local.get $pa)))
                (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
                (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
                (local.set $x (v128.load32_splat offset=12 (local.get $pa)))
                (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
                (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
                (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
                (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
                (br_if $k_loop (i32.lt_u (local.get $pb) (local.get $end))))
            (if (local.get $bias)
              (then
                (local.set $c00 (f32x4.add (local.get $c00) (local.get $z0))) (local.set $c01 (f32x4.add (local.get $c01) (local.get $z1)))
                (local.set $c10 (f32x4.add (local.get $c10) (local.get $z0))) (local.set $c11 (f32x4.add (local.get $c11) (local.get $z1)))
                (local.set $c20 (f32x4.add (local.get $c20) (local.get $z0))) (local.set $c21 (f32x4.add (local.get $c21) (local.get $z1)))
                (local.set $c30 (f32x4.add (local.get $c30) (local.get $z0))) (local.set $c31 (f32x4.add (local.get $c31) (local.get $z1)))))
            (local.set $cp (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n8)) (local.get $j0)) (i32.const 2))))
            (v128.store (local.get $cp) (local.get $c00)) (v128.store offset=16 (local.get $cp) (local.get $c01))
            (local.set $cp (i32.add (local.get $cp) (local.get $crow)))
            (v128.store (local.get $cp) (local.get $c10)) (v128.store offset=16 (local.get $cp) (local.get $c11))
            (local.set $cp (i32.add (local.get $cp) (local.get $crow)))
            (v128.store (local.get $cp) (local.get $c20)) (v128.store offset=16 (local.get $cp) (local.get $c21))
            (local.set $cp (i32.add (local.get $cp) (local.get $crow)))
            (v128.store (local.get $cp) (local.get $c30)) (v128.store offset=16 (local.get $cp) (local.get $c31))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $quad)))
        (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
        (br $panel_loop))))

  ;; ---- elementwise --------------------------------------------------------------------------

  ;; The constants of exp, sigmoid and log sit in memory at $CONST (written once, by `init`, before
  ;; any kernel runs; the arena starts above them), and each loop loads them into locals before it
  ;; starts. Why not v128.const: V8 rebuilds every v128.const inside a loop from two 64-bit
  ;; immediates (3 instructions each), where a value loaded before the loop stays in a register.
  ;; `node benchmarks/wasm-unary.mjs` times the kernels alone (the before/after is in benchmarks/README.md).
  (global $CONST i32 (i32.const 64))
  (func (export "init")
    (local $k i32)
    (local.set $k (global.get $CONST))
    ;; exp: clamp bounds (beyond them e^x is 0 or ∞ in float32 anyway), 1/ln2, 1.5·2²³, ln2 split
    (v128.store offset=0 (local.get $k) (v128.const f32x4 -104 -104 -104 -104))
    (v128.store offset=16 (local.get $k) (v128.const f32x4 89 89 89 89))
    (v128.store offset=32 (local.get $k) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
    (v128.store offset=48 (local.get $k) (v128.const f32x4 12582912 12582912 12582912 12582912))
    (v128.store offset=64 (local.get $k) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))
    (v128.store offset=80 (local.get $k) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))
    ;; exp: Cephes' minimax coefficients of (e^r − 1 − r)/r² on |r| ≤ ln2/2
    (v128.store offset=96 (local.get $k) (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (v128.store offset=112 (local.get $k) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
    (v128.store offset=128 (local.get $k) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
    (v128.store offset=144 (local.get $k) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
    (v128.store offset=160 (local.get $k) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
    (v128.store offset=176 (local.get $k) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
    (v128.store offset=192 (local.get $k) (v128.const f32x4 1 1 1 1))
    (v128.store offset=208 (local.get $k) (v128.const i32x4 127 127 127 127))
    ;; log: smallest normal, 2²⁵, the bits of √½, the mantissa mask, 25
    (v128.store offset=224 (local.get $k) (v128.const f32x4 1.17549435e-38 1.17549435e-38 1.17549435e-38 1.17549435e-38))
    (v128.store offset=240 (local.get $k) (v128.const f32x4 33554432 33554432 33554432 33554432))
    (v128.store offset=256 (local.get $k) (v128.const i32x4 0x3f3504f3 0x3f3504f3 0x3f3504f3 0x3f3504f3))
    (v128.store offset=272 (local.get $k) (v128.const i32x4 0x007fffff 0x007fffff 0x007fffff 0x007fffff))
    (v128.store offset=288 (local.get $k) (v128.const i32x4 25 25 25 25))
    ;; log: the atanh series 1/9, 1/7, 1/5, 1/3; then ∞, −∞, NaN
    (v128.store offset=304 (local.get $k) (v128.const f32x4 0.111111111 0.111111111 0.111111111 0.111111111))
    (v128.store offset=320 (local.get $k) (v128.const f32x4 0.142857143 0.142857143 0.142857143 0.142857143))
    (v128.store offset=336 (local.get $k) (v128.const f32x4 0.2 0.2 0.2 0.2))
    (v128.store offset=352 (local.get $k) (v128.const f32x4 0.333333333 0.333333333 0.333333333 0.333333333))
    (v128.store offset=368 (local.get $k) (v128.const f32x4 inf inf inf inf))
    (v128.store offset=384 (local.get $k) (v128.const f32x4 -inf -inf -inf -inf))
    (v128.store offset=400 (local.get $k) (v128.const f32x4 nan nan nan nan))
    ;; exp's fast path: 1.5·2²³ + 127, and the range [−87, 88] where e^v and 2^k are normal floats
    (v128.store offset=416 (local.get $k) (v128.const f32x4 12583039 12583039 12583039 12583039))
    (v128.store offset=432 (local.get $k) (v128.const f32x4 -87 -87 -87 -87))
    (v128.store offset=448 (local.get $k) (v128.const f32x4 88 88 88 88)))

  ;; e^v for any v: range reduction v = k·ln2 + r with k = round(v/ln2), |r| ≤ ln2/2, ln2 split in
  ;; two (Cody–Waite) so k·ln2 is exact; e^r = 1 + r + r²·P(r) with Cephes' degree-5 P (about 1
  ;; ulp); then e^v = e^r·2^(k−h)·2^h with h = k/2, so both powers of two are normal floats and a
  ;; result in the subnormal range is rounded once, by the last multiply. Adding 1.5·2²³ rounds
  ;; v/ln2 to an integer that the low bits of the sum then hold (no float→int conversion);
  ;; pmin/pmax are single x86 instructions (wasm's min/max are not) and keep NaN in this operand
  ;; order. `$exp_loop` calls this only for vectors with a lane outside [−87, 88].
  (func $exp_wide (param $v v128) (result v128)
    (local $t v128) (local $kf v128) (local $ki v128) (local $r v128) (local $p v128) (local $h v128) (local $k i32)
    (local.set $k (global.get $CONST))
    (local.set $v (f32x4.pmin (f32x4.pmax (local.get $v) (v128.load offset=0 (local.get $k))) (v128.load offset=16 (local.get $k))))
    (local.set $t (f32x4.add (f32x4.mul (local.get $v) (v128.load offset=32 (local.get $k))) (v128.load offset=48 (local.get $k))))
    (local.set $kf (f32x4.sub (local.get $t) (v128.load offset=48 (local.get $k))))
    (local.set $ki (i32x4.sub (local.get $t) (v128.load offset=48 (local.get $k))))
    (local.set $r (f32x4.sub (local.get $v) (f32x4.mul (local.get $kf) (v128.load offset=64 (local.get $k)))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $kf) (v128.load offset=80 (local.get $k)))))
    (local.set $p (f32x4.add (f32x4.mul (v128.load offset=96 (local.get $k)) (local.get $r)) (v128.load offset=112 (local.get $k))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.load offset=128 (local.get $k))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.load offset=144 (local.get $k))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.load offset=160 (local.get $k))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.load offset=176 (local.get $k))))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r)) (v128.load offset=192 (local.get $k))))
    ;; 2^h and 2^(k−h) as float bits: (e + 127) << 23
    (local.set $h (i32x4.shr_s (local.get $ki) (i32.const 1)))
    (f32x4.mul
      (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (i32x4.sub (local.get $ki) (local.get $h)) (v128.load offset=208 (local.get $k))) (i32.const 23)))
      (i32x4.shl (i32x4.add (local.get $h) (v128.load offset=208 (local.get $k))) (i32.const 23))))

  ;; out[i] = e^x[i], or σ(x[i]) when $sigmoid ≠ 0, for i < n (rounded up to 4).
  ;; e^v as `$exp_wide`, but for the usual vectors, all lanes in [−87, 88] (or NaN), whose result
  ;; and 2^k are normal floats: adding 1.5·2²³ + 127 leaves k + 127 in the low bits, so 2^k is
  ;; that sum shifted left by 23, and e^v = 2^k + 2^k·(r + r²·P(r)) — the same rounding as
  ;; `$exp_wide`'s (scaling by 2^k is exact), in 11 fewer instructions.
  ;; σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) below, from one e = e^{−|x|} ≤ 1 (one division,
  ;; its numerator chosen by the sign).
  (func $exp_loop (param $sigmoid i32) (param $x i32) (param $out i32) (param $n i32)
    (local $end i32) (local $a v128) (local $v v128) (local $t v128) (local $s v128) (local $kf v128)
    (local $r v128) (local $p v128) (local $e v128)
    (local $log2e v128) (local $magic v128) (local $ln2hi v128) (local $ln2lo v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128)
    (local $one v128) (local $fastlo v128) (local $fasthi v128) (local $k i32)
    (local.set $k (global.get $CONST))
    (local.set $log2e (v128.load offset=32 (local.get $k)))
    (local.set $ln2hi (v128.load offset=64 (local.get $k)))
    (local.set $ln2lo (v128.load offset=80 (local.get $k)))
    (local.set $c0 (v128.load offset=96 (local.get $k)))
    (local.set $c1 (v128.load offset=112 (local.get $k)))
    (local.set $c2 (v128.load offset=128 (local.get $k)))
    (local.set $c3 (v128.load offset=144 (local.get $k)))
    (local.set $c4 (v128.load offset=160 (local.get $k)))
    (local.set $c5 (v128.load offset=176 (local.get $k)))
    (local.set $one (v128.load offset=192 (local.get $k)))
    (local.set $magic (v128.load offset=416 (local.get $k)))
    (local.set $fastlo (v128.load offset=432 (local.get $k)))
    (local.set $fasthi (v128.load offset=448 (local.get $k)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $a (v128.load (local.get $x)))
        (local.set $v (local.get $a))
        (if (local.get $sigmoid) (then (local.set $v (f32x4.neg (f32x4.abs (local.get $a))))))
        (if (v128.any_true (v128.or (f32x4.lt (local.get $v) (local.get $fastlo)) (f32x4.gt (local.get $v) (local.get $fasthi))))
          (then (local.set $e (call $exp_wide (local.get $v))))
          (else
            (local.set $t (f32x4.add (f32x4.mul (local.get $v) (local.get $log2e)) (local.get $magic)))
            (local.set $s (i32x4.shl (local.get $t) (i32.const 23)))
            (local.set $kf (f32x4.sub (local.get $t) (local.get $magic)))
            (local.set $r (f32x4.sub (local.get $v) (f32x4.mul (local.get $kf) (local.get $ln2hi))))
            (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $kf) (local.get $ln2lo))))
            (local.set $p (f32x4.add (f32x4.mul (local.get $c0) (local.get $r)) (local.get $c1)))
            (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c2)))
            (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c3)))
            (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c4)))
            (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c5)))
            (local.set $p (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r)))
            (local.set $e (f32x4.add (f32x4.mul (local.get $p) (local.get $s)) (local.get $s)))))
        (if (local.get $sigmoid) (then
          (local.set $e (f32x4.div
            (v128.bitselect (local.get $one) (local.get $e) (f32x4.ge (local.get $a) (v128.const f32x4 0 0 0 0)))
            (f32x4.add (local.get $one) (local.get $e))))))
        (v128.store (local.get $out) (local.get $e))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $next))))

  ;; out[i] = ln x[i] for i < n (rounded up to 4): x = m·2^e with m in [√½, √2), ln x = e·ln2 + ln m,
  ;; and with s = (m−1)/(m+1), ln m = 2·atanh(s) = 2s(1 + s²/3 + s⁴/5 + s⁶/7 + s⁸/9) (|s| < 0.172, so
  ;; the next term is below 1e-9 relative). Subnormal x are scaled by 2²⁵ first; x = 0 gives −∞,
  ;; x < 0 NaN, +∞ stays +∞, NaN stays NaN.
  (func $log_v (param $v v128) (result v128)
    (local $sub v128) (local $y v128) (local $bits v128) (local $e v128) (local $m v128)
    (local $s v128) (local $s2 v128) (local $p v128) (local $r v128) (local $sqrthalf v128) (local $one v128) (local $k i32)
    (local.set $k (global.get $CONST))
    (local.set $sqrthalf (v128.load offset=256 (local.get $k)))
    (local.set $one (v128.load offset=192 (local.get $k)))
    (local.set $sub (f32x4.lt (local.get $v) (v128.load offset=224 (local.get $k))))
    (local.set $y (v128.bitselect (f32x4.mul (local.get $v) (v128.load offset=240 (local.get $k))) (local.get $v) (local.get $sub)))
    ;; bits of m·2^e; subtracting the bits of √½ first puts m in [√½, √2)
    (local.set $bits (i32x4.sub (local.get $y) (local.get $sqrthalf)))
    (local.set $e (i32x4.shr_s (local.get $bits) (i32.const 23)))
    (local.set $m (i32x4.add (v128.and (local.get $bits) (v128.load offset=272 (local.get $k))) (local.get $sqrthalf)))
    (local.set $e (i32x4.sub (local.get $e) (v128.and (local.get $sub) (v128.load offset=288 (local.get $k)))))
    (local.set $s (f32x4.div (f32x4.sub (local.get $m) (local.get $one)) (f32x4.add (local.get $m) (local.get $one))))
    (local.set $s2 (f32x4.mul (local.get $s) (local.get $s)))
    (local.set $p (f32x4.add (f32x4.mul (v128.load offset=304 (local.get $k)) (local.get $s2)) (v128.load offset=320 (local.get $k))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $s2)) (v128.load offset=336 (local.get $k))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $s2)) (v128.load offset=352 (local.get $k))))
    ;; ln m = 2s + 2s·s²·p  (the small term added last keeps 2s exact)
    (local.set $s (f32x4.add (local.get $s) (local.get $s)))
    (local.set $r (f32x4.add (local.get $s) (f32x4.mul (local.get $s) (f32x4.mul (local.get $s2) (local.get $p)))))
    ;; + e·ln2, ln2 split (Cody–Waite) so e·ln2_hi is exact
    (local.set $e (f32x4.convert_i32x4_s (local.get $e)))
    (local.set $r (f32x4.add (f32x4.add (f32x4.mul (local.get $e) (v128.load offset=80 (local.get $k))) (local.get $r))
      (f32x4.mul (local.get $e) (v128.load offset=64 (local.get $k)))))
    ;; special cases: +∞ and NaN pass through, x < 0 is NaN, ±0 is −∞
    (local.set $r (v128.bitselect (local.get $v) (local.get $r)
      (v128.or (f32x4.eq (local.get $v) (v128.load offset=368 (local.get $k))) (f32x4.ne (local.get $v) (local.get $v)))))
    (local.set $r (v128.bitselect (v128.load offset=400 (local.get $k)) (local.get $r) (f32x4.lt (local.get $v) (v128.const f32x4 0 0 0 0))))
    (v128.bitselect (v128.load offset=384 (local.get $k)) (local.get $r) (f32x4.eq (local.get $v) (v128.const f32x4 0 0 0 0))))

  (func $log_loop (param $x i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (v128.store (local.get $out) (call $log_v (v128.load (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $next))))

  ;; out[i] = f(x[i]) for i < n (rounded up to 4). The op code is the op's place in the br_table
  ;; below (scripts/assemble-wasm.mjs gives TypeScript the list); clamp is to [lo, hi], in
  ;; PyTorch's order: a < lo ? lo : a > hi ? hi : a.
  ;; exp, log and sigmoid run their own loops (above); the rest share this one.
  (func (export "unary") (param $op i32) (param $x i32) (param $out i32) (param $n i32) (param $lo f32) (param $hi f32)
    (local $end i32) (local $v v128) (local $r v128) (local $vlo v128) (local $vhi v128)
    (if (i32.eq (local.get $op) (i32.const 4)) (then (call $exp_loop (i32.const 0) (local.get $x) (local.get $out) (local.get $n)) (return)))
    (if (i32.eq (local.get $op) (i32.const 5)) (then (call $log_loop (local.get $x) (local.get $out) (local.get $n)) (return)))
    (if (i32.eq (local.get $op) (i32.const 6)) (then (call $exp_loop (i32.const 1) (local.get $x) (local.get $out) (local.get $n)) (return)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $v (v128.load (local.get $x)))
        (block $store
          ;; exp, log and sigmoid returned above: their labels keep the op codes in the table's order.
          (block $sigmoid (block $log (block $exp
          (block $clamp (block $sign (block $relu (block $sqrt (block $abs (block $neg
            (br_table $neg $abs $sqrt $relu $exp $log $sigmoid $sign $clamp (local.get $op)))
            (local.set $r (f32x4.neg (local.get $v))) (br $store))
            (local.set $r (f32x4.abs (local.get $v))) (br $store))
            (local.set $r (f32x4.sqrt (local.get $v))) (br $store))
            ;; a > 0 ? a : 0 (NaN and −0 give +0, as the reference)
            (local.set $r (v128.and (local.get $v) (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0)))) (br $store))
            ;; a > 0 ? 1 : a < 0 ? −1 : a (keeps ±0 and NaN)
            (local.set $r (v128.bitselect (v128.const f32x4 1 1 1 1)
              (v128.bitselect (v128.const f32x4 -1 -1 -1 -1) (local.get $v) (f32x4.lt (local.get $v) (v128.const f32x4 0 0 0 0)))
              (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0))))
            (br $store))
          ;; pmax(a, lo) = a < lo ? lo : a, then pmin(·, hi) = hi < · ? hi : ·
          (local.set $r (f32x4.pmin (f32x4.pmax (local.get $v) (local.get $vlo)) (local.get $vhi))) (br $store))
          unreachable) unreachable) unreachable)
        (v128.store (local.get $out) (local.get $r))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $next))))

  ;; out[i] = a[i] ∘ b[i] for i < n (rounded up to 4). The op code is the op's place in the
  ;; br_table below (scripts/assemble-wasm.mjs reads the table and gives TypeScript the list):
  ;; add, sub, mul, div; the comparisons, giving 1 or 0 (NaN compares unequal to everything, as in
  ;; JavaScript); binary cross-entropy of a probability a against a target b and its derivative in
  ;; a (ops/loss.ts has the math); the gradient a through a sigmoid whose output is b, and through a
  ;; ReLU of b (PyTorch's threshold_backward). `as`/`bs` are 1 for an operand that runs along the
  ;; row and 0 for a scalar broadcast over it.
  (func (export "binary") (param $op i32) (param $a i32) (param $as i32) (param $b i32) (param $bs i32) (param $out i32) (param $n i32)
    (local $end i32) (local $va v128) (local $vb v128) (local $r v128) (local $sa i32) (local $sb i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $sa (i32.shl (local.get $as) (i32.const 4)))
    (local.set $sb (i32.shl (local.get $bs) (i32.const 4)))
    (if (i32.eqz (local.get $as)) (then (local.set $va (v128.load32_splat (local.get $a)))))
    (if (i32.eqz (local.get $bs)) (then (local.set $vb (v128.load32_splat (local.get $b)))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (if (local.get $as) (then (local.set $va (v128.load (local.get $a)))))
        (if (local.get $bs) (then (local.set $vb (v128.load (local.get $b)))))
        (block $store
          (block $mask
            (block $ge (block $gt (block $le (block $lt (block $ne (block $eq (block $threshold_backward (block $sigmoid_backward
            (block $binary_cross_entropy_backward (block $binary_cross_entropy (block $div (block $mul (block $sub (block $add
              (br_table $add $sub $mul $div $eq $ne $lt $le $gt $ge $binary_cross_entropy $binary_cross_entropy_backward $sigmoid_backward $threshold_backward (local.get $op)))
              (local.set $r (f32x4.add (local.get $va) (local.get $vb))) (br $store))
              (local.set $r (f32x4.sub (local.get $va) (local.get $vb))) (br $store))
              (local.set $r (f32x4.mul (local.get $va) (local.get $vb))) (br $store))
              (local.set $r (f32x4.div (local.get $va) (local.get $vb))) (br $store))
              ;; binary_cross_entropy: −(t·max(ln p, −100) + (1 − t)·max(ln(1 − p), −100)); pmax keeps NaN (first operand)
              (local.set $r (f32x4.neg (f32x4.add
                (f32x4.mul (local.get $vb) (f32x4.pmax (call $log_v (local.get $va)) (v128.const f32x4 -100 -100 -100 -100)))
                (f32x4.mul (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $vb))
                  (f32x4.pmax (call $log_v (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $va))) (v128.const f32x4 -100 -100 -100 -100))))))
              (br $store))
              ;; binary_cross_entropy_backward: (p − t)/max(p(1 − p), 10⁻¹²)
              (local.set $r (f32x4.div (f32x4.sub (local.get $va) (local.get $vb))
                (f32x4.pmax (f32x4.mul (local.get $va) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $va))) (v128.const f32x4 1e-12 1e-12 1e-12 1e-12))))
              (br $store))
              ;; sigmoid_backward: g·y(1 − y), rounded as mul(g, mul(y, sub(1, y)))
              (local.set $r (f32x4.mul (local.get $va) (f32x4.mul (local.get $vb) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $vb)))))
              (br $store))
              ;; threshold_backward: x > 0 ? g : +0
              (local.set $r (v128.and (local.get $va) (f32x4.gt (local.get $vb) (v128.const f32x4 0 0 0 0))))
              (br $store))
              (local.set $r (f32x4.eq (local.get $va) (local.get $vb))) (br $mask))
              (local.set $r (f32x4.ne (local.get $va) (local.get $vb))) (br $mask))
              (local.set $r (f32x4.lt (local.get $va) (local.get $vb))) (br $mask))
              (local.set $r (f32x4.le (local.get $va) (local.get $vb))) (br $mask))
              (local.set $r (f32x4.gt (local.get $va) (local.get $vb))) (br $mask))
            (local.set $r (f32x4.ge (local.get $va) (local.get $vb))))
          ;; all-ones lanes become 1.0, all-zeros lanes 0.0
          (local.set $r (v128.and (local.get $r) (v128.const f32x4 1 1 1 1))))
        (v128.store (local.get $out) (local.get $r))
        (local.set $a (i32.add (local.get $a) (local.get $sa)))
        (local.set $b (i32.add (local.get $b) (local.get $sb)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $next))))

  ;; ---- optimizers ---------------------------------------------------------------------------

  ;; One Adam step over n parameters (rounded up to 4), in place, as the reference kernel
  ;; computes it (in float32 here):
  ;;   g ← ∇ + λθ (Adam) or θ ← θ(1 − lr·λ) (AdamW, decoupled ≠ 0)
  ;;   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,   v̂ ← max(v̂, v) when vmax ≠ 0 (AMSGrad)
  ;;   θ ← θ − stepSize·m / (√v / √(1 − β₂ᵗ) + ε),   stepSize = lr / (1 − β₁ᵗ)
  ;; The constants come computed in doubles: c1 = 1 − β₁, c2 = 1 − β₂ and decay = 1 − lr·λ (from
  ;; float32-rounded β's, 1 − β would lose digits to cancellation), stepSize and bc2 = √(1 − β₂ᵗ).
  (func (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $vmax i32) (param $n i32)
                        (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $wd f32) (param $decay f32)
                        (param $decoupled i32) (param $eps f32) (param $stepSize f32) (param $bc2 f32)
    (local $end i32) (local $vg v128) (local $vp v128) (local $vm v128) (local $vv v128) (local $den v128)
    (local $B1 v128) (local $B2 v128) (local $C1 v128) (local $C2 v128) (local $WD v128) (local $DECAY v128)
    (local $EPS v128) (local $STEP v128) (local $BC2 v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $WD (f32x4.splat (local.get $wd)))
    (local.set $DECAY (f32x4.splat (local.get $decay)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $STEP (f32x4.splat (local.get $stepSize)))
    (local.set $BC2 (f32x4.splat (local.get $bc2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $vg (v128.load (local.get $g)))
        (local.set $vp (v128.load (local.get $p)))
        (if (local.get $decoupled)
          (then (local.set $vp (f32x4.mul (local.get $vp) (local.get $DECAY))))
          (else (local.set $vg (f32x4.add (local.get $vg) (f32x4.mul (local.get $WD) (local.get $vp))))))
        (local.set $vm (f32x4.add (f32x4.mul (local.get $B1) (v128.load (local.get $m))) (f32x4.mul (local.get $C1) (local.get $vg))))
        (local.set $vv (f32x4.add (f32x4.mul (local.get $B2) (v128.load (local.get $v))) (f32x4.mul (f32x4.mul (local.get $C2) (local.get $vg)) (local.get $vg))))
        (v128.store (local.get $m) (local.get $vm))
        (v128.store (local.get $v) (local.get $vv))
        (if (local.get $vmax)
          (then
            (local.set $vv (f32x4.max (v128.load (local.get $vmax)) (local.get $vv)))
            (v128.store (local.get $vmax) (local.get $vv))
            (local.set $vmax (i32.add (local.get $vmax) (i32.const 16)))))
        (local.set $den (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (local.get $BC2)) (local.get $EPS)))
        (v128.store (local.get $p) (f32x4.sub (local.get $vp) (f32x4.div (f32x4.mul (local.get $STEP) (local.get $vm)) (local.get $den))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br $next))))

  ;; ---- sums (accumulated in float64, like the reference kernel) -----------------------------

  ;; acc[j] += Σ_r x[r·len + j] for j < len (rounded up to 2), r < rows: x is float32, acc float64.
  ;; Sums over leading dims (a bias gradient: the batch sum of each feature).
  (func (export "sum_rows") (param $x i32) (param $rows i32) (param $len i32) (param $acc i32)
    (local $r i32) (local $j i32) (local $src i32) (local $dst i32)
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $src (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $len)) (i32.const 2))))
        (local.set $dst (local.get $acc))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $col
            (br_if $cols_done (i32.ge_s (local.get $j) (local.get $len)))
            (v128.store (local.get $dst) (f64x2.add (v128.load (local.get $dst)) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $src)))))
            (local.set $src (i32.add (local.get $src) (i32.const 8)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $col)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; out[r] = Σ_j x[r·len + j] for r < rows: sums over trailing dims, in float64 (two lanes, each
  ;; in order, added at the end), rounded once to float32.
  (func (export "sum_inner") (param $x i32) (param $rows i32) (param $len i32) (param $out i32)
    (local $r i32) (local $src i32) (local $end i32) (local $s v128) (local $t f64)
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $src (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $len)) (i32.const 2))))
        (local.set $end (i32.add (local.get $src) (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 2))))
        (local.set $s (v128.const i32x4 0 0 0 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
            (local.set $s (f64x2.add (local.get $s) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $src)))))
            (local.set $src (i32.add (local.get $src) (i32.const 8)))
            (br $next)))
        (local.set $t (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))
        (if (i32.and (local.get $len) (i32.const 1))
          (then (local.set $t (f64.add (local.get $t) (f64.promote_f32 (f32.load (local.get $src)))))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (f32.demote_f64 (local.get $t)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; out[j] = float32(acc[j]) for j < n.
  (func (export "demote") (param $acc i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out) (f32.demote_f64 (f64.load (local.get $acc))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 8)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))

  ;; ---- the forward convolution as an implicit gemm ----------------------------------------
  ;; y[img, o, pos] = Σ_r W[o, r] · window(img, pos)[r] + bias[o], with r = (ch, i, j) and pos = (y, x').
  ;; The gemm's B operand is never written out whole (im2col): its panels of 8 columns are packed
  ;; straight from the images, four at a time into a few kilobytes that stay in cache, multiplied
  ;; by `gemm`, and the results put in place. A panel is one window position of 8 images, so the
  ;; input is first laid out image-minor (`image_minor`: [groups of 8 images][C][h][w][8]) and every
  ;; panel row is 8 neighbours, two vector loads — whatever the stride, the dilation or the width.
  ;; Each output's sum runs over r in order (the unfold-then-multiply order), so results do not depend on the
  ;; chunking or the thread count.

  ;; Groups [g0, g1) of 8 images of x ([images, chw] floats at $x) into $out image-minor:
  ;; out[(g·chw + p)·8 + l] = x[(8g + l)·chw + p], zero for images past the last. Four positions of
  ;; four images at a time, transposed by shuffles.
  (func (export "image_minor") (param $x i32) (param $images i32) (param $chw i32) (param $out i32) (param $g0 i32) (param $g1 i32)
    (local $g i32) (local $half i32) (local $p i32) (local $img i32) (local $l i32) (local $src i32) (local $dst i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $g (local.get $g0))
    (block $gdone (loop $gs
      (br_if $gdone (i32.ge_s (local.get $g) (local.get $g1)))
      (local.set $half (i32.const 0))
      (loop $halves
        ;; images 8g + half … 8g + half + 3
        (local.set $img (i32.add (i32.shl (local.get $g) (i32.const 3)) (local.get $half)))
        (local.set $p (i32.const 0))
        (block $pdone (loop $ps
          (br_if $pdone (i32.gt_s (i32.add (local.get $p) (i32.const 4)) (local.get $chw)))
          (local.set $src (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $img) (local.get $chw)) (local.get $p)) (i32.const 2))))
          (local.set $l (i32.shl (local.get $chw) (i32.const 2)))
          ;; images past the last read as zeros (never loaded: they may lie past the memory's end)
          (local.set $v0 (if (result v128) (i32.lt_s (local.get $img) (local.get $images))
            (then (v128.load (local.get $src))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $v1 (if (result v128) (i32.lt_s (i32.add (local.get $img) (i32.const 1)) (local.get $images))
            (then (v128.load (i32.add (local.get $src) (local.get $l)))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $v2 (if (result v128) (i32.lt_s (i32.add (local.get $img) (i32.const 2)) (local.get $images))
            (then (v128.load (i32.add (local.get $src) (i32.shl (local.get $l) (i32.const 1))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $v3 (if (result v128) (i32.lt_s (i32.add (local.get $img) (i32.const 3)) (local.get $images))
            (then (v128.load (i32.add (local.get $src) (i32.mul (local.get $l) (i32.const 3))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
          (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
          (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
          (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
          ;; position p + q of the four images, at out + 4·((g·chw + p + q)·8 + half)
          (local.set $dst (i32.add (local.get $out) (i32.shl (i32.add (i32.shl (i32.add (i32.mul (local.get $g) (local.get $chw)) (local.get $p)) (i32.const 3)) (local.get $half)) (i32.const 2))))
          (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
          (v128.store offset=32 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
          (v128.store offset=64 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
          (v128.store offset=96 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $ps)))
        ;; the last chw mod 4 positions, one float at a time
        (block $tdone (loop $ts
          (br_if $tdone (i32.ge_s (local.get $p) (local.get $chw)))
          (local.set $l (i32.const 0))
          (loop $ls
            (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.shl (i32.add (i32.mul (local.get $g) (local.get $chw)) (local.get $p)) (i32.const 3))
                (i32.add (local.get $half) (local.get $l))) (i32.const 2)))
              (if (result f32) (i32.lt_s (i32.add (local.get $img) (local.get $l)) (local.get $images))
                (then (f32.load (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (local.get $img) (local.get $l)) (local.get $chw)) (local.get $p)) (i32.const 2)))))
                (else (f32.const 0))))
            (br_if $ls (i32.lt_s (local.tee $l (i32.add (local.get $l) (i32.const 1))) (i32.const 4))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $ts)))
        (br_if $halves (i32.eq (local.tee $half (i32.add (local.get $half) (i32.const 4))) (i32.const 4))))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $gs))))

  ;; The description of one convolution's windows, written by wasm/conv.ts: i32 fields at $geo.
  ;;   0 xt (byte address, image_minor's output)  1 C (channels of the input)  2 c0 (the group's first channel)
  ;;   3 cg (channels per group)  4 h  5 w  6 kh  7 kw  8 sh  9 sw  10 ph  11 pw  12 dh  13 dw  14 ow  15 L (= oh·ow)
  ;;   16 ap (the group's weights packed by pack_a)  17 K (= cg·kh·kw)  18 m (output channels of the group)
  ;;   19 bias (byte address of the group's first bias, or 0)  20 out (byte address of y[0, o0, 0])
  ;;   21 ois (floats from one image of y to the next)  22 images  23 scratch (byte address)  24 slot (floats of scratch per chunk)

  ;; Panel q (window position q mod L of images 8·floor(q/L) …) packed into $dst as K rows of 8 floats,
  ;; row (ch − c0, i, j) holding x[img, ch, y·sh − ph + i·dh, x'·sw − pw + j·dw] (0 outside the image).
  (func $pack_window (param $geo i32) (param $q i32) (param $dst i32)
    (local $L i32) (local $g i32) (local $pos i32) (local $ow i32) (local $y i32) (local $ry i32) (local $cx i32)
    (local $h i32) (local $w i32) (local $kh i32) (local $kw i32) (local $dh i32) (local $dw i32)
    (local $plane i32) (local $ch i32) (local $cend i32) (local $i i32) (local $j i32) (local $r i32) (local $cc i32) (local $row i32)
    (local.set $L (i32.load offset=60 (local.get $geo)))
    (local.set $ow (i32.load offset=56 (local.get $geo)))
    (local.set $h (i32.load offset=16 (local.get $geo)))
    (local.set $w (i32.load offset=20 (local.get $geo)))
    (local.set $kh (i32.load offset=24 (local.get $geo)))
    (local.set $kw (i32.load offset=28 (local.get $geo)))
    (local.set $dh (i32.load offset=48 (local.get $geo)))
    (local.set $dw (i32.load offset=52 (local.get $geo)))
    (local.set $g (i32.div_u (local.get $q) (local.get $L)))
    (local.set $pos (i32.sub (local.get $q) (i32.mul (local.get $g) (local.get $L))))
    (local.set $y (i32.div_u (local.get $pos) (local.get $ow)))
    (local.set $ry (i32.sub (i32.mul (local.get $y) (i32.load offset=32 (local.get $geo))) (i32.load offset=40 (local.get $geo))))
    (local.set $cx (i32.sub (i32.mul (i32.sub (local.get $pos) (i32.mul (local.get $y) (local.get $ow))) (i32.load offset=36 (local.get $geo)))
      (i32.load offset=44 (local.get $geo))))
    (local.set $ch (i32.load offset=8 (local.get $geo)))
    (local.set $cend (i32.add (local.get $ch) (i32.load offset=12 (local.get $geo))))
    ;; plane of channel ch of group g: xt + 32·((g·C + ch)·h·w)
    (local.set $plane (i32.add (i32.load (local.get $geo)) (i32.shl (i32.mul (i32.add (i32.mul (local.get $g) (i32.load offset=4 (local.get $geo))) (local.get $ch))
      (i32.mul (local.get $h) (local.get $w))) (i32.const 5))))
    (loop $chs
      (local.set $i (i32.const 0))
      (loop $is
        (local.set $r (i32.add (local.get $ry) (i32.mul (local.get $i) (local.get $dh))))
        (local.set $row (i32.add (local.get $plane) (i32.shl (i32.mul (local.get $r) (local.get $w)) (i32.const 5))))
        (local.set $j (i32.const 0))
        (loop $js
          (local.set $cc (i32.add (local.get $cx) (i32.mul (local.get $j) (local.get $dw))))
          (if (i32.and (i32.lt_u (local.get $r) (local.get $h)) (i32.lt_u (local.get $cc) (local.get $w)))
            (then
              (v128.store (local.get $dst) (v128.load (i32.add (local.get $row) (i32.shl (local.get $cc) (i32.const 5)))))
              (v128.store offset=16 (local.get $dst) (v128.load offset=16 (i32.add (local.get $row) (i32.shl (local.get $cc) (i32.const 5))))))
            (else
              (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
              (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
          (br_if $js (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $kw))))
        (br_if $is (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $kh))))
      (local.set $plane (i32.add (local.get $plane) (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const 5))))
      (br_if $chs (i32.lt_s (local.tee $ch (i32.add (local.get $ch) (i32.const 1))) (local.get $cend)))))

  ;; Panels q … q + np − 1 of the product, [m4, 32] at $c (panel t in columns 8t … 8t + 7, lane l
  ;; being image 8g + l), put in place in y with the bias added (the same float32 add as `add`).
  ;; Four consecutive positions of one group with all 8 images: 4×4 transposes, one vector store
  ;; per image and four positions; otherwise one float at a time.
  (func $put_windows (param $geo i32) (param $q i32) (param $np i32) (param $c i32)
    (local $L i32) (local $g i32) (local $pos i32) (local $m i32) (local $o i32) (local $t i32) (local $l i32) (local $n i32)
    (local $bias i32) (local $out i32) (local $ois i32) (local $b f32) (local $bv v128) (local $src i32) (local $dst i32) (local $half i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $L (i32.load offset=60 (local.get $geo)))
    (local.set $m (i32.load offset=72 (local.get $geo)))
    (local.set $bias (i32.load offset=76 (local.get $geo)))
    (local.set $out (i32.load offset=80 (local.get $geo)))
    (local.set $ois (i32.shl (i32.load offset=84 (local.get $geo)) (i32.const 2)))
    (local.set $g (i32.div_u (local.get $q) (local.get $L)))
    (local.set $pos (i32.sub (local.get $q) (i32.mul (local.get $g) (local.get $L))))
    (if (i32.and (i32.eq (local.get $np) (i32.const 4))
          (i32.and (i32.le_s (i32.add (local.get $pos) (i32.const 4)) (local.get $L))
            (i32.le_s (i32.shl (i32.add (local.get $g) (i32.const 1)) (i32.const 3)) (i32.load offset=88 (local.get $geo)))))
      (then
        (loop $os
          (local.set $bv (if (result v128) (local.get $bias)
            (then (v128.load32_splat (i32.add (local.get $bias) (i32.shl (local.get $o) (i32.const 2))))) (else (v128.const i32x4 0 0 0 0))))
          (local.set $half (i32.const 0))
          (loop $halves
            ;; v_t: images 8g + half … + 3 at position pos + t
            (local.set $src (i32.add (local.get $c) (i32.shl (i32.add (i32.shl (local.get $o) (i32.const 5)) (local.get $half)) (i32.const 2))))
            (local.set $v0 (v128.load (local.get $src)))
            (local.set $v1 (v128.load offset=32 (local.get $src)))
            (local.set $v2 (v128.load offset=64 (local.get $src)))
            (local.set $v3 (v128.load offset=96 (local.get $src)))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
            (local.set $v0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (local.set $v1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (local.set $v2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (local.set $v3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (if (local.get $bias)
              (then
                (local.set $v0 (f32x4.add (local.get $v0) (local.get $bv))) (local.set $v1 (f32x4.add (local.get $v1) (local.get $bv)))
                (local.set $v2 (f32x4.add (local.get $v2) (local.get $bv))) (local.set $v3 (f32x4.add (local.get $v3) (local.get $bv)))))
            ;; image 8g + half + i, channel o, positions pos … pos + 3
            (local.set $dst (i32.add (local.get $out) (i32.add (i32.mul (i32.add (i32.shl (local.get $g) (i32.const 3)) (local.get $half)) (local.get $ois))
              (i32.shl (i32.add (i32.mul (local.get $o) (local.get $L)) (local.get $pos)) (i32.const 2)))))
            (v128.store (local.get $dst) (local.get $v0))
            (v128.store (i32.add (local.get $dst) (local.get $ois)) (local.get $v1))
            (v128.store (i32.add (local.get $dst) (i32.shl (local.get $ois) (i32.const 1))) (local.get $v2))
            (v128.store (i32.add (local.get $dst) (i32.mul (local.get $ois) (i32.const 3))) (local.get $v3))
            (br_if $halves (i32.eq (local.tee $half (i32.add (local.get $half) (i32.const 4))) (i32.const 4))))
          (br_if $os (i32.lt_s (local.tee $o (i32.add (local.get $o) (i32.const 1))) (local.get $m))))
        (return)))
    (loop $ts
      (local.set $g (i32.div_u (i32.add (local.get $q) (local.get $t)) (local.get $L)))
      (local.set $pos (i32.sub (i32.add (local.get $q) (local.get $t)) (i32.mul (local.get $g) (local.get $L))))
      ;; the images of group g that exist
      (local.set $n (i32.sub (i32.load offset=88 (local.get $geo)) (i32.shl (local.get $g) (i32.const 3))))
      (if (i32.gt_s (local.get $n) (i32.const 8)) (then (local.set $n (i32.const 8))))
      (local.set $o (i32.const 0))
      (loop $os2
        (local.set $b (if (result f32) (local.get $bias)
          (then (f32.load (i32.add (local.get $bias) (i32.shl (local.get $o) (i32.const 2))))) (else (f32.const 0))))
        (local.set $l (i32.const 0))
        (block $ldone (loop $ls
          (br_if $ldone (i32.ge_s (local.get $l) (local.get $n)))
          (local.set $src (i32.add (local.get $c) (i32.shl (i32.add (i32.add (i32.shl (local.get $o) (i32.const 5)) (i32.shl (local.get $t) (i32.const 3))) (local.get $l)) (i32.const 2))))
          (local.set $dst (i32.add (local.get $out) (i32.add (i32.mul (i32.add (i32.shl (local.get $g) (i32.const 3)) (local.get $l)) (local.get $ois))
            (i32.shl (i32.add (i32.mul (local.get $o) (local.get $L)) (local.get $pos)) (i32.const 2)))))
          (f32.store (local.get $dst) (if (result f32) (local.get $bias)
            (then (f32.add (f32.load (local.get $src)) (local.get $b)))
            (else (f32.load (local.get $src)))))
          (local.set $l (i32.add (local.get $l) (i32.const 1)))
          (br $ls)))
        (br_if $os2 (i32.lt_s (local.tee $o (i32.add (local.get $o) (i32.const 1))) (local.get $m))))
      (br_if $ts (i32.lt_s (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $np)))))

  ;; Panels [q0, q1) of the convolution at $geo, with chunk `chunk`'s slot of the scratch: four
  ;; panels packed, multiplied by every row of the packed weights, and put in place, at a time.
  (func (export "conv_windows") (param $geo i32) (param $q0 i32) (param $q1 i32) (param $chunk i32)
    (local $panels i32) (local $c i32) (local $np i32) (local $t i32) (local $k i32)
    (local.set $k (i32.load offset=68 (local.get $geo)))
    (local.set $panels (i32.add (i32.load offset=92 (local.get $geo)) (i32.shl (i32.mul (local.get $chunk) (i32.load offset=96 (local.get $geo))) (i32.const 2))))
    (local.set $c (i32.add (local.get $panels) (i32.shl (local.get $k) (i32.const 7))))
    (block $done (loop $qs
      (br_if $done (i32.ge_s (local.get $q0) (local.get $q1)))
      (local.set $np (i32.sub (local.get $q1) (local.get $q0)))
      (if (i32.gt_s (local.get $np) (i32.const 4)) (then (local.set $np (i32.const 4))))
      (local.set $t (i32.const 0))
      (loop $ts
        (call $pack_window (local.get $geo) (i32.add (local.get $q0) (local.get $t)) (i32.add (local.get $panels) (i32.shl (i32.mul (local.get $t) (local.get $k)) (i32.const 5))))
        (br_if $ts (i32.lt_s (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $np))))
      ;; m4 rows (m rounded up to 4) of the [m4, 32] product
      (call $gemm_block (i32.load offset=64 (local.get $geo)) (local.get $panels) (local.get $k) (i32.const 32) (local.get $c)
        (i32.const 0) (i32.and (i32.add (i32.load offset=72 (local.get $geo)) (i32.const 3)) (i32.const -4)) (i32.const 0) (i32.shl (local.get $np) (i32.const 3)) (i32.const 0))
      (call $put_windows (local.get $geo) (local.get $q0) (local.get $np) (local.get $c))
      (local.set $q0 (i32.add (local.get $q0) (local.get $np)))
      (br $qs))))

  ;; ---- the input gradient of a convolution, image-minor ------------------------------------
  ;; ∂L/∂x = fold(W_gᵀ · G_g) per group g of channels, as the forward pass in reverse: the output
  ;; gradient G laid out image-minor (`image_minor`) gives the gemm its panels (one window position
  ;; of 8 images, the group's Cout/G rows of 8 floats), the [K, 8] products are added back into the
  ;; 8 images' windows (`fold` of kernels' columns: two vector adds a tap, any stride or dilation),
  ;; and the image-minor sums go back to the images' own layout. A chunk takes whole groups of 8
  ;; images, so no two threads add into one place, and each element's additions come in one order.

  ;; The record `conv_input_grad` reads (i32 fields at $geo):
  ;;   0 gt (G image-minor)  1 cout  2 L  3 og (Cout/G)  4 groups  5 cg (C/G)  6 C  7 h  8 w  9 kh  10 kw
  ;;   11 sh  12 sw  13 ph  14 pw  15 dh  16 dw  17 ow  18 ap (W_gᵀ packed by pack_a, group g at ap + 4·g·K4·og)
  ;;   19 K  20 K4 (K rounded up to 4)  21 dx (byte address of ∂L/∂x, [images, C, h, w])  22 images
  ;;   23 scratch  24 slot (floats of scratch per chunk)

  ;; Image group $g's image-minor [chw, 8] at $src back to images 8g … of $dst ([images, chw]), the
  ;; images that exist (4×4 transposes; the chw mod 4 tail one float at a time).
  (func $from_image_minor (param $src i32) (param $g i32) (param $images i32) (param $chw i32) (param $dst i32)
    (local $n i32) (local $half i32) (local $p i32) (local $l i32) (local $at i32) (local $row i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $n (i32.sub (local.get $images) (i32.shl (local.get $g) (i32.const 3))))
    (if (i32.gt_s (local.get $n) (i32.const 8)) (then (local.set $n (i32.const 8))))
    (block $vdone (loop $ps
      (br_if $vdone (i32.gt_s (i32.add (local.get $p) (i32.const 4)) (local.get $chw)))
      (local.set $half (i32.const 0))
      (loop $halves
        (local.set $at (i32.add (local.get $src) (i32.shl (i32.add (i32.shl (local.get $p) (i32.const 3)) (local.get $half)) (i32.const 2))))
        (local.set $v0 (v128.load (local.get $at)))
        (local.set $v1 (v128.load offset=32 (local.get $at)))
        (local.set $v2 (v128.load offset=64 (local.get $at)))
        (local.set $v3 (v128.load offset=96 (local.get $at)))
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
        ;; image 8g + half + q, positions p … p + 3
        (local.set $row (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (i32.add (i32.shl (local.get $g) (i32.const 3)) (local.get $half)) (local.get $chw)) (local.get $p)) (i32.const 2))))
        (local.set $l (i32.shl (local.get $chw) (i32.const 2)))
        (if (i32.gt_s (local.get $n) (local.get $half))
          (then (v128.store (local.get $row) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))))
        (if (i32.gt_s (local.get $n) (i32.add (local.get $half) (i32.const 1)))
          (then (v128.store (i32.add (local.get $row) (local.get $l)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))))
        (if (i32.gt_s (local.get $n) (i32.add (local.get $half) (i32.const 2)))
          (then (v128.store (i32.add (local.get $row) (i32.shl (local.get $l) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))))
        (if (i32.gt_s (local.get $n) (i32.add (local.get $half) (i32.const 3)))
          (then (v128.store (i32.add (local.get $row) (i32.mul (local.get $l) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))))
        (br_if $halves (i32.eq (local.tee $half (i32.add (local.get $half) (i32.const 4))) (i32.const 4))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $ps)))
    (block $tdone (loop $ts
      (br_if $tdone (i32.ge_s (local.get $p) (local.get $chw)))
      (local.set $l (i32.const 0))
      (block $ldone (loop $ls
        (br_if $ldone (i32.ge_s (local.get $l) (local.get $n)))
        (f32.store (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (i32.add (i32.shl (local.get $g) (i32.const 3)) (local.get $l)) (local.get $chw)) (local.get $p)) (i32.const 2)))
          (f32.load (i32.add (local.get $src) (i32.shl (i32.add (i32.shl (local.get $p) (i32.const 3)) (local.get $l)) (i32.const 2)))))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $ls)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $ts))))

  ;; Image groups [g0, g1) of the input gradient at $geo, with chunk `chunk`'s slot of the scratch
  ;; (the group's image-minor sums [C, h, w, 8], then four G panels [og, 8], then the [K4, 32] product).
  (func (export "conv_input_grad") (param $geo i32) (param $g0 i32) (param $g1 i32) (param $chunk i32)
    (local $sums i32) (local $panels i32) (local $c i32) (local $chw i32) (local $L i32) (local $og i32) (local $K4 i32)
    (local $gi i32) (local $pos i32) (local $np i32) (local $t i32) (local $o i32) (local $src i32) (local $dst i32) (local $at i32)
    (local $ow i32) (local $y i32) (local $ry i32) (local $cx i32) (local $h i32) (local $w i32) (local $kh i32) (local $kw i32)
    (local $ch i32) (local $cend i32) (local $i i32) (local $j i32) (local $r i32) (local $cc i32) (local $row i32) (local $plane i32)
    (local.set $L (i32.load offset=8 (local.get $geo)))
    (local.set $og (i32.load offset=12 (local.get $geo)))
    (local.set $h (i32.load offset=28 (local.get $geo)))
    (local.set $w (i32.load offset=32 (local.get $geo)))
    (local.set $kh (i32.load offset=36 (local.get $geo)))
    (local.set $kw (i32.load offset=40 (local.get $geo)))
    (local.set $ow (i32.load offset=68 (local.get $geo)))
    (local.set $K4 (i32.load offset=80 (local.get $geo)))
    (local.set $chw (i32.mul (i32.load offset=24 (local.get $geo)) (i32.mul (local.get $h) (local.get $w))))
    (local.set $sums (i32.add (i32.load offset=92 (local.get $geo)) (i32.shl (i32.mul (local.get $chunk) (i32.load offset=96 (local.get $geo))) (i32.const 2))))
    (local.set $panels (i32.add (local.get $sums) (i32.shl (local.get $chw) (i32.const 5))))
    (local.set $c (i32.add (local.get $panels) (i32.shl (local.get $og) (i32.const 7))))
    (block $gdone (loop $gs
      (br_if $gdone (i32.ge_s (local.get $g0) (local.get $g1)))
      (call $zero (local.get $sums) (i32.shl (local.get $chw) (i32.const 3)))
      (local.set $gi (i32.const 0))
      (block $gidone (loop $gis
        (br_if $gidone (i32.ge_s (local.get $gi) (i32.load offset=16 (local.get $geo))))
        (local.set $pos (i32.const 0))
        (block $pdone (loop $ps
          (br_if $pdone (i32.ge_s (local.get $pos) (local.get $L)))
          (local.set $np (i32.sub (local.get $L) (local.get $pos)))
          (if (i32.gt_s (local.get $np) (i32.const 4)) (then (local.set $np (i32.const 4))))
          ;; panel t: rows o of the group, G[8g …, gi·og + o, pos + t] from gt + 4·(((g·cout + gi·og + o)·L + pos + t)·8)
          (local.set $t (i32.const 0))
          (loop $ts
            (local.set $src (i32.add (i32.load (local.get $geo)) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $g0) (i32.load offset=4 (local.get $geo)))
              (i32.mul (local.get $gi) (local.get $og))) (local.get $L)) (i32.add (local.get $pos) (local.get $t))) (i32.const 5))))
            (local.set $dst (i32.add (local.get $panels) (i32.shl (i32.mul (local.get $t) (local.get $og)) (i32.const 5))))
            (local.set $o (i32.const 0))
            (loop $os
              (v128.store (local.get $dst) (v128.load (local.get $src)))
              (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
              (local.set $src (i32.add (local.get $src) (i32.shl (local.get $L) (i32.const 5))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (br_if $os (i32.lt_s (local.tee $o (i32.add (local.get $o) (i32.const 1))) (local.get $og))))
            (br_if $ts (i32.lt_s (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $np))))
          (call $gemm_block (i32.add (i32.load offset=72 (local.get $geo)) (i32.shl (i32.mul (i32.mul (local.get $gi) (local.get $K4)) (local.get $og)) (i32.const 2)))
            (local.get $panels) (local.get $og) (i32.const 32) (local.get $c) (i32.const 0) (local.get $K4) (i32.const 0) (i32.shl (local.get $np) (i32.const 3)) (i32.const 0))
          ;; fold: product row (ch − gi·cg, i, j) of panel t adds into the sums at the tap's place
          (local.set $t (i32.const 0))
          (loop $fold
            (local.set $y (i32.div_u (i32.add (local.get $pos) (local.get $t)) (local.get $ow)))
            (local.set $ry (i32.sub (i32.mul (local.get $y) (i32.load offset=44 (local.get $geo))) (i32.load offset=52 (local.get $geo))))
            (local.set $cx (i32.sub (i32.mul (i32.sub (i32.add (local.get $pos) (local.get $t)) (i32.mul (local.get $y) (local.get $ow))) (i32.load offset=48 (local.get $geo)))
              (i32.load offset=56 (local.get $geo))))
            (local.set $src (i32.add (local.get $c) (i32.shl (local.get $t) (i32.const 5))))
            (local.set $ch (i32.mul (local.get $gi) (i32.load offset=20 (local.get $geo))))
            (local.set $cend (i32.add (local.get $ch) (i32.load offset=20 (local.get $geo))))
            (local.set $plane (i32.add (local.get $sums) (i32.shl (i32.mul (local.get $ch) (i32.mul (local.get $h) (local.get $w))) (i32.const 5))))
            (loop $chs
              (local.set $i (i32.const 0))
              (loop $is
                (local.set $r (i32.add (local.get $ry) (i32.mul (local.get $i) (i32.load offset=60 (local.get $geo)))))
                (local.set $row (i32.add (local.get $plane) (i32.shl (i32.mul (local.get $r) (local.get $w)) (i32.const 5))))
                (local.set $j (i32.const 0))
                (loop $js
                  (local.set $cc (i32.add (local.get $cx) (i32.mul (local.get $j) (i32.load offset=64 (local.get $geo)))))
                  (if (i32.and (i32.lt_u (local.get $r) (local.get $h)) (i32.lt_u (local.get $cc) (local.get $w)))
                    (then
                      (local.set $at (i32.add (local.get $row) (i32.shl (local.get $cc) (i32.const 5))))
                      (v128.store (local.get $at) (f32x4.add (v128.load (local.get $at)) (v128.load (local.get $src))))
                      (v128.store offset=16 (local.get $at) (f32x4.add (v128.load offset=16 (local.get $at)) (v128.load offset=16 (local.get $src))))))
                  ;; the next product row: 32 floats on
                  (local.set $src (i32.add (local.get $src) (i32.const 128)))
                  (br_if $js (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $kw))))
                (br_if $is (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $kh))))
              (local.set $plane (i32.add (local.get $plane) (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const 5))))
              (br_if $chs (i32.lt_s (local.tee $ch (i32.add (local.get $ch) (i32.const 1))) (local.get $cend))))
            (br_if $fold (i32.lt_s (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $np))))
          (local.set $pos (i32.add (local.get $pos) (local.get $np)))
          (br $ps)))
        (local.set $gi (i32.add (local.get $gi) (i32.const 1)))
        (br $gis)))
      (call $from_image_minor (local.get $sums) (local.get $g0) (i32.load offset=88 (local.get $geo)) (local.get $chw) (i32.load offset=84 (local.get $geo)))
      (local.set $g0 (i32.add (local.get $g0) (i32.const 1)))
      (br $gs))))

  ;; ---- the weight gradient of a convolution, image-minor -----------------------------------
  ;; ∂W_gᵀ [K, Cout/G] = Σ_p windows_g[r, p] · G[p, o], the sum over p = (image group, position, image)
  ;; in blocks. The gemm's A operand, the windows, is never unfolded: each chunk packs its blocks of
  ;; 4 taps straight from the image-minor input (a tap of 8 images is two vector loads; 4×4
  ;; transposes turn 4 taps × 4 images into pack_a's groups of 4). The B operand is G with its
  ;; channels last (`rows_minor`), packed by pack_b's row-major path.

  ;; Images of groups [g0, g1) of G ([images, rows, L] floats at $src) with channels last and images
  ;; interleaved: dst[((g·L + pos)·8 + l)·rows + o] = src[(8g + l)·rows·L + o·L + pos], zero rows for
  ;; images past the last. Per image a transpose of [rows, L], 4×4 at a time.
  (func (export "rows_minor") (param $src i32) (param $images i32) (param $rows i32) (param $L i32) (param $dst i32) (param $g0 i32) (param $g1 i32)
    (local $img i32) (local $end i32) (local $o i32) (local $pos i32) (local $a i32) (local $b i32) (local $rs i32) (local $q i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $img (i32.shl (local.get $g0) (i32.const 3)))
    (local.set $end (i32.shl (local.get $g1) (i32.const 3)))
    ;; bytes from one position's row of dst to the next: 8 images of `rows` floats
    (local.set $rs (i32.shl (local.get $rows) (i32.const 5)))
    (block $idone (loop $is
      (br_if $idone (i32.ge_s (local.get $img) (local.get $end)))
      ;; dst row of (image, pos 0): ((g·L)·8 + l)·rows, g = img >> 3, l = img & 7
      (local.set $b (i32.add (local.get $dst) (i32.shl (i32.mul (i32.add (i32.shl (i32.mul (i32.shr_u (local.get $img) (i32.const 3)) (local.get $L)) (i32.const 3))
        (i32.and (local.get $img) (i32.const 7))) (local.get $rows)) (i32.const 2))))
      (if (i32.ge_s (local.get $img) (local.get $images))
        (then
          (local.set $pos (i32.const 0))
          (block $zdone (loop $zs
            (br_if $zdone (i32.ge_s (local.get $pos) (local.get $L)))
            (call $zero (i32.add (local.get $b) (i32.mul (local.get $pos) (local.get $rs))) (local.get $rows))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $zs))))
        (else
          (local.set $a (i32.add (local.get $src) (i32.shl (i32.mul (i32.mul (local.get $img) (local.get $rows)) (local.get $L)) (i32.const 2))))
          (local.set $o (i32.const 0))
          (block $odone (loop $os
            (br_if $odone (i32.gt_s (i32.add (local.get $o) (i32.const 4)) (local.get $rows)))
            (local.set $pos (i32.const 0))
            (block $pdone (loop $ps
              (br_if $pdone (i32.gt_s (i32.add (local.get $pos) (i32.const 4)) (local.get $L)))
              ;; v_q: channel o + q, positions pos … pos + 3
              (local.set $q (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $o) (local.get $L)) (local.get $pos)) (i32.const 2))))
              (local.set $v0 (v128.load (local.get $q)))
              (local.set $v1 (v128.load (i32.add (local.get $q) (i32.shl (local.get $L) (i32.const 2)))))
              (local.set $v2 (v128.load (i32.add (local.get $q) (i32.shl (local.get $L) (i32.const 3)))))
              (local.set $v3 (v128.load (i32.add (local.get $q) (i32.mul (local.get $L) (i32.const 12)))))
              (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
              (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
              (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
              (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
              ;; position pos + q: channels o … o + 3
              (local.set $q (i32.add (i32.add (local.get $b) (i32.mul (local.get $pos) (local.get $rs))) (i32.shl (local.get $o) (i32.const 2))))
              (v128.store (local.get $q) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
              (v128.store (i32.add (local.get $q) (local.get $rs)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
              (v128.store (i32.add (local.get $q) (i32.shl (local.get $rs) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
              (v128.store (i32.add (local.get $q) (i32.mul (local.get $rs) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
              (local.set $pos (i32.add (local.get $pos) (i32.const 4)))
              (br $ps)))
            ;; the last L mod 4 positions of these 4 channels
            (block $tdone (loop $ts
              (br_if $tdone (i32.ge_s (local.get $pos) (local.get $L)))
              (local.set $q (i32.const 0))
              (loop $qs
                (f32.store (i32.add (i32.add (local.get $b) (i32.mul (local.get $pos) (local.get $rs))) (i32.shl (i32.add (local.get $o) (local.get $q)) (i32.const 2)))
                  (f32.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (i32.add (local.get $o) (local.get $q)) (local.get $L)) (local.get $pos)) (i32.const 2)))))
                (br_if $qs (i32.lt_s (local.tee $q (i32.add (local.get $q) (i32.const 1))) (i32.const 4))))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
              (br $ts)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (br $os)))
          ;; the last rows mod 4 channels, one float at a time
          (block $rdone (loop $rows_left
            (br_if $rdone (i32.ge_s (local.get $o) (local.get $rows)))
            (local.set $pos (i32.const 0))
            (block $pdone2 (loop $ps2
              (br_if $pdone2 (i32.ge_s (local.get $pos) (local.get $L)))
              (f32.store (i32.add (i32.add (local.get $b) (i32.mul (local.get $pos) (local.get $rs))) (i32.shl (local.get $o) (i32.const 2)))
                (f32.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $o) (local.get $L)) (local.get $pos)) (i32.const 2)))))
              (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
              (br $ps2)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br $rows_left)))))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br $is))))

  ;; The record `conv_weight_rows` reads: fields 0–15 as `conv_windows`' (xt, C, c0, cg, h, w, kh,
  ;; kw, sh, sw, ph, pw, dh, dw, ow, L), then 16 E (image groups in the block)  17 K  18 ap (packed
  ;; windows, [K4, k] as pack_a lays it out)  19 bp (G packed by pack_b)  20 c (the [K4, n8] product)
  ;; 21 n8  22 k (= E·L·8)  23 scratch (64 floats per chunk).

  ;; Quads [q0, q1) of taps: packed as pack_a packs rows 4q … 4q + 3 of the windows matrix (column
  ;; p = (e·L + pos)·8 + l: tap r of image 8e + l at window pos), then multiplied by the packed G.
  (func (export "conv_weight_rows") (param $geo i32) (param $q0 i32) (param $q1 i32) (param $chunk i32)
    (local $taps i32) (local $tmp i32) (local $t i32) (local $r i32) (local $K i32) (local $khw i32) (local $rem i32)
    (local $e i32) (local $E i32) (local $y i32) (local $xo i32) (local $ow i32) (local $oh i32) (local $plane i32) (local $out i32)
    (local $h i32) (local $w i32) (local $rr i32) (local $cc i32) (local $entry i32) (local $q i32) (local $half i32) (local $src i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $K (i32.load offset=68 (local.get $geo)))
    (local.set $E (i32.load offset=64 (local.get $geo)))
    (local.set $h (i32.load offset=16 (local.get $geo)))
    (local.set $w (i32.load offset=20 (local.get $geo)))
    (local.set $ow (i32.load offset=56 (local.get $geo)))
    (local.set $oh (i32.div_u (i32.load offset=60 (local.get $geo)) (local.get $ow)))
    (local.set $khw (i32.mul (i32.load offset=24 (local.get $geo)) (i32.load offset=28 (local.get $geo))))
    ;; the chunk's scratch: 4 taps × (channel plane offset or −1, row shift, column shift, unused), then 32 floats
    (local.set $taps (i32.add (i32.load offset=92 (local.get $geo)) (i32.shl (local.get $chunk) (i32.const 8))))
    (local.set $tmp (i32.add (local.get $taps) (i32.const 64)))
    (local.set $q (local.get $q0))
    (block $qdone (loop $qs
      (br_if $qdone (i32.ge_s (local.get $q) (local.get $q1)))
      (local.set $t (i32.const 0))
      (loop $ts
        (local.set $r (i32.add (i32.shl (local.get $q) (i32.const 2)) (local.get $t)))
        (local.set $entry (i32.add (local.get $taps) (i32.shl (local.get $t) (i32.const 4))))
        (if (i32.lt_s (local.get $r) (local.get $K))
          (then
            (local.set $rem (i32.rem_u (local.get $r) (local.get $khw)))
            ;; floats from the group's start to channel c0 + r / khw: (c0 + r/khw)·h·w·8
            (i32.store (local.get $entry) (i32.shl (i32.mul (i32.add (i32.load offset=8 (local.get $geo)) (i32.div_u (local.get $r) (local.get $khw)))
              (i32.mul (local.get $h) (local.get $w))) (i32.const 3)))
            (i32.store offset=4 (local.get $entry) (i32.sub (i32.mul (i32.div_u (local.get $rem) (i32.load offset=28 (local.get $geo))) (i32.load offset=48 (local.get $geo)))
              (i32.load offset=40 (local.get $geo))))
            (i32.store offset=8 (local.get $entry) (i32.sub (i32.mul (i32.rem_u (local.get $rem) (i32.load offset=28 (local.get $geo))) (i32.load offset=52 (local.get $geo)))
              (i32.load offset=44 (local.get $geo)))))
          (else (i32.store (local.get $entry) (i32.const -1))))
        (br_if $ts (i32.lt_s (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.const 4))))
      ;; packed block q: p = 0, 1, … in order, 4 floats (the 4 taps) each
      (local.set $out (i32.add (i32.load offset=72 (local.get $geo)) (i32.shl (i32.mul (local.get $q) (i32.load offset=88 (local.get $geo))) (i32.const 4))))
      (local.set $e (i32.const 0))
      (loop $es
        (local.set $plane (i32.add (i32.load (local.get $geo)) (i32.shl (i32.mul (i32.mul (local.get $e) (i32.load offset=4 (local.get $geo))) (i32.mul (local.get $h) (local.get $w))) (i32.const 5))))
        (local.set $y (i32.const 0))
        (loop $ys
          (local.set $xo (i32.const 0))
          (loop $xs
            ;; tap t of the 8 images at window (y, xo) into tmp[t]
            (local.set $t (i32.const 0))
            (loop $loads
              (local.set $entry (i32.add (local.get $taps) (i32.shl (local.get $t) (i32.const 4))))
              (local.set $rr (i32.add (i32.mul (local.get $y) (i32.load offset=32 (local.get $geo))) (i32.load offset=4 (local.get $entry))))
              (local.set $cc (i32.add (i32.mul (local.get $xo) (i32.load offset=36 (local.get $geo))) (i32.load offset=8 (local.get $entry))))
              (local.set $src (i32.add (local.get $tmp) (i32.shl (local.get $t) (i32.const 5))))
              (if (i32.and (i32.ge_s (i32.load (local.get $entry)) (i32.const 0))
                    (i32.and (i32.lt_u (local.get $rr) (local.get $h)) (i32.lt_u (local.get $cc) (local.get $w))))
                (then
                  (local.set $rr (i32.add (local.get $plane) (i32.shl (i32.add (i32.load (local.get $entry)) (i32.shl (i32.add (i32.mul (local.get $rr) (local.get $w)) (local.get $cc)) (i32.const 3))) (i32.const 2))))
                  (v128.store (local.get $src) (v128.load (local.get $rr)))
                  (v128.store offset=16 (local.get $src) (v128.load offset=16 (local.get $rr))))
                (else
                  (v128.store (local.get $src) (v128.const i32x4 0 0 0 0))
                  (v128.store offset=16 (local.get $src) (v128.const i32x4 0 0 0 0))))
              (br_if $loads (i32.lt_s (local.tee $t (i32.add (local.get $t) (i32.const 1))) (i32.const 4))))
            ;; images 4·half … + 3: 4 taps × 4 images transposed into 4 groups of the 4 taps
            (local.set $half (i32.const 0))
            (loop $halves
              (local.set $src (i32.add (local.get $tmp) (local.get $half)))
              (local.set $v0 (v128.load (local.get $src)))
              (local.set $v1 (v128.load offset=32 (local.get $src)))
              (local.set $v2 (v128.load offset=64 (local.get $src)))
              (local.set $v3 (v128.load offset=96 (local.get $src)))
              (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
              (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
              (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
              (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
              (v128.store (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
              (v128.store offset=16 (local.get $out) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
              (v128.store offset=32 (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
              (v128.store offset=48 (local.get $out) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
              (local.set $out (i32.add (local.get $out) (i32.const 64)))
              (br_if $halves (i32.eq (local.tee $half (i32.add (local.get $half) (i32.const 16))) (i32.const 16))))
            (br_if $xs (i32.lt_s (local.tee $xo (i32.add (local.get $xo) (i32.const 1))) (local.get $ow))))
          (br_if $ys (i32.lt_s (local.tee $y (i32.add (local.get $y) (i32.const 1))) (local.get $oh))))
        (br_if $es (i32.lt_s (local.tee $e (i32.add (local.get $e) (i32.const 1))) (local.get $E))))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $qs)))
    (call $gemm_block (i32.load offset=72 (local.get $geo)) (i32.load offset=76 (local.get $geo)) (i32.load offset=88 (local.get $geo))
      (i32.load offset=84 (local.get $geo)) (i32.load offset=80 (local.get $geo)) (i32.shl (local.get $q0) (i32.const 2)) (i32.shl (local.get $q1) (i32.const 2))
      (i32.const 0) (i32.load offset=84 (local.get $geo)) (i32.const 0)))

  ;; ---- pooling and index kernels ----------------------------------------------------------

  ;; Max pooling of $planes contiguous [h, w] planes at $x (one after another): for each window
  ;; (y, x') the largest element and its flat position r·w + col in the plane, the first largest in
  ;; row-major tap order with a NaN counting as largest (PyTorch's rule); taps outside the plane
  ;; are skipped. Values (f32) go to $values and positions (i32) to $indices, [planes, oh, ow] each.
  ;; Windows whose every column tap lies inside the plane ([xa, xb)) go four at a time, lane q
  ;; being window x' + q: each tap is one vector load, a compare and two bitselects.
  (func (export "max_pool") (param $x i32) (param $planes i32) (param $h i32) (param $w i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $ph i32) (param $pw i32)
    (param $dh i32) (param $dw i32) (param $oh i32) (param $ow i32) (param $values i32) (param $indices i32)
    (local $p i32) (local $y i32) (local $xx i32) (local $xa i32) (local $xb i32) (local $i0 i32) (local $i1 i32)
    (local $r0 i32) (local $c0 i32) (local $j0 i32) (local $j1 i32) (local $plane i32) (local $out i32)
    (local $steps v128) (local $best v128) (local $at v128) (local $pairs i32)
    (if (i32.or (i32.eqz (local.get $planes)) (i32.or (i32.eqz (local.get $oh)) (i32.eqz (local.get $ow)))) (then (return)))
    (local.set $steps (i32x4.mul (i32x4.splat (local.get $sw)) (v128.const i32x4 0 1 2 3)))
    ;; windows two columns wide, two apart, undilated (the usual 2×2, stride-2 pooling)
    (local.set $pairs (i32.and (i32.eq (local.get $kw) (i32.const 2)) (i32.and (i32.eq (local.get $sw) (i32.const 2)) (i32.eq (local.get $dw) (i32.const 1)))))
    (call $span (i32.sub (i32.const 0) (local.get $pw)) (local.get $sw) (local.get $w) (local.get $ow))
    (drop) (local.set $xa)
    (call $span (i32.sub (i32.mul (i32.sub (local.get $kw) (i32.const 1)) (local.get $dw)) (local.get $pw)) (local.get $sw) (local.get $w) (local.get $ow))
    (local.set $xb) (drop)
    (loop $ps
      (local.set $plane (i32.add (local.get $x) (i32.shl (i32.mul (local.get $p) (i32.mul (local.get $h) (local.get $w))) (i32.const 2))))
      (local.set $y (i32.const 0))
      (loop $ys
        (local.set $r0 (i32.sub (i32.mul (local.get $y) (local.get $sh)) (local.get $ph)))
        (call $span (local.get $r0) (local.get $dh) (local.get $h) (local.get $kh))
        (local.set $i1) (local.set $i0)
        (local.set $xx (i32.const 0))
        (block $xdone (loop $xs
          (br_if $xdone (i32.ge_s (local.get $xx) (local.get $ow)))
          (local.set $c0 (i32.sub (i32.mul (local.get $xx) (local.get $sw)) (local.get $pw)))
          (if (i32.and (i32.ge_s (local.get $xx) (local.get $xa)) (i32.le_s (i32.add (local.get $xx) (i32.const 4)) (local.get $xb)))
            (then
              (if (result v128 v128) (local.get $pairs)
                (then (call $max_window4_pairs (local.get $plane) (local.get $w) (local.get $r0) (local.get $i0) (local.get $i1) (local.get $dh) (local.get $c0)))
                (else (call $max_window4 (local.get $plane) (local.get $w) (local.get $r0) (local.get $i0) (local.get $i1) (local.get $dh)
                  (local.get $c0) (local.get $kw) (local.get $dw) (local.get $sw) (local.get $steps))))
              (local.set $at) (local.set $best)
              (v128.store (i32.add (local.get $values) (i32.shl (local.get $out) (i32.const 2))) (local.get $best))
              (v128.store (i32.add (local.get $indices) (i32.shl (local.get $out) (i32.const 2))) (local.get $at))
              (local.set $xx (i32.add (local.get $xx) (i32.const 4)))
              (local.set $out (i32.add (local.get $out) (i32.const 4))))
            (else
              (call $span (local.get $c0) (local.get $dw) (local.get $w) (local.get $kw))
              (local.set $j1) (local.set $j0)
              (call $max_window (local.get $plane) (local.get $w) (local.get $r0) (local.get $i0) (local.get $i1) (local.get $dh)
                (local.get $c0) (local.get $j0) (local.get $j1) (local.get $dw))
              (local.set $j1) (local.set $j0) ;; reused: j0 the value's bits, j1 its position
              (i32.store (i32.add (local.get $values) (i32.shl (local.get $out) (i32.const 2))) (local.get $j0))
              (i32.store (i32.add (local.get $indices) (i32.shl (local.get $out) (i32.const 2))) (local.get $j1))
              (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
              (local.set $out (i32.add (local.get $out) (i32.const 1)))))
          (br $xs)))
        (br_if $ys (i32.lt_s (local.tee $y (i32.add (local.get $y) (i32.const 1))) (local.get $oh))))
      (br_if $ps (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $planes)))))

  ;; One window of `max_pool`, taps rows i ∈ [i0, i1) and columns j ∈ [j0, j1) (those inside the
  ;; plane), the window's first tap at row r0, column c0: its maximum (as float bits) and position.
  (func $max_window (param $x i32) (param $w i32) (param $r0 i32) (param $i0 i32) (param $i1 i32) (param $dh i32)
    (param $c0 i32) (param $j0 i32) (param $j1 i32) (param $dw i32) (result i32 i32)
    (local $best f32) (local $at i32) (local $i i32) (local $j i32) (local $pos i32) (local $v f32)
    (local.set $best (f32.const -inf))
    (local.set $at (i32.const -1))
    (local.set $i (local.get $i0))
    (block $idone (loop $is
      (br_if $idone (i32.ge_s (local.get $i) (local.get $i1)))
      (local.set $j (local.get $j0))
      (block $jdone (loop $js
        (br_if $jdone (i32.ge_s (local.get $j) (local.get $j1)))
        (local.set $pos (i32.add
          (i32.mul (i32.add (local.get $r0) (i32.mul (local.get $i) (local.get $dh))) (local.get $w))
          (i32.add (local.get $c0) (i32.mul (local.get $j) (local.get $dw)))))
        (local.set $v (f32.load (i32.add (local.get $x) (i32.shl (local.get $pos) (i32.const 2)))))
        (if (i32.or (i32.lt_s (local.get $at) (i32.const 0))
              (i32.or (f32.gt (local.get $v) (local.get $best))
                (i32.and (f32.ne (local.get $v) (local.get $v)) (f32.eq (local.get $best) (local.get $best)))))
          (then (local.set $best (local.get $v)) (local.set $at (local.get $pos))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $js)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $is)))
    (i32.reinterpret_f32 (local.get $best)) (local.get $at))

  ;; Four neighbouring windows of `max_pool` whose column taps all lie inside the plane: lane q is
  ;; the window starting at column c0 + q·sw ($steps = (0, sw, 2sw, 3sw)). A tap's four elements
  ;; are one load when sw = 1, two overlapping loads and a shuffle when sw = 2 (lanes c, c+2 of the
  ;; first, c+4, c+6 of the second, never past c + 6), else four scalar loads.
  (func $max_window4 (param $x i32) (param $w i32) (param $r0 i32) (param $i0 i32) (param $i1 i32) (param $dh i32)
    (param $c0 i32) (param $kw i32) (param $dw i32) (param $sw i32) (param $steps v128) (result v128 v128)
    (local $best v128) (local $at v128) (local $v v128) (local $pos v128) (local $m v128)
    (local $i i32) (local $j i32) (local $p i32) (local $addr i32) (local $first i32)
    (local.set $best (f32x4.splat (f32.const -inf)))
    (local.set $at (i32x4.splat (i32.const -1)))
    (local.set $first (i32.const 1))
    (local.set $i (local.get $i0))
    (block $idone (loop $is
      (br_if $idone (i32.ge_s (local.get $i) (local.get $i1)))
      (local.set $j (i32.const 0))
      (loop $js
        (local.set $p (i32.add
          (i32.mul (i32.add (local.get $r0) (i32.mul (local.get $i) (local.get $dh))) (local.get $w))
          (i32.add (local.get $c0) (i32.mul (local.get $j) (local.get $dw)))))
        (local.set $addr (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2))))
        (if (i32.eq (local.get $sw) (i32.const 1))
          (then (local.set $v (v128.load (local.get $addr))))
          (else (if (i32.eq (local.get $sw) (i32.const 2))
            (then (local.set $v (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31
              (v128.load (local.get $addr)) (v128.load offset=12 (local.get $addr)))))
            (else (local.set $v (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.replace_lane 1
              (f32x4.splat (f32.load (local.get $addr)))
              (f32.load (i32.add (local.get $addr) (i32.shl (local.get $sw) (i32.const 2)))))
              (f32.load (i32.add (local.get $addr) (i32.shl (local.get $sw) (i32.const 3)))))
              (f32.load (i32.add (local.get $addr) (i32.mul (local.get $sw) (i32.const 12))))))))))
        (local.set $pos (i32x4.add (i32x4.splat (local.get $p)) (local.get $steps)))
        (if (local.get $first)
          (then (local.set $best (local.get $v)) (local.set $at (local.get $pos)) (local.set $first (i32.const 0)))
          (else
            ;; take the tap where v > best, or v is NaN and best is not
            (local.set $m (v128.or (f32x4.gt (local.get $v) (local.get $best))
              (v128.and (f32x4.ne (local.get $v) (local.get $v)) (f32x4.eq (local.get $best) (local.get $best)))))
            (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $m)))
            (local.set $at (v128.bitselect (local.get $pos) (local.get $at) (local.get $m)))))
        (br_if $js (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $kw))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $is)))
    (local.get $best) (local.get $at))

  ;; `$max_window4` for windows two columns wide, two apart, undilated: a row's eight elements are two
  ;; loads, its left taps the even lanes and its right taps the odd ones, compared in tap order.
  (func $max_window4_pairs (param $x i32) (param $w i32) (param $r0 i32) (param $i0 i32) (param $i1 i32) (param $dh i32)
    (param $c0 i32) (result v128 v128)
    (local $best v128) (local $at v128) (local $v0 v128) (local $v1 v128) (local $v v128) (local $pos v128) (local $m v128)
    (local $i i32) (local $p i32) (local $addr i32) (local $tap i32)
    (local.set $best (f32x4.splat (f32.const -inf)))
    (local.set $at (i32x4.splat (i32.const -1)))
    (local.set $i (local.get $i0))
    (block $idone (loop $is
      (br_if $idone (i32.ge_s (local.get $i) (local.get $i1)))
      (local.set $p (i32.add (i32.mul (i32.add (local.get $r0) (i32.mul (local.get $i) (local.get $dh))) (local.get $w)) (local.get $c0)))
      (local.set $addr (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2))))
      (local.set $v0 (v128.load (local.get $addr)))
      (local.set $v1 (v128.load offset=16 (local.get $addr)))
      (local.set $pos (i32x4.add (i32x4.splat (local.get $p)) (v128.const i32x4 0 2 4 6)))
      (local.set $tap (i32.const 0))
      (loop $taps
        (local.set $v (if (result v128) (local.get $tap)
          (then (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $v0) (local.get $v1)))
          (else (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $v0) (local.get $v1)))))
        (if (i32.and (i32.eq (local.get $i) (local.get $i0)) (i32.eqz (local.get $tap)))
          (then (local.set $best (local.get $v)) (local.set $at (local.get $pos)))
          (else
            ;; take the tap where v > best, or v is NaN and best is not (as $max_window4)
            (local.set $m (v128.or (f32x4.gt (local.get $v) (local.get $best))
              (v128.and (f32x4.ne (local.get $v) (local.get $v)) (f32x4.eq (local.get $best) (local.get $best)))))
            (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $m)))
            (local.set $at (v128.bitselect (local.get $pos) (local.get $at) (local.get $m)))))
        (local.set $pos (i32x4.add (local.get $pos) (v128.const i32x4 1 1 1 1)))
        (br_if $taps (local.tee $tap (i32.xor (local.get $tap) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $is)))
    (local.get $best) (local.get $at))

  ;; out[r, l] = x[r, index[r, l]] for r < rows, l < len: gather along the last dim of a contiguous
  ;; [rows, size] x (index i32 [rows, len]); an index outside [0, size) reads 0 (one unsigned compare).
  (func (export "gather_rows") (param $x i32) (param $index i32) (param $rows i32) (param $len i32) (param $size i32) (param $out i32)
    (local $r i32) (local $l i32) (local $row i32) (local $at i32)
    (block $rdone (loop $rs
      (br_if $rdone (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $size)) (i32.const 2))))
      (local.set $l (i32.const 0))
      (block $ldone (loop $ls
        (br_if $ldone (i32.ge_s (local.get $l) (local.get $len)))
        (local.set $at (i32.load (local.get $index)))
        (f32.store (local.get $out) (if (result f32) (i32.lt_u (local.get $at) (local.get $size))
          (then (f32.load (i32.add (local.get $row) (i32.shl (local.get $at) (i32.const 2))))) (else (f32.const 0))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $index (i32.add (local.get $index) (i32.const 4)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $ls)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rs))))

  ;; gather_rows' adjoint: out = zeros [rows, size], then out[r, index[r, l]] += src[r, l], in
  ;; order of l (so repeated positions add up the same way every time); an index outside [0, size) adds nowhere.
  (func (export "scatter_add_rows") (param $src i32) (param $index i32) (param $rows i32) (param $len i32) (param $size i32) (param $out i32)
    (local $r i32) (local $l i32) (local $row i32) (local $at i32)
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (i32.mul (local.get $rows) (local.get $size)) (i32.const 2)))
    (block $rdone (loop $rs
      (br_if $rdone (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $size)) (i32.const 2))))
      (local.set $l (i32.const 0))
      (block $ldone (loop $ls
        (br_if $ldone (i32.ge_s (local.get $l) (local.get $len)))
        (local.set $at (i32.load (local.get $index)))
        (if (i32.lt_u (local.get $at) (local.get $size))
          (then
            (local.set $at (i32.add (local.get $row) (i32.shl (local.get $at) (i32.const 2))))
            (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (f32.load (local.get $src))))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $index (i32.add (local.get $index) (i32.const 4)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $ls)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rs))))

  ;; n floats of zeros at $dst: whole vectors, then single floats (never past the end).
  (func $zero (param $dst i32) (param $n i32)
    (block $vdone (loop $vs
      (br_if $vdone (i32.lt_s (local.get $n) (i32.const 4)))
      (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $n (i32.sub (local.get $n) (i32.const 4)))
      (br $vs)))
    (block $done (loop $ss
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (f32.store (local.get $dst) (f32.const 0))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $ss))))

  ;; The window columns x' in [0, ow) whose input column x'·sw + shift lies in [0, w): [x0, x1).
  (func $span (param $shift i32) (param $sw i32) (param $w i32) (param $ow i32) (result i32 i32)
    (local $x0 i32) (local $x1 i32)
    ;; x0 = ⌈−shift/sw⌉ for a negative shift, else 0; x1 = ⌈(w − shift)/sw⌉, both clamped to [0, ow].
    (local.set $x0 (select
      (i32.div_u (i32.add (i32.sub (i32.const 0) (local.get $shift)) (i32.sub (local.get $sw) (i32.const 1))) (local.get $sw))
      (i32.const 0) (i32.lt_s (local.get $shift) (i32.const 0))))
    (local.set $x1 (select
      (i32.div_u (i32.add (i32.sub (local.get $w) (local.get $shift)) (i32.sub (local.get $sw) (i32.const 1))) (local.get $sw))
      (i32.const 0) (i32.gt_s (i32.sub (local.get $w) (local.get $shift)) (i32.const 0))))
    (if (i32.gt_s (local.get $x0) (local.get $ow)) (then (local.set $x0 (local.get $ow))))
    (if (i32.gt_s (local.get $x1) (local.get $ow)) (then (local.set $x1 (local.get $ow))))
    (if (i32.lt_s (local.get $x1) (local.get $x0)) (then (local.set $x1 (local.get $x0))))
    (local.get $x0) (local.get $x1))
)
