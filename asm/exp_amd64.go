//go:build gc && !purego

package asm

// expSumAVX2 is expSumRef for len(x) a multiple of 8: eight lanes of the
// Cephes reduction and polynomial (FMA), 2^n added to the exponent bits.
//
//go:noescape
func expSumAVX2(x []float32, m, s float32) float32
