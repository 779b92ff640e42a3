package asm_test

import (
	"slices"
	"testing"

	"github.com/sieve-llm/sieve/asm"
)

// The fuzz targets generate inputs from a seed and small shape integers and
// diff every implementation against the float64 oracle (and the reference
// where results must be bit-identical). Seeds: f.Add below plus the corpus
// in testdata/fuzz/<Name>/.
//
//	go test -run='^$' -fuzz=FuzzGemmQuant -fuzztime=60s ./asm

func FuzzGemvFloat(f *testing.F) {
	f.Add(uint64(1), uint16(5), uint16(17), false)
	f.Add(uint64(2), uint16(9), uint16(64), true)
	f.Fuzz(func(t *testing.T, seed uint64, rows, cols uint16, half bool) {
		r, c := int(rows%70), int(cols%700)
		fc := floatTypes()[0]
		if half {
			fc = floatTypes()[1]
		}
		for _, im := range impls(t) {
			checkFloat(t, im, fc, seed, r, c, 1, 0, int(seed%4))
		}
	})
}

func FuzzGemmFloat(f *testing.F) {
	f.Add(uint64(1), uint16(6), uint16(24), uint16(7), uint8(0), false)
	f.Add(uint64(3), uint16(13), uint16(41), uint16(10), uint8(3), true)
	f.Fuzz(func(t *testing.T, seed uint64, rows, cols, n uint16, gap uint8, half bool) {
		r, c, nn := int(rows%40), int(cols%300), int(n%40)
		fc := floatTypes()[0]
		if half {
			fc = floatTypes()[1]
		}
		ldd := r + int(gap%8)
		if nn == 1 && ldd == 0 {
			return
		}
		for _, im := range impls(t) {
			checkFloat(t, im, fc, seed, r, c, nn, ldd, int(seed%4))
		}
	})
}

func FuzzQuantizeQ8(f *testing.F) {
	f.Add(uint64(1), uint16(3))
	f.Add(uint64(9), uint16(40))
	f.Fuzz(func(t *testing.T, seed uint64, nb uint16) {
		x := randActs(newRand(seed), 1, int(nb%200)*asm.QK)
		want := quantize(asm.Ref(), x)
		for _, im := range impls(t) {
			got := quantize(im, x)
			if !slices.Equal(got.q, want.q) || !slices.Equal(got.d, want.d) || !slices.Equal(got.s, want.s) {
				t.Fatalf("%s: QuantizeQ8 differs from the reference (seed %d nb %d)", im.Name, seed, nb%200)
			}
		}
	})
}

func FuzzGemmQuant(f *testing.F) {
	f.Add(uint64(1), uint16(9), uint16(3), uint16(1), uint8(0), false)
	f.Add(uint64(2), uint16(17), uint16(5), uint16(6), uint8(2), true)
	f.Fuzz(func(t *testing.T, seed uint64, rows, nb, n uint16, gap uint8, q4 bool) {
		r, c, nn := int(rows%50), int(nb%40)*asm.QK, int(n%20)
		qt := quantTypes()[0]
		if q4 {
			qt = quantTypes()[1]
		}
		ldd := r + int(gap%8)
		if nn == 1 && gap%2 == 0 {
			ldd = 0 // the GEMV entry point
		}
		for _, im := range impls(t) {
			checkQuant(t, im, qt, seed, r, c, nn, ldd, int(seed%4))
		}
	})
}
