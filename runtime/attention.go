package runtime

import (
	"math"
)

// attnScratch is one worker's buffers for attention.
type attnScratch struct {
	q, s, o []float32
	inv     []float32 // 1 / the softmax sum of each row
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// attnRows is the most query rows one work item handles, bounding the
// score buffer at attnRows × context floats.
const attnRows = 64

// attention computes causal multi-head attention of n queries (positions
// pos..pos+n-1) over the cache of layer l, writing o[t][head*HeadDim+c].
//
// The query rows of the heads that share a KV head are gathered into one
// matrix, so scores and outputs are two matrix products on the GEMM kernels
// (S = Q·Kᵀ, O = softmax(S)·V) instead of per-row dot products. Work items
// are (KV head, block of query rows): each is computed by one worker in a
// fixed order, so results do not depend on the thread count.
func (st *State) attention(l int, q, o []float32, n, pos int) {
	m, p := st.m, st.pool
	c := &m.Config
	hd, qDim := c.HeadDim, c.Heads*c.HeadDim
	group := c.Heads / c.KVHeads
	rowsPerHead := n * group // query rows per KV head: (token, head in group)
	blocks := (rowsPerHead + attnRows - 1) / attnRows
	span := pos + n // keys every query may see, before the causal mask
	scale := float32(1 / math.Sqrt(float64(hd)))
	kc, vc := st.kc[l], st.vc[l]
	p.ForWorker(c.KVHeads*blocks, 1, func(w, lo, hi int) {
		sc := &st.attn[w]
		for item := lo; item < hi; item++ {
			g, blk := item/blocks, item%blocks
			r0 := blk * attnRows
			rows := min(attnRows, rowsPerHead-r0)
			// Gather Q rows: row i = token (r0+i)/group, head g*group+(r0+i)%group.
			sc.q = grow(sc.q, rows*hd)
			for i := 0; i < rows; i++ {
				t, hi := (r0+i)/group, (r0+i)%group
				h := g*group + hi
				copy(sc.q[i*hd:(i+1)*hd], q[t*qDim+h*hd:t*qDim+(h+1)*hd])
			}
			// S = Q·Kᵀ over every cached key of this KV head.
			kg := kc[g*st.ctx*hd : (g*st.ctx+span)*hd]
			sc.s = grow(sc.s, rows*span)
			m.Impl.GemmF32(sc.s, span, kg, sc.q, span, hd, rows)
			// P = softmax(scale·S) over the causal prefix, left unnormalized:
			// O's rows are divided by the sums instead (hd values, not span).
			sc.inv = grow(sc.inv, rows)
			for i := 0; i < rows; i++ {
				t := (r0 + i) / group
				row := sc.s[i*span : (i+1)*span]
				valid := pos + t + 1
				sc.inv[i] = 1 / m.Impl.ExpSum(row[:valid], maxf(row[:valid]), scale)
				clear(row[valid:])
			}
			// O = P·V: the V cache holds Vᵀ (a row of ctx positions per
			// head dimension), so the GEMM reads its first span columns.
			sc.o = grow(sc.o, rows*hd)
			m.Impl.GemmF32Strided(sc.o, hd, vc[g*hd*st.ctx:(g+1)*hd*st.ctx], st.ctx, sc.s, hd, span, rows)
			for i := 0; i < rows; i++ {
				t, hi := (r0+i)/group, (r0+i)%group
				h := g*group + hi
				dst, inv := o[t*qDim+h*hd:t*qDim+(h+1)*hd], sc.inv[i]
				for c, v := range sc.o[i*hd : (i+1)*hd] {
					dst[c] = v * inv
				}
			}
		}
	})
}
