//go:build gc && !purego

package asm

// bmGemvF16AVX512 is bmGemvF16Ref: per row and 32 columns one VPEXPANDW
// (mask word as K register) of an unaligned 64-byte load places the packed
// halves, two VCVTPH2PS widen them and two FMAs accumulate; the row's value
// pointer advances by the popcount of the mask word.
//
//go:noescape
func bmGemvF16AVX512(dst []float32, masks []uint32, vals []uint16, x []float32)

// bmGemvF16sAVX512 is bmGemvF16sRef (split activations, see SplitF16Act):
// bmGemvF16AVX512 with the halves widened by integer steps.
//
//go:noescape
func bmGemvF16sAVX512(dst []float32, masks []uint32, vals []uint16, x []float32)

// bmGemvI16AVX512 is bmGemvI16Ref: the expansion of bmGemvF16AVX512, then
// per row and 32 columns one VPMADDWD against the int16 activations, one
// conversion and one FMA by the activation scale (BZ16IROW).
//
//go:noescape
func bmGemvI16AVX512(dst []float32, masks []uint32, vals []uint16, sc []float32, xq []int16, xd []float32)

// bmGemvI8AVX512 is bmGemvI8Ref: two 8-row × 4-column units at a time are
// expanded with one VPEXPANDB (their two mask words as a 64-bit K mask) and
// multiplied by VPDPBUSD against the activations (unit 2p in dword lanes
// 0..7, 2p+1 in 8..15); the weights are biased by 128 to be the unsigned
// operand and the bias, 128·s[cb] for every row, is removed before each
// column block's int32 sums are scaled into the float32 row accumulators.
//
//go:noescape
func bmGemvI8AVX512(dst []float32, masks []uint32, vals []int8, scales []uint16, q []int8, d []float32, s []int32)

// nmGemvF16AVX512 is nmGemvF16Ref with one group of 4 columns per 512-bit
// step: lanes 0..7 hold slot 0 of the 8 rows, lanes 8..15 slot 1, so one
// VPSRLVD places every lane's in-group index, one VPERMILPS selects x from
// the group broadcast to every 128-bit lane and one FMA multiplies the 16
// values. Both streams are prefetched ahead for DRAM.
//
//go:noescape
func nmGemvF16AVX512(dst []float32, vals []uint16, idx []uint32, x []float32)

// spmmF32T32AVX512 is spmmF32Ref for tw = 32: per entry one broadcast and
// two 16-lane FMAs over the tile row, four entries at a time.
//
//go:noescape
func spmmF32T32AVX512(out []float32, ptr, idx []int32, val []float32, xt []float32)

// spmmF32AVX512 runs 32-token tiles on the AVX-512 kernel and the 8-token
// tail tiles on the AVX2 one.
func spmmF32AVX512(out []float32, ptr, idx []int32, val []float32, xt []float32, tw int) {
	if tw == 32 {
		spmmF32T32AVX512(out, ptr, idx, val, xt)
		return
	}
	spmmF32AVX2(out, ptr, idx, val, xt, tw)
}

// bmI8ExpandAVX512 is bmI8ExpandRef.
//
//go:noescape
func bmI8ExpandAVX512(dst []byte, masks []uint32, vals []int8)
