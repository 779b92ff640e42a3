package asm

import (
	"fmt"
	"math"
	"math/bits"
)

// Sparse weight layouts. Every sparse format needs cols to be a multiple of
// 32 ([SparseColAlign]); rows are grouped in row blocks (4 rows for
// bitmask-f16, 8 for the others), the last one padded with empty rows. The
// packers below build the layouts from a dense row-major float32 matrix
// whose pruned weights are exact zeros; the kernels trust that the slices of
// a packed matrix are consistent with each other (they are only ever made by
// these packers), so the fields must not be modified.
//
// bitmask-f16 ([BitmaskF16]), row block of 4 rows, column block cb of 32
// columns (ncb = cols/32):
//
//	Masks[(rb*ncb+cb)*4 + i]  bit j set ⇔ W[4rb+i][32cb+j] ≠ 0
//	Vals                      the non-zeros as IEEE half precision, ordered by
//	                          row block, column block, row i, column; then
//	                          SparsePad zeros (kernels read whole vectors)
//	Offs[rb]                  index in Vals of row block rb's first value
//
// so one row block is two sequential streams (16 mask bytes and the packed
// values per 32 columns) and a kernel walks 4 rows with one value pointer.
// [BitmaskF16.Fix] may rewrite the values of a row block as 16-bit integers
// q with w = q·2^k exactly (one power of two per row), for the int16 GEMV
// (see bmGemvI16Ref); such a row block is "fixed".
//
// bitmask-i8 ([BitmaskI8]), row block of 8 rows; a unit u is 8 rows × 4
// columns whose 32 lanes are numbered l = 4i+k (row i, column 4u+k) like the
// Q8_0 repacking, so an integer dot product leaves row i in 32-bit lane i:
//
//	Masks[(rb*ncb+cb)*8 + u]  bit l set ⇔ W[8rb+i][32cb+4u+k] ≠ 0
//	Vals                      int8 non-zeros ordered by row block, column
//	                          block, unit, lane; then SparsePad zeros
//	Scales[(rb*ncb+cb)*8 + i] f16 scale d of row i over the 32 columns
//	Offs[rb]                  as for bitmask-f16
//
// Weight = d·q with d the smallest half-precision value ≥ absmax/127 of the
// 32 weights and q = round(w/d) (|q| ≤ 127), so |d·q − w| ≤ d/2. A lane's
// mask bit follows w ≠ 0 even when q rounds to 0.
//
// nm24-f16 ([NM24F16]), row block of 8 rows, group g of 4 columns (ng =
// cols/4); each row keeps at most 2 non-zeros per group, in two slots
// (slot 0 the lower column; unused slots hold 0):
//
//	Vals[((rb*ng+g)*2+s)*8 + i]  slot s of row i (half precision)
//	Idx[rb*ng+g]                 bits 16s+2i, 16s+2i+1: the in-group column
//	                             (0..3) of slot s of row i
//
// so 8 rows × 4 columns take 32 value bytes + 4 index bytes (1.125 B/weight)
// and the kernels keep row i in lane i.
//
// nm24-i8 ([NM24I8]), row block of 8 rows, unit u of 8 columns (two groups;
// nu = cols/8), lanes as for bitmask-i8 but holding the 4 slots of a row:
//
//	Vals[((rb*nu+u)*8+i)*4 + k]  slot k of row i: group 2u+k/2, slot k%2
//	Idx[(rb*nu+u)*8 + i]         bits 2k, 2k+1: in-group column of slot k
//	Scales[(rb*ncb+cb)*8 + i]    as for bitmask-i8 (32 columns)

// SparseColAlign is the column multiple every sparse format requires.
const SparseColAlign = 32

// SparsePad is the number of zero elements after the packed values of the
// bitmask formats: kernels load whole vectors from the last value's address.
const SparsePad = 64

const (
	bmF16RB = 4 // rows per bitmask-f16 row block
	sp8RB   = 8 // rows per row block of the other sparse formats
)

// BitmaskF16 is a matrix packed by [PackBitmaskF16] (layout above).
type BitmaskF16 struct {
	Rows, Cols int
	Masks      []uint32
	Vals       []uint16
	Offs       []uint32
	// kind[rb] says how row block rb's values are stored (nil: all
	// bmNormal); sc[4rb+i] is 2^k of row i of a fixed row block.
	kind []uint8
	sc   []float32
	nfix int // fixed row blocks
}

// Kinds of bitmask-f16 row blocks.
const (
	bmNormal    = iota // halves, none subnormal
	bmSubnormal        // halves, some subnormal
	bmFixed            // int16 q, weight q·sc[row]
)

// kindOf returns the kind of row block rb.
func (m *BitmaskF16) kindOf(rb int) uint8 {
	if m.kind == nil {
		return bmNormal
	}
	return m.kind[rb]
}

// FixedRowBlocks returns how many row blocks [BitmaskF16.Fix] converted.
func (m *BitmaskF16) FixedRowBlocks() int { return m.nfix }

// RowFixed reports whether row r is in a fixed row block.
func (m *BitmaskF16) RowFixed(r int) bool { return m.kindOf(r/bmF16RB) == bmFixed }

// HasHalves reports whether some row block still stores halves.
func (m *BitmaskF16) HasHalves() bool {
	return m.FixedRowBlocks() < (m.Rows+bmF16RB-1)/bmF16RB
}

// BitmaskI8 is a matrix packed by [PackBitmaskI8].
type BitmaskI8 struct {
	Rows, Cols int
	Masks      []uint32
	Vals       []int8
	Scales     []uint16
	Offs       []uint32
}

// NM24F16 is a 2:4 matrix packed by [PackNM24F16].
type NM24F16 struct {
	Rows, Cols int
	Vals       []uint16
	Idx        []uint32
}

// NM24I8 is a 2:4 matrix packed by [PackNM24I8].
type NM24I8 struct {
	Rows, Cols int
	Vals       []int8
	Idx        []uint8
	Scales     []uint16
}

// RowBlock returns the row granularity of the format's kernels.
func (m *BitmaskF16) RowBlock() int { return bmF16RB }
func (m *BitmaskI8) RowBlock() int  { return sp8RB }
func (m *NM24F16) RowBlock() int    { return sp8RB }
func (m *NM24I8) RowBlock() int     { return sp8RB }

// Bytes returns the bytes of the packed matrix a full multiplication reads
// (padding rows and SparsePad included).
func (m *BitmaskF16) Bytes() int64 {
	return int64(len(m.Masks))*4 + int64(len(m.Vals))*2 + int64(len(m.Offs))*4 + int64(len(m.sc))*4
}
func (m *BitmaskI8) Bytes() int64 {
	return int64(len(m.Masks))*4 + int64(len(m.Vals)) + int64(len(m.Scales))*2 + int64(len(m.Offs))*4
}
func (m *NM24F16) Bytes() int64 { return int64(len(m.Vals))*2 + int64(len(m.Idx))*4 }
func (m *NM24I8) Bytes() int64 {
	return int64(len(m.Vals)) + int64(len(m.Idx)) + int64(len(m.Scales))*2
}

// NNZ returns the number of stored values (the non-zeros for the bitmask
// formats, 2 per group and row for 2:4).
func (m *BitmaskF16) NNZ() int { return int(m.Offs[len(m.Offs)-1]) }
func (m *BitmaskI8) NNZ() int  { return int(m.Offs[len(m.Offs)-1]) }

func checkSparseShape(name string, lw, rows, cols int) {
	if rows < 0 || cols < 0 || cols%SparseColAlign != 0 {
		panic(fmt.Sprintf("asm: %s: bad shape %d×%d (cols must be a multiple of %d)", name, rows, cols, SparseColAlign))
	}
	if lw < rows*cols {
		panic(fmt.Sprintf("asm: %s: len(w) = %d < rows*cols = %d*%d", name, lw, rows, cols))
	}
}

// PackBitmaskF16 packs the non-zeros of the rows×cols row-major matrix w
// (cols a multiple of 32) as half precision (round to nearest even) with a
// bitmask. Values must be finite; a non-zero that rounds to ±0 keeps its
// mask bit.
func PackBitmaskF16(w []float32, rows, cols int) BitmaskF16 {
	return packBitmaskF16(w, rows, cols, false)
}

// PackBitmaskF16Fixed is PackBitmaskF16 followed by BitmaskF16.Fix, with
// each row block fixed right after it is packed, while its values are
// still in cache.
func PackBitmaskF16Fixed(w []float32, rows, cols int) BitmaskF16 {
	return packBitmaskF16(w, rows, cols, true)
}

func packBitmaskF16(w []float32, rows, cols int, fix bool) BitmaskF16 {
	checkSparseShape("PackBitmaskF16", len(w), rows, cols)
	ncb := cols / 32
	nrb := (rows + bmF16RB - 1) / bmF16RB
	m := BitmaskF16{Rows: rows, Cols: cols, Masks: make([]uint32, nrb*ncb*bmF16RB), Offs: make([]uint32, nrb+1)}
	nnz := 0
	for rb := range nrb {
		m.Offs[rb] = uint32(nnz)
		for i := range min(bmF16RB, rows-rb*bmF16RB) {
			row := w[(rb*bmF16RB+i)*cols:]
			for cb := range ncb {
				mask := nonZeroMask(row[cb*32 : cb*32+32])
				m.Masks[(rb*ncb+cb)*bmF16RB+i] = mask
				nnz += bits.OnesCount32(mask)
			}
		}
	}
	m.Offs[nrb] = uint32(nnz)
	m.Vals = make([]uint16, nnz+SparsePad)
	p := 0
	for rb := range nrb {
		// Exponent fields of each row's non-zero halves, for fixing.
		var lo, hi [bmF16RB]int
		for i := range lo {
			lo[i] = 32
		}
		for cb := range ncb {
			for i := range min(bmF16RB, rows-rb*bmF16RB) {
				mask := m.Masks[(rb*ncb+cb)*bmF16RB+i]
				seg := w[(rb*bmF16RB+i)*cols+cb*32:]
				seg = seg[:32]
				for mask != 0 {
					h := toHalf(seg[bits.TrailingZeros32(mask)])
					if h&0x7c00 == 0 && h&0x3ff != 0 {
						if m.kind == nil {
							m.kind = make([]uint8, nrb)
						}
						m.kind[rb] = bmSubnormal
					}
					m.Vals[p] = h
					if e := int(h>>10) & 31; h&0x7fff != 0 {
						lo[i], hi[i] = min(lo[i], max(e, 1)), max(hi[i], e)
					}
					mask &= mask - 1
					p++
				}
			}
		}
		if fix {
			if k, ok := fixFromRange(lo, hi); ok || m.fixExact(rb, ncb, &k) {
				m.fixRowBlock(rb, ncb, k)
				m.nfix++
			}
		}
	}
	return m
}

// toHalf is F32ToF16 with exactHalf's fast path inlined.
func toHalf(v float32) uint16 {
	if h, ok := exactHalf(math.Float32bits(v)); ok {
		return h
	}
	return F32ToF16(v)
}

// nonZeroMask returns the mask of v (at most 32 values) with bit j set ⇔
// v[j] ≠ 0 (±0 are zero, NaN is not). Branch-free: pruned weights make the
// test a coin flip that a branch would mispredict.
func nonZeroMask(v []float32) uint32 {
	var mask uint32
	for j, f := range v {
		b := math.Float32bits(f) << 1
		mask |= (b | -b) >> 31 << j
	}
	return mask
}

// quantScale returns the int8 scale of a block with maximum magnitude amax:
// the smallest half-precision value d ≥ amax/127 (0 for amax = 0), so that
// round(w/d) never exceeds 127 in magnitude.
func quantScale(amax float32) uint16 {
	if amax == 0 {
		return 0
	}
	t := amax / 127
	h := F32ToF16(t)
	if F16ToF32(h) < t {
		h++
	}
	return h
}

// quantValue returns round(w/d) (half away from zero), 0 when d = 0.
func quantValue(w, d float32) int8 {
	if d == 0 {
		return 0
	}
	// Branch-free math.Round: truncating x ± ½ differs from it only for x
	// within 2⁻⁵⁴ below ½, which a quotient of two float32 values never is
	// (it is ½ or at least 2⁻²⁶ away).
	x := max(-127, min(127, float64(w)/float64(d)))
	return int8(x + math.Copysign(0.5, x))
}

// blockScales computes the f16 scale of each row of a row block over each
// 32-column block: scales[(rb*ncb+cb)*8+i]. The weights are finite, so the
// largest magnitude is the largest sign-cleared bit pattern.
func blockScales(scales []uint16, w []float32, rows, cols int) {
	ncb := cols / 32
	for r := range rows {
		rb, i := r/sp8RB, r%sp8RB
		for cb := range ncb {
			var amax uint32
			for _, v := range w[r*cols+cb*32 : r*cols+cb*32+32] {
				amax = max(amax, math.Float32bits(v)&^(1<<31))
			}
			scales[(rb*ncb+cb)*sp8RB+i] = quantScale(math.Float32frombits(amax))
		}
	}
}

// PackBitmaskI8 packs the non-zeros of w (rows×cols, cols a multiple of 32)
// as int8 with one f16 scale per row and 32 columns, plus a bitmask. Values
// must be finite and below 8·10⁶ in magnitude.
func PackBitmaskI8(w []float32, rows, cols int) BitmaskI8 {
	checkSparseShape("PackBitmaskI8", len(w), rows, cols)
	ncb := cols / 32
	nrb := (rows + sp8RB - 1) / sp8RB
	m := BitmaskI8{Rows: rows, Cols: cols, Masks: make([]uint32, nrb*ncb*8),
		Scales: make([]uint16, nrb*ncb*sp8RB), Offs: make([]uint32, nrb+1)}
	blockScales(m.Scales, w, rows, cols)
	nnz := 0
	for rb := range nrb {
		m.Offs[rb] = uint32(nnz)
		nr := min(sp8RB, rows-rb*sp8RB)
		for cb := range ncb {
			// Row i's columns 4u..4u+3 are lanes 4i..4i+3 of unit u.
			var rm [sp8RB]uint32
			for i := range nr {
				rm[i] = nonZeroMask(w[(rb*sp8RB+i)*cols+cb*32:][:32])
			}
			for u := range 8 {
				var mask uint32
				for i, r := range rm {
					mask |= (r >> (4 * u) & 0xf) << (4 * i)
				}
				m.Masks[(rb*ncb+cb)*8+u] = mask
				nnz += bits.OnesCount32(mask)
			}
		}
	}
	m.Offs[nrb] = uint32(nnz)
	m.Vals = make([]int8, nnz+SparsePad)
	p := 0
	for rb := range nrb {
		for cb := range ncb {
			var d [sp8RB]float32
			for i := range d {
				d[i] = F16ToF32(m.Scales[(rb*ncb+cb)*sp8RB+i])
			}
			for u := range 8 {
				mask := m.Masks[(rb*ncb+cb)*8+u]
				for mask != 0 {
					l := bits.TrailingZeros32(mask)
					mask &= mask - 1
					i := l / 4
					m.Vals[p] = quantValue(w[(rb*sp8RB+i)*cols+cb*32+4*u+l%4], d[i])
					p++
				}
			}
		}
	}
	return m
}

// nm24Slots returns the columns (0..3) of the at most two non-zeros of a
// group of 4 and whether the group is 2:4; unused slots get distinct
// columns not holding a non-zero (their values are stored as 0).
func nm24Slots(g []float32) (c0, c1 int, ok bool) {
	e := nm24Table[nonZeroMask(g[:4])]
	return int(e & 3), int(e >> 2 & 3), e&16 != 0
}

// nm24Table maps a group's non-zero mask to its slots c0 | c1<<2 | ok<<4
// (a lookup instead of branches on coin-flip zeros).
var nm24Table = func() (t [16]uint8) {
	for m := range uint8(16) {
		var nz []uint8
		for c := range uint8(4) {
			if m>>c&1 != 0 {
				nz = append(nz, c)
			}
		}
		var c0, c1 uint8
		switch len(nz) {
		case 0:
			c0, c1 = 0, 1
		case 1:
			c0, c1 = 0, 1
			if nz[0] != 0 {
				c0, c1 = nz[0]-1, nz[0] // slot 0 unused (column nz[0]-1 is zero)
			}
		case 2:
			c0, c1 = nz[0], nz[1]
		default:
			continue // not 2:4
		}
		t[m] = c0 | c1<<2 | 16
	}
	return t
}()

// IsNM24 reports whether every aligned group of 4 along every row of the
// rows×cols matrix w has at most 2 non-zeros.
func IsNM24(w []float32, rows, cols int) bool {
	if cols%4 != 0 {
		return false
	}
	for r := range rows {
		ok := true
		for g := 0; g < cols; g += 4 {
			_, _, k := nm24Slots(w[r*cols+g:])
			ok = ok && k
		}
		if !ok {
			return false
		}
	}
	return true
}

// PackNM24F16 packs a 2:4 matrix w (rows×cols, cols a multiple of 32, at
// most 2 non-zeros in every aligned group of 4 along a row; see [IsNM24])
// with half-precision values and 2-bit in-group indices.
func PackNM24F16(w []float32, rows, cols int) NM24F16 {
	checkSparseShape("PackNM24F16", len(w), rows, cols)
	ng := cols / 4
	nrb := (rows + sp8RB - 1) / sp8RB
	m := NM24F16{Rows: rows, Cols: cols, Vals: make([]uint16, nrb*ng*16), Idx: make([]uint32, nrb*ng)}
	for r := range rows {
		rb, i := r/sp8RB, r%sp8RB
		for g := range ng {
			grp := w[r*cols+4*g:]
			c0, c1, ok := nm24Slots(grp)
			if !ok {
				panic(fmt.Sprintf("asm: PackNM24F16: row %d, columns %d..%d hold more than 2 non-zeros", r, 4*g, 4*g+3))
			}
			base := (rb*ng + g) * 16
			m.Vals[base+i] = toHalf(grp[c0])
			m.Vals[base+8+i] = toHalf(grp[c1])
			m.Idx[rb*ng+g] |= uint32(c0)<<(2*i) | uint32(c1)<<(16+2*i)
		}
	}
	// Padding rows: slots 0 and 1 point at columns 0 and 1 (values 0).
	for r := rows; r < nrb*sp8RB; r++ {
		rb, i := r/sp8RB, r%sp8RB
		for g := range ng {
			m.Idx[rb*ng+g] |= 1 << (16 + 2*i)
		}
	}
	return m
}

// PackNM24I8 packs a 2:4 matrix w like [PackNM24F16] with int8 values and
// one f16 scale per row and 32 columns (as [PackBitmaskI8]).
func PackNM24I8(w []float32, rows, cols int) NM24I8 {
	checkSparseShape("PackNM24I8", len(w), rows, cols)
	nu, ncb := cols/8, cols/32
	nrb := (rows + sp8RB - 1) / sp8RB
	m := NM24I8{Rows: rows, Cols: cols, Vals: make([]int8, nrb*nu*32), Idx: make([]uint8, nrb*nu*8),
		Scales: make([]uint16, nrb*ncb*sp8RB)}
	blockScales(m.Scales, w, rows, cols)
	for r := range rows {
		rb, i := r/sp8RB, r%sp8RB
		for u := range nu {
			d := F16ToF32(m.Scales[(rb*ncb+u/4)*sp8RB+i])
			var idx uint8
			for h := range 2 {
				grp := w[r*cols+8*u+4*h:]
				c0, c1, ok := nm24Slots(grp)
				if !ok {
					panic(fmt.Sprintf("asm: PackNM24I8: row %d, columns %d..%d hold more than 2 non-zeros", r, 8*u+4*h, 8*u+4*h+3))
				}
				base := ((rb*nu+u)*8 + i) * 4
				m.Vals[base+2*h] = quantValue(grp[c0], d)
				m.Vals[base+2*h+1] = quantValue(grp[c1], d)
				idx |= uint8(c0)<<(4*h) | uint8(c1)<<(4*h+2)
			}
			m.Idx[(rb*nu+u)*8+i] = idx
		}
	}
	for r := rows; r < nrb*sp8RB; r++ {
		rb, i := r/sp8RB, r%sp8RB
		for u := range nu {
			m.Idx[(rb*nu+u)*8+i] = 0b0100_0100
		}
	}
	return m
}
