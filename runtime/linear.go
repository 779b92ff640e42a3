package runtime

import (
	"fmt"

	"github.com/sieve-llm/sieve/asm"
	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/sparse"
)

// Linear is one weight matrix (out × in) with an optional bias: every matrix
// multiplication of a model goes through it. Its storage format is whatever
// sparse.Matrix it holds, so dense and sparse backends plug in alike.
type Linear struct {
	Name string // GGUF tensor name, e.g. "blk.0.attn_q.weight"
	W    sparse.Matrix
	Bias []float32 // len Out(), or nil
	// Zeros is the fraction of exact zeros in the weights when the loader
	// counted them (matrices it examined for a sparse format), else -1.
	Zeros float64

	src *gguf.TensorInfo // the file's tensor, while a sparse format is pending
}

// In is the input width, Out the output width.
func (l *Linear) In() int  { return l.W.Cols() }
func (l *Linear) Out() int { return l.W.Rows() }

// grain picks the rows per work chunk: a multiple of the matrix's row block,
// small enough to balance several chunks per worker, large enough to amortize
// the handout.
func grain(m sparse.Matrix, threads, n int) int {
	rb := m.RowBlock()
	chunks := threads * 8
	if n > 1 {
		chunks = threads * 4
	}
	g := (m.Rows() + chunks - 1) / chunks
	g = (g + rb - 1) / rb * rb
	return max(g, rb)
}

// Forward computes dst[t*Out()+r] = Σ_c W[r][c]·x_t[c] (+ bias[r]) for the
// a.N vectors held in a, which must be prepared for l.W.ActKinds().
func (l *Linear) Forward(p *Pool, dst []float32, a *sparse.Act) {
	out := l.Out()
	if a.Cols != l.In() || len(dst) < a.N*out {
		panic(fmt.Sprintf("runtime: %s: input %d×%d, weight %d×%d, dst %d", l.Name, a.N, a.Cols, out, l.In(), len(dst)))
	}
	w := l.W
	p.For(out, grain(w, p.Threads(), a.N), func(lo, hi int) {
		w.MulRows(dst, out, a, lo, hi)
	})
	if l.Bias != nil {
		for t := 0; t < a.N; t++ {
			row := dst[t*out : (t+1)*out]
			for i, b := range l.Bias {
				row[i] += b
			}
		}
	}
}

// forwardFrom resets a to x (n rows of In() values), prepares what the
// weights need, and multiplies.
func (l *Linear) forwardFrom(p *Pool, impl *asm.Impl, dst []float32, a *sparse.Act, x []float32, n int) {
	a.Reset(x, n, l.In())
	a.Prepare(l.W.ActKinds(), impl)
	l.Forward(p, dst, a)
}
