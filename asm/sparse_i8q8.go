package asm

import (
	"encoding/binary"
	"math/bits"
)

// Prefill of the int8 formats through the dense Q8_0 GEMM. Their values are
// int8 with one half-precision scale per row and 32 columns, Q8_0's, so a
// row chunk expands exactly into packed Q8_0 (zeros where no value is
// stored) and multiplies with the quantized activations at the speed of a
// dense Q8_0 matrix — on implementations whose Q8_0 GEMM beats the float
// SpMM (bmI8Expand set: the VNNI one). bitmask-i8's unit layout (8 rows ×
// 4 columns, bit 4i+j = row i, column j) is the packed Q8_0 group layout,
// so its expansion is one VPEXPANDB per two units; nm24-i8's slots go to
// the columns their indices name.

// QuantizedI8Prefill reports whether MulBitmaskI8 and MulNM24I8 multiply
// n ≥ 4 vectors against their Q8 activations through the Q8_0 GEMM (so,
// like their GEMVs, with the activation quantization error) rather than in
// float32.
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

// nmI8Expand writes the len(dst)/256 column blocks of one nm24-i8 row block
// (vals and idx from its first unit) as packed Q8_0 quants: slot k of row
// i in unit u (columns 8u..8u+7) goes to group 2u+k/2, row i, the column
// its index names; the other bytes are 0 (a row's two slots in a group
// name different columns).
func nmI8Expand(dst []byte, vals []int8, idx []uint8) {
	clear(dst)
	for u := range len(dst) / q8QS * 4 {
		// Q8_0 groups 2u and 2u+1: column block u/4, groups 2(u%4), +1.
		g0 := dst[u/4*q8QS+(u%4)*64:]
		g0 = g0[:64]
		v := vals[u*32 : u*32+32]
		ix := idx[u*8 : u*8+8]
		for i, b := range ix {
			o := 4 * i
			g0[o+int(b&3)] = byte(v[4*i])
			g0[o+int(b>>2&3)] = byte(v[4*i+1])
			g0[32+o+int(b>>4&3)] = byte(v[4*i+2])
			g0[32+o+int(b>>6)] = byte(v[4*i+3])
		}
	}
}

// i8Q8Rows is the row chunk expanded at once (4.6 MB of packed Q8_0 for a
// 8192-column matrix).
const i8Q8Rows = 512

// mulBitmaskI8Q8 computes rows [r0, r1) of m for n ≥ 4 tokens with the
// quantized activations q, d, qs (as MulBitmaskI8) through im's Q8_0 GEMM.
func (im *Impl) mulBitmaskI8Q8(dst []float32, ldd int, m *BitmaskI8, r0, r1 int, q []int8, d []float32, qs []int32, n int, s *SparseScratch) {
	nb := m.Cols / 32
	im.mulI8Q8(dst, ldd, r0, r1, m.Cols, m.Scales, func(w []byte, rb int) {
		masks := m.Masks[rb*nb*8 : (rb+1)*nb*8]
		vals := m.Vals[m.Offs[rb] : m.Offs[rb+1]+SparsePad]
		raceRead(masks)
		raceRead(vals)
		im.bmI8Expand(w, masks, vals)
	}, q, d, qs, n, s)
}

// mulNM24I8Q8 is mulBitmaskI8Q8 for an nm24-i8 matrix.
func (im *Impl) mulNM24I8Q8(dst []float32, ldd int, m *NM24I8, r0, r1 int, q []int8, d []float32, qs []int32, n int, s *SparseScratch) {
	nu := m.Cols / 8
	im.mulI8Q8(dst, ldd, r0, r1, m.Cols, m.Scales, func(w []byte, rb int) {
		vals := m.Vals[rb*nu*32 : (rb+1)*nu*32]
		idx := m.Idx[rb*nu*8 : (rb+1)*nu*8]
		raceRead(vals)
		raceRead(idx)
		nmI8Expand(w, vals, idx)
	}, q, d, qs, n, s)
}

// mulI8Q8 runs rows [r0, r1) of an int8 format with the given per-row-block
// scales through the Q8_0 GEMM, i8Q8Rows at a time: expand(w, rb) writes
// row block rb's quants into w (packed Q8_0), the scales follow.
func (im *Impl) mulI8Q8(dst []float32, ldd int, r0, r1, cols int, scales []uint16, expand func(w []byte, rb int), q []int8, d []float32, qs []int32, n int, s *SparseScratch) {
	nb := cols / 32
	rbBytes := nb * q8Packed
	for ra := r0; ra < r1; ra += i8Q8Rows {
		re := min(r1, ra+i8Q8Rows)
		rb0, rb1 := ra/sp8RB, (re+sp8RB-1)/sp8RB
		s.q8 = growSlice(s.q8, (rb1-rb0)*rbBytes)
		for rb := rb0; rb < rb1; rb++ {
			w := s.q8[(rb-rb0)*rbBytes : (rb-rb0+1)*rbBytes]
			expand(w[:nb*q8QS], rb)
			sc := scales[rb*nb*sp8RB : (rb+1)*nb*sp8RB]
			raceRead(sc)
			for i, h := range sc {
				binary.LittleEndian.PutUint16(w[nb*q8QS+2*i:], h)
			}
		}
		im.GemmQ8(dst[ra:], ldd, s.q8, re-ra, cols, q, d, qs, n)
	}
}
