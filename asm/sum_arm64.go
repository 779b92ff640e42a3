//go:build gc && !purego

package asm

// sumF32NEON is sumF32Ref with NEON:
//
//	s := 0; for _, v := range x { s += v }; return s
//
// len(x) must be a multiple of 32; four vector accumulators.
//
//go:noescape
func sumF32NEON(x []float32) float32
