;; The fused BERT kernels of the wasm backend in WebAssembly SIMD (128-bit), running on
;; tfjs-backend-wasm's own heap: the module imports the backend's memory, every pointer is a
;; byte offset into it, and nothing is copied. Compiled to bytes at build time (wat-plugin.ts);
;; src/cpu/fused-simd.ts instantiates it and falls back to the JS loops (fused-rows.ts) where
;; the browser has no SIMD.
;;
;; Shapes as in fused-rows.ts: M rows, H features, B batch, Lq queries, Lk keys, N heads,
;; D = H / N. H and D must be multiples of 4 (the callers check). Arithmetic is float32 except
;; LayerNorm's mean and variance, which are summed in float64.
(module
  ;; The build also writes a variant without `shared` for tfjs's single-threaded build.
  (import "env" "memory" (memory 1 65536 shared))

  ;; ---------------------------------------------------------------------------------------
  ;; Helpers

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; exp(x) for x <= 0, four lanes: clamped at -87.3 (exp = 1.2e-38, the smallest normal
  ;; range), x = n·ln2 + r with |r| <= ln2/2, exp(r) by its Taylor series to r^7 (relative
  ;; error < 6e-9 before float32 rounding), times 2^n built in the exponent bits.
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x)
      (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
    ;; ln2 = 0.693359375 - 2.12194440e-4, the first part exact in float32 (Cody-Waite)
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
      (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.98412698e-4 1.98412698e-4 1.98412698e-4 1.98412698e-4)) ;; 1/7!
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.38888889e-3 1.38888889e-3 1.38888889e-3 1.38888889e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.33333333e-3 8.33333333e-3 8.33333333e-3 8.33333333e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.16666667e-2 4.16666667e-2 4.16666667e-2 4.16666667e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.166666667 0.166666667 0.166666667 0.166666667)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $p)
      (i32x4.shl
        (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127))
        (i32.const 23))))

  ;; 0.5·u·(1 + erf(u/√2)), four lanes, with the rational erf of fused-rows.ts (ERF_P, ERF_Q):
  ;; erf(t) = t·P(t²)/Q(t²) for |t| < 4, ±1 beyond; NaN stays NaN.
  (func $gelu4 (param $u v128) (result v128)
    (local $t v128) (local $z v128) (local $w v128) (local $p v128) (local $q v128) (local $e v128)
    (local.set $t (f32x4.mul (local.get $u) (v128.const f32x4 0.70710678 0.70710678 0.70710678 0.70710678)))
    (local.set $z (f32x4.abs (local.get $t)))
    (local.set $w (f32x4.mul (local.get $z) (local.get $z)))
    (local.set $p (v128.const f32x4 1.985583978458827e-6 1.985583978458827e-6 1.985583978458827e-6 1.985583978458827e-6))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $w)) (v128.const f32x4 0.00028590603659821995 0.00028590603659821995 0.00028590603659821995 0.00028590603659821995)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $w)) (v128.const f32x4 0.0039218658933251604 0.0039218658933251604 0.0039218658933251604 0.0039218658933251604)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $w)) (v128.const f32x4 0.05321624374858329 0.05321624374858329 0.05321624374858329 0.05321624374858329)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $w)) (v128.const f32x4 0.19438034073123975 0.19438034073123975 0.19438034073123975 0.19438034073123975)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $w)) (v128.const f32x4 1.1283790612892988 1.1283790612892988 1.1283790612892988 1.1283790612892988)))
    (local.set $q (v128.const f32x4 3.748002459077332e-5 3.748002459077332e-5 3.748002459077332e-5 3.748002459077332e-5))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $w)) (v128.const f32x4 0.0011959298602163063 0.0011959298602163063 0.0011959298602163063 0.0011959298602163063)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $w)) (v128.const f32x4 0.015281744898450614 0.015281744898450614 0.015281744898450614 0.015281744898450614)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $w)) (v128.const f32x4 0.11569977688143544 0.11569977688143544 0.11569977688143544 0.11569977688143544)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $w)) (v128.const f32x4 0.5055969967017659 0.5055969967017659 0.5055969967017659 0.5055969967017659)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $w)) (v128.const f32x4 1 1 1 1)))
    ;; |erf| = z·p/q below 4, else 1 (a NaN z fails the test and becomes 1, but u stays NaN)
    (local.set $e (v128.bitselect
      (f32x4.div (f32x4.mul (local.get $z) (local.get $p)) (local.get $q))
      (v128.const f32x4 1 1 1 1)
      (f32x4.lt (local.get $z) (v128.const f32x4 4 4 4 4))))
    ;; erf takes the sign of t
    (local.set $e (v128.or (local.get $e)
      (v128.and (local.get $t) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
    (f32x4.mul
      (f32x4.mul (local.get $u) (v128.const f32x4 0.5 0.5 0.5 0.5))
      (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $e))))

  ;; ---------------------------------------------------------------------------------------
  ;; out[i] = gelu(x[i] + bias[i mod H]) over x [M, H], bias [H]. `out` may be `x`.

  (func (export "bias_gelu") (param $x i32) (param $bias i32) (param $rows i32) (param $h i32) (param $out i32)
    (local $end i32) (local $rowEnd i32) (local $b i32) (local $hb i32)
    (local.set $hb (i32.shl (local.get $h) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $hb))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $rowEnd (i32.add (local.get $x) (local.get $hb)))
        (local.set $b (local.get $bias))
        (loop $col
          (v128.store (local.get $out)
            (call $gelu4 (f32x4.add (v128.load (local.get $x)) (v128.load (local.get $b)))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $b (i32.add (local.get $b) (i32.const 16)))
          (local.set $out (i32.add (local.get $out) (i32.const 16)))
          (br_if $col (i32.lt_u (local.get $x) (local.get $rowEnd))))
        (br $row))))

  ;; ---------------------------------------------------------------------------------------
  ;; out[r] = LayerNorm(x[r] + residual[r mod R]) · gamma + beta over rows of x [M, H];
  ;; residual [R, H] when hasResidual. Mean and variance (of deviations, two passes) in float64.

  (func (export "layer_norm")
    (param $x i32) (param $res i32) (param $hasResidual i32) (param $resRows i32)
    (param $gamma i32) (param $beta i32) (param $rows i32) (param $h i32) (param $eps f64) (param $out i32)
    (local $r i32) (local $c i32) (local $hb i32) (local $xo i32) (local $ro i32) (local $oo i32)
    (local $v v128) (local $a0 v128) (local $a1 v128) (local $lo v128) (local $hi v128)
    (local $mean f64) (local $meanx2 v128) (local $rstd f32) (local $m4 v128) (local $s4 v128)
    (local.set $hb (i32.shl (local.get $h) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $xo (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $hb))))
        (local.set $oo (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $hb))))
        (local.set $ro (i32.add (local.get $res)
          (i32.mul (i32.rem_u (local.get $r) (local.get $resRows)) (local.get $hb))))
        ;; pass 1: s = x + residual (float32, like the composed add) into out; Σ s in float64
        (local.set $a0 (v128.const f64x2 0 0))
        (local.set $a1 (v128.const f64x2 0 0))
        (local.set $c (i32.const 0))
        (loop $p1
          (local.set $v (v128.load (i32.add (local.get $xo) (local.get $c))))
          (if (local.get $hasResidual)
            (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $ro) (local.get $c)))))))
          (v128.store (i32.add (local.get $oo) (local.get $c)) (local.get $v))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get $v))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $p1 (i32.lt_u (local.get $c) (local.get $hb))))
        (local.set $a0 (f64x2.add (local.get $a0) (local.get $a1)))
        (local.set $mean (f64.div
          (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
          (f64.convert_i32_u (local.get $h))))
        (local.set $meanx2 (f64x2.splat (local.get $mean)))
        ;; pass 2: Σ (s − mean)² in float64
        (local.set $a0 (v128.const f64x2 0 0))
        (local.set $a1 (v128.const f64x2 0 0))
        (local.set $c (i32.const 0))
        (loop $p2
          (local.set $v (v128.load (i32.add (local.get $oo) (local.get $c))))
          (local.set $lo (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $meanx2)))
          (local.set $hi (f64x2.sub (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $meanx2)))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $lo) (local.get $lo))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $hi) (local.get $hi))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $p2 (i32.lt_u (local.get $c) (local.get $hb))))
        (local.set $a0 (f64x2.add (local.get $a0) (local.get $a1)))
        (local.set $rstd (f32.demote_f64 (f64.div (f64.const 1)
          (f64.sqrt (f64.add
            (f64.div
              (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
              (f64.convert_i32_u (local.get $h)))
            (local.get $eps))))))
        ;; pass 3: out = (s − mean)·rstd·gamma + beta
        (local.set $m4 (f32x4.splat (f32.demote_f64 (local.get $mean))))
        (local.set $s4 (f32x4.splat (local.get $rstd)))
        (local.set $c (i32.const 0))
        (loop $p3
          (v128.store (i32.add (local.get $oo) (local.get $c))
            (f32x4.add
              (f32x4.mul
                (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $oo) (local.get $c))) (local.get $m4)) (local.get $s4))
                (v128.load (i32.add (local.get $gamma) (local.get $c))))
              (v128.load (i32.add (local.get $beta) (local.get $c)))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $p3 (i32.lt_u (local.get $c) (local.get $hb))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; ---------------------------------------------------------------------------------------
  ;; Softmax attention of every head on the projections' layout: q [B, Lq, N·D] (already
  ;; scaled), k and v [B, Lk, N·D], bias [biasBatch, biasRows, Lk] when hasBias → out
  ;; [B, Lq, N·D]. `p` is scratch for Lk floats (rounded up to a multiple of 4).

  (func (export "attention")
    (param $q i32) (param $k i32) (param $v i32) (param $bias i32) (param $hasBias i32)
    (param $batch i32) (param $lq i32) (param $lk i32) (param $heads i32) (param $d i32)
    (param $biasBatch i32) (param $biasRows i32) (param $p i32) (param $out i32)
    (local $b i32) (local $i i32) (local $n i32) (local $j i32) (local $x i32)
    (local $hb i32) (local $db i32) (local $lk4 i32)
    (local $qo i32) (local $kb i32) (local $vb i32) (local $ko i32) (local $oo i32) (local $br i32)
    (local $acc v128) (local $acc2 v128) (local $s f32) (local $max f32) (local $sum4 v128) (local $inv f32)
    (local $e v128) (local $w v128)
    (local $acc3 v128) (local $acc4 v128) (local $qv v128) (local $max4 v128) (local $kx i32) (local $hb3 i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local.set $db (i32.shl (local.get $d) (i32.const 2)))
    (local.set $hb (i32.mul (local.get $db) (local.get $heads)))
    (local.set $hb3 (i32.mul (local.get $hb) (i32.const 3)))
    (local.set $lk4 (i32.and (local.get $lk) (i32.const -4)))
    (local.set $b (i32.const 0))
    (loop $batchLoop
      (local.set $i (i32.const 0))
      (loop $queryLoop
        (local.set $br (i32.add (local.get $bias) (i32.shl (i32.mul
          (i32.add
            (i32.mul (i32.rem_u (local.get $b) (local.get $biasBatch)) (local.get $biasRows))
            (i32.rem_u (local.get $i) (local.get $biasRows)))
          (local.get $lk)) (i32.const 2))))
        (local.set $n (i32.const 0))
        (loop $headLoop
          (local.set $qo (i32.add (local.get $q) (i32.add
            (i32.mul (i32.add (i32.mul (local.get $b) (local.get $lq)) (local.get $i)) (local.get $hb))
            (i32.mul (local.get $n) (local.get $db)))))
          (local.set $oo (i32.add (local.get $out) (i32.sub (local.get $qo) (local.get $q))))
          (local.set $kb (i32.add (local.get $k) (i32.add
            (i32.mul (i32.mul (local.get $b) (local.get $lk)) (local.get $hb))
            (i32.mul (local.get $n) (local.get $db)))))
          (local.set $vb (i32.add (local.get $v) (i32.sub (local.get $kb) (local.get $k))))
          ;; scores s_j = q·k_j (+ bias_j) into p, and their max: four keys at a time (each q
          ;; vector loaded once for four products, the four sums reduced together), then the rest
          (local.set $max4 (v128.const f32x4 -inf -inf -inf -inf))
          (local.set $j (i32.const 0))
          (local.set $ko (local.get $kb))
          (block $quadsDone
            (loop $quadLoop
              (br_if $quadsDone (i32.ge_u (local.get $j) (local.get $lk4)))
              (local.set $acc (v128.const f32x4 0 0 0 0))
              (local.set $acc2 (v128.const f32x4 0 0 0 0))
              (local.set $acc3 (v128.const f32x4 0 0 0 0))
              (local.set $acc4 (v128.const f32x4 0 0 0 0))
              (local.set $x (i32.const 0))
              (loop $dot4
                (local.set $qv (v128.load (i32.add (local.get $qo) (local.get $x))))
                (local.set $kx (i32.add (local.get $ko) (local.get $x)))
                (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $qv) (v128.load (local.get $kx)))))
                (local.set $kx (i32.add (local.get $kx) (local.get $hb)))
                (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $qv) (v128.load (local.get $kx)))))
                (local.set $kx (i32.add (local.get $kx) (local.get $hb)))
                (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.get $qv) (v128.load (local.get $kx)))))
                (local.set $kx (i32.add (local.get $kx) (local.get $hb)))
                (local.set $acc4 (f32x4.add (local.get $acc4) (f32x4.mul (local.get $qv) (v128.load (local.get $kx)))))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br_if $dot4 (i32.lt_u (local.get $x) (local.get $db))))
              ;; [Σacc, Σacc2, Σacc3, Σacc4] by two rounds of pairwise lane sums
              (local.set $acc (f32x4.add
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $acc) (local.get $acc2))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $acc) (local.get $acc2))))
              (local.set $acc3 (f32x4.add
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $acc3) (local.get $acc4))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $acc3) (local.get $acc4))))
              (local.set $acc (f32x4.add
                (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $acc) (local.get $acc3))
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $acc) (local.get $acc3))))
              (if (local.get $hasBias)
                (then (local.set $acc (f32x4.add (local.get $acc)
                  (v128.load (i32.add (local.get $br) (i32.shl (local.get $j) (i32.const 2))))))))
              (v128.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc))
              (local.set $max4 (f32x4.max (local.get $max4) (local.get $acc)))
              (local.set $ko (i32.add (local.get $ko) (i32.shl (local.get $hb) (i32.const 2))))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $quadLoop)))
          (local.set $max (f32.max
            (f32.max (f32x4.extract_lane 0 (local.get $max4)) (f32x4.extract_lane 1 (local.get $max4)))
            (f32.max (f32x4.extract_lane 2 (local.get $max4)) (f32x4.extract_lane 3 (local.get $max4)))))
          (block $scoresDone
            (loop $scoreLoop
              (br_if $scoresDone (i32.ge_u (local.get $j) (local.get $lk)))
              (local.set $acc (v128.const f32x4 0 0 0 0))
              (local.set $x (i32.const 0))
              (loop $dot
                (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
                  (v128.load (i32.add (local.get $qo) (local.get $x)))
                  (v128.load (i32.add (local.get $ko) (local.get $x))))))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br_if $dot (i32.lt_u (local.get $x) (local.get $db))))
              (local.set $s (call $hsum (local.get $acc)))
              (if (local.get $hasBias)
                (then (local.set $s (f32.add (local.get $s)
                  (f32.load (i32.add (local.get $br) (i32.shl (local.get $j) (i32.const 2))))))))
              (f32.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
              (local.set $max (f32.max (local.get $max) (local.get $s)))
              (local.set $ko (i32.add (local.get $ko) (local.get $hb)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $scoreLoop)))
          ;; p_j = exp(s_j − max), four at a time, then the tail one by one
          (local.set $sum4 (v128.const f32x4 0 0 0 0))
          (local.set $w (f32x4.splat (local.get $max)))
          (local.set $j (i32.const 0))
          (block $expDone
            (loop $expLoop
              (br_if $expDone (i32.ge_u (local.get $j) (local.get $lk4)))
              (local.set $e (call $exp4 (f32x4.sub
                (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $w))))
              (v128.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $e))
              (local.set $sum4 (f32x4.add (local.get $sum4) (local.get $e)))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $expLoop)))
          (local.set $s (call $hsum (local.get $sum4)))
          (block $tailDone
            (loop $tailLoop
              (br_if $tailDone (i32.ge_u (local.get $j) (local.get $lk)))
              (local.set $e (call $exp4 (f32x4.splat (f32.sub
                (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $max)))))
              (f32.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (f32x4.extract_lane 0 (local.get $e)))
              (local.set $s (f32.add (local.get $s) (f32x4.extract_lane 0 (local.get $e))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $tailLoop)))
          (local.set $inv (f32.div (f32.const 1) (local.get $s)))
          ;; out = Σ_j (p_j / Σp) v_j, accumulated in the output row
          (local.set $x (i32.const 0))
          (loop $zero
            (v128.store (i32.add (local.get $oo) (local.get $x)) (v128.const f32x4 0 0 0 0))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br_if $zero (i32.lt_u (local.get $x) (local.get $db))))
          ;; four keys at a time: one load and store of the output vector per four products
          (local.set $j (i32.const 0))
          (local.set $ko (local.get $vb))
          (block $pvQuadsDone
            (loop $pvQuadLoop
              (br_if $pvQuadsDone (i32.ge_u (local.get $j) (local.get $lk4)))
              (local.set $acc (f32x4.mul (f32x4.splat (local.get $inv))
                (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
              (local.set $w0 (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $acc) (local.get $acc)))
              (local.set $w1 (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $acc) (local.get $acc)))
              (local.set $w2 (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $acc) (local.get $acc)))
              (local.set $w3 (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $acc) (local.get $acc)))
              (local.set $x (i32.const 0))
              (loop $axpy4
                (local.set $kx (i32.add (local.get $ko) (local.get $x)))
                (v128.store (i32.add (local.get $oo) (local.get $x))
                  (f32x4.add
                    (f32x4.add (v128.load (i32.add (local.get $oo) (local.get $x)))
                      (f32x4.add (f32x4.mul (local.get $w0) (v128.load (local.get $kx)))
                        (f32x4.mul (local.get $w1) (v128.load (i32.add (local.get $kx) (local.get $hb))))))
                    (f32x4.add
                      (f32x4.mul (local.get $w2) (v128.load (i32.add (local.get $kx) (i32.shl (local.get $hb) (i32.const 1)))))
                      (f32x4.mul (local.get $w3) (v128.load (i32.add (local.get $kx) (local.get $hb3)))))))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br_if $axpy4 (i32.lt_u (local.get $x) (local.get $db))))
              (local.set $ko (i32.add (local.get $ko) (i32.shl (local.get $hb) (i32.const 2))))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $pvQuadLoop)))
          (block $pvDone
            (loop $pvLoop
              (br_if $pvDone (i32.ge_u (local.get $j) (local.get $lk)))
              (local.set $w (f32x4.splat (f32.mul (local.get $inv)
                (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))))))
              (local.set $x (i32.const 0))
              (loop $axpy
                (v128.store (i32.add (local.get $oo) (local.get $x))
                  (f32x4.add (v128.load (i32.add (local.get $oo) (local.get $x)))
                    (f32x4.mul (local.get $w) (v128.load (i32.add (local.get $ko) (local.get $x))))))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br_if $axpy (i32.lt_u (local.get $x) (local.get $db))))
              (local.set $ko (i32.add (local.get $ko) (local.get $hb)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $pvLoop)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br_if $headLoop (i32.lt_u (local.get $n) (local.get $heads))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $queryLoop (i32.lt_u (local.get $i) (local.get $lq))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br_if $batchLoop (i32.lt_u (local.get $b) (local.get $batch)))))
;; ---------------------------------------------------------------------------------------
  ;; out[r] = table[ids[r]] for r < count, rows of H floats (an embedding lookup): one block copy
  ;; per row. Returns how many ids fell outside [0, vocab) (their rows are left unwritten).

  (func (export "gather_rows")
    (param $table i32) (param $ids i32) (param $count i32) (param $h i32) (param $vocab i32) (param $out i32)
    (result i32)
    (local $r i32) (local $id i32) (local $hb i32) (local $bad i32)
    (local.set $hb (i32.shl (local.get $h) (i32.const 2)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $id (i32.load (i32.add (local.get $ids) (i32.shl (local.get $r) (i32.const 2)))))
        (if (i32.lt_u (local.get $id) (local.get $vocab))
          (then (memory.copy
            (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $hb)))
            (i32.add (local.get $table) (i32.mul (local.get $id) (local.get $hb)))
            (local.get $hb)))
          (else (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row)))
    (local.get $bad))
)
