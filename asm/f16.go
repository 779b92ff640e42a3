package asm

import (
	"math"
	"sync"
)

// F16ToF32 converts an IEEE 754 half-precision value (as its bits) to float32
// exactly, including subnormals, infinities and NaNs (the NaN payload is kept).
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0:
		return math.Float32frombits(sign)
	}
	f := float32(man) * (1.0 / (1 << 24)) // subnormal: man·2⁻²⁴, exact
	if sign != 0 {
		f = -f
	}
	return f
}

// F32ToF16 converts f to half precision with round-to-nearest-even, as the
// F16C instruction VCVTPS2PH does with rounding mode 0. Overflow gives ±Inf,
// NaN stays a (quiet) NaN.
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff {
		if man != 0 {
			return sign | 0x7e00 | uint16(man>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign // rounds to ±0
		}
		// Subnormal half: shift the 24-bit significand.
		m := man | 0x800000
		shift := uint32(14 - e)
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 != 0) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 != 0) {
		h++ // may carry into the exponent, which is the right result
	}
	return sign | uint16(h)
}

// exactHalf returns the half-precision bits of the float32 whose bits are
// b when that value is a normal half exactly (every weight of an F16 file),
// which F32ToF16 would return too; small enough to inline where packers
// convert millions of values.
func exactHalf(b uint32) (uint16, bool) {
	t := b & 0x7fffffff
	if t>>23-113 < 30 && t&0x1fff == 0 {
		return uint16(t>>13-112<<10) | uint16(b>>16)&0x8000, true
	}
	return 0, false
}

// f16Table maps every half-precision bit pattern to float32; the reference
// kernels use it.
var f16Table = sync.OnceValue(func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = F16ToF32(uint16(i))
	}
	return &t
})
