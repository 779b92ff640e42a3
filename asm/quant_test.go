package asm_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

// randActs returns n×cols activations with varied block magnitudes and a few
// all-zero blocks (the d = 0 path).
func randActs(r *rand.Rand, n, cols int) []float32 {
	x := make([]float32, n*cols)
	for b := 0; b < len(x); b += asm.QK {
		scale := math.Exp(r.NormFloat64() * 2)
		zero := r.IntN(13) == 0
		for j := b; j < min(len(x), b+asm.QK); j++ {
			if !zero {
				x[j] = float32(r.NormFloat64() * scale)
			}
		}
	}
	return x
}

type qact struct {
	q  []int8
	d  []float32
	s  []int32
	xs []float32 // x in SplitF16Act's form (the bitmask-f16 decode input)
	// x quantized by QuantizeI16 (the input of fixed bitmask-f16 rows)
	q16 []int16
	d16 []float32
}

func quantize(im *asm.Impl, x []float32) qact {
	nb := len(x) / asm.QK
	a := qact{q: make([]int8, len(x)), d: make([]float32, nb), s: make([]int32, nb)}
	im.QuantizeQ8(a.q, a.d, a.s, x)
	if len(x)%32 == 0 {
		a.xs = make([]float32, len(x))
		asm.SplitF16Act(a.xs, x)
		a.q16, a.d16 = make([]int16, len(x)), make([]float32, nb)
		asm.QuantizeI16(a.q16, a.d16, x)
	}
	return a
}

func TestQuantizeQ8(t *testing.T) {
	ref := asm.Ref()
	// Known values: amax 127 gives d = 1, and halves round to even.
	x := make([]float32, 32)
	x[0], x[1], x[2], x[3], x[4], x[5] = 127, 0.5, 1.5, 2.5, -0.5, -3.5
	for _, im := range impls(t) {
		a := quantize(im, x)
		want := []int8{127, 0, 2, 2, 0, -4}
		if a.d[0] != 1 || !slices.Equal(a.q[:6], want) || a.s[0] != 127+2+2-4 {
			t.Errorf("%s: d=%v q=%v s=%v, want d=1 q=%v s=127", im.Name, a.d[0], a.q[:6], a.s[0], want)
		}
	}
	// Tiny and subnormal blocks (1/d would overflow) quantize to zeros.
	tiny := make([]float32, 4*32)
	for i := range tiny {
		tiny[i] = float32(i-60) * []float32{1e-45, 1e-39, 0x1p-107, 0x1p-90}[i/32]
	}
	for _, im := range impls(t) {
		got, want := quantize(im, tiny), quantize(ref, tiny)
		if !slices.Equal(got.q, want.q) || !slices.Equal(got.d, want.d) || !slices.Equal(got.s, want.s) {
			t.Errorf("%s: tiny blocks: d = %v, s = %v; reference d = %v, s = %v", im.Name, got.d, got.s, want.d, want.s)
		}
		if want.d[0] != 0 || want.d[1] != 0 || want.d[2] != 0 || want.d[3] == 0 {
			t.Errorf("reference d for tiny blocks = %v, want [0 0 0 >0]", want.d)
		}
	}
	for _, im := range impls(t) {
		r := newRand(1)
		for _, nb := range []int{0, 1, 2, 3, 7, 8, 9, 64, 1025} {
			for off := range 4 {
				x := randActs(r, 1, nb*asm.QK)
				xb := make([]float32, off+len(x))
				xs := xb[off:]
				copy(xs, x)
				want := quantize(ref, x)
				qb := make([]int8, off+len(x)+guardLen)
				for i := range qb {
					qb[i] = 0x55
				}
				got := qact{q: qb[off : off+len(x)], d: make([]float32, nb), s: make([]int32, nb)}
				im.QuantizeQ8(got.q, got.d, got.s, xs)
				name := fmt.Sprintf("%s nb=%d off=%d", im.Name, nb, off)
				checkUnchanged(t, name, xs, x)
				for i, v := range qb {
					if (i < off || i >= off+len(x)) && v != 0x55 {
						t.Fatalf("%s: guard byte %d overwritten", name, i)
					}
				}
				if !slices.Equal(got.q, want.q) || !slices.Equal(got.d, want.d) || !slices.Equal(got.s, want.s) {
					t.Fatalf("%s: differs from reference", name)
				}
				for b := range nb {
					var sum int32
					for _, v := range got.q[b*32 : b*32+32] {
						sum += int32(v)
					}
					if sum != got.s[b] {
						t.Fatalf("%s: s[%d] = %d, want %d", name, b, got.s[b], sum)
					}
				}
			}
		}
	}
}

// quantType describes a GGUF quantized type for the tests.
type quantType struct {
	name       string
	blockBytes int
	packedSize func(rows, cols int) int
	pack       func(dst, src []byte, rows, cols int)
	// value returns the integer quant of weight j of a raw block.
	value func(blk []byte, j int) int
	gemm  func(im *asm.Impl, dst []float32, ldd int, w []byte, rows, cols int, a qact, n int)
}

func quantTypes() []quantType {
	return []quantType{
		{"q8_0", asm.Q8BlockBytes, asm.PackedQ8Size, asm.PackQ8,
			func(blk []byte, j int) int { return int(int8(blk[2+j])) },
			func(im *asm.Impl, dst []float32, ldd int, w []byte, rows, cols int, a qact, n int) {
				if n == 1 && ldd == 0 {
					im.GemvQ8(dst, w, cols, a.q, a.d, a.s)
					return
				}
				im.GemmQ8(dst, ldd, w, rows, cols, a.q, a.d, a.s, n)
			}},
		{"q4_0", asm.Q4BlockBytes, asm.PackedQ4Size, asm.PackQ4,
			func(blk []byte, j int) int {
				if j < 16 {
					return int(blk[2+j]&15) - 8
				}
				return int(blk[2+j-16]>>4) - 8
			},
			func(im *asm.Impl, dst []float32, ldd int, w []byte, rows, cols int, a qact, n int) {
				if n == 1 && ldd == 0 {
					im.GemvQ4(dst, w, cols, a.q, a.d, a.s)
					return
				}
				im.GemmQ4(dst, ldd, w, rows, cols, a.q, a.d, a.s, n)
			}},
	}
}

// randBlocks returns rows×cols/32 random GGUF blocks of the type.
func randBlocks(r *rand.Rand, qt quantType, rows, cols int) []byte {
	nb := cols / asm.QK
	raw := make([]byte, rows*nb*qt.blockBytes)
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	for b := range rows * nb {
		d := asm.F32ToF16(float32(r.NormFloat64() * 0.01))
		binary.LittleEndian.PutUint16(raw[b*qt.blockBytes:], d)
	}
	return raw
}

func checkQuant(t testing.TB, im *asm.Impl, qt quantType, seed uint64, rows, cols, n, ldd, off int) {
	t.Helper()
	r := newRand(seed)
	nb := cols / asm.QK
	raw := randBlocks(r, qt, rows, cols)
	packed := make([]byte, off+qt.packedSize(rows, cols))
	qt.pack(packed[off:], raw, rows, cols)
	w := packed[off:]
	x := randActs(r, n, cols)
	a := quantize(asm.Ref(), x)
	outLen := rows
	if n > 0 && ldd > 0 {
		outLen = (n-1)*ldd + rows
	}
	if n == 0 {
		outLen = 0
	}
	dst, buf := guardedF32(outLen, (off+1)%4)
	wOrig, aq := slices.Clone(w), slices.Clone(a.q)
	qt.gemm(im, dst, ldd, w, rows, cols, a, n)
	name := fmt.Sprintf("%s/%s rows=%d cols=%d n=%d ldd=%d off=%d", im.Name, qt.name, rows, cols, n, ldd, off)
	checkGuards(t, name, buf, (off+1)%4, outLen)
	checkUnchanged(t, name+" w", w, wOrig)
	checkUnchanged(t, name+" q", a.q, aq)
	for tk := range n {
		for row := range rows {
			var want, abs float64
			for b := range nb {
				blk := raw[(row*nb+b)*qt.blockBytes:]
				dw := float64(asm.F16ToF32(binary.LittleEndian.Uint16(blk)))
				dot := 0
				for j := range asm.QK {
					dot += qt.value(blk, j) * int(a.q[(tk*nb+b)*asm.QK+j])
				}
				term := dw * float64(a.d[tk*nb+b]) * float64(dot)
				want += term
				abs += math.Abs(term)
			}
			got := dst[tk*ldd+row]
			if !within(got, want, abs, 2*nb) {
				t.Fatalf("%s: dst[t=%d][r=%d] = %v, want %v (Σ|terms| %g)", name, tk, row, got, want, abs)
			}
		}
	}
}

func TestGemvQuant(t *testing.T) {
	for _, im := range impls(t) {
		for _, qt := range quantTypes() {
			t.Run(im.Name+"/"+qt.name, func(t *testing.T) {
				t.Parallel()
				for _, nb := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 33, 64} {
					for _, rows := range []int{0, 1, 7, 8, 9, 15, 16, 17, 24, 40} {
						checkQuant(t, im, qt, uint64(nb*100+rows), rows, nb*asm.QK, 1, 0, (nb+rows)%4)
					}
				}
				checkQuant(t, im, qt, 5, 16, 5632, 1, 0, 3)
			})
		}
	}
}

func TestGemmQuant(t *testing.T) {
	for _, im := range impls(t) {
		for _, qt := range quantTypes() {
			t.Run(im.Name+"/"+qt.name, func(t *testing.T) {
				t.Parallel()
				for _, nb := range []int{0, 1, 2, 3, 5, 8, 17} {
					for _, rows := range []int{0, 1, 7, 8, 9, 16, 23} {
						for _, n := range []int{0, 2, 3, 4, 5, 8, 9, 13} {
							for _, ldd := range []int{rows, rows + 5} {
								checkQuant(t, im, qt, uint64(nb*1000+rows*10+n), rows, nb*asm.QK, n, ldd, (nb+n)%4)
							}
						}
					}
				}
				checkQuant(t, im, qt, 9, 16, 2048, 137, 20, 1) // crosses a token tile
			})
		}
	}
}

// The integer kernels are exact up to float rounding of the block scales, so
// the SIMD versions must agree with the reference to a few ulps even where
// the float64 oracle's bound is loose (cancellation).
func TestQuantMatchesRef(t *testing.T) {
	for _, im := range impls(t) {
		for _, qt := range quantTypes() {
			r := newRand(77)
			rows, cols, n := 24, 256, 9
			raw := randBlocks(r, qt, rows, cols)
			w := make([]byte, qt.packedSize(rows, cols))
			qt.pack(w, raw, rows, cols)
			a := quantize(asm.Ref(), randActs(r, n, cols))
			got, want := make([]float32, n*rows), make([]float32, n*rows)
			qt.gemm(im, got, rows, w, rows, cols, a, n)
			qt.gemm(asm.Ref(), want, rows, w, rows, cols, a, n)
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*math.Abs(float64(want[i]))+1e-6 {
					t.Fatalf("%s/%s: [%d] = %v, ref %v", im.Name, qt.name, i, got[i], want[i])
				}
			}
		}
	}
}

func TestQuantPanics(t *testing.T) {
	im := asm.Ref()
	for name, f := range map[string]func(){
		"quant len":   func() { im.QuantizeQ8(make([]int8, 40), make([]float32, 2), make([]int32, 2), make([]float32, 40)) },
		"quant short": func() { im.QuantizeQ8(make([]int8, 32), make([]float32, 0), make([]int32, 1), make([]float32, 32)) },
		"cols": func() {
			im.GemvQ8(make([]float32, 8), make([]byte, 1000), 40, make([]int8, 40), make([]float32, 2), make([]int32, 2))
		},
		"short w": func() {
			im.GemvQ4(make([]float32, 9), make([]byte, 144), 32, make([]int8, 32), make([]float32, 1), make([]int32, 1))
		},
		"short act": func() {
			im.GemmQ4(make([]float32, 16), 8, make([]byte, 144), 8, 32, make([]int8, 32), make([]float32, 2), make([]int32, 2), 2)
		},
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
