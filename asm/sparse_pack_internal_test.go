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
