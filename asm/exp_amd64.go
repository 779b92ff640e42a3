//go:build gc && !purego

package asm

// expSumAVX2 is expSumRef for len(x) a multiple of 8: eight lanes of the
// Cephes reduction and polynomial (FMA), 2^n added to the exponent bits.
//
//go:noescape
func expSumAVX2(x []float32, m, s float32) float32

// siluMulAVX2 is siluMulRef for len(g) a multiple of 8 (len(u) ≥ len(g)):
// expSumAVX2's exponential of −g, then a division and a multiply per lane.
//
//go:noescape
func siluMulAVX2(g, u []float32)
