package gguf

import (
	"encoding/binary"
	"math"
)

// The k-quants: super-blocks of 256 elements (qk) split into sub-blocks with
// their own small scales. Layouts (ggml-common.h), little-endian halves:
//
//	Q2_K  84 bytes: scales[16] | qs[64] | d f16 | dmin f16
//	Q3_K 110 bytes: hmask[32] | qs[64] | scales[12] | d f16
//	Q4_K 144 bytes: d f16 | dmin f16 | scales[12] | qs[128]
//	Q5_K 176 bytes: d f16 | dmin f16 | scales[12] | qh[32] | qs[128]
//	Q6_K 210 bytes: ql[128] | qh[64] | scales[16] int8 | d f16
//	Q8_K 292 bytes: d f32 | qs[256] int8 | bsums[16] int16
//
// Element e of a 2-bit packed super-block (Q2_K, Q3_K's low bits) is bits
// 2*((e%128)/32) of qs[32*(e/128) + e%32]; Q3_K's third bit is bit e/32 of
// hmask[e%32]. Q4_K/Q5_K pack element e in nibble (e/32)%2 of
// qs[32*(e/64) + e%32], and Q5_K's fifth bit is bit e/32 of qh[e%32].

// dequantQ2_K: 16 sub-blocks of 16; scales[s] has the 4-bit scale in its low
// nibble and the 4-bit min in its high nibble; x = d*sc*q - dmin*m.
func dequantQ2_K(src []byte, dst []float32) {
	for i := range len(dst) / qk {
		b := (*[84]byte)(src[84*i:])
		y := (*[qk]float32)(dst[qk*i:])
		d, dmin := f16At(b[80:]), f16At(b[82:])
		for n := range 2 {
			q := (*[32]byte)(b[16+32*n:])
			for j := range 4 {
				shift := uint(2 * j)
				for h := range 2 {
					sc := b[8*n+2*j+h]
					dl, ml := d*float32(sc&15), float32(dmin*float32(sc>>4))
					out := (*[16]float32)(y[128*n+32*j+16*h:])
					qq := (*[16]byte)(q[16*h:])
					for l := range 16 {
						out[l] = float32(dl*float32(qq[l]>>shift&3)) - ml
					}
				}
			}
		}
	}
}

// q3kScales unpacks Q3_K's sixteen 6-bit scales, minus their bias of 32.
// Scale s has its low 4 bits in the low (s < 8) or high (s >= 8) nibble of
// byte s%8, and its high 2 bits at bits 2*(s/4) of byte 8 + s%4.
func q3kScales(p *[12]byte) (sc [16]int32) {
	for s := range 8 {
		hi0 := int32(p[8+s%4]>>(2*(s/4))&3) << 4
		hi1 := int32(p[8+s%4]>>(2*(s/4+2))&3) << 4
		sc[s] = (int32(p[s]&15) | hi0) - 32
		sc[s+8] = (int32(p[s]>>4) | hi1) - 32
	}
	return sc
}

// dequantQ3_K: 16 sub-blocks of 16; x = d*(sc-32)*(q - (hbit ? 0 : 4)).
func dequantQ3_K(src []byte, dst []float32) {
	for i := range len(dst) / qk {
		b := (*[110]byte)(src[110*i:])
		y := (*[qk]float32)(dst[qk*i:])
		d := f16At(b[108:])
		sc := q3kScales((*[12]byte)(b[96:]))
		for n := range 2 {
			q := (*[32]byte)(b[32+32*n:])
			for j := range 4 {
				shift := uint(2 * j)
				bit := uint(4*n + j)
				for h := range 2 {
					dl := d * float32(sc[8*n+2*j+h])
					out := (*[16]float32)(y[128*n+32*j+16*h:])
					qq := (*[16]byte)(q[16*h:])
					hm := (*[16]byte)(b[16*h:])
					for l := range 16 {
						v := int32(qq[l]>>shift&3) - 4 + 4*int32(hm[l]>>bit&1)
						out[l] = dl * float32(v)
					}
				}
			}
		}
	}
}

// scaleMinK4 is ggml's get_scale_min_k4: the 6-bit scale and min of
// sub-block j (0..7) of Q4_K/Q5_K. Sub-blocks 0..3 use the low 6 bits of
// bytes j (scale) and j+4 (min); sub-blocks 4..7 take their low 4 bits from
// the nibbles of byte j+4 and their top 2 bits from the top bits of bytes
// j-4 (scale) and j (min).
func scaleMinK4(j int, p *[12]byte) (sc, m uint8) {
	if j < 4 {
		return p[j] & 63, p[j+4] & 63
	}
	return p[j+4]&15 | p[j-4]>>6<<4, p[j+4]>>4 | p[j]>>6<<4
}

// dequantQ4_K: 8 sub-blocks of 32; x = d*sc*q - dmin*m.
func dequantQ4_K(src []byte, dst []float32) {
	for i := range len(dst) / qk {
		b := (*[144]byte)(src[144*i:])
		y := (*[qk]float32)(dst[qk*i:])
		d, dmin := f16At(b[0:]), f16At(b[2:])
		scales := (*[12]byte)(b[4:])
		for c := range 4 {
			s1, m1 := scaleMinK4(2*c, scales)
			s2, m2 := scaleMinK4(2*c+1, scales)
			d1, min1 := d*float32(s1), float32(dmin*float32(m1))
			d2, min2 := d*float32(s2), float32(dmin*float32(m2))
			q := (*[32]byte)(b[16+32*c:])
			lo := (*[32]float32)(y[64*c:])
			hi := (*[32]float32)(y[64*c+32:])
			for l := range 32 {
				lo[l] = float32(d1*float32(q[l]&15)) - min1
				hi[l] = float32(d2*float32(q[l]>>4)) - min2
			}
		}
	}
}

// dequantQ5_K: Q4_K plus a fifth bit per element from qh.
func dequantQ5_K(src []byte, dst []float32) {
	for i := range len(dst) / qk {
		b := (*[176]byte)(src[176*i:])
		y := (*[qk]float32)(dst[qk*i:])
		d, dmin := f16At(b[0:]), f16At(b[2:])
		scales := (*[12]byte)(b[4:])
		qh := (*[32]byte)(b[16:])
		for c := range 4 {
			s1, m1 := scaleMinK4(2*c, scales)
			s2, m2 := scaleMinK4(2*c+1, scales)
			d1, min1 := d*float32(s1), float32(dmin*float32(m1))
			d2, min2 := d*float32(s2), float32(dmin*float32(m2))
			q := (*[32]byte)(b[48+32*c:])
			lo := (*[32]float32)(y[64*c:])
			hi := (*[32]float32)(y[64*c+32:])
			sh1, sh2 := uint(2*c), uint(2*c+1)
			for l := range 32 {
				lo[l] = float32(d1*float32(q[l]&15|(qh[l]>>sh1&1)<<4)) - min1
				hi[l] = float32(d2*float32(q[l]>>4|(qh[l]>>sh2&1)<<4)) - min2
			}
		}
	}
}

// dequantQ6_K: 16 sub-blocks of 16 with int8 scales; x = d*sc*(q-32) where q
// has 4 low bits from ql and 2 high bits from qh.
func dequantQ6_K(src []byte, dst []float32) {
	for i := range len(dst) / qk {
		b := (*[210]byte)(src[210*i:])
		y := (*[qk]float32)(dst[qk*i:])
		d := f16At(b[208:])
		var ds [16]float32
		for s := range 16 {
			ds[s] = d * float32(int8(b[192+s]))
		}
		for n := range 2 {
			ql := (*[64]byte)(b[64*n:])
			qh := (*[32]byte)(b[128+32*n:])
			out := (*[128]float32)(y[128*n:])
			sc := (*[8]float32)(ds[8*n:])
			for l := range 32 {
				is := l / 16
				h := qh[l]
				q1 := int32(ql[l]&15|(h&3)<<4) - 32
				q2 := int32(ql[l+32]&15|(h>>2&3)<<4) - 32
				q3 := int32(ql[l]>>4|(h>>4&3)<<4) - 32
				q4 := int32(ql[l+32]>>4|(h>>6&3)<<4) - 32
				out[l] = sc[is] * float32(q1)
				out[l+32] = sc[is+2] * float32(q2)
				out[l+64] = sc[is+4] * float32(q3)
				out[l+96] = sc[is+6] * float32(q4)
			}
		}
	}
}

// dequantQ8_K: float32 scale, 256 int8 quants (bsums are not needed).
func dequantQ8_K(src []byte, dst []float32) {
	for i := range len(dst) / qk {
		b := (*[292]byte)(src[292*i:])
		y := (*[qk]float32)(dst[qk*i:])
		d := math.Float32frombits(binary.LittleEndian.Uint32(b[0:]))
		for j := range qk {
			y[j] = d * float32(int8(b[4+j]))
		}
	}
}
