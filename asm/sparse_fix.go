package asm

import (
	"fmt"
	"iter"
	"math"
	"math/bits"
)

// Fixed-point bitmask-f16 row blocks. A half is m·2^p with m an 11-bit
// integer, so the non-zeros of a row whose magnitudes span few binades are
// exactly q·2^k for 16-bit integers q and one k per row. Multiplied by
// activations quantized to int16 per 32 columns (QuantizeI16), a row and
// 32 columns take one VPMADDWD, one conversion and one FMA where halves
// need two widenings and two FMAs: the decode GEMV's work per weight drops
// by a third, which on the machines of BENCHMARKS.md is the difference
// between keeping up with memory and not. The weights stay exact; the
// activations carry a relative error of at most 2^-16 of their block's
// largest magnitude (half precision rounds each to 2^-11 of itself).

// maxFixQ bounds |q| of fixed weights and activations, so a VPMADDWD pair
// sum (two products) stays below 2^31.
const maxFixQ = 32767

// halfParts returns a finite half h as m·2^p with m its 11-bit
// significand (the implicit bit included for normal halves; m carries the
// sign).
func halfParts(h uint16) (m int32, p int) {
	e := int(h>>10) & 31
	m = int32(h & 0x3ff)
	if e == 0 {
		e = 1 // subnormal: m·2^-24
	} else {
		m |= 0x400
	}
	if h&0x8000 != 0 {
		m = -m
	}
	return m, e - 25
}

// halfOdd returns a finite non-zero half h as v·2^p with v odd (v carries
// the sign).
func halfOdd(h uint16) (v int32, p int) {
	m, p := halfParts(h)
	tz := bits.TrailingZeros32(uint32(m))
	return m >> tz, p + tz
}

// Fix rewrites the values of every row block whose rows each fit 16-bit
// integers times a power of two exactly (see bmGemvI16Ref) and returns
// how many it converted. The matrix then needs int16 activations
// (F16Act.Q, D) for decode; Dense and prefill are unchanged.
func (m *BitmaskF16) Fix() int {
	ncb := m.Cols / 32
	n := 0
	for rb := range len(m.Offs) - 1 {
		if m.kindOf(rb) == bmFixed {
			continue
		}
		if k, ok := m.fixExponents(rb, ncb); ok {
			m.fixRowBlock(rb, ncb, k)
			n++
		}
	}
	m.nfix += n
	return n
}

// fixRowBlock rewrites row block rb's halves as q = h/2^k[i].
func (m *BitmaskF16) fixRowBlock(rb, ncb int, k [bmF16RB]int) {
	nrb := len(m.Offs) - 1
	if m.kind == nil {
		m.kind = make([]uint8, nrb)
	}
	if m.sc == nil {
		m.sc = make([]float32, nrb*bmF16RB)
	}
	for i, seg := range m.rowSegments(rb, ncb) {
		for j, h := range seg {
			seg[j] = uint16(int16(fixValue(h, k[i])))
		}
	}
	for i := range bmF16RB {
		m.sc[rb*bmF16RB+i] = float32(math.Ldexp(1, k[i]))
	}
	m.kind[rb] = bmFixed
}

// rowSegments yields, in stream order, row i of row block rb and the
// stored values of one of its 32-column blocks (aliasing m.Vals).
func (m *BitmaskF16) rowSegments(rb, ncb int) iter.Seq2[int, []uint16] {
	return func(yield func(int, []uint16) bool) {
		p := int(m.Offs[rb])
		for cb := range ncb {
			for i := range bmF16RB {
				c := bits.OnesCount32(m.Masks[(rb*ncb+cb)*bmF16RB+i])
				if !yield(i, m.Vals[p:p+c]) {
					return
				}
				p += c
			}
		}
	}
}

// fixValue returns q with h = q·2^k, for a finite half h that is a
// multiple of 2^k (±0 gives 0).
func fixValue(h uint16, k int) int32 {
	m, p := halfParts(h)
	if p >= k {
		return m << (p - k)
	}
	return m >> (k - p) // only trailing zeros go
}

// fixExponents returns the exponent k of each row of row block rb (every
// value a multiple of 2^k) and whether every |q| ≤ maxFixQ.
func (m *BitmaskF16) fixExponents(rb, ncb int) (k [bmF16RB]int, ok bool) {
	var lo, hi [bmF16RB]int
	for i := range lo {
		lo[i] = 32
	}
	for i, seg := range m.rowSegments(rb, ncb) {
		for _, h := range seg {
			if e := int(h>>10) & 31; h&0x7fff != 0 {
				lo[i], hi[i] = min(lo[i], max(e, 1)), max(hi[i], e)
			}
		}
	}
	if k, ok = fixFromRange(lo, hi); ok {
		return k, true
	}
	return k, m.fixExact(rb, ncb, &k)
}

// fixFromRange decides rows from the smallest (lo, subnormals as 1) and
// largest (hi) exponent field of their non-zero halves (lo = 32: none):
// with k the smallest value's ulp exponent, q has at most 11 + hi − lo
// bits, so rows spanning at most 4 binades fit. It fails when some row
// spans more; fixExact then measures exactly (trailing zeros can still
// make such a row fit).
func fixFromRange(lo, hi [bmF16RB]int) (k [bmF16RB]int, ok bool) {
	for i := range k {
		switch {
		case lo[i] == 32:
			k[i] = 0
		case hi[i]-lo[i] <= 4:
			k[i] = lo[i] - 25
		default:
			return k, false
		}
	}
	return k, true
}

// fixExact sets *kp from every value's odd part (k the smallest exponent
// of a set bit) and reports whether every row's q stay within 15 bits.
func (m *BitmaskF16) fixExact(rb, ncb int, kp *[bmF16RB]int) bool {
	var k, hi [bmF16RB]int // hi: largest bit length of v·2^p, as p + len(v)
	for i := range k {
		k[i], hi[i] = math.MaxInt, math.MinInt
	}
	for i, seg := range m.rowSegments(rb, ncb) {
		for _, h := range seg {
			if h&0x7fff != 0 {
				v, e := halfOdd(h)
				k[i] = min(k[i], e)
				hi[i] = max(hi[i], e+bits.Len32(uint32(max(v, -v))))
			}
		}
	}
	for i := range k {
		if k[i] == math.MaxInt {
			k[i] = 0
			continue
		}
		if hi[i]-k[i] > 15 {
			return false
		}
	}
	// Bit lengths up to 15 keep |q| ≤ 2^15-1 = maxFixQ.
	*kp = k
	return true
}

// QuantizeI16 quantizes x (len a multiple of 32) to int16 per block of 32:
// d[b] = amax/32767 and q = round(x/d) (half to even), |q| ≤ 32767; blocks
// whose 1/d would overflow float32 (amax below 2^-113, or 0) get d = 0 and
// q = 0, blocks with an infinite or NaN value d = NaN. The fixed
// bitmask-f16 rows read it.
func QuantizeI16(q []int16, d []float32, x []float32) {
	if len(x)%32 != 0 || len(q) < len(x) || len(d) < len(x)/32 {
		panic(fmt.Sprintf("asm: QuantizeI16: len(x) = %d (must be a multiple of 32), len(q) = %d, len(d) = %d", len(x), len(q), len(d)))
	}
	for b := 0; b < len(x); b += 32 {
		xb, qb := x[b:b+32], q[b:b+32]
		var amax uint32
		for _, v := range xb {
			amax = max(amax, math.Float32bits(v)&^(1<<31))
		}
		a := math.Float32frombits(amax)
		id := maxFixQ / a
		if a > math.MaxFloat32 || a != a {
			// Infinite or NaN activations make NaN products, as in float32.
			clear(qb)
			d[b/32] = float32(math.NaN())
			continue
		}
		if a == 0 || id > math.MaxFloat32 {
			clear(qb)
			d[b/32] = 0
			continue
		}
		d[b/32] = a / maxFixQ
		for j, v := range xb {
			// Adding 1.5·2^23 rounds |v·id| ≤ 32767 to an integer (half to
			// even) in the low mantissa bits.
			r := v*id + 0x1.8p23
			qb[j] = int16(int32(math.Float32bits(r)) - 0x4b400000)
		}
	}
}

// bmGemvI16Ref: dst[4rb+i] = sc[4rb+i]·Σ_cb d[cb]·Σ_j q(W[4rb+i][32cb+j])·xq[32cb+j]
// over fixed row blocks (vals are int16 q); integer sums per pair of
// columns as VPMADDWD makes them, then float32 per column block.
func bmGemvI16Ref(dst []float32, masks []uint32, vals []uint16, sc []float32, xq []int16, xd []float32) {
	ncb := len(xq) / 32
	p := 0
	for rb := range len(dst) / bmF16RB {
		var acc [bmF16RB]float32
		for cb := range ncb {
			xb := xq[cb*32 : cb*32+32]
			for i := range bmF16RB {
				var s int64
				for mk := masks[(rb*ncb+cb)*bmF16RB+i]; mk != 0; mk &= mk - 1 {
					s += int64(int16(vals[p])) * int64(xb[bits.TrailingZeros32(mk)])
					p++
				}
				acc[i] += float32(s) * xd[cb]
			}
		}
		for i, a := range acc {
			dst[rb*bmF16RB+i] = a * sc[rb*bmF16RB+i]
		}
	}
}
