package prune

import "math"

// OWL: Outlier-Weighed Layerwise sparsity (luuyin/OWL lib/prune_all.py,
// prune_wanda_outlier and prune_wanda_outlier_structure).
//
// OWL gives every decoder block its own sparsity, computed BEFORE any
// pruning from a dense pass over all blocks (pass 1 of the reference):
//
//  1. For each block l, with the statistics of the DENSE model (block l fed
//     the outputs of the unpruned blocks 0..l-1), form the Wanda scores of
//     its seven matrices and pool them: D_l = [OutlierRatio](scores, M).
//  2. Map the ratios of all blocks to per-block sparsities with
//     [OWLSparsities] (unstructured) or per-block N with [OWLNM] (N:M).
//  3. Pass 2 is the ordinary block loop with block l pruned at its own
//     target (all seven matrices of a block get the same target).

// OutlierRatio returns the Layerwise Outlier Distribution value of one
// block, in PERCENT (the reference's check_outlier_mean):
//
//	D = 100 · |{a ∈ P : a > m·mean(P)}| / |P|
//
// where P pools every entry of every slice in scores (pass the Wanda score
// matrix of each of the block's seven linears, e.g. from [WandaScores]) and
// m is the reference's Hyper_m (README: 5 for unstructured 70%, 6 for 5:8;
// argparse default 3).
//
// Arithmetic, matching the reference (scores pooled as float32 on the CPU,
// torch.mean, a float32 product with the Python float m, a float32
// comparison, then Python floats):
//
//   - the sum of P is accumulated in float64 (per 4096-entry chunk, then
//     chunk sums) and rounded once to float32 — torch's CPU float32 cascade
//     sum is within a few float32 ulps of that correctly rounded sum, so
//     the two agree except in the last bit in rare cases;
//   - mean = float32(sum) / float32(|P|) in float32 (torch's CPU mean is sum
//     then an in-place float32 division by the count);
//   - threshold = mean · float32(m) in float32;
//   - count the entries with a > threshold (float32 comparison: NaN never
//     counts);
//   - D = (float64(count) / float64(|P|)) · 100 in float64, in that order.
//
// A last-bit difference in the mean can only move scores lying exactly at
// the threshold, i.e. change the count by a handful out of |P|. An empty
// pool returns 0.
func OutlierRatio(scores [][]float32, m float64) float64 {
	total := 0
	for _, s := range scores {
		total += len(s)
	}
	if total == 0 {
		return 0
	}
	// Chunked float64 sums: the chunk boundaries depend only on the slice
	// lengths, so the result is independent of scheduling.
	const chunk = 1 << 12
	type span struct {
		s      []float32
		lo, hi int
	}
	var spans []span
	for _, s := range scores {
		for lo := 0; lo < len(s); lo += chunk {
			spans = append(spans, span{s, lo, min(lo+chunk, len(s))})
		}
	}
	sums := make([]float64, len(spans))
	parallelRows(len(spans), 64, 0, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			var acc float64
			for _, v := range spans[k].s[spans[k].lo:spans[k].hi] {
				acc += float64(v)
			}
			sums[k] = acc
		}
	})
	var sum float64
	for _, v := range sums {
		sum += v
	}
	mean := float32(sum) / float32(total)
	thr := mean * float32(m)
	counts := make([]int, len(spans))
	parallelRows(len(spans), 64, 0, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			n := 0
			for _, v := range spans[k].s[spans[k].lo:spans[k].hi] {
				if v > thr {
					n++
				}
			}
			counts[k] = n
		}
	})
	count := 0
	for _, n := range counts {
		count += n
	}
	return float64(count) / float64(total) * 100
}

// OWLSparsities maps the per-block outlier ratios D_l ([OutlierRatio]) to
// per-block unstructured sparsities, as prune_wanda_outlier does (also used
// by the reference's SparseGPT and magnitude OWL variants):
//
//	u_l = (D_l − min D) · ((1/(max D − min D)) · λ · 2)     // in [0, 2λ]
//	ρ_l = (u_l − mean(u)) + (1 − target)                     // keep ratio
//	S_l = 1 − ρ_l;  if S_l ≤ 0 then S_l = 0.01
//
// More outliers → lower sparsity. Before the guard, mean(S) = target up to
// rounding and max S − min S = 2λ; the band is [target + ū − 2λ, target +
// ū] with ū = mean(u), not [target − λ, target + λ].
//
// Every operation is the float64 operation numpy performs, in the same
// order and association: the scale factor is ((1/(max−min))·λ)·2 (Python
// evaluates "(1/(max−min)) * Lamda*2" left to right), mean(u) is numpy's
// pairwise sum (eight interleaved accumulators for blocks of up to 128
// entries, recursive halving above that; numpy starts the reduction from
// its identity 0.0, which is exact) divided by the count, (1 − target) is
// formed first and added after subtracting the mean, and S_l = 1 − ρ_l as
// the reference's "layer_sparsity_ratio = 1 - all_layer_ratio[i]". Given the
// same ratios the result is bit-identical to the reference's.
//
// Divergences, where the reference cannot run: when max D == min D (all
// blocks have the same ratio, in particular a single block) the reference
// divides by zero and ends with NaN sparsities (int(cols·NaN) raises);
// here every block gets target. The same happens when max − min is not a
// positive finite number (NaN or infinite ratios). S_l ≥ 1 is returned as
// computed (the reference would prune whole rows); [Target.Validate] rejects
// it, so choose λ accordingly.
func OWLSparsities(ratios []float64, target, lambda float64) []float64 {
	out := make([]float64, len(ratios))
	u, ok := owlScale(ratios, lambda, true)
	if !ok {
		for i := range out {
			out[i] = target
		}
		return out
	}
	mean := numpyMean(u)
	keep := 1 - target
	for i, v := range u {
		rho := (v - mean) + keep
		s := 1 - rho
		if s <= 0 {
			s = 0.01
		}
		out[i] = s
	}
	return out
}

// OWLNM returns the per-block N (weights zeroed per group of m) for OWL with
// an N:M target, as prune_wanda_outlier_structure does:
//
//	ũ_l = (D_l − min D) · ((1/(max D − min D)) · λ)         // λ, NOT 2λ
//	c_l = round(ũ_l − mean(ũ))                               // numpy round: half to even
//	N_l = n − c_l
//
// with the same float64 arithmetic as [OWLSparsities]. The N_l are not
// renormalized, so their mean need not be n. Blocks with more outliers get a
// smaller N (fewer zeros). README setting: 5:8 with λ = 2, Hyper_m = 6.
//
// Range: |c_l| ≤ λ, so for λ < min(n, m−n) every N_l lies in [1, m−1].
// Otherwise the reference keeps going for N_l = 0 (its "prune_n != 0"
// test fails and the block stays DENSE) and N_l = m (topk of all m: the
// block is zeroed completely); both are returned unchanged, so the caller
// must treat 0 as "leave the block dense" (and should reject m). It
// crashes for N_l < 0 (topk with a negative k) and N_l > m; those are
// clamped to 0 and m, the nearest values the reference can run, which
// keeps N_l monotone in D_l (clamping to [1, m−1] would not: a block with
// more outliers than a dense one would get pruned). When max D == min D
// (e.g. a single block) the reference computes NaN and fails at int(NaN);
// here every block gets n.
func OWLNM(ratios []float64, n, m int, lambda float64) []int {
	out := make([]int, len(ratios))
	u, ok := owlScale(ratios, lambda, false)
	if !ok {
		for i := range out {
			out[i] = n
		}
		return out
	}
	mean := numpyMean(u)
	for i, v := range u {
		c := math.RoundToEven(v - mean)
		k := float64(n) - c
		switch {
		case k < 0:
			k = 0
		case k > float64(m):
			k = float64(m)
		}
		out[i] = int(k)
	}
	return out
}

// owlScale computes u_l = (D_l − min D) · f for every ratio with the numpy
// factor f = (1/(max D − min D)) · λ, times 2 when double is set (exact).
// ok is false when max − min is not a positive finite number (all ratios
// equal, a single block, NaN or infinite ratios).
func owlScale(ratios []float64, lambda float64, double bool) ([]float64, bool) {
	if len(ratios) == 0 {
		return nil, false
	}
	lo, hi := ratios[0], ratios[0]
	for _, v := range ratios {
		if v != v {
			return nil, false // numpy's min/max propagate NaN
		}
		lo = min(lo, v)
		hi = max(hi, v)
	}
	d := hi - lo
	if !(d > 0) || math.IsInf(d, 0) {
		return nil, false
	}
	f := (1 / d) * lambda
	if double {
		f *= 2 // "* args.Lamda*2" is ((1/d)·λ)·2
	}
	u := make([]float64, len(ratios))
	for i, v := range ratios {
		u[i] = (v - lo) * f
	}
	return u, true
}

// numpyMean is np.mean of a float64 vector: numpy's pairwise sum divided by
// the count.
func numpyMean(a []float64) float64 {
	return (0 + numpyPairwiseSum(a)) / float64(len(a))
}

// numpyPairwiseSum is numpy's DOUBLE_pairwise_sum (contiguous input):
// fewer than 8 values are added in order; up to 128 use eight interleaved
// accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) followed by
// the remainder in order; above that the array is split at a multiple of 8
// near its middle and both halves are summed recursively.
func numpyPairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for k := range r {
				r[k] += a[i+k]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return numpyPairwiseSum(a[:n2]) + numpyPairwiseSum(a[n2:])
	}
}
