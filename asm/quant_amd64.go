//go:build gc && !purego

package asm

// quantQ8AVX2 is quantQ8Ref: for each of the len(d) blocks of 32 values,
//
//	d[b] = amax/127; q = roundToEven(x·(1/d[b])); s[b] = Σ q
//
//go:noescape
func quantQ8AVX2(q []int8, d []float32, s []int32, x []float32)

// gemvQ8AVX2 is gemvQ8Ref: for each whole row block rb < len(dst)/8,
//
//	dst[8rb+i] = Σ_b float32(Σ_j wq·q) · (wd·d[b])
//
// using vpsignb/vpabsb + vpmaddubsw + vpmaddwd per 8 rows × 4 columns.
//
//go:noescape
func gemvQ8AVX2(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)

// gemvQ4AVX2 is gemvQ4Ref: unsigned nibbles × int8 activations with
// vpmaddubsw, int16 partial sums, then − 8·s[b] per block.
//
//go:noescape
func gemvQ4AVX2(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)

// gemmQ8AVX2 is gemmQ8Ref: one packed 8-row block × 4·nquad tokens, four
// tokens per pass sharing each weight vector:
//
//	for t < 4·nquad: dst[t*ldd : t*ldd+8] = gemvQ8(w, token t)
//
//go:noescape
func gemmQ8AVX2(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)

// gemmQ4AVX2 is gemmQ4Ref, the Q4_0 counterpart of gemmQ8AVX2.
//
//go:noescape
func gemmQ4AVX2(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
