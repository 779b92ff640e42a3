package asm

import "math"

// quantQ8Ref quantizes x (len(d) blocks of 32) like llama.cpp's
// quantize_row_q8_0 with its SIMD rounding:
//
//	amax = max_j |x[32b+j]|,  d[b] = amax/127,  id = 1/d[b]
//	q[32b+j] = roundToEven(x[32b+j]·id)          (float32 arithmetic)
//	s[b] = Σ_j q[32b+j]
//
// A block with amax < 2⁻¹⁰⁰ (where 1/d could overflow) is all zeros with
// d[b] = 0. x must be finite.
func quantQ8Ref(q []int8, d []float32, s []int32, x []float32) {
	for b := range d {
		xb := x[b*QK : b*QK+QK]
		var amax float32
		for _, v := range xb {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		qb := q[b*QK : b*QK+QK]
		if amax < 0x1p-100 {
			clear(qb)
			d[b], s[b] = 0, 0
			continue
		}
		db := amax / 127
		id := 1 / db
		var sum int32
		for j, v := range xb {
			p := v * id
			qi := int32(math.RoundToEven(float64(p)))
			qb[j] = int8(qi)
			sum += qi
		}
		d[b] = db
		s[b] = sum
	}
}

// gemvQ8Ref computes whole packed Q8_0 row blocks against one quantized
// vector (q, d, s of nb blocks):
//
//	dst[8rb+i] = Σ_b float32(Σ_j wq(rb,i,b,j)·q[32b+j]) · (wd(rb,i,b)·d[b])
//
// for rb < len(dst)/8, accumulated in float32 in block order.
func gemvQ8Ref(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32) {
	rbBytes := nb * q8Packed
	for rb := range len(dst) / 8 {
		base := w[rb*rbBytes : (rb+1)*rbBytes]
		for i := range 8 {
			var acc float32
			for b := range nb {
				qs := base[b*q8QS:]
				xb := q[b*QK : b*QK+QK]
				var dot int32
				for j, xv := range xb {
					dot += int32(int8(qs[(j/4)*32+i*4+j%4])) * int32(xv)
				}
				acc += float32(dot) * (f16At(base[nb*q8QS+b*16+i*2:]) * d[b])
			}
			dst[rb*8+i] = acc
		}
	}
}

// gemvQ4Ref is gemvQ8Ref for packed Q4_0: with n(j) the unsigned nibble of
// column j, the block dot product is Σ_j n(j)·q[32b+j] − 8·s[b].
func gemvQ4Ref(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32) {
	rbBytes := nb * q4Packed
	for rb := range len(dst) / 8 {
		base := w[rb*rbBytes : (rb+1)*rbBytes]
		for i := range 8 {
			var acc float32
			for b := range nb {
				qs := base[b*q4QS:]
				xb := q[b*QK : b*QK+QK]
				var dot int32
				for j := range 16 {
					v := qs[(j/4)*32+i*4+j%4]
					dot += int32(v&15)*int32(xb[j]) + int32(v>>4)*int32(xb[j+16])
				}
				dot -= 8 * s[b]
				acc += float32(dot) * (f16At(base[nb*q4QS+b*16+i*2:]) * d[b])
			}
			dst[rb*8+i] = acc
		}
	}
}

// gemmQ8Ref is the reference of the 8-row × 4-token micro-kernel: gemvQ8Ref
// of one row block for each token t < 4·nquad, token t's activations at
// q[t*32nb:], d[t*nb:], s[t*nb:] and its outputs at dst[t*ldd : t*ldd+8].
func gemmQ8Ref(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int) {
	for t := range 4 * nquad {
		gemvQ8Ref(dst[t*ldd:t*ldd+8], w, nb, q[t*nb*QK:], d[t*nb:], s[t*nb:])
	}
}

// gemmQ4Ref is gemmQ8Ref for packed Q4_0.
func gemmQ4Ref(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int) {
	for t := range 4 * nquad {
		gemvQ4Ref(dst[t*ldd:t*ldd+8], w, nb, q[t*nb*QK:], d[t*nb:], s[t*nb:])
	}
}
