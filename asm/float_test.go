package asm_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

// oracleGemv returns Σ_c w(r,c)·x[c] in float64 and Σ|w(r,c)·x[c]|.
func oracleDot(wv func(c int) float64, x []float32) (sum, abs float64) {
	for c, v := range x {
		p := wv(c) * float64(v)
		sum += p
		abs += math.Abs(p)
	}
	return sum, abs
}

type floatCase struct {
	name string
	// run computes dst for rows×cols weights (generated from seed) against n
	// vectors; it returns the weight accessor for the oracle.
	gen func(seed uint64, rows, cols int) (w any, at func(r, c int) float64)
}

func floatTypes() []floatCase {
	return []floatCase{
		{"f32", func(seed uint64, rows, cols int) (any, func(r, c int) float64) {
			w := randF32(newRand(seed), rows*cols)
			return w, func(r, c int) float64 { return float64(w[r*cols+c]) }
		}},
		{"f16", func(seed uint64, rows, cols int) (any, func(r, c int) float64) {
			w := randF16(newRand(seed), rows*cols)
			return w, func(r, c int) float64 { return float64(asm.F16ToF32(w[r*cols+c])) }
		}},
	}
}

// offsetWeights copies w into a fresh slice starting off elements into its
// buffer, so kernels see misaligned weights.
func offsetWeights(w any, off int) any {
	switch w := w.(type) {
	case []float32:
		b := make([]float32, off+len(w))
		copy(b[off:], w)
		return b[off:]
	case []uint16:
		b := make([]uint16, off+len(w))
		copy(b[off:], w)
		return b[off:]
	}
	panic("unreachable")
}

func cloneAny(w any) any {
	switch w := w.(type) {
	case []float32:
		return slices.Clone(w)
	case []uint16:
		return slices.Clone(w)
	}
	panic("unreachable")
}

func equalAny(a, b any) bool {
	switch a := a.(type) {
	case []float32:
		return slices.Equal(a, b.([]float32))
	case []uint16:
		return slices.Equal(a, b.([]uint16))
	}
	panic("unreachable")
}

func gemm(im *asm.Impl, dst []float32, ldd int, w any, x []float32, rows, cols, n int) {
	switch w := w.(type) {
	case []float32:
		if n == 1 && ldd == 0 {
			im.GemvF32(dst, w, x)
			return
		}
		im.GemmF32(dst, ldd, w, x, rows, cols, n)
	case []uint16:
		if n == 1 && ldd == 0 {
			im.GemvF16(dst, w, x)
			return
		}
		im.GemmF16(dst, ldd, w, x, rows, cols, n)
	}
}

// checkFloat runs one GEMV (n == 1, ldd == 0) or GEMM case on im with the
// given offsets and compares with the float64 oracle, guard bands and inputs.
func checkFloat(t testing.TB, im *asm.Impl, fc floatCase, seed uint64, rows, cols, n, ldd, off int) {
	t.Helper()
	w0, at := fc.gen(seed, rows, cols)
	w := offsetWeights(w0, off)
	x := randF32(newRand(seed+1), n*cols)
	xb := make([]float32, (off+1)%4+len(x))
	xs := xb[(off+1)%4:]
	copy(xs, x)
	outLen := rows
	if n > 0 && ldd > 0 {
		outLen = (n-1)*ldd + rows
	}
	if n == 0 {
		outLen = 0
	}
	dst, buf := guardedF32(outLen, (off+2)%4)
	wOrig := cloneAny(w)
	gemm(im, dst, ldd, w, xs, rows, cols, n)
	name := fmt.Sprintf("%s/%s rows=%d cols=%d n=%d ldd=%d off=%d", im.Name, fc.name, rows, cols, n, ldd, off)
	checkGuards(t, name, buf, (off+2)%4, outLen)
	if !equalAny(w, wOrig) {
		t.Fatalf("%s: weights modified", name)
	}
	checkUnchanged(t, name+" x", xs, x)
	for tk := range n {
		xt := x[tk*cols : (tk+1)*cols]
		for r := range rows {
			want, abs := oracleDot(func(c int) float64 { return at(r, c) }, xt)
			got := dst[tk*ldd+r]
			if !within(got, want, abs, cols) {
				t.Fatalf("%s: dst[t=%d][r=%d] = %v, want %v (Σ|terms| %g)", name, tk, r, got, want, abs)
			}
		}
		if ldd > rows && tk < n-1 {
			for i := tk*ldd + rows; i < (tk+1)*ldd; i++ {
				if math.Float32bits(dst[i]) != math.Float32bits(sentinel) {
					t.Fatalf("%s: gap element %d between tokens overwritten", name, i)
				}
			}
		}
	}
}

func TestGemvFloat(t *testing.T) {
	for _, im := range impls(t) {
		for _, fc := range floatTypes() {
			t.Run(im.Name+"/"+fc.name, func(t *testing.T) {
				t.Parallel()
				for _, cols := range sizes(10) {
					for _, rows := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 13} {
						checkFloat(t, im, fc, uint64(rows*1000+cols), rows, cols, 1, 0, cols%4)
					}
				}
				for off := range 4 {
					checkFloat(t, im, fc, 7, 11, 67, 1, 0, off)
				}
				// Model-sized column counts.
				checkFloat(t, im, fc, 9, 9, 2048, 1, 0, 1)
				checkFloat(t, im, fc, 9, 5, 5632, 1, 0, 0)
			})
		}
	}
}

func TestGemmFloat(t *testing.T) {
	for _, im := range impls(t) {
		for _, fc := range floatTypes() {
			t.Run(im.Name+"/"+fc.name, func(t *testing.T) {
				t.Parallel()
				for _, cols := range []int{0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 31, 33, 64, 127} {
					for _, rows := range []int{0, 1, 3, 4, 5, 8, 11} {
						for _, n := range []int{0, 1, 2, 3, 4, 6, 7, 10} {
							for _, ldd := range []int{rows, rows + 3} {
								if n == 1 && ldd == 0 {
									continue
								}
								checkFloat(t, im, fc, uint64(cols*100+rows*10+n), rows, cols, n, ldd, (cols+n)%4)
							}
						}
					}
				}
				// A token tile boundary and model-ish size.
				checkFloat(t, im, fc, 3, 12, 2048, 100, 16, 1)
				checkFloat(t, im, fc, 4, 9, 1100, 7, 9, 2) // column chunks + tail
			})
		}
	}
}

func TestFloatPanics(t *testing.T) {
	im := asm.Ref()
	for name, f := range map[string]func(){
		"short w":   func() { im.GemvF32(make([]float32, 3), make([]float32, 5), make([]float32, 2)) },
		"short x":   func() { im.GemmF16(make([]float32, 8), 4, make([]uint16, 8), make([]float32, 3), 4, 2, 2) },
		"short dst": func() { im.GemmF32(make([]float32, 7), 4, make([]float32, 8), make([]float32, 4), 4, 2, 2) },
		"small ldd": func() { im.GemmF32(make([]float32, 8), 3, make([]float32, 8), make([]float32, 4), 4, 2, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestF16Conversion(t *testing.T) {
	for h := range 1 << 16 {
		f := asm.F16ToF32(uint16(h))
		back := asm.F32ToF16(f)
		if f == f && back != uint16(h) { // NaNs may change payload bits
			t.Fatalf("round trip %#04x -> %v -> %#04x", h, f, back)
		}
	}
	cases := map[float32]uint16{1: 0x3c00, -2: 0xc000, 65504: 0x7bff, 65520: 0x7c00, 0x1p-24: 0x0001, 0x1p-25: 0, 0x1.8p-25: 1, 1 + 0x1p-11: 0x3c00, 1 + 0x1.8p-10: 0x3c02}
	for f, want := range cases {
		if got := asm.F32ToF16(f); got != want {
			t.Errorf("F32ToF16(%v) = %#04x, want %#04x", f, got, want)
		}
	}
}

// Every implementation agrees with the reference to within the summation
// bound (both differ from the exact sum by at most that much).
func TestFloatMatchesRef(t *testing.T) {
	for _, im := range impls(t) {
		for _, fc := range floatTypes() {
			rows, cols, n := 13, 1031, 7
			w, at := fc.gen(11, rows, cols)
			x := randF32(newRand(12), n*cols)
			got, want := make([]float32, n*rows), make([]float32, n*rows)
			gemm(im, got, rows, w, x, rows, cols, n)
			gemm(asm.Ref(), want, rows, w, x, rows, cols, n)
			for tk := range n {
				for r := range rows {
					_, abs := oracleDot(func(c int) float64 { return at(r, c) }, x[tk*cols:(tk+1)*cols])
					i := tk*rows + r
					if math.Abs(float64(got[i]-want[i])) > 4*float64(cols+4)*0x1p-24*abs {
						t.Fatalf("%s/%s: [%d][%d] = %v, reference %v", im.Name, fc.name, tk, r, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestGemmF32Strided checks that a strided weight view gives exactly the
// results of the same rows copied out contiguously (same kernels, same
// summation order), and that the columns beyond cols are never read.
func TestGemmF32Strided(t *testing.T) {
	for _, im := range impls(t) {
		r := newRand(11)
		for _, cols := range []int{0, 1, 7, 8, 9, 17, 64, 130, 600} {
			for _, rows := range []int{0, 1, 4, 5, 11} {
				for _, n := range []int{1, 2, 3, 7} {
					ldw := cols + 5
					wide := make([]float32, rows*ldw)
					tight := make([]float32, rows*cols)
					for i := range rows {
						for c := range ldw {
							v := float32(r.Float64() - 0.5)
							if c >= cols {
								v = float32(math.NaN()) // must not be read
							}
							wide[i*ldw+c] = v
							if c < cols {
								tight[i*cols+c] = v
							}
						}
					}
					x := randActs(r, n, cols)
					got, want := make([]float32, n*rows), make([]float32, n*rows)
					im.GemmF32Strided(got, rows, wide, ldw, x, rows, cols, n)
					im.GemmF32(want, rows, tight, x, rows, cols, n)
					if !slices.Equal(got, want) {
						t.Fatalf("%s rows=%d cols=%d n=%d: strided %v, contiguous %v", im.Name, rows, cols, n, got, want)
					}
				}
			}
		}
	}
}
