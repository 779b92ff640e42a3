package gguf

import (
	"encoding/binary"
	"math"
)

// The legacy 32-element block types. Layouts (ggml-common.h), little-endian:
//
//	Q4_0  18 bytes: d f16 | qs[16]             x = d*(q-8),  q 4 bits
//	Q4_1  20 bytes: d f16 | m f16 | qs[16]     x = d*q + m,  q 4 bits
//	Q5_0  22 bytes: d f16 | qh[4] | qs[16]     x = d*(q-16), q 5 bits
//	Q5_1  24 bytes: d f16 | m f16 | qh[4] | qs[16]  x = d*q + m, q 5 bits
//	Q8_0  34 bytes: d f16 | qs[32] int8        x = d*q
//
// For the nibble types, byte j holds element j in its low nibble and element
// j+16 in its high nibble; in Q5_x bit j of the little-endian uint32 qh is
// the fifth bit of element j.

const qk0 = 32 // elements per legacy block

func dequantQ4_0(src []byte, dst []float32) {
	for i := range len(dst) / qk0 {
		b := (*[18]byte)(src[18*i:])
		y := (*[qk0]float32)(dst[qk0*i:])
		d := f16At(b[0:])
		for j := range 16 {
			q := b[2+j]
			y[j] = float32(int32(q&15)-8) * d
			y[j+16] = float32(int32(q>>4)-8) * d
		}
	}
}

func dequantQ4_1(src []byte, dst []float32) {
	for i := range len(dst) / qk0 {
		b := (*[20]byte)(src[20*i:])
		y := (*[qk0]float32)(dst[qk0*i:])
		d, m := f16At(b[0:]), f16At(b[2:])
		for j := range 16 {
			q := b[4+j]
			y[j] = float32(float32(q&15)*d) + m
			y[j+16] = float32(float32(q>>4)*d) + m
		}
	}
}

func dequantQ5_0(src []byte, dst []float32) {
	for i := range len(dst) / qk0 {
		b := (*[22]byte)(src[22*i:])
		y := (*[qk0]float32)(dst[qk0*i:])
		d := f16At(b[0:])
		qh := binary.LittleEndian.Uint32(b[2:6])
		for j := range 16 {
			q := b[6+j]
			lo := int32(q&15) | int32(qh>>j&1)<<4
			hi := int32(q>>4) | int32(qh>>(j+16)&1)<<4
			y[j] = float32(lo-16) * d
			y[j+16] = float32(hi-16) * d
		}
	}
}

func dequantQ5_1(src []byte, dst []float32) {
	for i := range len(dst) / qk0 {
		b := (*[24]byte)(src[24*i:])
		y := (*[qk0]float32)(dst[qk0*i:])
		d, m := f16At(b[0:]), f16At(b[2:])
		qh := binary.LittleEndian.Uint32(b[4:8])
		for j := range 16 {
			q := b[8+j]
			lo := uint32(q&15) | (qh>>j&1)<<4
			hi := uint32(q>>4) | (qh>>(j+16)&1)<<4
			y[j] = float32(float32(lo)*d) + m
			y[j+16] = float32(float32(hi)*d) + m
		}
	}
}

func dequantQ8_0(src []byte, dst []float32) {
	for i := range len(dst) / qk0 {
		b := (*[34]byte)(src[34*i:])
		y := (*[qk0]float32)(dst[qk0*i:])
		d := f16At(b[0:])
		for j := range qk0 {
			y[j] = float32(int8(b[2+j])) * d
		}
	}
}

// absMaxSigned returns the largest |v| of x and the first element reaching
// it, with its sign (ggml's amax/max scan for Q4_0 and Q5_0).
func absMaxSigned(x *[qk0]float32) (amax, mx float32) {
	for _, v := range x {
		if a := abs32(v); amax < a {
			amax, mx = a, v
		}
	}
	return amax, mx
}

// minMax is ggml's min/max scan for Q4_1 and Q5_1.
func minMax(x *[qk0]float32) (lo, hi float32) {
	lo, hi = math.MaxFloat32, -math.MaxFloat32
	for _, v := range x {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi
}

// quantQ4_0 is quantize_row_q4_0_ref: d = max/-8 where max is the element of
// largest magnitude, q = min(15, trunc(x/d + 8.5)). The element max itself
// encodes exactly as q = 0, and x = 0 as q = 8, so zeros stay zero.
func quantQ4_0(src []float32, dst []byte) {
	for i := range len(src) / qk0 {
		x := (*[qk0]float32)(src[qk0*i:])
		b := (*[18]byte)(dst[18*i:])
		_, mx := absMaxSigned(x)
		d := mx / -8
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(b[0:], d)
		for j := range 16 {
			q0 := min(15, cInt8(float32(x[j]*id)+8.5))
			q1 := min(15, cInt8(float32(x[j+16]*id)+8.5))
			b[2+j] = uint8(q0) | uint8(q1)<<4
		}
	}
}

// quantQ4_1 is quantize_row_q4_1_ref: d = (max-min)/15, m = min,
// q = min(15, trunc((x-min)/d + 0.5)).
func quantQ4_1(src []float32, dst []byte) {
	for i := range len(src) / qk0 {
		x := (*[qk0]float32)(src[qk0*i:])
		b := (*[20]byte)(dst[20*i:])
		lo, hi := minMax(x)
		d := (hi - lo) / 15
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(b[0:], d)
		putF16(b[2:], lo)
		for j := range 16 {
			q0 := min(15, cInt8(float32((x[j]-lo)*id)+0.5))
			q1 := min(15, cInt8(float32((x[j+16]-lo)*id)+0.5))
			b[4+j] = uint8(q0) | uint8(q1)<<4
		}
	}
}

// quantQ5_0 is quantize_row_q5_0_ref: d = max/-16,
// q = min(31, trunc(x/d + 16.5)).
func quantQ5_0(src []float32, dst []byte) {
	for i := range len(src) / qk0 {
		x := (*[qk0]float32)(src[qk0*i:])
		b := (*[22]byte)(dst[22*i:])
		_, mx := absMaxSigned(x)
		d := mx / -16
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(b[0:], d)
		var qh uint32
		for j := range 16 {
			q0 := uint8(min(31, cInt8(float32(x[j]*id)+16.5)))
			q1 := uint8(min(31, cInt8(float32(x[j+16]*id)+16.5)))
			b[6+j] = q0&15 | (q1&15)<<4
			qh |= uint32(q0>>4&1)<<j | uint32(q1>>4&1)<<(j+16)
		}
		binary.LittleEndian.PutUint32(b[2:6], qh)
	}
}

// quantQ5_1 is quantize_row_q5_1_ref: d = (max-min)/31, m = min,
// q = trunc((x-min)/d + 0.5) (ggml does not clamp this one).
func quantQ5_1(src []float32, dst []byte) {
	for i := range len(src) / qk0 {
		x := (*[qk0]float32)(src[qk0*i:])
		b := (*[24]byte)(dst[24*i:])
		lo, hi := minMax(x)
		d := (hi - lo) / 31
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(b[0:], d)
		putF16(b[2:], lo)
		var qh uint32
		for j := range 16 {
			q0 := uint8(cInt8(float32((x[j]-lo)*id) + 0.5))
			q1 := uint8(cInt8(float32((x[j+16]-lo)*id) + 0.5))
			b[8+j] = q0&15 | (q1&15)<<4
			qh |= uint32(q0>>4&1)<<j | uint32(q1>>4&1)<<(j+16)
		}
		binary.LittleEndian.PutUint32(b[4:8], qh)
	}
}

// quantQ8_0 is quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d) (half
// away from zero). Zeros stay zero; an all-zero block gets d = 0.
func quantQ8_0(src []float32, dst []byte) {
	for i := range len(src) / qk0 {
		x := (*[qk0]float32)(src[qk0*i:])
		b := (*[34]byte)(dst[34*i:])
		var amax float32
		for _, v := range x {
			// MAX(amax, fabsf(v)) as ggml's macro evaluates it.
			if a := abs32(v); !(amax > a) {
				amax = a
			}
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(b[0:], d)
		for j, v := range x {
			b[2+j] = uint8(roundInt8(v * id))
		}
	}
}
