//go:build gc && !purego

package asm

// bmGemvF16AVX512 is bmGemvF16Ref: per row and 32 columns one VPEXPANDW
// (mask word as K register) places the packed halves, two VCVTPH2PS widen
// them and two FMAs accumulate; the row's value pointer advances by the
// popcount of the mask word.
//
//go:noescape
func bmGemvF16AVX512(dst []float32, masks []uint32, vals []uint16, x []float32)
