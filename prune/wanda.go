package prune

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Wanda statistics
//
// The caller passes scalerRow, the reference's WrappedGPT.scaler_row for the
// linear layer's INPUT activations (locuslab/wanda lib/layerwrapper.py):
//
//	scalerRow[j] = (1/n) · Σ_t x_tj²
//
// where the sum runs over every calibration token t of every calibration
// sequence fed to the layer and n is the number of SEQUENCES (the reference
// hooks one sequence per forward call, batch 1, and its running mean
// "scaler_row *= nsamples/(nsamples+b); nsamples += b; scaler_row +=
// ‖x‖²/nsamples" counts batch entries, not tokens). So scalerRow[j] is
// T·mean_t(x_tj²) for sequences of T tokens. The scale is irrelevant to the
// masks (a common factor on all scores of a row) but is what the reference
// holds. The reference keeps scaler_row in float32; it is rounded to float32
// here before use, so pass the float64 value of the statistic (accumulated
// in float64 and divided once — equal to the running mean up to rounding).
// Entries must be ≥ 0 and not NaN.
//
// The score is S_ij = |W_ij| · sqrt(q_j), computed exactly as torch computes
// torch.abs(W) * torch.sqrt(scaler_row) for fp16 W and float32 scaler_row:
// in float32, q_j = float32(scalerRow[j]), sqrt correctly rounded to float32,
// one float32 multiplication. w arrives as float32; for weights that are
// fp16 values (F16 GGUF tensors) the conversion is exact, so the scores are
// bit-identical to the reference's.

// wandaSqrt returns float32(sqrt(float32(q))) for every column, checking the
// statistic.
func wandaSqrt(scalerRow []float64, cols int) ([]float32, error) {
	if len(scalerRow) != cols {
		return nil, fmt.Errorf("prune: wanda: scalerRow has %d entries, the matrix has %d columns", len(scalerRow), cols)
	}
	s := make([]float32, cols)
	for j, q := range scalerRow {
		if !(q >= 0) {
			return nil, fmt.Errorf("prune: wanda: scalerRow[%d] = %v; a mean of squares must be ≥ 0", j, q)
		}
		// The correctly rounded float64 square root of a float32, rounded to
		// float32, is the correctly rounded float32 square root (53 ≥ 2·24+2).
		s[j] = float32(math.Sqrt(float64(float32(q))))
	}
	return s, nil
}

// wandaRowScores writes S_ij for row i into dst.
func wandaRowScores(dst, wrow, sqrtq []float32) {
	sqrtq = sqrtq[:len(wrow)]
	dst = dst[:len(wrow)]
	for j, v := range wrow {
		dst[j] = abs32(v) * sqrtq[j]
	}
}

// WandaScores returns the row-major matrix of Wanda scores S_ij (see the
// package documentation of the statistics above).
func WandaScores(w []float32, rows, cols int, scalerRow []float64) ([]float32, error) {
	if err := checkShape(len(w), rows, cols); err != nil {
		return nil, err
	}
	sq, err := wandaSqrt(scalerRow, cols)
	if err != nil {
		return nil, err
	}
	s := make([]float32, len(w))
	for i := 0; i < rows; i++ {
		wandaRowScores(s[i*cols:(i+1)*cols], w[i*cols:(i+1)*cols], sq)
	}
	return s, nil
}

// WandaMask returns the Wanda mask (locuslab/wanda lib/prune.py prune_wanda)
// of the row-major rows×cols matrix w for target t; w is not modified.
//
// Unstructured: the comparison group is each output row. Per row the scores
// are sorted ascending with a STABLE sort (torch.sort(stable=True): ties go
// to the lower column index, NaN last) and the first k = int(cols·t.Ratio)
// entries are pruned, so every row gets exactly k pruned positions.
//
// N:M: in every row and aligned group of t.M columns the t.N smallest
// scores are pruned, ties resolved as torch.topk(largest=False) on CPU does
// (see topkSmallest).
//
// scalerRow is described at the top of this file.
func WandaMask(w []float32, rows, cols int, scalerRow []float64, t Target) (Mask, error) {
	if err := t.ValidateFor(cols); err != nil {
		return nil, err
	}
	if err := checkShape(len(w), rows, cols); err != nil {
		return nil, err
	}
	sq, err := wandaSqrt(scalerRow, cols)
	if err != nil {
		return nil, err
	}
	mask := make(Mask, len(w))
	k := pyIntMul(cols, t.Ratio)
	parallelRows(rows, 64, 0, func(lo, hi int) {
		scores := make([]float32, cols)
		var keys []uint64
		var q []topkPair
		if t.Structured() {
			q = make([]topkPair, t.M)
		} else {
			keys = make([]uint64, cols)
		}
		for i := lo; i < hi; i++ {
			wandaRowScores(scores, w[i*cols:(i+1)*cols], sq)
			m := mask[i*cols : (i+1)*cols]
			if t.Structured() {
				nmSmallest(scores, t.N, t.M, m, q)
			} else {
				smallestStable(scores, k, m, keys)
			}
		}
	})
	return mask, nil
}

// Wanda prunes w in place with [WandaMask] (pruned weights become exactly
// +0) and returns the mask.
func Wanda(w []float32, rows, cols int, scalerRow []float64, t Target) (Mask, error) {
	mask, err := WandaMask(w, rows, cols, scalerRow, t)
	if err != nil {
		return nil, err
	}
	mask.Apply(w)
	return mask, nil
}

// WandaVariantMask is the reference's --use_variant (unstructured only; the
// paper's appendix variant): per row, sort the scores ascending and take
// their cumulative sums C; for a scalar α a row's threshold is the largest
// sorted score whose cumulative sum is ≤ α·(row sum), and every score ≤ that
// threshold is pruned (ties included). α is found by bisection on the
// sparsity of the whole matrix: α = 0.4 in the bracket [0, 0.8]; while
// |sparsity − ratio| > 0.001 and the bracket is ≥ 0.001 wide, too sparse →
// hi = α, α = (α+lo)/2, otherwise lo = α, α = (α+hi)/2. Per-row sparsity
// varies. It returns the mask of the final α and α itself; w is not modified.
//
// Numerics follow torch on CPU: cumulative sums accumulated in float64 and
// stored as float32 (torch's CPU cumsum), the row sum rounded to float32,
// the row threshold float32(sum)·float32(α) in float32, and the sparsity
// float32(count)/float32(numel) compared in float32. torch's own row sum
// (a float32 cascade sum) can differ from the correctly rounded sum in the
// last bit, which would only matter for a cumulative sum within an ulp of
// the threshold. Deviation: where α·sum is below a row's smallest score the
// reference fails (torch.gather with index −1); here that row gets no pruned
// weight.
func WandaVariantMask(w []float32, rows, cols int, scalerRow []float64, ratio float64) (Mask, float64, error) {
	if err := Unstructured(ratio).Validate(); err != nil {
		return nil, 0, err
	}
	if err := checkShape(len(w), rows, cols); err != nil {
		return nil, 0, err
	}
	sq, err := wandaSqrt(scalerRow, cols)
	if err != nil {
		return nil, 0, err
	}
	sorted := make([]float32, len(w)) // per row, ascending
	cum := make([]float32, len(w))    // per row, float32 cumulative sums
	sums := make([]float32, rows)
	parallelRows(rows, 64, 0, func(lo, hi int) {
		keys := make([]uint64, cols)
		for i := lo; i < hi; i++ {
			s := sorted[i*cols : (i+1)*cols]
			wandaRowScores(s, w[i*cols:(i+1)*cols], sq)
			var total float64
			for _, v := range s {
				total += float64(v)
			}
			sums[i] = float32(total)
			for j, v := range s {
				keys[j] = stableKey(v, j)
			}
			slices.Sort(keys)
			for j, kk := range keys {
				s[j] = sortedValue(kk)
			}
			var acc float64
			c := cum[i*cols : (i+1)*cols]
			for j, v := range s {
				acc += float64(v)
				c[j] = float32(acc)
			}
		}
	})
	// prunedAt returns, for α, the number of pruned weights and each row's
	// threshold (ok[i] false: no cumulative sum is ≤ α·sum, nothing pruned).
	prunedAt := func(alpha float32) (count int, thr []float32, ok []bool) {
		thr = make([]float32, rows)
		ok = make([]bool, rows)
		for i := 0; i < rows; i++ {
			t := sums[i] * alpha
			c := cum[i*cols : (i+1)*cols]
			n := 0
			for _, v := range c {
				if v <= t {
					n++
				}
			}
			if n == 0 {
				continue
			}
			s := sorted[i*cols : (i+1)*cols]
			thr[i], ok[i] = s[n-1], true
			count += sort.Search(cols, func(j int) bool { return !(s[j] <= thr[i]) })
		}
		return count, thr, ok
	}
	sparsity := func(count int) float32 { return float32(count) / float32(len(w)) }
	p32 := float32(ratio)
	alpha := 0.4
	lo, hi := 0.0, 0.8
	count, thr, ok := prunedAt(float32(alpha))
	for abs32(sparsity(count)-p32) > float32(0.001) && hi-lo >= 0.001 {
		var next float64
		if sparsity(count) > p32 {
			next = (alpha + lo) / 2
			hi = alpha
		} else {
			next = (alpha + hi) / 2
			lo = alpha
		}
		alpha = next
		count, thr, ok = prunedAt(float32(alpha))
	}
	mask := make(Mask, len(w))
	for i := 0; i < rows; i++ {
		if !ok[i] {
			continue
		}
		row := w[i*cols : (i+1)*cols]
		for j, v := range row {
			if abs32(v)*sq[j] <= thr[i] {
				mask[i*cols+j] = true
			}
		}
	}
	return mask, alpha, nil
}

// WandaVariant prunes w in place with [WandaVariantMask] and returns the
// mask and α.
func WandaVariant(w []float32, rows, cols int, scalerRow []float64, ratio float64) (Mask, float64, error) {
	mask, alpha, err := WandaVariantMask(w, rows, cols, scalerRow, ratio)
	if err != nil {
		return nil, 0, err
	}
	mask.Apply(w)
	return mask, alpha, nil
}

// sortedValue inverts stableKey's value part.
func sortedValue(k uint64) float32 {
	b := uint32(k >> 32)
	if b == math.MaxUint32 {
		return float32(math.NaN())
	}
	if b&(1<<31) != 0 {
		return math.Float32frombits(b &^ (1 << 31))
	}
	return math.Float32frombits(^b)
}
