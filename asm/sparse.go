package asm

import "fmt"

// Sparse matrix products. Each format has one entry point with the
// semantics of sparse.Matrix.MulRows: for n vectors x_t = x[t*Cols:] and
// rows r0 ≤ r < r1 (r0 a multiple of the row block, r1 too unless it is
// Rows),
//
//	dst[t*ldd + r] = Σ_c W[r][c] · x_t[c]
//
// ldd ≥ r1 when n > 1. Decode (n < spGemmMinN) runs one GEMV pass over the
// packed weights per vector: assembly over whole row blocks in chunks of
// about maxWork weights, Go for a partial last row block. Prefill decodes a
// chunk of rows into (column, float32 value) lists once and multiplies them
// with tiles of 32 (tail: 8) tokens transposed into a scratch buffer, so the
// multiply–adds are proportional to the non-zeros (the XNNPACK SpMM scheme);
// the int8 formats use the float32 activations there.

// spGemmMinN is the batch size from which the SpMM path replaces one GEMV
// per vector.
const spGemmMinN = 4

// spChunkRows is the number of rows decoded at once on the SpMM path. Every
// chunk reads all the activation tiles (n·cols floats: megabytes for a
// prompt, more than L2), so larger chunks read them fewer times; the decoded
// rows cost 8 bytes per stored value (7 MB for 512 rows of a 5632-column
// matrix at 30 % density). TinyLlama pp512 at 70 % zeros on 2 threads: 32
// rows 91.8 t/s, 128 rows 96.8–102.5, 512 rows 105.7–107.0, 1024 rows 108.3.
const spChunkRows = 512

// SparseScratch holds the work buffers of the sparse GEMM path: the
// transposed activation tiles and the decoded rows of a row chunk. The zero
// value is ready to use; buffers grow on demand and are kept, so reusing one
// scratch per goroutine makes the steady state allocation-free. A scratch
// must not be used by two calls at the same time.
type SparseScratch struct {
	xt, val, out []float32
	ptr, idx     []int32
	q8           []byte // bitmask-i8 rows expanded to packed Q8_0
	// tiles, when set by UseTiles, is the activations already transposed
	// by TransposeTiles, used instead of transposing them into xt.
	tiles []float32
}

// UseTiles makes the next multiplications with s read the activations from
// tiles, made by TransposeTiles from the same x, n and cols (nil stops it).
// Several row ranges of one product (or several matrices multiplied by the
// same activations) then share one transposition.
func (s *SparseScratch) UseTiles(tiles []float32) { s.tiles = tiles }

// TileLen is the length of TransposeTiles' output for n vectors of cols.
func TileLen(n, cols int) int {
	nfull, ntail := tileCounts(n)
	return (nfull*32 + ntail*8) * cols
}

// SpGemmMinN is the batch size from which sparse multiplications read
// transposed tiles (see TransposeTiles).
const SpGemmMinN = spGemmMinN

// TransposeTiles writes the n vectors of cols values in x as the SpMM
// path's token tiles into xt[:TileLen(n, cols)].
func TransposeTiles(xt, x []float32, n, cols int) {
	if len(xt) < TileLen(n, cols) || len(x) < n*cols {
		panic(fmt.Sprintf("asm: TransposeTiles: len(xt) = %d, len(x) = %d for n = %d, cols = %d", len(xt), len(x), n, cols))
	}
	if cols == 0 {
		return
	}
	nfull, ntail := tileCounts(n)
	for k := range nfull + ntail {
		t0, tw := tileAt(k, nfull)
		transposeTile(xt[t0*cols:(t0+tw)*cols], x[t0*cols:min(n, t0+tw)*cols], cols, tw)
	}
}

func growSlice[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

func checkSpMul(name string, ldst, ldd, rows, cols, rb, r0, r1, lx, n int) {
	switch {
	case n < 0 || r0 < 0 || r1 > rows || r0 > r1 || r0%rb != 0 || (r1%rb != 0 && r1 != rows):
		panic(fmt.Sprintf("asm: %s: bad row range [%d,%d) for %d rows, row block %d (n=%d)", name, r0, r1, rows, rb, n))
	case n > 1 && ldd < r1:
		panic(fmt.Sprintf("asm: %s: ldd = %d < r1 = %d", name, ldd, r1))
	case lx < n*cols:
		panic(fmt.Sprintf("asm: %s: len(x) = %d < n*cols = %d*%d", name, lx, n, cols))
	case n > 0 && r1 > r0 && ldst < (n-1)*ldd+r1:
		panic(fmt.Sprintf("asm: %s: len(dst) = %d < (n-1)*ldd+r1 = %d", name, ldst, (n-1)*ldd+r1))
	}
}

func checkQ8(name string, lq, ld, n, cols int) {
	if lq < n*cols || ld < n*cols/QK {
		panic(fmt.Sprintf("asm: %s: len(q), len(d) = %d, %d; need %d, %d", name, lq, ld, n*cols, n*cols/QK))
	}
}

// gemvChunk returns the row blocks per assembly call.
func gemvChunk(rb, cols int) int { return max(1, maxWork/max(1, rb*cols)) }

// F16Act holds the forms of n activation vectors that the bitmask-f16
// decode kernels read besides float32 (nil: not given): Split is
// SplitF16Act(x), Q and D are QuantizeI16(x), token t at t*Cols (Split, Q)
// and t*Cols/32 (D).
type F16Act struct {
	Split []float32
	Q     []int16
	D     []float32
}

// MulBitmaskF16 multiplies rows [r0, r1) of a bitmask-f16 matrix by n
// vectors (see the comment at the top of this file); s may be nil when
// n < 4. For decode (n < 4) fixed row blocks read xa.Q, xa.D (computed here
// when not given), the others xa.Split on implementations that SplitsF16.
func (im *Impl) MulBitmaskF16(dst []float32, ldd int, m *BitmaskF16, r0, r1 int, x []float32, xa F16Act, n int, s *SparseScratch) {
	checkSpMul("MulBitmaskF16", len(dst), ldd, m.Rows, m.Cols, bmF16RB, r0, r1, len(x), n)
	if r0 == r1 || n == 0 {
		return
	}
	if n >= spGemmMinN {
		im.spGemm(m, dst, ldd, r0, r1, x, n, m.Cols, s)
		return
	}
	split := im.bmGemvF16s != nil && xa.Split != nil
	if split && len(xa.Split) < n*m.Cols {
		panic(fmt.Sprintf("asm: MulBitmaskF16: len(xa.Split) = %d < n*cols = %d*%d", len(xa.Split), n, m.Cols))
	}
	if m.sc != nil && xa.Q == nil {
		xa.Q, xa.D = make([]int16, n*m.Cols), make([]float32, n*m.Cols/32)
		QuantizeI16(xa.Q, xa.D, x[:n*m.Cols])
	}
	if m.sc != nil && (len(xa.Q) < n*m.Cols || len(xa.D) < n*m.Cols/32) {
		panic(fmt.Sprintf("asm: MulBitmaskF16: len(xa.Q), len(xa.D) = %d, %d; need %d, %d", len(xa.Q), len(xa.D), n*m.Cols, n*m.Cols/32))
	}
	fixed := im.bmGemvI16
	if fixed == nil {
		fixed = bmGemvI16Ref
	}
	ncb := m.Cols / 32
	full := (r1 - r0) / bmF16RB
	chunk := gemvChunk(bmF16RB, m.Cols)
	for t := range n {
		xt := x[t*m.Cols : (t+1)*m.Cols]
		out := dst[t*ldd+r0 : t*ldd+r1]
		raceRead(xt)
		var xst []float32
		if split {
			xst = xa.Split[t*m.Cols : (t+1)*m.Cols]
			raceRead(xst)
		}
		var xq []int16
		var xd []float32
		if m.sc != nil {
			xq, xd = xa.Q[t*m.Cols:(t+1)*m.Cols], xa.D[t*ncb:(t+1)*ncb]
			raceRead(xq)
			raceRead(xd)
		}
		for b := 0; b < full; b += chunk {
			rb, e := r0/bmF16RB+b, r0/bmF16RB+min(full, b+chunk)
			for rb < e {
				// A run of row blocks of one kind, which one kernel takes.
				k := m.kindOf(rb)
				f := rb + 1
				for f < e && m.kindOf(f) == k {
					f++
				}
				masks := m.Masks[rb*ncb*bmF16RB : f*ncb*bmF16RB]
				vals := m.Vals[m.Offs[rb] : m.Offs[f]+SparsePad]
				d := out[(rb*bmF16RB - r0):(f*bmF16RB - r0)]
				raceRead(masks)
				raceRead(vals)
				raceWrite(d)
				switch {
				case k == bmFixed:
					fixed(d, masks, vals, m.sc[rb*bmF16RB:f*bmF16RB], xq, xd)
				case k == bmNormal && split:
					// The split kernel cannot read subnormal halves at full
					// speed.
					im.bmGemvF16s(d, masks, vals, xst)
				default:
					im.bmGemvF16(d, masks, vals, xt)
				}
				rb = f
			}
		}
		if full*bmF16RB < r1-r0 {
			var tmp [bmF16RB]float32
			rb := r0/bmF16RB + full
			masks, vals := m.Masks[rb*ncb*bmF16RB:(rb+1)*ncb*bmF16RB], m.Vals[m.Offs[rb]:]
			if m.kindOf(rb) == bmFixed {
				bmGemvI16Ref(tmp[:], masks, vals, m.sc[rb*bmF16RB:], xq, xd)
			} else {
				bmGemvF16Ref(tmp[:], masks, vals, xt)
			}
			copy(out[full*bmF16RB:], tmp[:])
		}
	}
}

// FixesF16 reports whether the implementation has a fast kernel for fixed
// bitmask-f16 row blocks (see BitmaskF16.Fix); others run them on the
// reference kernel.
func (im *Impl) FixesF16() bool { return im.bmGemvI16 != nil }

// SplitsF16 reports whether MulBitmaskF16 reads split activations (see
// SplitF16Act) when given them.
func (im *Impl) SplitsF16() bool { return im.bmGemvF16s != nil }

// splitScale is the factor SplitF16Act applies: the split kernels read
// half h as the float32 with h's bits shifted into place, h·2^-112, so the
// products carry 2^-48, undone on each sum (the kernels' 2^48). Activations
// up to 2^64 in magnitude stay finite, and products stay normal down to
// 2^-78.
const splitScale = 0x1p64

// SplitF16Act writes the split form of x (len a multiple of 32) into dst:
// per 32 values the 16 at even then the 16 at odd positions, each times
// 2^64. The bitmask-f16 kernels of implementations that SplitsF16 read it.
func SplitF16Act(dst, x []float32) {
	if len(x)%32 != 0 || len(dst) < len(x) {
		panic(fmt.Sprintf("asm: SplitF16Act: len(x) = %d (must be a multiple of 32), len(dst) = %d", len(x), len(dst)))
	}
	for b := 0; b < len(x); b += 32 {
		src, d := x[b:b+32], dst[b:b+32]
		for j, v := range src {
			d[splitLanes[j]] = v * splitScale
		}
	}
}

// MulBitmaskI8 multiplies rows [r0, r1) of a bitmask-i8 matrix by n
// vectors: for n < 4 with integer dot products against the Q8 activations
// q, d, qs (see QuantizeQ8; token t at q[t*Cols:], d[t*Cols/32:],
// qs[t*Cols/32:]), else in float32 against x — or, on implementations with
// a VNNI Q8_0 GEMM, against q, d, qs through it (see sparse_i8q8.go).
func (im *Impl) MulBitmaskI8(dst []float32, ldd int, m *BitmaskI8, r0, r1 int, x []float32, q []int8, d []float32, qs []int32, n int, s *SparseScratch) {
	checkSpMul("MulBitmaskI8", len(dst), ldd, m.Rows, m.Cols, sp8RB, r0, r1, len(x), n)
	if r0 == r1 || n == 0 {
		return
	}
	if n >= spGemmMinN && im.bmI8Expand == nil {
		im.spGemm(m, dst, ldd, r0, r1, x, n, m.Cols, s)
		return
	}
	checkQ8("MulBitmaskI8", len(q), len(d), n, m.Cols)
	if len(qs) < len(d) {
		panic(fmt.Sprintf("asm: MulBitmaskI8: len(qs) = %d < len(d) = %d", len(qs), len(d)))
	}
	if n >= spGemmMinN {
		if s == nil {
			s = new(SparseScratch)
		}
		im.mulBitmaskI8Q8(dst, ldd, m, r0, r1, q, d, qs, n, s)
		return
	}
	ncb := m.Cols / 32
	full := (r1 - r0) / sp8RB
	chunk := gemvChunk(sp8RB, m.Cols)
	for t := range n {
		qt, dt, st := q[t*m.Cols:(t+1)*m.Cols], d[t*ncb:(t+1)*ncb], qs[t*ncb:(t+1)*ncb]
		out := dst[t*ldd+r0 : t*ldd+r1]
		raceRead(qt)
		raceRead(dt)
		raceRead(st)
		for b := 0; b < full; b += chunk {
			rb, e := r0/sp8RB+b, r0/sp8RB+min(full, b+chunk)
			masks := m.Masks[rb*ncb*8 : e*ncb*8]
			vals := m.Vals[m.Offs[rb] : m.Offs[e]+SparsePad]
			scales := m.Scales[rb*ncb*sp8RB : e*ncb*sp8RB]
			o := out[(rb*sp8RB - r0):(e*sp8RB - r0)]
			raceRead(masks)
			raceRead(vals)
			raceRead(scales)
			raceWrite(o)
			im.bmGemvI8(o, masks, vals, scales, qt, dt, st)
		}
		if full*sp8RB < r1-r0 {
			var tmp [sp8RB]float32
			rb := r0/sp8RB + full
			bmGemvI8Ref(tmp[:], m.Masks[rb*ncb*8:(rb+1)*ncb*8], m.Vals[m.Offs[rb]:], m.Scales[rb*ncb*sp8RB:(rb+1)*ncb*sp8RB], qt, dt, st)
			copy(out[full*sp8RB:], tmp[:])
		}
	}
}

// MulNM24F16 multiplies rows [r0, r1) of a 2:4 f16 matrix by n vectors.
func (im *Impl) MulNM24F16(dst []float32, ldd int, m *NM24F16, r0, r1 int, x []float32, n int, s *SparseScratch) {
	checkSpMul("MulNM24F16", len(dst), ldd, m.Rows, m.Cols, sp8RB, r0, r1, len(x), n)
	if r0 == r1 || n == 0 {
		return
	}
	if n >= spGemmMinN {
		im.spGemm(m, dst, ldd, r0, r1, x, n, m.Cols, s)
		return
	}
	ng := m.Cols / 4
	full := (r1 - r0) / sp8RB
	chunk := gemvChunk(sp8RB, m.Cols)
	for t := range n {
		xt := x[t*m.Cols : (t+1)*m.Cols]
		out := dst[t*ldd+r0 : t*ldd+r1]
		raceRead(xt)
		for b := 0; b < full; b += chunk {
			rb, e := r0/sp8RB+b, r0/sp8RB+min(full, b+chunk)
			vals := m.Vals[rb*ng*16 : e*ng*16]
			idx := m.Idx[rb*ng : e*ng]
			o := out[(rb*sp8RB - r0):(e*sp8RB - r0)]
			raceRead(vals)
			raceRead(idx)
			raceWrite(o)
			im.nmGemvF16(o, vals, idx, xt)
		}
		if full*sp8RB < r1-r0 {
			var tmp [sp8RB]float32
			rb := r0/sp8RB + full
			nmGemvF16Ref(tmp[:], m.Vals[rb*ng*16:(rb+1)*ng*16], m.Idx[rb*ng:(rb+1)*ng], xt)
			copy(out[full*sp8RB:], tmp[:])
		}
	}
}

// MulNM24I8 multiplies rows [r0, r1) of a 2:4 int8 matrix by n vectors
// (Q8 activations for n < 4, as MulBitmaskI8).
func (im *Impl) MulNM24I8(dst []float32, ldd int, m *NM24I8, r0, r1 int, x []float32, q []int8, d []float32, qs []int32, n int, s *SparseScratch) {
	checkSpMul("MulNM24I8", len(dst), ldd, m.Rows, m.Cols, sp8RB, r0, r1, len(x), n)
	if r0 == r1 || n == 0 {
		return
	}
	if n >= spGemmMinN && im.bmI8Expand == nil {
		im.spGemm(m, dst, ldd, r0, r1, x, n, m.Cols, s)
		return
	}
	checkQ8("MulNM24I8", len(q), len(d), n, m.Cols)
	if n >= spGemmMinN {
		if len(qs) < len(d) {
			panic(fmt.Sprintf("asm: MulNM24I8: len(qs) = %d < len(d) = %d", len(qs), len(d)))
		}
		if s == nil {
			s = new(SparseScratch)
		}
		im.mulNM24I8Q8(dst, ldd, m, r0, r1, q, d, qs, n, s)
		return
	}
	nu, ncb := m.Cols/8, m.Cols/32
	full := (r1 - r0) / sp8RB
	chunk := gemvChunk(sp8RB, m.Cols)
	for t := range n {
		qt, dt := q[t*m.Cols:(t+1)*m.Cols], d[t*ncb:(t+1)*ncb]
		out := dst[t*ldd+r0 : t*ldd+r1]
		raceRead(qt)
		raceRead(dt)
		for b := 0; b < full; b += chunk {
			rb, e := r0/sp8RB+b, r0/sp8RB+min(full, b+chunk)
			vals := m.Vals[rb*nu*32 : e*nu*32]
			idx := m.Idx[rb*nu*8 : e*nu*8]
			scales := m.Scales[rb*ncb*sp8RB : e*ncb*sp8RB]
			o := out[(rb*sp8RB - r0):(e*sp8RB - r0)]
			raceRead(vals)
			raceRead(idx)
			raceRead(scales)
			raceWrite(o)
			im.nmGemvI8(o, vals, idx, scales, qt, dt)
		}
		if full*sp8RB < r1-r0 {
			var tmp [sp8RB]float32
			rb := r0/sp8RB + full
			nmGemvI8Ref(tmp[:], m.Vals[rb*nu*32:(rb+1)*nu*32], m.Idx[rb*nu*8:(rb+1)*nu*8],
				m.Scales[rb*ncb*sp8RB:(rb+1)*ncb*sp8RB], qt, dt)
			copy(out[full*sp8RB:], tmp[:])
		}
	}
}

// spDecoder is what the SpMM driver needs from a packed format.
type spDecoder interface {
	RowBlock() int
	maxNNZ(rb0, rb1 int) int
	decode(ptr, idx []int32, val []float32, rb0, rb1 int) int
}

// spGemm is the prefill path shared by the formats: transpose the n
// vectors into tiles (32 tokens, then 8-token tiles for the rest, the last
// one zero-padded), decode spChunkRows rows at a time and run the SpMM
// kernel on each tile, in calls of about maxWork multiply–adds.
func (im *Impl) spGemm(f spDecoder, dst []float32, ldd int, r0, r1 int, x []float32, n, cols int, s *SparseScratch) {
	if cols == 0 {
		// Empty sums (and no tokens to transpose: cols divides below).
		for t := range n {
			clear(dst[t*ldd+r0 : t*ldd+r1])
		}
		return
	}
	if s == nil {
		s = new(SparseScratch)
	}
	rbk := f.RowBlock()
	nfull, ntail := tileCounts(n)
	xts := s.tiles
	if tl := TileLen(n, cols); len(xts) != tl {
		s.xt = growSlice(s.xt, tl)
		raceRead(x[:n*cols])
		TransposeTiles(s.xt, x, n, cols)
		xts = s.xt
	}
	s.out = growSlice(s.out, spChunkRows*32)
	chunkRows := max(rbk, spChunkRows/rbk*rbk)
	for ra := r0; ra < r1; ra += chunkRows {
		re := min(r1, ra+chunkRows)
		rb0, rb1 := ra/rbk, (re+rbk-1)/rbk
		nrows := (rb1 - rb0) * rbk
		bound := f.maxNNZ(rb0, rb1)
		s.ptr = growSlice(s.ptr, nrows+1)
		s.idx = growSlice(s.idx, bound+1)
		s.val = growSlice(s.val, bound+1)
		nnz := f.decode(s.ptr, s.idx, s.val, rb0, rb1)
		// Rows per kernel call: about maxWork multiply–adds.
		avg := max(1, nnz/max(1, nrows))
		for k := range nfull + ntail {
			t0, tw := tileAt(k, nfull)
			xt := xts[t0*cols : (t0+tw)*cols]
			sub := max(1, maxWork/(avg*tw))
			for i0 := 0; i0 < re-ra; i0 += sub {
				i1 := min(re-ra, i0+sub)
				out := s.out[i0*tw : i1*tw]
				raceRead(s.ptr[i0 : i1+1])
				raceRead(s.idx[:nnz])
				raceRead(s.val[:nnz])
				raceRead(xt)
				raceWrite(out)
				im.spmmF32(out, s.ptr[i0:i1+1], s.idx, s.val, xt, tw)
			}
			// Token-major writes: one contiguous run of rows per token.
			for t := range min(tw, n-t0) {
				d := dst[(t0+t)*ldd+ra : (t0+t)*ldd+re]
				for i := range d {
					d[i] = s.out[i*tw+t]
				}
			}
		}
	}
}

// tileCounts splits n tokens into nfull tiles of 32 and ntail tiles of 8
// (the last one zero-padded).
func tileCounts(n int) (nfull, ntail int) {
	nfull = n / 32
	return nfull, (n - nfull*32 + 7) / 8
}

// tileAt returns the first token and width of tile k: nfull tiles of 32,
// then tiles of 8.
func tileAt(k, nfull int) (t0, tw int) {
	if k < nfull {
		return k * 32, 32
	}
	return nfull*32 + (k-nfull)*8, 8
}

// transposeTile writes xt[c*tw + t] = x[t*cols + c] for t < len(x)/cols and
// zeros for the remaining tokens up to tw.
func transposeTile(xt, x []float32, cols, tw int) {
	nt := len(x) / cols
	if nt < tw {
		clear(xt)
	}
	const cb = 64
	for c0 := 0; c0 < cols; c0 += cb {
		c1 := min(cols, c0+cb)
		for t := range nt {
			row := x[t*cols+c0 : t*cols+c1]
			for c, v := range row {
				xt[(c0+c)*tw+t] = v
			}
		}
	}
}

// Dense returns the matrix as rows×cols float32 (half-precision values
// widened exactly; int8 values times their scale).
func (m *BitmaskF16) Dense() []float32 { return spDense(m, m.Rows, m.Cols) }
func (m *BitmaskI8) Dense() []float32  { return spDense(m, m.Rows, m.Cols) }
func (m *NM24F16) Dense() []float32    { return spDense(m, m.Rows, m.Cols) }
func (m *NM24I8) Dense() []float32     { return spDense(m, m.Rows, m.Cols) }

func spDense(f spDecoder, rows, cols int) []float32 {
	rb := f.RowBlock()
	nrb := (rows + rb - 1) / rb
	w := make([]float32, nrb*rb*cols)
	bound := f.maxNNZ(0, nrb)
	ptr, idx, val := make([]int32, nrb*rb+1), make([]int32, bound+1), make([]float32, bound+1)
	f.decode(ptr, idx, val, 0, nrb)
	for r := range nrb * rb {
		for k := ptr[r]; k < ptr[r+1]; k++ {
			w[r*cols+int(idx[k])] = val[k]
		}
	}
	return w[:rows*cols]
}
