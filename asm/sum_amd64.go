//go:build gc && !purego

package asm

// sumF32AVX2 is sumF32Ref with AVX2:
//
//	s := 0; for _, v := range x { s += v }; return s
//
// len(x) must be a multiple of 32; four ymm accumulators.
//
//go:noescape
func sumF32AVX2(x []float32) float32
