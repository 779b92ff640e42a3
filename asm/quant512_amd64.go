//go:build gc && !purego

package asm

// gemmQ8AVX512 is gemmQ8Ref with VPDPBUSD (VNNI): the 64 quant bytes of 8
// rows × 8 columns are interleaved once per block (row i in dwords 2i, 2i+1)
// and biased by 128 to be the unsigned operand, so each of the 4 tokens
// multiplies them with one VPBROADCASTQ of its 8 activation bytes; the bias
// is removed with 128·s[b] once the two lanes of each row are added.
//
//go:noescape
func gemmQ8AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)

// gemmQ4AVX512 is gemmQ4Ref, gemmQ8AVX512 for packed Q4_0: the nibbles are
// unsigned already, so they need no bias, and 8·s[b] is removed as in the
// reference.
//
//go:noescape
func gemmQ4AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)

// gemmQ8x2AVX512 and gemmQ4x2AVX512 are gemmQ8AVX512 and gemmQ4AVX512 for
// two consecutive packed row blocks at once (w holds both; token t's 16
// outputs go to dst[t*ldd : t*ldd+16]): each activation broadcast feeds
// both blocks and one finish handles all 16 lanes.
//
//go:noescape
func gemmQ8x2AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)

//go:noescape
func gemmQ4x2AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)

// gemvQ4AVX512 is gemvQ4Ref with VPDPBUSD: per 64 quant bytes (two 4-column
// groups of 8 rows, row i in dwords i and 8+i) one AND/shift/AND unpacks
// the nibbles and two VPDPBUSD multiply them by the activations, broadcast
// per half with a merge-masked second broadcast; fewer µops than the AVX2
// kernel, which lets decode stream closer to the memory bandwidth.
//
//go:noescape
func gemvQ4AVX512(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)

// gemvQ8AVX512 is gemvQ8Ref as gemvQ4AVX512: the signed quants biased by
// 128 are the unsigned VPDPBUSD operand and 128·s[b] is removed per block.
//
//go:noescape
func gemvQ8AVX512(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)
