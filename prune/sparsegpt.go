package prune

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// SparseGPTOptions tunes [SparseGPT]. Start from [DefaultSparseGPTOptions].
type SparseGPTOptions struct {
	// BlockSize is the number of columns per block (reference: 128; 0 means
	// 128). For N:M targets it must be a multiple of M.
	BlockSize int
	// PercDamp is the relative damping δ: δ·mean(diag H) is added to the
	// diagonal of H before factorization (reference: 0.01). It is used as
	// given, so 0 means no damping. Raise it when H is not positive definite.
	PercDamp float64
	// Workers bounds the goroutines of the row-parallel loops (≤ 0:
	// GOMAXPROCS). The lazy block update runs in gonum's GEMM, which uses
	// GOMAXPROCS. Results are bit-identical for every value of either.
	Workers int
}

// DefaultSparseGPTOptions returns the reference's settings: 128-column
// blocks and 1% damping.
func DefaultSparseGPTOptions() SparseGPTOptions {
	return SparseGPTOptions{BlockSize: 128, PercDamp: 0.01}
}

// SparseGPT prunes the row-major rows×cols float32 matrix w IN PLACE with
// SparseGPT's fasterprune (IST-DASLab/sparsegpt, as vendored in
// locuslab/wanda lib/sparsegpt.py) and returns the mask of pruned positions.
// Unlike magnitude and Wanda, SparseGPT also UPDATES the weights it keeps
// (optimal-brain-surgeon reconstruction): on return every pruned weight is
// exactly +0 and the other weights hold their updated values, rounded from
// the float64 working copy to float32 (the reference then casts to the model
// dtype; doing that is up to the caller). opts == nil means
// [DefaultSparseGPTOptions].
//
// h is the cols×cols row-major Hessian of the layer's inputs as the
// reference accumulates it: H = (2/n)·Σ_t x_t x_tᵀ over all calibration
// tokens t, n = number of calibration SEQUENCES (the reference's running
// mean counts batch entries; it keeps H in float32, here it is float64 —
// accumulate in float64 and scale once). It must be symmetric; only its
// upper triangle is read and it is not modified. A positive rescaling of H
// leaves the result unchanged except through the damping of dead columns
// (whose diagonal is set to 1), so pass the reference's scale.
//
// The algorithm, step by step as the reference runs it (p = t.Ratio, B =
// BlockSize):
//
//  1. Dead columns (H_jj == 0): H_jj = 1 and W[:, j] = 0.
//  2. Damping: H += δ·mean(diag H)·I.
//  3. U = the upper Cholesky factor of H⁻¹ (H⁻¹ = UᵀU). The reference forms
//     it as cholesky(cholesky_inverse(cholesky(H)), upper=True). Here the
//     same matrix is computed as U = (P·chol(P·H·P)·P)⁻¹ with P the index
//     reversal (H = VVᵀ with V = U⁻¹ upper triangular, so P·V·P is the
//     lower Cholesky factor of P·H·P): one gonum Cholesky and one triangular
//     inverse, half the flops of the reference's three steps, no explicit
//     H⁻¹. The two agree to float64 rounding (~1e-13 relative; the tests
//     compare with the literal three-step gonum/mat computation). The
//     Cholesky factorization is gonum's (lapack64.Potrf); the triangular
//     inverse is LAPACK's blocked dtrtri on gonum's BLAS with its panel
//     updates spread over goroutines (see trtriLower). A failed
//     factorization (H + damping not positive definite) is an error that
//     suggests a larger PercDamp. Steps 1–3 depend on H only and can be
//     shared by layers with the same input: see [SparseGPTFactor].
//  4. For each block of B columns [b, e) (the last one may be narrower),
//     with W1 = W[:, b:e] including all updates so far and U1 = U[b:e, b:e]:
//     - unstructured: one mask for the whole block, jointly over ALL rows:
//     score_ij = W1_ij²/U1_jj² (in float32, as the reference), the
//     threshold is the k-th smallest score (0-based, NaN last) with k =
//     int(rows·(e−b)·p), and every score ≤ threshold is pruned — k+1
//     weights plus ties per block; per-row sparsity varies.
//     - N:M: when j % M == 0 (j relative to the block, B % M == 0 so the
//     groups are aligned to the matrix), each row prunes the N smallest
//     W1²/U1² among columns j..j+M−1 using the CURRENT (already updated)
//     W1, ties resolved as torch.topk(largest=False) on CPU.
//     - column by column, per row: err = (w − q)/U1_jj (q = 0 if pruned,
//     w if kept), W1[:, j:] −= err·U1[j, j:], the column becomes q.
//     - lazy batch update of the later columns: W[:, e:] −= Err·U[b:e, e:].
//
// Dead-column weights are zero on return; the mask covers them whenever the
// selection picked them (always for unstructured targets, where their score
// 0 is ≤ every threshold; for N:M unless a group has more than N dead
// columns).
//
// The working matrix, U and all updates are float64 (the reference is
// float32 throughout); only the mask scores are float32. The per-row loops
// run in parallel over rows and the lazy update accumulates every element
// in a fixed order, so the result does not depend on the number of threads.
func SparseGPT(w []float32, rows, cols int, h []float64, t Target, opts *SparseGPTOptions) (Mask, error) {
	if err := t.ValidateFor(cols); err != nil {
		return nil, err
	}
	if err := checkShape(len(w), rows, cols); err != nil {
		return nil, err
	}
	if _, err := sparseGPTOpts(opts, t); err != nil {
		return nil, err
	}
	f, err := NewSparseGPTFactor(h, cols, opts)
	if err != nil {
		return nil, err
	}
	return f.Prune(w, rows, t, opts)
}

// SparseGPTFactor is what SparseGPT derives from H alone (steps 1–3 of
// [SparseGPT]: the dead columns and U). Linear layers that read the same
// input activations share H — q/k/v, and gate/up, in a LLaMA block — so
// one factor can prune all of them, which saves the O(cols³)
// factorization for all but the first. A factor is read-only after
// construction and safe for concurrent Prune calls.
type SparseGPTFactor struct {
	cols int
	dead []bool
	u    []float64 // cols×cols row-major, upper triangle = U
}

// NewSparseGPTFactor runs steps 1–3 of [SparseGPT] on the cols×cols H (see
// [SparseGPT] for what H must hold; it is not modified). It uses
// opts.PercDamp and opts.Workers; nil means [DefaultSparseGPTOptions].
func NewSparseGPTFactor(h []float64, cols int, opts *SparseGPTOptions) (*SparseGPTFactor, error) {
	o, err := sparseGPTOpts(opts, Target{})
	if err != nil {
		return nil, err
	}
	n := cols
	if n < 0 || len(h) != n*n {
		return nil, fmt.Errorf("prune: sparsegpt: H has %d elements, want %d×%d", len(h), n, n)
	}
	f := &SparseGPTFactor{cols: n, dead: make([]bool, n), u: make([]float64, n*n)}
	if n == 0 {
		return f, nil
	}
	u := f.u
	copy(u, h)
	var diagSum float64
	for j := 0; j < n; j++ {
		if u[j*n+j] == 0 {
			f.dead[j] = true
			u[j*n+j] = 1
		}
		diagSum += u[j*n+j]
	}
	damp := o.PercDamp * (diagSum / float64(n))
	for j := 0; j < n; j++ {
		u[j*n+j] += damp
	}
	if err := upperInvChol(u, n, o.Workers); err != nil {
		return nil, fmt.Errorf("prune: sparsegpt: %w: H + %g·mean(diag H)·I is not positive definite; increase the damping (PercDamp, reference default 0.01) or use more calibration data", err, o.PercDamp)
	}
	return f, nil
}

// Cols returns the number of input columns the factor was built for.
func (f *SparseGPTFactor) Cols() int { return f.cols }

// Prune runs step 4 of [SparseGPT] on the row-major rows×Cols() matrix w in
// place and returns the mask (see [SparseGPT]). It uses opts.BlockSize and
// opts.Workers; nil means [DefaultSparseGPTOptions].
func (f *SparseGPTFactor) Prune(w []float32, rows int, t Target, opts *SparseGPTOptions) (Mask, error) {
	return f.prune(w, rows, t, opts, nil)
}

// Reconstruct is Prune with the mask given instead of chosen: SparseGPT's
// column-by-column updates compensate for exactly the weights fixed marks,
// as for a mask it had chosen itself. DSnoT on a SparseGPT base uses it to
// re-solve the kept weights after it has changed the mask. t only sets the
// options' defaults.
func (f *SparseGPTFactor) Reconstruct(w []float32, rows int, fixed Mask, t Target, opts *SparseGPTOptions) error {
	if len(fixed) != len(w) {
		return fmt.Errorf("prune: sparsegpt: mask of %d for %d weights", len(fixed), len(w))
	}
	_, err := f.prune(w, rows, t, opts, fixed)
	return err
}

func (f *SparseGPTFactor) prune(w []float32, rows int, t Target, opts *SparseGPTOptions, fixed Mask) (Mask, error) {
	n := f.cols
	if err := t.ValidateFor(n); err != nil {
		return nil, err
	}
	if err := checkShape(len(w), rows, n); err != nil {
		return nil, err
	}
	o, err := sparseGPTOpts(opts, t)
	if err != nil {
		return nil, err
	}
	mask := make(Mask, len(w))
	if fixed != nil {
		copy(mask, fixed)
	}
	if n == 0 || rows == 0 {
		return mask, nil
	}
	u, dead := f.u, f.dead

	// Working copy.
	W := make([]float64, len(w))
	for i := 0; i < rows; i++ {
		for j, v := range w[i*n : (i+1)*n] {
			if !dead[j] {
				W[i*n+j] = float64(v)
			}
		}
	}
	B := o.BlockSize
	E := make([]float64, rows*B)
	var scores []float32
	var keys []uint32
	if !t.Structured() {
		scores = make([]float32, rows*B)
		keys = make([]uint32, rows*B)
	}
	dinv := make([]float32, B) // float32(U_jj)², the score denominators
	for b := 0; b < n; b += B {
		e := min(b+B, n)
		cnt := e - b
		for j := 0; j < cnt; j++ {
			d := float32(u[(b+j)*n+b+j])
			dinv[j] = d * d
		}
		if !t.Structured() && fixed == nil {
			k := pyIntMul(rows*cnt, t.Ratio)
			if k >= rows*cnt {
				return nil, fmt.Errorf("prune: sparsegpt: sparsity %v selects index %d of %d scores (the reference raises IndexError)", t.Ratio, k, rows*cnt)
			}
			parallelRows(rows, 256, o.Workers, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					w1 := W[i*n+b : i*n+e]
					s := scores[i*cnt : (i+1)*cnt]
					kk := keys[i*cnt : (i+1)*cnt]
					for j, x := range w1 {
						x32 := float32(x)
						s[j] = x32 * x32 / dinv[j]
						kk[j] = orderKey32(s[j])
					}
				}
			})
			thr := selectKth(keys[:rows*cnt], k)
			if thr != math.MaxUint32 { // a NaN threshold prunes nothing
				parallelRows(rows, 256, o.Workers, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						m1 := mask[i*n+b : i*n+e]
						for j, s := range scores[i*cnt : (i+1)*cnt] {
							m1[j] = orderKey32(s) <= thr
						}
					}
				})
			}
		}
		parallelRows(rows, 16, o.Workers, func(lo, hi int) {
			var q []topkPair
			var gs []float32
			if t.Structured() {
				q = make([]topkPair, t.M)
				gs = make([]float32, t.M)
			}
			for i := lo; i < hi; i++ {
				w1 := W[i*n+b : i*n+e]
				m1 := mask[i*n+b : i*n+e]
				e1 := E[i*B : i*B+cnt]
				for j := 0; j < cnt; j++ {
					if t.Structured() && fixed == nil && j%t.M == 0 {
						for jj := range gs {
							x32 := float32(w1[j+jj])
							gs[jj] = x32 * x32 / dinv[j+jj]
						}
						nmSmallest(gs, t.N, t.M, m1[j:j+t.M], q)
					}
					if !m1[j] {
						e1[j] = 0
						continue
					}
					row := (b + j) * n
					err := w1[j] / u[row+b+j]
					e1[j] = err
					if err != 0 {
						tail := w1[j+1:]
						ur := u[row+b+j+1 : row+e]
						ur = ur[:len(tail)]
						for jj, x := range ur {
							tail[jj] -= err * x
						}
					}
					w1[j] = 0
				}
			}
		})
		if e < n {
			// W[:, e:] −= E · U[b:e, e:]
			blas64.Implementation().Dgemm(blas.NoTrans, blas.NoTrans, rows, n-e, cnt,
				-1, E, B, u[b*n+e:], n, 1, W[e:], n)
		}
	}

	for i, x := range W {
		if mask[i] {
			w[i] = 0
		} else {
			w[i] = float32(x)
		}
	}
	return mask, nil
}

// sparseGPTOpts resolves opts (nil → defaults, BlockSize 0 → 128) and
// checks them against t.
func sparseGPTOpts(opts *SparseGPTOptions, t Target) (SparseGPTOptions, error) {
	o := DefaultSparseGPTOptions()
	if opts != nil {
		o = *opts
		if o.BlockSize == 0 {
			o.BlockSize = 128
		}
	}
	if o.BlockSize < 0 {
		return o, fmt.Errorf("prune: sparsegpt: negative block size %d", o.BlockSize)
	}
	if t.Structured() && o.BlockSize%t.M != 0 {
		return o, fmt.Errorf("prune: sparsegpt: block size %d is not a multiple of M = %d", o.BlockSize, t.M)
	}
	if !(o.PercDamp >= 0) || math.IsInf(o.PercDamp, 0) {
		return o, fmt.Errorf("prune: sparsegpt: damping %v must be finite and ≥ 0", o.PercDamp)
	}
	return o, nil
}

// upperInvChol replaces the symmetric positive definite n×n row-major
// matrix a (only its upper triangle is read) by U, the upper Cholesky factor
// of a⁻¹ (a⁻¹ = UᵀU), in its upper triangle; the strict lower triangle is
// left undefined.
//
// With P the index reversal, a = VVᵀ for V = U⁻¹ upper triangular, and
// P·V·P is the lower Cholesky factor of P·a·P. Reversing both indices of a
// row-major n×n matrix is reversing its n² elements, so: reverse, factor the
// lower triangle, invert it in place, reverse back.
func upperInvChol(a []float64, n, workers int) error {
	slices.Reverse(a) // upper triangle of a → lower triangle of P·a·P
	if _, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: n, Data: a}); !ok {
		return fmt.Errorf("Cholesky factorization failed")
	}
	if !trtriLower(a, n, workers) {
		return fmt.Errorf("Cholesky factor is singular")
	}
	slices.Reverse(a)
	return nil
}

// trtriLower inverts the lower-triangular n×n row-major matrix a in place
// (the strict upper triangle is not referenced). It is LAPACK's blocked
// dtrtri for a lower triangle (block columns from the last to the first:
// panel := X22·panel, panel := −panel·L11⁻¹, invert L11) built from gonum's
// BLAS, with the two panel updates split over goroutines: the triangular
// multiply by column chunks, the triangular solve by row chunks. Columns
// (rows) of those updates are computed independently of each other and
// the partition is fixed, so the result does not depend on the number of
// workers. gonum's own Dtrtri runs on one core.
func trtriLower(a []float64, n, workers int) bool {
	const nb, colChunk, rowChunk = 128, 64, 64
	bi := blas64.Implementation()
	for j := ((n - 1) / nb) * nb; j >= 0; j -= nb {
		jb := min(nb, n-j)
		if m := n - j - jb; m > 0 {
			x22 := a[(j+jb)*n+j+jb:]
			panel := (j+jb)*n + j
			parallelRows(jb, colChunk, workers, func(c0, c1 int) {
				bi.Dtrmm(blas.Left, blas.Lower, blas.NoTrans, blas.NonUnit, m, c1-c0, 1, x22, n, a[panel+c0:], n)
			})
			parallelRows(m, rowChunk, workers, func(r0, r1 int) {
				bi.Dtrsm(blas.Right, blas.Lower, blas.NoTrans, blas.NonUnit, r1-r0, jb, -1, a[j*n+j:], n, a[panel+r0*n:], n)
			})
		}
		if !lapack64.Trtri(blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: jb, Stride: n, Data: a[j*n+j:]}) {
			return false
		}
	}
	return true
}
