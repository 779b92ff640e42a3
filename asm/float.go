package asm

import "fmt"

// maxWork bounds the multiply–adds of one assembly call (about 10–50 µs), so
// that goroutines stay preemptible and the race/chunking logic stays simple.
const maxWork = 1 << 20

// GemvF32 computes the matrix–vector product of a row-major rows×cols matrix
// w (rows = len(dst), cols = len(x), row stride cols) with x:
//
//	dst[r] = Σ_c w[r*cols+c] · x[c]
//
// w must hold at least rows*cols values.
func (im *Impl) GemvF32(dst, w, x []float32) {
	rows, cols := len(dst), len(x)
	if len(w) < rows*cols {
		panic(fmt.Sprintf("asm: GemvF32: len(w) = %d < rows*cols = %d*%d", len(w), rows, cols))
	}
	gemvFloat(im.gemvF32, dst, w, x, cols, f32Value)
}

// GemvF16 is GemvF32 with IEEE half-precision weights (as bits):
//
//	dst[r] = Σ_c f16(w[r*cols+c]) · x[c]
func (im *Impl) GemvF16(dst []float32, w []uint16, x []float32) {
	rows, cols := len(dst), len(x)
	if len(w) < rows*cols {
		panic(fmt.Sprintf("asm: GemvF16: len(w) = %d < rows*cols = %d*%d", len(w), rows, cols))
	}
	gemvFloat(im.gemvF16, dst, w, x, cols, f16Value)
}

func f32Value(v float32) float32 { return v }
func f16Value(v uint16) float32  { return F16ToF32(v) }

// gemvFloat runs a raw GEMV kernel over the first cols&^7 columns in chunks of
// rows and finishes the column tail in Go. The row stride of w is ldw.
func gemvFloat[W uint16 | float32](kern func([]float32, []W, int, []float32), dst []float32, w []W, x []float32, ldw int, val func(W) float32) {
	rows, cols := len(dst), len(x)
	if rows == 0 {
		return
	}
	cols8 := cols &^ 7
	if cols8 == 0 {
		clear(dst)
	} else {
		raceRead(x[:cols8])
		chunk := max(1, maxWork/cols8)
		for r := 0; r < rows; r += chunk {
			n := min(chunk, rows-r)
			d := dst[r : r+n]
			ws := w[r*ldw : (r+n-1)*ldw+cols8]
			raceRead(ws)
			raceWrite(d)
			kern(d, ws, ldw, x[:cols8])
		}
	}
	if cols8 < cols {
		for r := range dst {
			row := w[r*ldw+cols8 : r*ldw+cols]
			acc := dst[r]
			for c, wv := range row {
				acc += val(wv) * x[cols8+c]
			}
			dst[r] = acc
		}
	}
}

// GemmF32 multiplies a row-major rows×cols matrix w by n vectors x_t (x_t =
// x[t*cols : (t+1)*cols]):
//
//	dst[t*ldd + r] = Σ_c w[r*cols+c] · x[t*cols+c]   for t < n, r < rows
//
// ldd ≥ rows (when n > 1) and len(dst) ≥ (n-1)*ldd + rows. For n == 1 this
// is GemvF32.
func (im *Impl) GemmF32(dst []float32, ldd int, w, x []float32, rows, cols, n int) {
	checkGemm("GemmF32", len(dst), ldd, len(w), rows*cols, len(x), rows, cols, n)
	gemmFloat(im.gemvF32, im.gemmF32, dst, ldd, w, cols, x, rows, cols, n, f32Value)
}

// GemmF32Strided is GemmF32 with weight row r at w[r*ldw:] (ldw ≥ cols),
// e.g. the first cols columns of a wider matrix:
//
//	dst[t*ldd+r] = Σ_{c<cols} w[r*ldw+c] · x[t*cols+c]
func (im *Impl) GemmF32Strided(dst []float32, ldd int, w []float32, ldw int, x []float32, rows, cols, n int) {
	if ldw < cols {
		panic(fmt.Sprintf("asm: GemmF32Strided: ldw = %d < cols = %d", ldw, cols))
	}
	need := 0
	if rows > 0 {
		need = (rows-1)*ldw + cols
	}
	checkGemm("GemmF32Strided", len(dst), ldd, len(w), need, len(x), rows, cols, n)
	gemmFloat(im.gemvF32, im.gemmF32, dst, ldd, w, ldw, x, rows, cols, n, f32Value)
}

// GemmF16 is GemmF32 with half-precision weights.
func (im *Impl) GemmF16(dst []float32, ldd int, w []uint16, x []float32, rows, cols, n int) {
	checkGemm("GemmF16", len(dst), ldd, len(w), rows*cols, len(x), rows, cols, n)
	gemmFloat(im.gemvF16, im.gemmF16, dst, ldd, w, cols, x, rows, cols, n, f16Value)
}

func checkGemm(name string, ldst, ldd, lw, needW, lx, rows, cols, n int) {
	switch {
	case rows < 0 || cols < 0 || n < 0:
		panic(fmt.Sprintf("asm: %s: negative shape rows=%d cols=%d n=%d", name, rows, cols, n))
	case n > 1 && ldd < rows:
		panic(fmt.Sprintf("asm: %s: ldd = %d < rows = %d", name, ldd, rows))
	case lw < needW:
		panic(fmt.Sprintf("asm: %s: len(w) = %d < %d for rows=%d cols=%d", name, lw, needW, rows, cols))
	case lx < n*cols:
		panic(fmt.Sprintf("asm: %s: len(x) = %d < n*cols = %d*%d", name, lx, n, cols))
	case n > 0 && rows > 0 && ldst < (n-1)*ldd+rows:
		panic(fmt.Sprintf("asm: %s: len(dst) = %d < (n-1)*ldd+rows = %d", name, ldst, (n-1)*ldd+rows))
	}
}

// gemmFloat tiles a GEMM into 4-row × 3-token micro-kernel calls over token
// tiles that stay in L2; row, token and column tails go through the GEMV
// kernel and Go.
func gemmFloat[W uint16 | float32](
	gemv func([]float32, []W, int, []float32),
	gemm func([]float32, int, []W, int, []float32, int, int, int, int),
	dst []float32, ldd int, w []W, ldw int, x []float32, rows, cols, n int, val func(W) float32,
) {
	if rows == 0 || n == 0 {
		return
	}
	cols8 := cols &^ 7
	rows4 := rows &^ 3
	n3 := n - n%3
	if cols8 == 0 || rows4 == 0 {
		n3 = 0
	}
	if n3 > 0 {
		// Column chunks of kc keep a 4-row weight panel and 3 token rows in
		// L1; token tiles of about 192 KiB keep the activations in L2.
		const kc = 512
		tile := min(96, max(3, (192<<10)/(min(kc, cols8)*4)))
		tile -= tile % 3
		if raceEnabled {
			raceRead(x[:n3*cols])
			raceRead(w[:(rows4-1)*ldw+cols])
			for t := range n3 {
				raceWrite(dst[t*ldd : t*ldd+rows4])
			}
		}
		for k0 := 0; k0 < cols8; k0 += kc {
			kn := min(kc, cols8-k0)
			add := min(k0, 1)
			for tt := 0; tt < n3; tt += tile {
				nt := min(tile, n3-tt)
				for r := 0; r < rows4; r += 4 {
					gemm(dst[tt*ldd+r:], ldd, w[r*ldw+k0:(r+3)*ldw+k0+kn], ldw, x[tt*cols+k0:], cols, kn, nt/3, add)
				}
			}
		}
		for t := range n3 {
			xt := x[t*cols : (t+1)*cols]
			if rows4 < rows {
				gemvFloat(gemv, dst[t*ldd+rows4:t*ldd+rows], w[rows4*ldw:], xt, ldw, val)
			}
			if cols8 < cols {
				for r := range rows4 {
					row := w[r*ldw+cols8 : r*ldw+cols]
					acc := dst[t*ldd+r]
					for c, wv := range row {
						acc += val(wv) * xt[cols8+c]
					}
					dst[t*ldd+r] = acc
				}
			}
		}
	}
	for t := n3; t < n; t++ {
		gemvFloat(gemv, dst[t*ldd:t*ldd+rows], w, x[t*cols:(t+1)*cols], ldw, val)
	}
}
