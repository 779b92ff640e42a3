package runtime

import (
	"fmt"

	"github.com/sieve-llm/sieve/sparse"
)

// Stream names the four activation streams of a block, the inputs its seven
// linear layers see (q/k/v share one, gate/up share one).
type Stream int

const (
	StreamAttnIn  Stream = iota // input of q, k, v: RMSNorm of the residual
	StreamAttnOut               // input of o: the attention output
	StreamFFNIn                 // input of gate, up: RMSNorm of the residual
	StreamFFNDown               // input of down: silu(gate)·up
)

// Observer sees every activation stream as a block runs: x holds n rows of
// the stream's width. It must not keep or modify x.
type Observer func(layer int, s Stream, x []float32, n int)

// State is one sequence being evaluated: its KV cache and scratch buffers.
// It is not safe for concurrent use; use one State per sequence.
type State struct {
	m        *Model
	pool     *Pool
	ctx      int // KV cache capacity in tokens
	maxBatch int
	Pos      int // tokens in the cache
	// Observer, if set, is called with every activation stream.
	Observer Observer

	kc [][]float32 // per layer, [KVHeads][ctx][HeadDim]
	// vc holds V transposed, per layer [KVHeads][HeadDim][ctx], so that
	// attention multiplies by Vᵀ without transposing it every step.
	vc                     [][]float32
	x, h, q, k, v, o, g, u []float32
	attn                   []attnScratch // per worker
	cos, sin               []float32     // per batch token, RopeDim/2
	logits                 []float32
	act                    sparse.Act
}

// NewState allocates a sequence with room for ctx tokens, evaluated in
// batches of at most maxBatch tokens, on pool.
func (m *Model) NewState(pool *Pool, ctx, maxBatch int) (*State, error) {
	if ctx <= 0 || maxBatch <= 0 {
		return nil, fmt.Errorf("context %d and batch %d must be positive", ctx, maxBatch)
	}
	maxBatch = min(maxBatch, ctx)
	c := &m.Config
	kvDim, qDim := c.KVHeads*c.HeadDim, c.Heads*c.HeadDim
	st := &State{m: m, pool: pool, ctx: ctx, maxBatch: maxBatch}
	st.kc = make([][]float32, c.Layers)
	st.vc = make([][]float32, c.Layers)
	for l := range st.kc {
		st.kc[l] = make([]float32, ctx*kvDim)
		st.vc[l] = make([]float32, ctx*kvDim)
	}
	B := maxBatch
	st.x = make([]float32, B*c.Dim)
	st.h = make([]float32, B*max(c.Dim, qDim))
	st.q = make([]float32, B*qDim)
	st.k = make([]float32, B*kvDim)
	st.v = make([]float32, B*kvDim)
	st.o = make([]float32, B*c.Dim)
	st.g = make([]float32, B*c.FFN)
	st.u = make([]float32, B*c.FFN)
	st.attn = make([]attnScratch, pool.Threads())
	st.cos = make([]float32, B*c.RopeDim/2)
	st.sin = make([]float32, B*c.RopeDim/2)
	return st, nil
}

// Context is the KV cache capacity in tokens.
func (st *State) Context() int { return st.ctx }

// Model returns the state's model.
func (st *State) Model() *Model { return st.m }

// Reset empties the cache.
func (st *State) Reset() { st.Pos = 0 }

// Forward evaluates tokens at positions Pos, Pos+1, ... and appends them to
// the cache. It returns the logits (Vocab values per token) of every token if
// all is set, else of the last token only. The slice is reused by the next
// call.
func (st *State) Forward(tokens []int, all bool) ([]float32, error) {
	if len(tokens) == 0 {
		return nil, fmt.Errorf("no tokens to evaluate")
	}
	if st.Pos+len(tokens) > st.ctx {
		return nil, fmt.Errorf("%d tokens after %d do not fit the context of %d", len(tokens), st.Pos, st.ctx)
	}
	m := st.m
	for _, id := range tokens {
		if id < 0 || id >= m.Vocab {
			return nil, fmt.Errorf("token id %d out of range [0, %d)", id, m.Vocab)
		}
	}
	nOut := 1
	if all {
		nOut = len(tokens)
	}
	if need := nOut * m.Vocab; cap(st.logits) < need {
		st.logits = make([]float32, need)
	}
	logits := st.logits[:nOut*m.Vocab]
	for start := 0; start < len(tokens); start += st.maxBatch {
		batch := tokens[start:min(start+st.maxBatch, len(tokens))]
		n := len(batch)
		x := st.x[:n*m.Dim]
		for t, id := range batch {
			if err := m.EmbedRow(x[t*m.Dim:], id); err != nil {
				return nil, err
			}
		}
		for l := range m.Blocks {
			st.block(l, x, n, st.Pos)
		}
		st.Pos += n
		// Logits: of every token, or only of the very last.
		if all {
			st.head(logits[start*m.Vocab:], x, n)
		} else if start+n == len(tokens) {
			st.head(logits, x[(n-1)*m.Dim:], 1)
		}
	}
	return logits, nil
}

// head applies the final norm and the output matrix to n rows of x.
func (st *State) head(dst, x []float32, n int) {
	m := st.m
	h := st.h[:n*m.Dim]
	for t := 0; t < n; t++ {
		rmsNorm(h[t*m.Dim:(t+1)*m.Dim], x[t*m.Dim:(t+1)*m.Dim], m.OutputNorm, m.Eps)
	}
	m.Output.forwardFrom(st.pool, m.Impl, dst, &st.act, h, n)
}

// RunBlock runs block l alone over n rows of x in place, as the first n
// positions of a fresh sequence. Pruning uses it to push calibration samples
// through a model block by block.
func (st *State) RunBlock(l int, x []float32, n int) error {
	if n > st.maxBatch || n > st.ctx {
		return fmt.Errorf("RunBlock: %d tokens exceed the batch %d or context %d", n, st.maxBatch, st.ctx)
	}
	st.block(l, x, n, 0)
	return nil
}

// block runs transformer block l on n rows of the residual stream x, for
// positions pos..pos+n-1, writing K and V into the cache.
func (st *State) block(l int, x []float32, n, pos int) {
	m, b, p := st.m, st.m.Blocks[l], st.pool
	c := &m.Config
	D, hd := c.Dim, c.HeadDim
	qDim, kvDim := c.Heads*hd, c.KVHeads*hd
	half := c.RopeDim / 2

	h := st.h[:n*D]
	for t := 0; t < n; t++ {
		rmsNorm(h[t*D:(t+1)*D], x[t*D:(t+1)*D], b.AttnNorm, c.Eps)
	}
	st.observe(l, StreamAttnIn, h, n)
	st.act.Reset(h, n, D)
	st.act.Prepare(b.Q.W.ActKinds()|b.K.W.ActKinds()|b.V.W.ActKinds(), m.Impl)
	q, k, v := st.q[:n*qDim], st.k[:n*kvDim], st.v[:n*kvDim]
	forwardAll(p, &st.act, []*Linear{b.Q, b.K, b.V}, [][]float32{q, k, v})

	cos, sin := st.cos[:n*half], st.sin[:n*half]
	for t := 0; t < n; t++ {
		ropeTable(cos[t*half:(t+1)*half], sin[t*half:(t+1)*half], pos+t, c.RopeDim, c.RopeBase, 1/c.RopeScale, m.RopeFreqs)
	}
	kc, vc := st.kc[l], st.vc[l]
	for t := 0; t < n; t++ {
		ct, st_ := cos[t*half:(t+1)*half], sin[t*half:(t+1)*half]
		for hh := 0; hh < c.Heads; hh++ {
			qh := q[t*qDim+hh*hd : t*qDim+(hh+1)*hd]
			if b.QNorm != nil {
				rmsNorm(qh, qh, b.QNorm, c.Eps)
			}
			rope(qh, ct, st_, c.RopeMode)
		}
		for hh := 0; hh < c.KVHeads; hh++ {
			kh := k[t*kvDim+hh*hd : t*kvDim+(hh+1)*hd]
			if b.KNorm != nil {
				rmsNorm(kh, kh, b.KNorm, c.Eps)
			}
			rope(kh, ct, st_, c.RopeMode)
			at := (hh*st.ctx + pos + t) * hd
			copy(kc[at:at+hd], kh)
			// V is cached transposed (see State.vc).
			vt := vc[hh*hd*st.ctx+pos+t:]
			for c, x := range v[t*kvDim+hh*hd : t*kvDim+(hh+1)*hd] {
				vt[c*st.ctx] = x
			}
		}
	}
	o := st.h[:n*qDim]
	st.attention(l, q, o, n, pos)
	st.observe(l, StreamAttnOut, o, n)
	out := st.o[:n*D]
	b.O.forwardFrom(p, m.Impl, out, &st.act, o, n)
	add(x, out)

	for t := 0; t < n; t++ {
		rmsNorm(h[t*D:(t+1)*D], x[t*D:(t+1)*D], b.FFNNorm, c.Eps)
	}
	st.observe(l, StreamFFNIn, h, n)
	st.act.Reset(h, n, D)
	st.act.Prepare(b.Gate.W.ActKinds()|b.Up.W.ActKinds(), m.Impl)
	g, u := st.g[:n*c.FFN], st.u[:n*c.FFN]
	forwardSwiGLU(p, m.Impl, &st.act, b.Gate, b.Up, g, u)
	st.observe(l, StreamFFNDown, g, n)
	b.Down.forwardFrom(p, m.Impl, out, &st.act, g, n)
	add(x, out)
}

func (st *State) observe(l int, s Stream, x []float32, n int) {
	if st.Observer != nil {
		st.Observer(l, s, x, n)
	}
}
