package asm

import "fmt"

// QuantizeQ8 quantizes x (a multiple of 32 values) to int8 blocks of 32, the
// activation form the Q8_0 and Q4_0 kernels read (see llama.cpp's
// quantize_row_q8_0):
//
//	d[b] = max_j |x[32b+j]| / 127
//	q[32b+j] = roundToEven(x[32b+j] / d[b])   (computed as x·(1/d))
//	s[b] = Σ_j q[32b+j]
//
// Blocks with max |x| < 2⁻¹⁰⁰ quantize to zeros with d = 0. q needs len(x)
// values, d and s len(x)/32. x must be finite.
func (im *Impl) QuantizeQ8(q []int8, d []float32, s []int32, x []float32) {
	if len(x)%QK != 0 {
		panic(fmt.Sprintf("asm: QuantizeQ8: len(x) = %d is not a multiple of 32", len(x)))
	}
	nb := len(x) / QK
	if len(q) < len(x) || len(d) < nb || len(s) < nb {
		panic(fmt.Sprintf("asm: QuantizeQ8: len(q), len(d), len(s) = %d, %d, %d; need %d, %d, %d",
			len(q), len(d), len(s), len(x), nb, nb))
	}
	const chunk = 1024
	for b := 0; b < nb; b += chunk {
		e := min(nb, b+chunk)
		xs, qs, ds, ss := x[b*QK:e*QK], q[b*QK:e*QK], d[b:e], s[b:e]
		raceRead(xs)
		raceWrite(qs)
		raceWrite(ds)
		raceWrite(ss)
		im.quantQ8(qs, ds, ss, xs)
	}
}

type quantKernels struct {
	name       string
	packed, qs int // bytes of a packed 8×32 block and of its quants
	gemvK      func([]float32, []byte, int, []int8, []float32, []int32)
	gemmK      func([]float32, int, []byte, int, []int8, []float32, []int32, int)
	gemm2K     func([]float32, int, []byte, int, []int8, []float32, []int32, int) // nil: gemmK per row block
}

func (im *Impl) q8() quantKernels {
	return quantKernels{"Q8", q8Packed, q8QS, im.gemvQ8, im.gemmQ8, im.gemmQ8x2}
}

func (im *Impl) q4() quantKernels {
	return quantKernels{"Q4", q4Packed, q4QS, im.gemvQ4, im.gemmQ4, im.gemmQ4x2}
}

// GemvQ8 multiplies a packed Q8_0 matrix (see [PackQ8]; rows = len(dst)) by
// one vector quantized by QuantizeQ8 (q: cols values, d and s: cols/32):
//
//	dst[r] = Σ_b d_w[r][b]·d[b] · Σ_j q_w[r][32b+j]·q[32b+j]
//
// cols must be a multiple of 32; w needs PackedQ8Size(rows, cols) bytes.
func (im *Impl) GemvQ8(dst []float32, w []byte, cols int, q []int8, d []float32, s []int32) {
	im.q8().run(dst, 0, w, len(dst), cols, q, d, s, 1)
}

// GemvQ4 is GemvQ8 for a packed Q4_0 matrix (see [PackQ4]).
func (im *Impl) GemvQ4(dst []float32, w []byte, cols int, q []int8, d []float32, s []int32) {
	im.q4().run(dst, 0, w, len(dst), cols, q, d, s, 1)
}

// GemmQ8 multiplies a packed rows×cols Q8_0 matrix by n quantized vectors
// (token t at q[t*cols:], d[t*cols/32:], s[t*cols/32:]):
//
//	dst[t*ldd + r] = (GemvQ8 of token t)[r]     for t < n, r < rows
//
// ldd ≥ rows (when n > 1), len(dst) ≥ (n-1)*ldd + rows.
func (im *Impl) GemmQ8(dst []float32, ldd int, w []byte, rows, cols int, q []int8, d []float32, s []int32, n int) {
	im.q8().run(dst, ldd, w, rows, cols, q, d, s, n)
}

// GemmQ4 is GemmQ8 for a packed Q4_0 matrix.
func (im *Impl) GemmQ4(dst []float32, ldd int, w []byte, rows, cols int, q []int8, d []float32, s []int32, n int) {
	im.q4().run(dst, ldd, w, rows, cols, q, d, s, n)
}

func (k quantKernels) check(ldst, ldd, lw, rows, cols, lq, ld, ls, n int) {
	nb := cols / QK
	need := (rows + 7) / 8 * nb * k.packed
	if rows >= 0 && cols >= 0 && n >= 0 && cols%QK == 0 && (n <= 1 || ldd >= rows) && lw >= need &&
		lq >= n*cols && ld >= n*nb && ls >= n*nb && (n == 0 || rows == 0 || ldst >= (n-1)*ldd+rows) {
		return
	}
	name := "Gemm" + k.name
	if n == 1 && ldd == 0 {
		name = "Gemv" + k.name
	}
	switch {
	case rows < 0 || cols < 0 || n < 0 || cols%QK != 0:
		panic(fmt.Sprintf("asm: %s: bad shape rows=%d cols=%d n=%d (cols must be a multiple of 32)", name, rows, cols, n))
	case n > 1 && ldd < rows:
		panic(fmt.Sprintf("asm: %s: ldd = %d < rows = %d", name, ldd, rows))
	case lw < need:
		panic(fmt.Sprintf("asm: %s: len(w) = %d < packed size %d for %d×%d", name, lw, need, rows, cols))
	case lq < n*cols || ld < n*nb || ls < n*nb:
		panic(fmt.Sprintf("asm: %s: len(q), len(d), len(s) = %d, %d, %d; need %d, %d, %d", name, lq, ld, ls, n*cols, n*nb, n*nb))
	default:
		panic(fmt.Sprintf("asm: %s: len(dst) = %d < (n-1)*ldd+rows = %d", name, ldst, (n-1)*ldd+rows))
	}
}

// gemm validates and tiles a quantized product: token tiles that keep the
// activations in L2, 8-row × 4-token micro-kernel calls, GEMV for the token
// tail, Go for a partial last row block.
func (k quantKernels) run(dst []float32, ldd int, w []byte, rows, cols int, q []int8, d []float32, s []int32, n int) {
	k.check(len(dst), ldd, len(w), rows, cols, len(q), len(d), len(s), n)
	if rows == 0 || n == 0 {
		return
	}
	nb := cols / QK
	if nb == 0 {
		for t := range n {
			clear(dst[t*ldd : t*ldd+rows])
		}
		return
	}
	rbBytes := nb * k.packed
	full := rows / 8
	n4 := n &^ 3
	if full > 0 && n4 > 0 {
		tile := min(128, max(4, (256<<10)/cols)) &^ 3
		for tt := 0; tt < n4; tt += tile {
			nt := min(tile, n4-tt)
			qs, ds, ss := q[tt*cols:(tt+nt)*cols], d[tt*nb:(tt+nt)*nb], s[tt*nb:(tt+nt)*nb]
			if raceEnabled {
				raceRead(qs)
				raceRead(ds)
				raceRead(ss)
				for t := tt; t < tt+nt; t++ {
					raceWrite(dst[t*ldd : t*ldd+full*8])
				}
			}
			for rb := 0; rb < full; {
				if k.gemm2K != nil && rb+1 < full {
					ws := w[rb*rbBytes : (rb+2)*rbBytes]
					raceRead(ws)
					k.gemm2K(dst[tt*ldd+rb*8:], ldd, ws, nb, qs, ds, ss, nt/4)
					rb += 2
					continue
				}
				ws := w[rb*rbBytes : (rb+1)*rbBytes]
				raceRead(ws)
				k.gemmK(dst[tt*ldd+rb*8:], ldd, ws, nb, qs, ds, ss, nt/4)
				rb++
			}
		}
	}
	for t := n4; t < n; t++ {
		qs, ds, ss := q[t*cols:(t+1)*cols], d[t*nb:(t+1)*nb], s[t*nb:(t+1)*nb]
		raceRead(qs)
		raceRead(ds)
		raceRead(ss)
		chunk := max(1, maxWork/(8*cols))
		for rb := 0; rb < full; rb += chunk {
			e := min(full, rb+chunk)
			out := dst[t*ldd+rb*8 : t*ldd+e*8]
			ws := w[rb*rbBytes : e*rbBytes]
			raceRead(ws)
			raceWrite(out)
			k.gemvK(out, ws, nb, qs, ds, ss)
		}
	}
	if full*8 < rows {
		// Partial last row block: the packed block is zero-padded to 8 rows;
		// compute it in Go into a stack buffer.
		var tmp [8]float32
		ws := w[full*rbBytes : (full+1)*rbBytes]
		for t := range n {
			// Direct calls (not through a func value) keep tmp on the stack.
			if k.packed == q8Packed {
				gemvQ8Ref(tmp[:], ws, nb, q[t*cols:(t+1)*cols], d[t*nb:(t+1)*nb], s[t*nb:(t+1)*nb])
			} else {
				gemvQ4Ref(tmp[:], ws, nb, q[t*cols:(t+1)*cols], d[t*nb:(t+1)*nb], s[t*nb:(t+1)*nb])
			}
			copy(dst[t*ldd+full*8:t*ldd+rows], tmp[:])
		}
	}
}
