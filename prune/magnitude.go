package prune

import (
	"fmt"
	"math"
)

// MagnitudeMask returns the magnitude-pruning mask of the row-major
// rows×cols matrix w (rows = output features, cols = input features) for
// target t, as the reference's prune_magnitude computes it (locuslab/wanda
// lib/prune.py). w is not modified.
//
// Unstructured (t.M == 0): the comparison group is the WHOLE matrix.
// k = int(rows·cols·t.Ratio) (float64 product, truncated, as Python's int()),
// τ = the k-th smallest |w| (0-based, ascending, NaN last) and every weight
// with |w| ≤ τ is pruned. That is k+1 weights plus every further weight tied
// with τ, so the achieved sparsity is at least (k+1)/(rows·cols) and can
// exceed t.Ratio noticeably when |w| has many ties (fp16 or quantized
// weights) — exactly like the reference.
//
// N:M (t.M > 0): in every row and every aligned group of t.M columns the
// t.N smallest |w| are pruned, ties resolved as torch.topk(largest=False)
// on CPU resolves them (see topkSmallest). cols must be divisible by t.M.
func MagnitudeMask(w []float32, rows, cols int, t Target) (Mask, error) {
	if err := t.ValidateFor(cols); err != nil {
		return nil, err
	}
	if err := checkShape(len(w), rows, cols); err != nil {
		return nil, err
	}
	mask := make(Mask, len(w))
	if len(w) == 0 {
		return mask, nil
	}
	if t.Structured() {
		parallelRows(rows, 64, 0, func(lo, hi int) {
			scores := make([]float32, cols)
			q := make([]topkPair, t.M)
			for i := lo; i < hi; i++ {
				for j, v := range w[i*cols : (i+1)*cols] {
					scores[j] = abs32(v)
				}
				nmSmallest(scores, t.N, t.M, mask[i*cols:(i+1)*cols], q)
			}
		})
		return mask, nil
	}
	k := pyIntMul(len(w), t.Ratio)
	if k >= len(w) {
		return nil, fmt.Errorf("prune: sparsity %v of %d weights selects index %d, past the end (the reference raises IndexError)", t.Ratio, len(w), k)
	}
	keys := make([]uint32, len(w))
	for i, v := range w {
		keys[i] = orderKey32(abs32(v))
	}
	tau := selectKth(keys, k)
	if tau == math.MaxUint32 { // τ is NaN: nothing compares ≤ NaN
		return mask, nil
	}
	for i, v := range w {
		if orderKey32(abs32(v)) <= tau {
			mask[i] = true
		}
	}
	return mask, nil
}

// Magnitude prunes w in place with [MagnitudeMask] (pruned weights become
// exactly +0) and returns the mask.
func Magnitude(w []float32, rows, cols int, t Target) (Mask, error) {
	mask, err := MagnitudeMask(w, rows, cols, t)
	if err != nil {
		return nil, err
	}
	mask.Apply(w)
	return mask, nil
}

// MagnitudeRowMask returns the per-output-row magnitude mask: in every row
// the k = int(cols·ratio) weights with the smallest |w| are pruned, chosen as
// the first k entries of a stable ascending sort (ties go to the lower
// column index, NaN sorts last). Every row gets exactly k pruned positions.
// This is Wanda's comparison group with the plain magnitude score (the
// reference's ablation of "magnitude per output"); the reference's
// prune_magnitude itself is per matrix, see [MagnitudeMask]. w is not
// modified.
func MagnitudeRowMask(w []float32, rows, cols int, ratio float64) (Mask, error) {
	if err := Unstructured(ratio).Validate(); err != nil {
		return nil, err
	}
	if err := checkShape(len(w), rows, cols); err != nil {
		return nil, err
	}
	mask := make(Mask, len(w))
	k := pyIntMul(cols, ratio)
	parallelRows(rows, 64, 0, func(lo, hi int) {
		scores := make([]float32, cols)
		keys := make([]uint64, cols)
		for i := lo; i < hi; i++ {
			for j, v := range w[i*cols : (i+1)*cols] {
				scores[j] = abs32(v)
			}
			smallestStable(scores, k, mask[i*cols:(i+1)*cols], keys)
		}
	})
	return mask, nil
}

// MagnitudeRow prunes w in place with [MagnitudeRowMask] and returns the
// mask.
func MagnitudeRow(w []float32, rows, cols int, ratio float64) (Mask, error) {
	mask, err := MagnitudeRowMask(w, rows, cols, ratio)
	if err != nil {
		return nil, err
	}
	mask.Apply(w)
	return mask, nil
}

func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}
