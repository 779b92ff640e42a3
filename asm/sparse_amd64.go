//go:build gc && !purego

package asm

// bmGemvF16AVX2 is bmGemvF16Ref: for each of the len(dst)/4 row blocks,
//
//	dst[4rb+i] = Σ_c f16(W[4rb+i][c])·x[c]
//
// Each 8-column group of a row is expanded from its packed halves with one
// PSHUFB (control from spExpF16, pointer advance from spCnt2), widened by
// VCVTPH2PS and multiplied by x; the 4 rows of a row block share the x
// registers and walk one value stream.
//
//go:noescape
func bmGemvF16AVX2(dst []float32, masks []uint32, vals []uint16, x []float32)

// bmGemvI8AVX2 is bmGemvI8Ref: each 8-row × 4-column unit is expanded to 32
// int8 lanes (four 8-lane PSHUFBs with spExpI8), multiplied with the
// broadcast activations by VPSIGNB/VPABSB + VPMADDUBSW + VPMADDWD (row i in
// lane i), and every 32 columns the int32 sums are scaled into float32
// accumulators.
//
//go:noescape
func bmGemvI8AVX2(dst []float32, masks []uint32, vals []int8, scales []uint16, q []int8, d []float32, s []int32)

// nmGemvF16AVX2 is nmGemvF16Ref with the 8 rows of a row block in the 8
// lanes: per group of 4 columns and slot, the in-group indices are shifted
// into each lane (VPSRLVD) and select x with VPERMILPS from the group
// broadcast to both halves, so the multiply–adds are those of the stored
// values only.
//
//go:noescape
func nmGemvF16AVX2(dst []float32, vals []uint16, idx []uint32, x []float32)

// nmGemvI8AVX2 is nmGemvI8Ref: per 8-column unit the 2-bit indices are
// turned into a PSHUFB control that gathers the activation bytes of each
// slot, then the integer dot product runs as in bmGemvI8AVX2.
//
//go:noescape
func nmGemvI8AVX2(dst []float32, vals []int8, idx []uint8, scales []uint16, q []int8, d []float32)

// spmmF32AVX2 is spmmF32Ref for tw = 8 or 32: each stored value is
// broadcast and multiplied with the tw tokens of its column (1 or 4 vectors),
// two values at a time into two sets of accumulators.
//
//go:noescape
func spmmF32AVX2(out []float32, ptr, idx []int32, val []float32, xt []float32, tw int)
