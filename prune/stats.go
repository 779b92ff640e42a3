package prune

import (
	"github.com/sieve-llm/sieve/asm"
)

// Stats accumulates what the pruning methods need to know about one linear
// layer's input activations, over calibration sequences, in float64.
type Stats struct {
	Cols    int
	Samples int   // calibration sequences seen (the reference's nsamples)
	Tokens  int64 // tokens seen
	// SumSq[j] = Σ_t x_tj² over all tokens: Wanda's scaler_row is SumSq/Samples.
	SumSq []float64
	// Sum[j] = Σ_t x_tj: DSnoT's mean statistic is Sum/Samples.
	Sum []float64
	// WithinVar[j] accumulates, over sequences, the token count times the
	// population variance of x_j within the sequence (DSnoT's variance is its
	// token-weighted mean over sequences: WithinVar/Tokens).
	WithinVar []float64
	// H = Σ_t x_t x_tᵀ (cols×cols), when requested: SparseGPT's Hessian is
	// 2·H/Samples.
	H []float64

	xt, xx []float32 // scratch for H
}

// NewStats prepares accumulators for a layer input of cols features; withH
// adds the cols×cols second-moment matrix.
func NewStats(cols int, withH bool) *Stats {
	s := &Stats{Cols: cols, SumSq: make([]float64, cols), Sum: make([]float64, cols), WithinVar: make([]float64, cols)}
	if withH {
		s.H = make([]float64, cols*cols)
	}
	return s
}

// Add accumulates one calibration sequence of n tokens (x is n×Cols,
// row-major). impl computes XᵀX in float32 on the GEMM kernels (as the
// reference accumulates in float32), added into H in float64.
func (s *Stats) Add(x []float32, n int, impl *asm.Impl) {
	c := s.Cols
	s.Samples++
	s.Tokens += int64(n)
	mean := make([]float64, c)
	for t := 0; t < n; t++ {
		row := x[t*c : (t+1)*c]
		for j, v := range row {
			f := float64(v)
			s.SumSq[j] += f * f
			mean[j] += f
		}
	}
	for j := range mean {
		s.Sum[j] += mean[j]
		mean[j] /= float64(n)
	}
	for t := 0; t < n; t++ {
		row := x[t*c : (t+1)*c]
		for j, v := range row {
			d := float64(v) - mean[j]
			s.WithinVar[j] += d * d
		}
	}
	if s.H == nil {
		return
	}
	// Xᵀ is c×n; H += Xᵀ·X via the GEMM kernel: dst[a][b] = Σ_t Xᵀ[a][t]·Xᵀ[b][t].
	s.xt = growF32(s.xt, c*n)
	for t := 0; t < n; t++ {
		for j := 0; j < c; j++ {
			s.xt[j*n+t] = x[t*c+j]
		}
	}
	s.xx = growF32(s.xx, c*c)
	impl.GemmF32(s.xx, c, s.xt, s.xt, c, n, c)
	for i, v := range s.xx {
		s.H[i] += float64(v)
	}
}

// ScalerRow is Wanda's statistic: Σ_t x_tj² per sequence.
func (s *Stats) ScalerRow() []float64 {
	out := make([]float64, s.Cols)
	for j, v := range s.SumSq {
		out[j] = v / float64(s.Samples)
	}
	return out
}

// Hessian is SparseGPT's H = (2/Samples)·Σ x xᵀ.
func (s *Stats) Hessian() []float64 {
	out := make([]float64, len(s.H))
	f := 2 / float64(s.Samples)
	for i, v := range s.H {
		out[i] = v * f
	}
	return out
}

func growF32(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}
