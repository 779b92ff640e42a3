package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestQuantValue checks the branch-free rounding against math.Round on
// random quotients and on exact halves k+½ (both signs), with d over the
// half-precision scales the packers use.
func TestQuantValue(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	want := func(w, d float32) int8 {
		q := math.Round(float64(w) / float64(d))
		return int8(max(-127, min(127, q)))
	}
	for range 1_000_000 {
		d := F16ToF32(uint16(1 + r.IntN(0x7bff)))
		var w float32
		switch r.IntN(3) {
		case 0:
			w = float32(r.IntN(255)-127) + 0.5 // d·w is then k+½ when exact
			w *= d
		case 1:
			w = float32((r.Float64()*2 - 1) * 127 * float64(d))
		default:
			w = math.Float32frombits(r.Uint32()) // any finite value
			if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
				continue
			}
		}
		if got, exp := quantValue(w, d), want(w, d); got != exp {
			t.Fatalf("quantValue(%v, %v) = %d, want %d", w, d, got, exp)
		}
	}
	if quantValue(1, 0) != 0 {
		t.Fatal("quantValue(1, 0) != 0")
	}
}

// TestExactHalf checks the packers' fast path against F32ToF16: it must
// accept every finite normal half and agree with F32ToF16 on what it
// accepts, and decline everything else (subnormal halves, rounding, ±0,
// out of range, Inf, NaN).
func TestExactHalf(t *testing.T) {
	for h := range 1 << 16 {
		f := F16ToF32(uint16(h))
		b := math.Float32bits(f)
		got, ok := exactHalf(b)
		normal := h&0x7c00 != 0 && h&0x7c00 != 0x7c00
		if ok != normal || ok && got != uint16(h) {
			t.Fatalf("exactHalf(%v = half %#04x) = %#04x, %v", f, h, got, ok)
		}
		if ok {
			for _, d := range []uint32{1, 0x1000, 0x1fff} { // not exact any more
				if _, ok := exactHalf(b ^ d); ok {
					t.Fatalf("exactHalf(%v) accepted an inexact value", math.Float32frombits(b^d))
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(11, 12))
	for range 1_000_000 {
		b := r.Uint32()
		if h, ok := exactHalf(b); ok && h != F32ToF16(math.Float32frombits(b)) {
			t.Fatalf("exactHalf(%#08x) = %#04x, F32ToF16 %#04x", b, h, F32ToF16(math.Float32frombits(b)))
		}
	}
}

// TestBmI8Expand checks each implementation's expansion of bitmask-i8 row
// blocks to packed Q8_0 quants against bmI8ExpandRef and the matrix.
func TestBmI8Expand(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, z := range []float64{0, 0.5, 0.7, 1} {
		const rows, cols = 16, 96
		w := make([]float32, rows*cols)
		for i := range w {
			if r.Float64() >= z {
				w[i] = float32(r.Float64() - 0.5)
			}
		}
		m := PackBitmaskI8(w, rows, cols)
		nb := cols / 32
		for _, im := range Impls() {
			if im.bmI8Expand == nil {
				continue
			}
			for rb := range rows / 8 {
				want := make([]byte, nb*q8QS)
				got := make([]byte, nb*q8QS+64) // guard band
				for i := range got {
					got[i] = 0xa5
				}
				masks, vals := m.Masks[rb*nb*8:(rb+1)*nb*8], m.Vals[m.Offs[rb]:m.Offs[rb+1]+SparsePad]
				bmI8ExpandRef(want, masks, vals)
				im.bmI8Expand(got[:nb*q8QS], masks, vals)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s zeros=%v rb=%d: byte %d = %d, want %d", im.Name, z, rb, i, got[i], want[i])
					}
				}
				for i := nb * q8QS; i < len(got); i++ {
					if got[i] != 0xa5 {
						t.Fatalf("%s: wrote past the end at %d", im.Name, i)
					}
				}
				// Pruned weights expand to zero quants (a small kept weight
				// may round to zero too).
				for cb := range nb {
					for u := range 8 {
						for l := range 32 {
							row, col := rb*8+l/4, cb*32+4*u+l%4
							q := int8(want[cb*q8QS+u*32+l])
							if w[row*cols+col] == 0 && q != 0 {
								t.Fatalf("zeros=%v: [%d][%d] quant %d for weight %v", z, row, col, q, w[row*cols+col])
							}
						}
					}
				}
			}
		}
	}
}

// TestNmI8Expand checks the expansion of nm24-i8 row blocks to packed Q8_0
// quants against the matrix: every byte must be the quantized weight at
// its row and column (0 for pruned ones), with nothing written past the
// row block.
func TestNmI8Expand(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const rows, cols = 21, 128 // 3 row blocks, the last padded
	ncb := cols / 32
	for _, keep := range []int{0, 1, 2} { // non-zeros per group of 4
		w := make([]float32, rows*cols)
		for g := 0; g < len(w); g += 4 {
			for _, c := range r.Perm(4)[:keep] {
				w[g+c] = float32(r.Float64() - 0.5)
			}
		}
		m := PackNM24I8(w, rows, cols)
		nu := cols / 8
		for rb := range (rows + 7) / 8 {
			got := make([]byte, ncb*q8QS+64) // guard band
			for i := range got {
				got[i] = 0xa5
			}
			nmI8Expand(got[:ncb*q8QS], m.Vals[rb*nu*32:(rb+1)*nu*32], m.Idx[rb*nu*8:(rb+1)*nu*8])
			for i := ncb * q8QS; i < len(got); i++ {
				if got[i] != 0xa5 {
					t.Fatalf("keep=%d rb=%d: wrote past the end at %d", keep, rb, i)
				}
			}
			for cb := range ncb {
				for u := range 8 {
					for l := range 32 {
						i, col := l/4, cb*32+4*u+l%4
						var want int8
						if row := rb*8 + i; row < rows && w[row*cols+col] != 0 {
							want = quantValue(w[row*cols+col], F16ToF32(m.Scales[(rb*ncb+cb)*8+i]))
						}
						if q := int8(got[cb*q8QS+u*32+l]); q != want {
							t.Fatalf("keep=%d: [%d][%d] quant %d, want %d", keep, rb*8+i, col, q, want)
						}
					}
				}
			}
		}
	}
}
