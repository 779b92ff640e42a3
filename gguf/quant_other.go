package gguf

import (
	"encoding/binary"
	"math"
)

// Non-linear 4-bit types and the ternary types, whose decoders are as short
// as the legacy ones. Layouts (ggml-common.h):
//
//	IQ4_NL  18 bytes: d f16 | qs[16]                  x = d*kvaluesIQ4NL[q]
//	IQ4_XS 136 bytes: d f16 | scales_h u16 | scales_l[4] | qs[128]
//	MXFP4   17 bytes: e (E8M0) | qs[16]               x = 2^(e-128)*kvaluesMXFP4[q]
//	TQ1_0   54 bytes: qs[48] | qh[4] | d f16          base-3 digits, x = d*(t-1)
//	TQ2_0   66 bytes: qs[64] | d f16                  2-bit, x = d*(q-1)

// kvaluesIQ4NL is ggml's kvalues_iq4nl.
var kvaluesIQ4NL = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// kvaluesMXFP4 is ggml's kvalues_mxfp4: the E2M1 values, doubled.
var kvaluesMXFP4 = [16]int8{0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12}

func dequantIQ4_NL(src []byte, dst []float32) {
	for i := range len(dst) / qk0 {
		b := (*[18]byte)(src[18*i:])
		y := (*[qk0]float32)(dst[qk0*i:])
		d := f16At(b[0:])
		for j := range 16 {
			q := b[2+j]
			y[j] = d * float32(kvaluesIQ4NL[q&15])
			y[j+16] = d * float32(kvaluesIQ4NL[q>>4])
		}
	}
}

// dequantIQ4_XS: 8 sub-blocks of 32 with 6-bit scales (bias 32): the low 4
// bits of sub-block s are nibble s%2 of scales_l[s/2], the high 2 bits are
// bits 2s of scales_h. Each sub-block packs like IQ4_NL.
func dequantIQ4_XS(src []byte, dst []float32) {
	for i := range len(dst) / qk {
		b := (*[136]byte)(src[136*i:])
		y := (*[qk]float32)(dst[qk*i:])
		d := f16At(b[0:])
		sh := binary.LittleEndian.Uint16(b[2:])
		for s := range 8 {
			ls := int32(b[4+s/2]>>(4*(s%2))&15) | int32(sh>>(2*s)&3)<<4
			dl := d * float32(ls-32)
			q := (*[16]byte)(b[8+16*s:])
			out := (*[32]float32)(y[32*s:])
			for j := range 16 {
				out[j] = dl * float32(kvaluesIQ4NL[q[j]&15])
				out[j+16] = dl * float32(kvaluesIQ4NL[q[j]>>4])
			}
		}
	}
}

// e8m0Half is ggml_e8m0_to_fp32_half: 2^(e-128), subnormal for e < 2.
func e8m0Half(e uint8) float32 {
	if e < 2 {
		return math.Float32frombits(0x00200000 << e)
	}
	return math.Float32frombits(uint32(e-1) << 23)
}

func dequantMXFP4(src []byte, dst []float32) {
	for i := range len(dst) / qk0 {
		b := (*[17]byte)(src[17*i:])
		y := (*[qk0]float32)(dst[qk0*i:])
		d := e8m0Half(b[0])
		for j := range 16 {
			q := b[1+j]
			y[j] = float32(kvaluesMXFP4[q&15]) * d
			y[j+16] = float32(kvaluesMXFP4[q>>4]) * d
		}
	}
}

// dequantTQ1_0: each byte holds five base-3 digits as a fixed-point fraction
// (digit n is floor(3*((byte*3^n) mod 256)/256)). The first 32 bytes give
// 5×32 elements, the next 16 give 5×16, and the 4 bytes of qh give 4×4.
func dequantTQ1_0(src []byte, dst []float32) {
	pow3 := [5]uint8{1, 3, 9, 27, 81}
	trit := func(q uint8, n int) float32 {
		return float32(int32(uint16(q*pow3[n])*3>>8) - 1)
	}
	for i := range len(dst) / qk {
		b := (*[54]byte)(src[54*i:])
		y := (*[qk]float32)(dst[qk*i:])
		d := f16At(b[52:])
		k := 0
		for n := range 5 {
			for m := range 32 {
				y[k] = trit(b[m], n) * d
				k++
			}
		}
		for n := range 5 {
			for m := range 16 {
				y[k] = trit(b[32+m], n) * d
				k++
			}
		}
		for n := range 4 {
			for m := range 4 {
				y[k] = trit(b[48+m], n) * d
				k++
			}
		}
	}
}

// dequantTQ2_0: element 128*h + 32*l + m is bits 2l of qs[32*h + m], minus 1.
func dequantTQ2_0(src []byte, dst []float32) {
	for i := range len(dst) / qk {
		b := (*[66]byte)(src[66*i:])
		y := (*[qk]float32)(dst[qk*i:])
		d := f16At(b[64:])
		for h := range 2 {
			for l := range 4 {
				out := (*[32]float32)(y[128*h+32*l:])
				q := (*[32]byte)(b[32*h:])
				for m := range 32 {
					out[m] = float32(int32(q[m]>>(2*l)&3)-1) * d
				}
			}
		}
	}
}
