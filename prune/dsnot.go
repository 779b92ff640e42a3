package prune

import (
	"fmt"
	"math"
	"slices"
)

// DSnoT: Dynamic Sparse No Training (zyxxmu/DSnoT lib/prune.py prune_DSnoT,
// lib/layerwrapper.py). A training-free refinement of an initial mask: per
// output row, pruned and kept weights are swapped one pair per cycle so as to
// drive the row's expected reconstruction error to zero. Weight values never
// change and every swap keeps the row's number of zeros (the N:M pattern for
// N:M targets).
//
// Quantities, per row i of W (rows×cols), as the reference forms them in
// float32:
//
//	a_ij = W_ij · s_j                  s_j = float32(mean[j]) = (1/n)·Σ_t x_tj = T·E[x_j]
//	ε_i  = Σ_{j pruned} a_ij           (T times the expected output error of the row)
//	w_ij = |W_ij| · sqrt(q_j)          the Wanda score, q_j = float32(scalerRow[j])
//	v_j  = float32(variance[j])        within-sequence variance of x_j
//
// Pruning j adds a_ij to ε, reviving j subtracts it.

// DSnoTOptions tunes [DSnoT]. Start from [DSnoTDefaultOptions] or
// [DSnoTReferenceOptions].
type DSnoTOptions struct {
	// MaxCycles is the cycle limit T_max: at most this many swaps per row
	// (reference: 50). 0 returns the initial mask unchanged.
	MaxCycles int
	// UpdateThreshold τ: a row stops once |ε| ≤ τ. ε is in the units of
	// the mean statistic, T·E[x] (reference: 0.1 with T = 2048), so τ has
	// to follow the calibration length: see [DSnoTDefaultOptions].
	UpdateThreshold float64
	// PowVarRegrow γ: the growth order sorts a_ij / v_j^γ (reference: 1).
	// 0 sorts a_ij alone.
	PowVarRegrow float64
	// WithoutSameSign disables, for unstructured targets, the requirement
	// that ε keeps its initial sign across a swap (reference default: true,
	// i.e. disabled — argparse's type=bool cannot switch it off). N:M
	// targets always check the sign, as the reference does, whatever this
	// says.
	WithoutSameSign bool
	// Reference reproduces the reference loop exactly, quirks included (see
	// [DSnoT]); otherwise the loop only ever swaps a currently pruned weight
	// with a currently kept one of the proper signs and each row stops on
	// its own.
	Reference bool
	// Workers bounds the goroutines over row chunks (≤ 0: GOMAXPROCS). The
	// result does not depend on it.
	Workers int

	// fullSort disables the partial orders (see sortedSmallest). For tests.
	fullSort bool
	// trace, if set, is called for every swap a row evaluates while it is
	// active (the cycle that deactivates a row included) with the cycle
	// number (from 1), ε after the cycle and whether the swap was accepted.
	// Rows run concurrently; calls for one row come from one goroutine, in
	// order. For tests.
	trace func(row, cycle int, eps float32, accepted bool)
}

// Reference defaults, and the LLaMA-7B scale they were tuned at.
const (
	dsnotRefCycles    = 50
	dsnotRefThreshold = 0.1
	dsnotRefCols      = 4096
	dsnotRefSeqLen    = 2048
)

// DSnoTReferenceOptions returns the reference's released defaults with the
// exact reference loop: T_max = 50, τ = 0.1, γ = 1, the same-sign check
// off for unstructured targets (always on for N:M).
func DSnoTReferenceOptions() DSnoTOptions {
	return DSnoTOptions{
		MaxCycles:       dsnotRefCycles,
		UpdateThreshold: dsnotRefThreshold,
		PowVarRegrow:    1,
		WithoutSameSign: true,
		Reference:       true,
	}
}

// DSnoTDefaultOptions returns scale-aware settings for a matrix with cols
// input columns calibrated on samples sequences holding tokens tokens in all
// (pass [Stats].Cols, Tokens and Samples; samples ≤ 0 means tokens is
// already the per-sequence length T):
//
//	MaxCycles       = max(1, round(50 · cols / 4096))
//	UpdateThreshold = 0.1 · T / 2048,  T = tokens / samples
//	WithoutSameSign = cols ≥ 4096
//
// with γ = 1 and the safe loop (Reference = false). At LLaMA-7B's sizes
// (cols 4096, T = 2048) every number and switch is the reference's: 50
// cycles, τ = 0.1, γ = 1, no same-sign check.
//
// Why. The reference's defaults were tuned on rows 4096 to 8192 wide (q, k,
// v, o of LLaMA-7B…65B; the MLP is skipped by default) with 2048-token
// windows.
//
//   - Cycles: 50 swaps per 4096-wide row change at most 1.2% of the row's
//     decisions. Keeping that FRACTION constant keeps the perturbation of
//     the initial (Wanda) mask the same size at every width. A fixed 50 on
//     a 64-wide row is 78% of the row — more cycles than the row keeps
//     weights, which runs the reference's pointers off its arrays — and
//     measured on stories260K (rows 64–172 wide, 64×256 calibration
//     tokens) 16 cycles took Wanda's 50% perplexity from 23.0 to 74.9 while
//     one cycle gave 22.85; this rule gives 1 cycle at 64 columns, 2 at
//     172 (and 134 at LLaMA's 11008-wide down_proj).
//   - Threshold: ε = Σ_{j∈P} W_ij·s_j with s_j = T·E[x_j] grows linearly
//     with the window length, so the reference's tolerance on the expected
//     per-token output error, 0.1/2048 ≈ 4.9e-5, is τ = 4.9e-5·T.
//   - Same-sign check below 4096 columns: in a narrow row one weight's a_ij
//     is comparable to the whole row's ε, so a swap easily overshoots; with
//     the check off the row then flips sign and keeps swapping without
//     ever reaching τ. With the check on, a row stops at the swap that
//     would flip ε, so |ε| decreases at every swap. Measured (sieve's
//     block loop, Wanda initial mask on q,k,v,o and the MLP, 64×256
//     TinyStories calibration tokens, perplexity on held-out TinyStories;
//     Wanda → these defaults with the check off → on): stories260K 50%
//     36.2 → 35.8 → 34.7, 70% 210 → 321 → 241; BabyLlama-128 50% 11.09 →
//     9.65 → 9.32, 70% 197 → 171 → 162. The reference's exact loop (50
//     cycles, τ = 0.1) gives 3157, 508, 277 and 25730 there. At and above
//     4096 columns the check stays off as in the reference, where it was
//     tuned.
//
// N:M always checks the sign (as the reference); there the cycle rule
// matters most: on stories260K 2:4 the linear budget gave 112.5 → 94.4 but
// 50 cycles 259.
func DSnoTDefaultOptions(cols int, tokens int64, samples int) DSnoTOptions {
	o := DSnoTOptions{PowVarRegrow: 1, WithoutSameSign: cols >= dsnotRefCols}
	o.MaxCycles = max(1, int(math.Round(dsnotRefCycles*float64(cols)/dsnotRefCols)))
	seq := float64(tokens)
	if samples > 0 {
		seq /= float64(samples)
	}
	o.UpdateThreshold = dsnotRefThreshold * (seq / dsnotRefSeqLen)
	return o
}

// DSnoT refines the initial mask pruned (true = pruned) of the row-major
// rows×cols matrix w and returns the new mask. The caller passes the
// layer's input statistics:
//
//   - mean[j] = (1/n)·Σ_t x_tj over all calibration tokens, n = number of
//     SEQUENCES: the reference's sum_metric_row, T·E[x_j] ([Stats].Sum /
//     [Stats].Samples);
//   - variance[j] = the within-sequence population variance of x_j, token-
//     weighted over sequences: the reference's var ([Stats].WithinVar /
//     [Stats].Tokens); must be ≥ 0;
//   - scalerRow[j] = Wanda's statistic ([Stats].ScalerRow), for the prune
//     order.
//
// w must hold the values each weight has when it is KEPT — the dense
// weights for a Wanda or magnitude initial mask. To refine SparseGPT, pass
// SparseGPT's mask and its updated weights, with the value a revived weight
// should take at every pruned position (the dense weight, or SparseGPT's
// updated value just before it zeroed that column): that is the "done
// right" SparseGPT+DSnoT. (The reference's own --initial_method sparsegpt
// never accumulates H, so it degenerates to pruning the first columns by
// index; it is not reproduced.) Zeros at pruned positions make every
// a_ij = 0 there, ε = 0, and nothing changes. On return the positions the
// new mask prunes are set to +0 in w; no other weight is modified.
//
// t selects the mode: unstructured (t.Ratio is only validated; each row
// keeps whatever number of zeros the initial mask gives it) or N:M (every
// aligned group of t.M columns of the initial mask must prune exactly t.N).
//
// # Unstructured (per row, rows are independent)
//
//	P, R = pruned and kept columns of the initial mask; ε = Σ_{j∈P} a_j
//	growth order G: all columns sorted ascending (stable) by
//	    (j∈P ? a_j / v_j^γ : 0)
//	prune order Q: R sorted ascending by Wanda score (stable), regrouped as
//	    [a<0, ascending score][a==0][a>0, DESCENDING score]
//	gl, gh = 0, cols−1;  ql, qh = 0, |R|−1
//	for cycle = 1..MaxCycles while active:
//	    g = ε > 0 ? G[gh--] : G[gl++]   // revive: largest a/v when ε>0, smallest when ε≤0
//	    h = ε < 0 ? Q[qh--] : Q[ql++]   // prune: a<0 with the smallest score when ε≥0, a>0 when ε<0
//	    ε' = (ε + a_h) − a_g            // float32, as the reference
//	    active = |ε| > τ [&& sign(ε') == sign(ε_initial) unless WithoutSameSign]
//	    if active: prune h, revive g, ε = ε'
//
// "active" is tested with ε BEFORE the swap (so the last accepted swap may
// leave |ε| below τ by any amount), the comparison is float32(|ε|) >
// float32(τ) as torch compares a float32 tensor with a Python float, and
// the pointers advance whether or not the swap is accepted. The variance
// only enters the growth order.
//
// # N:M
//
// G and ε as above; the weight pruned in exchange for g is the kept weight
// of g's M-group with the smallest initial Wanda score among those neither
// initially pruned nor already chosen (ties as torch.topk on CPU). The
// same-sign check is always on. Every group keeps exactly N zeros.
//
// # Reference mode (opts.Reference)
//
// The reference runs all rows in lock-step, vectorized, and reproduces it
// exactly:
//
//   - the loop runs C = min(MaxCycles, the last cycle at which any row of
//     the matrix is still active) cycles for EVERY row; an inactive row
//     still draws g and h each cycle (its ε is frozen, so always from the
//     same ends) and writes mask[h] = false, mask[g] = true — no-ops while
//     the pointers stay inside the blocks they were meant for;
//   - every evaluated swap writes mask[h] = accepted, mask[g] = !accepted;
//   - the a==0 block of Q holds, for every such weight, the kept weight
//     with the row's smallest Wanda score instead (return_reorder_indice
//     maps them all to position 0);
//   - N:M: the chosen partner is marked used even when the swap is
//     rejected, "used" is max(row scores)+1 (= +Inf), and a group with no
//     candidate left yields the topk tie choice among used entries;
//   - ε starts as the float32 rounding of the float64 sum of the pruned
//     a_j (the reference's CUDA float32 sum may differ in the last bit).
//
// Once pointers leave their blocks the reference revives kept weights,
// prunes pruned ones or un-prunes them on rejection, so its zero counts
// (and N:M patterns) can drift; that is reproduced. Divergences, all where
// the reference cannot run or divides by zero:
//
//   - a pointer past either end of G or Q (more cycles than the row has
//     entries: the reference fails in torch.gather) is clamped to the end
//     entry (pointers are not advanced further);
//   - v_j^γ == 0: the growth key of a nonzero a_j is ±Inf (the reference's
//     a/0; such a weight, whose mean contribution has no variance, is
//     revived first), of a zero a_j (kept positions included) 0 where the
//     reference gets 0/0 = NaN;
//   - rows with no kept weight are left unchanged (the reference fails).
//
// # Default (safe) mode
//
// The same orders, ε arithmetic and acceptance test, but each row stops at
// its first rejected swap (the reference's later no-op writes are skipped)
// and also stops, without swapping, when the next g is not a currently
// pruned weight with a_g of the sign of ε (nonzero, finite) or the next h
// is not a currently kept weight with a_h of the opposite sign or zero
// (finite; N:M: when g's group has no unused kept weight left, the sign of
// a_h being left to the same-sign check); Q lists each a==0 kept weight
// itself, in ascending score order. So no index is ever revisited or read past an end and every row
// keeps exactly its number of zeros. While no pointer leaves its block —
// the normal regime, MaxCycles far below the row's count of positive and
// of negative a — both modes return the same mask.
//
// Cost per row: O(cols) to form a and the keys, then, when MaxCycles is at
// most the size of each sign block at the ends of G and Q, a selection of
// the MaxCycles entries needed from each end (O(cols + MaxCycles·log
// MaxCycles)); otherwise full O(cols·log cols) sorts. The loop is
// O(MaxCycles) (reference mode runs all MaxCycles cycles per row, inactive
// ones included; its writes after deactivation are kept for the second
// pass). Rows run in parallel over chunks of 16; the result does not
// depend on the number of goroutines.
//
// Non-finite statistics (NaN or infinite mean, NaN or negative variance,
// scalerRow as [WandaMask] checks) are errors. NaN weights give NaN a_j:
// a row whose ε is NaN never swaps; in safe mode a NaN a_j is never a
// candidate.
func DSnoT(w []float32, rows, cols int, pruned Mask, mean, variance, scalerRow []float64, t Target, opts DSnoTOptions) (Mask, error) {
	if err := t.ValidateFor(cols); err != nil {
		return nil, err
	}
	if err := checkShape(len(w), rows, cols); err != nil {
		return nil, err
	}
	if len(pruned) != len(w) {
		return nil, fmt.Errorf("prune: dsnot: mask has %d entries, the matrix %d", len(pruned), len(w))
	}
	if len(mean) != cols || len(variance) != cols {
		return nil, fmt.Errorf("prune: dsnot: mean has %d entries, variance %d, the matrix has %d columns", len(mean), len(variance), cols)
	}
	if opts.MaxCycles < 0 {
		return nil, fmt.Errorf("prune: dsnot: MaxCycles = %d is negative", opts.MaxCycles)
	}
	if !(opts.UpdateThreshold >= 0) {
		return nil, fmt.Errorf("prune: dsnot: UpdateThreshold = %v must be ≥ 0", opts.UpdateThreshold)
	}
	if math.IsNaN(opts.PowVarRegrow) || math.IsInf(opts.PowVarRegrow, 0) {
		return nil, fmt.Errorf("prune: dsnot: PowVarRegrow = %v is not finite", opts.PowVarRegrow)
	}
	sq, err := wandaSqrt(scalerRow, cols)
	if err != nil {
		return nil, err
	}
	s32 := make([]float32, cols)
	den := make([]float32, cols)
	for j := range cols {
		s32[j] = float32(mean[j])
		if math.IsNaN(float64(s32[j])) || math.IsInf(float64(s32[j]), 0) {
			return nil, fmt.Errorf("prune: dsnot: mean[%d] = %v is not a finite float32", j, mean[j])
		}
		if !(variance[j] >= 0) {
			return nil, fmt.Errorf("prune: dsnot: variance[%d] = %v must be ≥ 0", j, variance[j])
		}
		den[j] = varPow(float32(variance[j]), opts.PowVarRegrow)
	}
	if t.Structured() {
		for i := range rows {
			m := pruned[i*cols : (i+1)*cols]
			for g := 0; g < cols; g += t.M {
				n := Mask(m[g : g+t.M]).Count()
				if n != t.N {
					return nil, fmt.Errorf("prune: dsnot: row %d, columns [%d, %d): the initial mask prunes %d, not %d (%d:%d)", i, g, g+t.M, n, t.N, t.N, t.M)
				}
			}
		}
	}
	out := slices.Clone(pruned)
	d := &dsnot{w: w, cols: cols, s: s32, den: den, sq: sq, t: t, o: opts, tau: float32(opts.UpdateThreshold), mask: out}
	if opts.MaxCycles > 0 && rows > 0 && cols > 0 {
		const chunk = 16
		if opts.Reference {
			// Pass 1: every row's own evolution, its writes while active,
			// the cycle it went inactive and the writes it would make in
			// the later cycles. Pass 2: the loop length is decided by the
			// last active row; apply the tails up to it.
			last := make([]int, rows)
			tails := make([][]dsnotWrite, rows)
			parallelRows(rows, chunk, opts.Workers, func(lo, hi int) {
				r := d.newRow()
				for i := lo; i < hi; i++ {
					last[i], tails[i] = r.reference(i)
				}
			})
			c := slices.Max(last)
			parallelRows(rows, chunk, opts.Workers, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					m := out[i*cols : (i+1)*cols]
					for _, wr := range tails[i] {
						if wr.cycle > c {
							break
						}
						m[wr.h] = false
						m[wr.g] = true
					}
				}
			})
		} else {
			parallelRows(rows, chunk, opts.Workers, func(lo, hi int) {
				r := d.newRow()
				for i := lo; i < hi; i++ {
					r.safe(i)
				}
			})
		}
	}
	out.Apply(w)
	return out, nil
}

// varPow is torch.pow(var, γ) in float32 for the reference's γ (exact for
// γ ∈ {0, 1, 2, 0.5}); γ = 0 means no division and returns 1.
func varPow(v float32, gamma float64) float32 {
	switch gamma {
	case 0:
		return 1
	case 1:
		return v
	case 2:
		return v * v
	case 0.5:
		return float32(math.Sqrt(float64(v)))
	}
	return float32(math.Pow(float64(v), float64(float32(gamma))))
}

// regrowKey is a/den guarded against den == 0 (see DSnoT).
func regrowKey(a, den float32) float32 {
	if den == 0 {
		switch {
		case a > 0:
			return float32(math.Inf(1))
		case a < 0:
			return float32(math.Inf(-1))
		}
		return 0
	}
	return a / den
}

func sgn32(x float32) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0 // 0, -0 and NaN, as torch.sign
}

func finite32(x float32) bool { return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) }

// dsnot holds one call's shared, read-only inputs (and the output mask,
// written row by row).
type dsnot struct {
	w      []float32
	cols   int
	s, den []float32
	sq     []float32
	t      Target
	o      DSnoTOptions
	tau    float32
	mask   Mask
}

// dsnotWrite is a reference-mode write of an inactive row in a later cycle:
// mask[h] = false, then mask[g] = true.
type dsnotWrite struct {
	cycle int
	h, g  int32
}

// dsnotRow is per-goroutine scratch for one row at a time.
type dsnotRow struct {
	*dsnot
	a     []float32 // a_j of the row
	gk    []float32 // growth keys
	keys  []uint64
	keys2 []uint64
	G     []int32   // growth order (all columns; see prepare)
	Q     []int32   // prune order (kept columns; unstructured; see buildQ)
	im    []float32 // N:M: Wanda scores, +Inf (or the reference's "used") for pruned/used
	q     []topkPair
}

func (d *dsnot) newRow() *dsnotRow {
	c := d.cols
	return &dsnotRow{dsnot: d, a: make([]float32, c), gk: make([]float32, c), keys: make([]uint64, c), keys2: make([]uint64, c),
		G: make([]int32, c), Q: make([]int32, 0, c), im: make([]float32, c), q: make([]topkPair, max(d.t.M, 1))}
}

// Orders without full sorts. A row draws at most MaxCycles entries in
// all from the two ends of G and of Q. When MaxCycles is at most the size
// of the blocks at both ends (G: pruned weights with negative / positive
// key; Q: kept weights with a < 0 / a > 0), no pointer can leave its end
// block, so only the MaxCycles first entries of each end are needed: they
// are selected in O(cols) and sorted, and the middle of G and Q is never
// read. Otherwise (and with NaN keys or infinite scores) the rows are
// sorted completely. Both give the same entries at every position read.

// sortedSmallest returns the k smallest keys in ascending order (all of
// them when k ≥ len(keys)), reordering keys.
func sortedSmallest(keys []uint64, k int) []uint64 {
	if k < len(keys) {
		selectKth(keys, k-1) // keys[:k] are then the k smallest (keys are unique)
		keys = keys[:k]
	}
	slices.Sort(keys)
	return keys
}

// prepare computes a, ε0 and G for row i and returns ε0 and the number of
// kept weights.
func (r *dsnotRow) prepare(i int) (eps float32, kept int) {
	c := r.cols
	wrow := r.w[i*c : (i+1)*c]
	m := r.mask[i*c : (i+1)*c]
	var sum float64
	neg, pos, nan := 0, 0, 0
	for j, v := range wrow {
		r.a[j] = v * r.s[j]
		key := float32(0)
		if m[j] {
			sum += float64(r.a[j])
			key = r.a[j]
			if r.o.PowVarRegrow != 0 {
				key = regrowKey(r.a[j], r.den[j])
			}
		} else {
			kept++
		}
		r.gk[j] = key
		switch {
		case key < 0:
			neg++
		case key > 0:
			pos++
		case key != key:
			nan++
		}
	}
	T := r.o.MaxCycles
	if r.o.fullSort || nan > 0 || T > neg || T > pos {
		for j, key := range r.gk {
			r.keys[j] = stableKey(key, j)
		}
		slices.Sort(r.keys)
		for k, key := range r.keys {
			r.G[k] = int32(uint32(key))
		}
		return float32(sum), kept
	}
	lo, hi := r.keys[:0], r.keys2[:0]
	for j, key := range r.gk {
		switch {
		case key < 0:
			lo = append(lo, stableKey(key, j))
		case key > 0:
			hi = append(hi, ^stableKey(key, j)) // largest (key, j) first
		}
	}
	for k, key := range sortedSmallest(lo, T) {
		r.G[k] = int32(uint32(key))
	}
	for k, key := range sortedSmallest(hi, T) {
		r.G[c-1-k] = int32(uint32(^key))
	}
	return float32(sum), kept
}

// buildQ fills r.Q with the unstructured prune order of row i (kept
// columns): [a<0 ascending score][a==0][a>0 descending score]. In reference
// mode the kept columns are found as the reference does (pruned scores set
// to +Inf, stable sort of the whole row, first |R| entries) and the a==0
// block repeats the first of them.
func (r *dsnotRow) buildQ(i, kept int, reference bool) {
	c := r.cols
	wrow := r.w[i*c : (i+1)*c]
	m := r.mask[i*c : (i+1)*c]
	Q := r.Q[:kept]
	r.Q = Q
	T := r.o.MaxCycles
	neg, pos, finite := 0, 0, true
	for j, v := range wrow {
		if !m[j] {
			switch a := r.a[j]; {
			case a < 0:
				neg++
			case a > 0:
				pos++
			}
			// (a NaN or infinite score could reorder the reference's R.)
			finite = finite && finite32(abs32(v)*r.sq[j])
		}
	}
	if !r.o.fullSort && finite && T <= neg && T <= pos {
		lo, hi := r.keys[:0], r.keys2[:0]
		for j, v := range wrow {
			if !m[j] {
				switch a := r.a[j]; {
				case a < 0:
					lo = append(lo, stableKey(abs32(v)*r.sq[j], j))
				case a > 0:
					hi = append(hi, stableKey(abs32(v)*r.sq[j], j))
				}
			}
		}
		for k, key := range sortedSmallest(lo, T) {
			Q[k] = int32(uint32(key))
		}
		for k, key := range sortedSmallest(hi, T) {
			Q[kept-1-k] = int32(uint32(key))
		}
		return
	}
	keys := r.keys[:0]
	inf := float32(math.Inf(1))
	for j, v := range wrow {
		switch {
		case m[j] && reference:
			keys = append(keys, stableKey(inf, j))
		case !m[j]:
			keys = append(keys, stableKey(abs32(v)*r.sq[j], j))
		}
	}
	slices.Sort(keys)
	sorted := keys[:kept]
	neg, zero := 0, 0
	for _, key := range sorted {
		switch a := r.a[uint32(key)]; {
		case a < 0:
			neg++
		case !(a > 0):
			zero++
		}
	}
	ni, zi, pi := 0, neg, kept-1
	for _, key := range sorted {
		j := int32(uint32(key))
		switch a := r.a[j]; {
		case a < 0:
			Q[ni] = j
			ni++
		case a > 0:
			Q[pi] = j
			pi--
		default:
			if reference {
				j = int32(uint32(sorted[0]))
			}
			Q[zi] = j
			zi++
		}
	}
}

// reference runs row i as the reference does (see DSnoT) and returns the
// cycle after which the row is inactive (MaxCycles if it never is, 0 for a
// row that is left alone) and the writes of its later, inactive cycles.
func (r *dsnotRow) reference(i int) (last int, tail []dsnotWrite) {
	c := r.cols
	m := r.mask[i*c : (i+1)*c]
	eps, kept := r.prepare(i)
	if kept == 0 {
		return 0, nil
	}
	nm := r.t.Structured()
	var used float32
	if nm {
		wrow := r.w[i*c : (i+1)*c]
		inf := float32(math.Inf(1))
		used = float32(math.Inf(-1))
		for j, v := range wrow {
			x := inf
			if !m[j] {
				x = abs32(v) * r.sq[j]
			}
			r.im[j] = x
			if x != x || used != used {
				used = float32(math.NaN()) // torch.max propagates NaN
			} else if x > used {
				used = x
			}
		}
		used++
	} else {
		r.buildQ(i, kept, true)
	}
	sign0 := sgn32(eps)
	T := r.o.MaxCycles
	gl, gh := 0, c-1
	ql, qh := 0, kept-1
	active := true
	last = T
	for cyc := 1; cyc <= T; cyc++ {
		var gi int
		if eps > 0 {
			gi = gh
			if gh > 0 {
				gh--
			}
		} else {
			gi = gl
			if gl < c-1 {
				gl++
			}
		}
		g := int(r.G[gi])
		var h int
		if nm {
			start := g - g%r.t.M
			h = start + r.partner(start)
		} else {
			var hi int
			if eps < 0 {
				hi = qh
				if qh > 0 {
					qh--
				}
			} else {
				hi = ql
				if ql < kept-1 {
					ql++
				}
			}
			h = int(r.Q[hi])
		}
		if !active {
			if nm {
				r.im[h] = used
			}
			if n := len(tail); n == 0 || tail[n-1].h != int32(h) || tail[n-1].g != int32(g) {
				tail = append(tail, dsnotWrite{cycle: cyc, h: int32(h), g: int32(g)})
			}
			continue
		}
		ep := (eps + r.a[h]) - r.a[g]
		ok := abs32(eps) > r.tau
		if nm || !r.o.WithoutSameSign {
			ok = ok && sgn32(ep) == sign0
		}
		if nm {
			r.im[h] = used
		}
		m[h] = ok
		m[g] = !ok
		if ok {
			eps = ep
		} else {
			active = false
			last = cyc
		}
		if r.o.trace != nil {
			r.o.trace(i, cyc, eps, ok)
		}
	}
	return last, tail
}

// partner returns the offset in the group starting at column start of the
// entry torch.topk(im[start:start+M], 1, largest=False) picks on CPU.
func (r *dsnotRow) partner(start int) int {
	q := r.q[:r.t.M]
	for j := range q {
		q[j] = topkPair{r.im[start+j], int32(j)}
	}
	topkSmallest(q, 1)
	return int(q[0].i)
}

// safe runs row i in the default mode (see DSnoT).
func (r *dsnotRow) safe(i int) {
	c := r.cols
	m := r.mask[i*c : (i+1)*c]
	eps, kept := r.prepare(i)
	if kept == 0 {
		return
	}
	nm := r.t.Structured()
	inf := float32(math.Inf(1))
	if nm {
		wrow := r.w[i*c : (i+1)*c]
		for j, v := range wrow {
			r.im[j] = inf
			if !m[j] {
				r.im[j] = abs32(v) * r.sq[j]
			}
		}
	} else {
		r.buildQ(i, kept, false)
	}
	sign0 := sgn32(eps)
	gl, gh := 0, c-1
	ql, qh := 0, kept-1
	for cyc := 1; cyc <= r.o.MaxCycles; cyc++ {
		if !(abs32(eps) > r.tau) { // also ε == 0 and NaN
			if r.o.trace != nil {
				r.o.trace(i, cyc, eps, false)
			}
			return
		}
		s := sgn32(eps)
		var g int
		if s > 0 {
			if gh < 0 {
				return
			}
			g = int(r.G[gh])
			gh--
		} else {
			if gl >= c {
				return
			}
			g = int(r.G[gl])
			gl++
		}
		if ag := r.a[g]; !m[g] || !finite32(ag) || sgn32(ag) != s {
			return
		}
		var h int
		if nm {
			start := g - g%r.t.M
			h = start + r.partner(start)
			if !finite32(r.im[h]) {
				return // no unused kept weight left in the group
			}
		} else {
			if s < 0 {
				if qh < 0 {
					return
				}
				h = int(r.Q[qh])
				qh--
			} else {
				if ql >= kept {
					return
				}
				h = int(r.Q[ql])
				ql++
			}
			if sgn32(r.a[h]) == s {
				return
			}
		}
		if ah := r.a[h]; m[h] || !finite32(ah) {
			return
		}
		ep := (eps + r.a[h]) - r.a[g]
		if (nm || !r.o.WithoutSameSign) && sgn32(ep) != sign0 {
			if r.o.trace != nil {
				r.o.trace(i, cyc, eps, false)
			}
			return
		}
		if nm {
			r.im[h] = inf
		}
		m[h] = true
		m[g] = false
		eps = ep
		if r.o.trace != nil {
			r.o.trace(i, cyc, eps, true)
		}
	}
}
