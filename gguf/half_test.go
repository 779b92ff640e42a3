package gguf

import (
	"fmt"
	"math"
	"testing"
)

// f16Value decodes a half from its fields with float64 arithmetic, straight
// from the IEEE 754 binary16 definition, independently of the code under test.
// It reports ok=false for NaN.
func f16Value(h uint16) (v float64, ok bool) {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 31
	mant := float64(h & 0x3ff)
	switch exp {
	case 31:
		if mant != 0 {
			return 0, false
		}
		return math.Inf(int(sign)), true
	case 0:
		return sign * math.Ldexp(mant, -24), true
	default:
		return sign * math.Ldexp(1024+mant, exp-25), true
	}
}

func TestF16ToF32KnownValues(t *testing.T) {
	for _, tc := range []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xbc00, -1},
		{0x4000, 2},
		{0xc000, -2},
		{0x3800, 0.5},
		{0x3555, 0.333251953125}, // (1 + 341/1024) / 4
		{0x2e66, 0.0999755859375},
		{0x7bff, 65504},          // largest finite
		{0xfbff, -65504},         // most negative finite
		{0x0400, 0x1p-14},        // smallest normal
		{0x03ff, 1023 * 0x1p-24}, // largest subnormal
		{0x0001, 0x1p-24},        // smallest subnormal
		{0x8001, -0x1p-24},       // negative subnormal
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
	} {
		t.Run(fmt.Sprintf("%04x", tc.h), func(t *testing.T) {
			if got := F16ToF32(tc.h); got != tc.want {
				t.Errorf("F16ToF32(%#04x) = %v, want %v", tc.h, got, tc.want)
			}
		})
	}
	if b := math.Float32bits(F16ToF32(0x8000)); b != 0x80000000 {
		t.Errorf("F16ToF32(0x8000) bits = %#08x, want -0 (0x80000000)", b)
	}
}

// TestF16ToF32Exhaustive checks all 65536 halves against the field formula,
// and NaNs for quietness, sign and payload.
func TestF16ToF32Exhaustive(t *testing.T) {
	for h := range 1 << 16 {
		got := F16ToF32(uint16(h))
		want, ok := f16Value(uint16(h))
		if !ok {
			b := math.Float32bits(got)
			if got == got || b>>31 != uint32(h)>>15 || b&0x400000 == 0 || b>>13&0x3ff != uint32(h)&0x3ff|0x200 {
				t.Fatalf("F16ToF32(%#04x) = %#08x, want a quiet NaN with the same sign and payload", h, b)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != (h&0x8000 != 0) {
			t.Fatalf("F16ToF32(%#04x) = %v, want %v", h, got, want)
		}
	}
}

// TestF16RoundTripAll: every half survives F16ToF32 → F32ToF16; a signalling
// NaN comes back quiet (quiet bit 0x0200 set), everything else bit for bit.
func TestF16RoundTripAll(t *testing.T) {
	for h := range 1 << 16 {
		h := uint16(h)
		want := h
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			want |= 0x0200
		}
		if got := F32ToF16(F16ToF32(h)); got != want {
			t.Fatalf("F32ToF16(F16ToF32(%#04x)) = %#04x, want %#04x", h, got, want)
		}
	}
}

// TestF32ToF16Midpoints walks every pair of adjacent finite halves (all
// normals and subnormals, both signs): the exact midpoint must round to the
// one with an even mantissa, and the float32 neighbours of the midpoint to the
// nearer half. The top pair goes from 65504 to the first value past it,
// 65536, where the midpoint 65520 ties to even (infinity).
func TestF32ToF16Midpoints(t *testing.T) {
	for _, sign := range []uint16{0, 0x8000} {
		for h := uint16(0); h < 0x7c00; h++ {
			lo, _ := f16Value(h | sign)
			var hi float64
			if h == 0x7bff {
				hi = math.Copysign(65536, lo)
			} else {
				hi, _ = f16Value((h + 1) | sign)
			}
			mid := float32((lo + hi) / 2) // 12 significant bits: exact in float32
			if float64(mid) != (lo+hi)/2 {
				t.Fatalf("midpoint of %#04x not exact", h)
			}
			even := h | sign
			if h&1 != 0 {
				even = (h + 1) | sign
			}
			if got := F32ToF16(mid); got != even {
				t.Fatalf("F32ToF16(%g) = %#04x, want %#04x (tie to even between %#04x and %#04x)", mid, got, even, h|sign, (h+1)|sign)
			}
			towardLo := math.Nextafter32(mid, float32(lo))
			towardHi := math.Nextafter32(mid, float32(hi))
			if got := F32ToF16(towardLo); got != h|sign {
				t.Fatalf("F32ToF16(%g) = %#04x, want %#04x", towardLo, got, h|sign)
			}
			if got := F32ToF16(towardHi); got != (h+1)|sign {
				t.Fatalf("F32ToF16(%g) = %#04x, want %#04x", towardHi, got, (h+1)|sign)
			}
		}
	}
}

func TestF32ToF16KnownValues(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		name string
		f    float32
		want uint16
	}{
		{"zero", 0, 0x0000},
		{"negative zero", float32(math.Copysign(0, -1)), 0x8000},
		{"one", 1, 0x3c00},
		{"minus two", -2, 0xc000},
		{"0.1", 0.1, 0x2e66},
		{"1/3", 1.0 / 3, 0x3555},
		{"1+2^-11 ties down to even", 1 + 0x1p-11, 0x3c00},
		{"1+3*2^-11 ties up to even", 1 + 3*0x1p-11, 0x3c02},
		{"1+2^-11+2^-23 rounds up", 1 + 0x1p-11 + 0x1p-23, 0x3c01},
		{"2049 ties to 2048", 2049, 0x6800},
		{"2051 ties to 2052", 2051, 0x6802},
		{"65504 max", 65504, 0x7bff},
		{"65519 rounds down", 65519, 0x7bff},
		{"65520 ties to infinity", 65520, 0x7c00},
		{"1e6 overflows", 1e6, 0x7c00},
		{"-1e6 overflows", -1e6, 0xfc00},
		{"max float32", math.MaxFloat32, 0x7c00},
		{"+inf", inf, 0x7c00},
		{"-inf", -inf, 0xfc00},
		{"smallest normal", 0x1p-14, 0x0400},
		{"largest subnormal", 1023 * 0x1p-24, 0x03ff},
		{"just below smallest normal rounds up", (1023.5 + 0.25) * 0x1p-24, 0x0400},
		{"subnormal tie to even (up)", 3.5 * 0x1p-24, 0x0004},
		{"subnormal tie to even (down)", 2.5 * 0x1p-24, 0x0002},
		{"smallest subnormal", 0x1p-24, 0x0001},
		{"2^-25 ties to zero", 0x1p-25, 0x0000},
		{"-2^-25 ties to negative zero", -0x1p-25, 0x8000},
		{"just above 2^-25", 0x1p-25 + 0x1p-48, 0x0001},
		{"2^-26 underflows", 0x1p-26, 0x0000},
		{"float32 subnormal", 0x1p-140, 0x0000},
		{"negative float32 subnormal", -0x1p-149, 0x8000},
		{"quiet NaN", math.Float32frombits(0x7fc00000), 0x7e00},
		{"negative quiet NaN", math.Float32frombits(0xffc00000), 0xfe00},
		{"signalling NaN is quieted", math.Float32frombits(0x7f800001), 0x7e00},
		{"NaN payload kept", math.Float32frombits(0x7fffffff), 0x7fff},
		{"NaN payload top bits", math.Float32frombits(0xff802000), 0xfe01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := F32ToF16(tc.f); got != tc.want {
				t.Errorf("F32ToF16(%g [%#08x]) = %#04x, want %#04x", tc.f, math.Float32bits(tc.f), got, tc.want)
			}
		})
	}
}

func TestBF16(t *testing.T) {
	for h := range 1 << 16 {
		h := uint16(h)
		got := BF16ToF32(h)
		if b := math.Float32bits(got); b != uint32(h)<<16 {
			t.Fatalf("BF16ToF32(%#04x) = %#08x, want %#08x", h, b, uint32(h)<<16)
		}
		want := h
		if h&0x7f80 == 0x7f80 && h&0x7f != 0 {
			want |= 0x40 // NaN: forced quiet
		}
		if back := F32ToBF16(got); back != want {
			t.Fatalf("F32ToBF16(BF16ToF32(%#04x)) = %#04x, want %#04x", h, back, want)
		}
	}
	// Midpoints between adjacent finite bfloat16 values: ties to even, the
	// neighbours go to the nearer one. bf16 → f32 is a 16-bit shift, so the
	// midpoint of h and h+1 is the float32 with bits h<<16 | 0x8000.
	for h := uint32(0); h < 0x7f80; h++ {
		for _, s := range []uint32{0, 0x8000} {
			mid := (h|s)<<16 | 0x8000
			even := uint16(h | s)
			if h&1 != 0 {
				even = uint16((h + 1) | s)
			}
			if got := F32ToBF16(math.Float32frombits(mid)); got != even {
				t.Fatalf("F32ToBF16(%#08x) = %#04x, want %#04x", mid, got, even)
			}
			if got := F32ToBF16(math.Float32frombits(mid - 1)); got != uint16(h|s) {
				t.Fatalf("F32ToBF16(%#08x) = %#04x, want %#04x", mid-1, got, h|s)
			}
			if got := F32ToBF16(math.Float32frombits(mid + 1)); got != uint16((h+1)|s) {
				t.Fatalf("F32ToBF16(%#08x) = %#04x, want %#04x", mid+1, got, (h+1)|s)
			}
		}
	}
	for _, tc := range []struct {
		name string
		bits uint32
		want uint16
	}{
		{"one", 0x3f800000, 0x3f80},
		{"pi", 0x40490fdb, 0x4049},
		{"tie down to even", 0x3f808000, 0x3f80},
		{"tie up to even", 0x3f818000, 0x3f82},
		{"above tie", 0x3f808001, 0x3f81},
		{"max float32 overflows", 0x7f7fffff, 0x7f80},
		{"largest below overflow", 0x7f7f7fff, 0x7f7f},
		{"+inf", 0x7f800000, 0x7f80},
		{"-inf", 0xff800000, 0xff80},
		{"quiet NaN", 0x7fc00000, 0x7fc0},
		{"signalling NaN, low payload", 0x7f800001, 0x7fc0},
		{"negative signalling NaN", 0xff800001, 0xffc0},
		{"NaN payload top bits kept", 0x7f810000, 0x7fc1},
		{"subnormal tie to zero", 0x00008000, 0x0000},
		{"subnormal tie to even", 0x00018000, 0x0002},
		{"negative zero", 0x80000000, 0x8000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := F32ToBF16(math.Float32frombits(tc.bits)); got != tc.want {
				t.Errorf("F32ToBF16(%#08x) = %#04x, want %#04x", tc.bits, got, tc.want)
			}
		})
	}
}

// Dequantize(F16) gives F16ToF32 of every half, from aligned data (read in
// place) and from an odd byte offset alike.
func TestDequantizeF16AnyOffset(t *testing.T) {
	buf := make([]byte, 2*65536+1)
	for off := range 2 {
		src := buf[off : off+2*65536]
		for h := range 65536 {
			src[2*h], src[2*h+1] = byte(h), byte(h>>8)
		}
		dst := make([]float32, 65536)
		if err := Dequantize(F16, src, dst); err != nil {
			t.Fatal(err)
		}
		for h, v := range dst {
			if want := F16ToF32(uint16(h)); math.Float32bits(v) != math.Float32bits(want) {
				t.Fatalf("offset %d: half %#04x → %v, want %v", off, h, v, want)
			}
		}
	}
}
