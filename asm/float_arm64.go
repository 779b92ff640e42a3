//go:build gc && !purego

package asm

// gemvF32NEON is gemvF32Ref with NEON FMLA:
//
//	for r := range dst { dst[r] = Σ_{c<len(x)} w[r*ldw+c]·x[c] }
//
// len(x) must be a multiple of 8. Four rows per pass share the x loads.
//
//go:noescape
func gemvF32NEON(dst []float32, w []float32, ldw int, x []float32)

// gemvF16NEON is gemvF16Ref (FCVTL widening + FMLA):
//
//	for r := range dst { dst[r] = Σ_{c<len(x)} f16(w[r*ldw+c])·x[c] }
//
//go:noescape
func gemvF16NEON(dst []float32, w []uint16, ldw int, x []float32)

// gemmF32NEON is gemmF32Ref, 4 rows × 3 tokens with 12 accumulators:
//
//	for j < ntrip, t < 3, r < 4:
//		dst[(3j+t)*ldd+r] (+)= Σ_{c<k} w[r*ldw+c]·x[(3j+t)*ldx+c]
//
// adding to dst when add != 0.
//
//go:noescape
func gemmF32NEON(dst []float32, ldd int, w []float32, ldw int, x []float32, ldx, k, ntrip, add int)

// gemmF16NEON is gemmF16Ref: gemmF32NEON with half-precision weights.
//
//go:noescape
func gemmF16NEON(dst []float32, ldd int, w []uint16, ldw int, x []float32, ldx, k, ntrip, add int)
