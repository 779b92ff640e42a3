package asm

import (
	"encoding/binary"
	"math/bits"
)

// Prefill of the bitmask-i8 format through the dense Q8_0 GEMM. The format's
// values are int8 with one half-precision scale per row and 32 columns and
// its unit layout (8 rows × 4 columns, bit 4i+j = row i, column j) is the
// packed Q8_0 group layout, so a row chunk expands exactly into packed Q8_0
// (zeros where the mask is clear) and multiplies with the quantized
// activations at the speed of a dense Q8_0 matrix — on implementations
// whose Q8_0 GEMM beats the float SpMM (bmI8Expand set: the VNNI one).

// QuantizedI8Prefill reports whether MulBitmaskI8 multiplies n ≥ 4 vectors
// against their Q8 activations through the Q8_0 GEMM (so, like its GEMV,
// with the activation quantization error) rather than in float32.
func (im *Impl) QuantizedI8Prefill() bool { return im.bmI8Expand != nil }

// bmI8ExpandRef writes the len(dst)/256 column blocks of one bitmask-i8 row
// block (masks and vals from its first block) as packed Q8_0 quants.
func bmI8ExpandRef(dst []byte, masks []uint32, vals []int8) {
	p := 0
	for cb := range len(dst) / q8QS {
		for u := range 8 {
			out := dst[cb*q8QS+u*32 : cb*q8QS+u*32+32]
			clear(out)
			for m := masks[cb*8+u]; m != 0; m &= m - 1 {
				out[bits.TrailingZeros32(m)] = byte(vals[p])
				p++
			}
		}
	}
}

// bmI8Q8Rows is the row chunk expanded at once (4.6 MB of packed Q8_0 for a
// 8192-column matrix).
const bmI8Q8Rows = 512

// mulBitmaskI8Q8 computes rows [r0, r1) of m for n ≥ 4 tokens with the
// quantized activations q, d, qs (as MulBitmaskI8) through im's Q8_0 GEMM.
func (im *Impl) mulBitmaskI8Q8(dst []float32, ldd int, m *BitmaskI8, r0, r1 int, q []int8, d []float32, qs []int32, n int, s *SparseScratch) {
	nb := m.Cols / 32
	rbBytes := nb * q8Packed
	for ra := r0; ra < r1; ra += bmI8Q8Rows {
		re := min(r1, ra+bmI8Q8Rows)
		rb0, rb1 := ra/sp8RB, (re+sp8RB-1)/sp8RB
		s.q8 = growSlice(s.q8, (rb1-rb0)*rbBytes)
		for rb := rb0; rb < rb1; rb++ {
			w := s.q8[(rb-rb0)*rbBytes : (rb-rb0+1)*rbBytes]
			masks := m.Masks[rb*nb*8 : (rb+1)*nb*8]
			vals := m.Vals[m.Offs[rb] : m.Offs[rb+1]+SparsePad]
			raceRead(masks)
			raceRead(vals)
			im.bmI8Expand(w[:nb*q8QS], masks, vals)
			sc := m.Scales[rb*nb*sp8RB : (rb+1)*nb*sp8RB]
			for i, h := range sc {
				binary.LittleEndian.PutUint16(w[nb*q8QS+2*i:], h)
			}
		}
		im.GemmQ8(dst[ra:], ldd, s.q8, re-ra, m.Cols, q, d, qs, n)
	}
}
