//go:build gc && !purego

package asm

// gemvF32AVX2 is gemvF32Ref with AVX2+FMA:
//
//	for r := range dst { dst[r] = Σ_{c<len(x)} w[r*ldw+c]·x[c] }
//
// len(x) must be a multiple of 8. Four rows per pass share the x loads.
//
//go:noescape
func gemvF32AVX2(dst []float32, w []float32, ldw int, x []float32)

// gemvF16AVX2 is gemvF16Ref with F16C+FMA:
//
//	for r := range dst { dst[r] = Σ_{c<len(x)} f16(w[r*ldw+c])·x[c] }
//
//go:noescape
func gemvF16AVX2(dst []float32, w []uint16, ldw int, x []float32)

// gemmF32AVX2 is gemmF32Ref, a 4-row × 3-token register-blocked kernel with
// 12 ymm accumulators over k (a multiple of 8):
//
//	for j < ntrip, t < 3, r < 4:
//		dst[(3j+t)*ldd+r] (+)= Σ_{c<k} w[r*ldw+c]·x[(3j+t)*ldx+c]
//
// adding to dst when add != 0.
//
//go:noescape
func gemmF32AVX2(dst []float32, ldd int, w []float32, ldw int, x []float32, ldx, k, ntrip, add int)

// gemmF16AVX2 is gemmF16Ref: gemmF32AVX2 with half-precision weights.
//
//go:noescape
func gemmF16AVX2(dst []float32, ldd int, w []uint16, ldw int, x []float32, ldx, k, ntrip, add int)
