package gguf

import "math"

// IEEE 754 binary16 ("half", ggml's F16) and bfloat16 (ggml's BF16)
// conversions, bit-compatible with ggml:
//
//   - F16ToF32 is exact for every finite value, infinity and zero; a NaN keeps
//     its sign and payload and is made quiet, as both ggml's software
//     conversion and the x86 F16C instruction vcvtph2ps do.
//   - F32ToF16 rounds to nearest, ties to even, produces subnormals, rounds
//     overflow to infinity and keeps ±0, giving the same bits as ggml's
//     GGML_FP32_TO_FP16 and as vcvtps2ph with rounding mode 0 for every
//     non-NaN input. A NaN becomes a quiet NaN with the sign and the top
//     payload bits kept (vcvtps2ph's rule; ggml's software fallback returns
//     the payload-free 0x7E00 instead, which differs only in payload bits).
//   - BF16ToF32 is exact; F32ToBF16 is ggml_compute_fp32_to_bf16.

// f16Table maps every half bit pattern to its float32 value. 256 KiB, built
// once at package initialisation.
var f16Table = func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for h := range t {
		t[h] = f16ToF32Slow(uint16(h))
	}
	return &t
}()

// F16ToF32 converts an IEEE half-precision bit pattern to float32.
func F16ToF32(h uint16) float32 { return f16Table[h] }

// f16ToF32Slow decodes a half by its fields.
func f16ToF32Slow(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		if mant == 0 {
			return math.Float32frombits(sign | 0x7f800000)
		}
		// NaN: keep the payload, force the quiet bit.
		return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
	case exp != 0: // normal: rebias 15 → 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0: // ±0
		return math.Float32frombits(sign)
	default: // subnormal: mant × 2^-24, exact in float32
		return math.Float32frombits(sign | math.Float32bits(float32(mant)*0x1p-24))
	}
}

// F32ToF16 converts a float32 to the nearest IEEE half (ties to even).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	u := b &^ (1 << 31)
	var h uint32
	switch {
	case u >= 0x47800000: // |f| ≥ 2^16 (past 65504 even after rounding), Inf, NaN
		h = 0x7c00
		if u > 0x7f800000 { // NaN: keep the top payload bits, force quiet
			h = 0x7e00 | u>>13&0x3ff
		}
	case u < 0x38800000: // |f| < 2^-14: a half subnormal or zero
		// Adding 0.5 (whose float32 ulp is 2^-24, the smallest half
		// subnormal) rounds |f| to a multiple of 2^-24, ties to even; the
		// mantissa of the sum is then the half's bits. A result of 0x400 is
		// the smallest normal, which is also right.
		h = math.Float32bits(math.Float32frombits(u)+0.5) - 0x3f000000
	default: // normal half: rebias the exponent (127 → 15), round off 13 bits
		// to nearest even; a carry out of the mantissa bumps the exponent,
		// up to 0x7c00 (infinity) for values from 65520 on.
		h = (u - (127-15)<<23 + 0xfff + u>>13&1) >> 13
	}
	return sign | uint16(h)
}

// BF16ToF32 converts a bfloat16 bit pattern to float32 (exact).
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 converts a float32 to bfloat16 exactly as ggml does: a NaN keeps
// its sign and top payload bits and is forced quiet; everything else rounds
// to nearest, ties to even (overflow goes to infinity).
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 64
	}
	return uint16((u + (0x7fff + (u>>16)&1)) >> 16)
}
