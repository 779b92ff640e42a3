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

// minChunkWork is the fewest multiply–adds a work chunk gets: below it the
// handout and the output cache lines the workers pass back and forth cost
// more than the work (the matrices of tiny models such as stories260K).
const minChunkWork = 1 << 13

// grain picks the rows per work chunk of a rows×cols matrix times n
// vectors: a multiple of rb (the matrix's row block, or a common multiple of
// several), small enough that the workers finish a parallel region close
// together (the last chunk handed out is what one worker waits for), large
// enough to amortize the handout. Decode chunks are a few tens of
// microseconds of weight streaming.
func grain(rows, cols, rb, threads, n int) int {
	chunks := threads * 24
	if n > 1 {
		chunks = threads * 4
	}
	g := (rows + chunks - 1) / chunks
	g = max(g, minChunkWork/max(1, cols*n))
	g = (g + rb - 1) / rb * rb
	return max(g, rb)
}

// Forward computes dst[t*Out()+r] = Σ_c W[r][c]·x_t[c] (+ bias[r]) for the
// a.N vectors held in a, which must be prepared for l.W.ActKinds().
func (l *Linear) Forward(p *Pool, dst []float32, a *sparse.Act) {
	forwardAll(p, a, []*Linear{l}, [][]float32{dst})
}

// check panics unless l takes a's vectors and dst holds its outputs.
func (l *Linear) check(dst []float32, a *sparse.Act) {
	if a.Cols != l.In() || len(dst) < a.N*l.Out() {
		panic(fmt.Sprintf("runtime: %s: input %d×%d, weight %d×%d, dst %d", l.Name, a.N, a.Cols, l.Out(), l.In(), len(dst)))
	}
}

// mulRows computes rows [lo, hi) of l's output for every vector of a,
// bias included.
func (l *Linear) mulRows(dst []float32, a *sparse.Act, lo, hi int) {
	out := l.Out()
	l.W.MulRows(dst, out, a, lo, hi)
	if l.Bias != nil {
		for t := 0; t < a.N; t++ {
			row := dst[t*out : (t+1)*out]
			for i := lo; i < hi; i++ {
				row[i] += l.Bias[i]
			}
		}
	}
}

// forwardAll runs several linears that read the same prepared input (a
// block's Q, K and V) as one parallel region: their row chunks are handed
// out from one list, so the workers wait for each other once instead of
// once per matrix.
func forwardAll(p *Pool, a *sparse.Act, ls []*Linear, dsts [][]float32) {
	var grains, ends [4]int
	if len(ls) > len(grains) {
		panic("runtime: forwardAll: too many linears")
	}
	total := 0
	for i, l := range ls {
		l.check(dsts[i], a)
		grains[i] = grain(l.Out(), l.In(), l.W.RowBlock(), p.Threads(), a.N)
		total += (l.Out() + grains[i] - 1) / grains[i]
		ends[i] = total
	}
	p.For(total, 1, func(lo, hi int) {
		for item := lo; item < hi; item++ {
			i, first := 0, 0
			for item >= ends[i] {
				first = ends[i]
				i++
			}
			l, g := ls[i], grains[i]
			r0 := (item - first) * g
			l.mulRows(dsts[i], a, r0, min(r0+g, l.Out()))
		}
	})
}

// forwardSwiGLU computes g = silu(gate·x) ⊙ (up·x) for the vectors in a
// (prepared for both), in one parallel region: each chunk multiplies the
// same rows of both matrices and applies the activation to them, so the
// element-wise part runs on all workers while the rows are in cache.
func forwardSwiGLU(p *Pool, impl *asm.Impl, a *sparse.Act, gate, up *Linear, g, u []float32) {
	gate.check(g, a)
	up.check(u, a)
	out := gate.Out()
	if up.Out() != out {
		panic(fmt.Sprintf("runtime: %s has %d rows, %s %d", gate.Name, out, up.Name, up.Out()))
	}
	// Chunks start at multiples of 8 so that which elements SiluMul's
	// vector kernel takes (whole groups of 8 from the start of its slice)
	// does not depend on the thread count: results stay bit-identical.
	rb := lcm(lcm(gate.W.RowBlock(), up.W.RowBlock()), 8)
	p.For(out, grain(out, gate.In(), rb, p.Threads(), a.N), func(lo, hi int) {
		gate.mulRows(g, a, lo, hi)
		up.mulRows(u, a, lo, hi)
		for t := 0; t < a.N; t++ {
			impl.SiluMul(g[t*out+lo:t*out+hi], u[t*out+lo:t*out+hi])
		}
	})
}

func lcm(a, b int) int {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

// forwardFrom resets a to x (n rows of In() values), prepares what the
// weights need, and multiplies.
func (l *Linear) forwardFrom(p *Pool, impl *asm.Impl, dst []float32, a *sparse.Act, x []float32, n int) {
	a.Reset(x, n, l.In())
	a.Prepare(l.W.ActKinds(), impl)
	l.Forward(p, dst, a)
}
