//go:build gc && !purego

package asm

// quantQ8NEON is quantQ8Ref: for each of the len(d) blocks of 32 values,
//
//	d[b] = amax/127; q = roundToEven(x·(1/d[b])) (FCVTNS); s[b] = Σ q
//
//go:noescape
func quantQ8NEON(q []int8, d []float32, s []int32, x []float32)

// gemvQ8NEON is gemvQ8Ref using SDOT (dotprod): for each whole row block
// rb < len(dst)/8,
//
//	dst[8rb+i] = Σ_b float32(Σ_j wq·q) · (wd·d[b])
//
//go:noescape
func gemvQ8NEON(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)

// gemvQ4NEON is gemvQ4Ref using SDOT on the unsigned nibbles, minus 8·s[b].
//
//go:noescape
func gemvQ4NEON(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)

// gemmQ8NEON is gemmQ8Ref as one gemvQ8NEON pass per token over the packed
// row block (no dedicated multi-token NEON kernel yet).
func gemmQ8NEON(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int) {
	for t := range 4 * nquad {
		gemvQ8NEON(dst[t*ldd:t*ldd+8], w[:nb*q8Packed], nb, q[t*nb*QK:], d[t*nb:], s[t*nb:])
	}
}

// gemmQ4NEON is gemmQ4Ref as one gemvQ4NEON pass per token.
func gemmQ4NEON(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int) {
	for t := range 4 * nquad {
		gemvQ4NEON(dst[t*ldd:t*ldd+8], w[:nb*q4Packed], nb, q[t*nb*QK:], d[t*nb:], s[t*nb:])
	}
}
