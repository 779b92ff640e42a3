package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// Tensor data conversion between ggml's storage types and float32.
//
// Dequantize reproduces llama.cpp's dequantize_row_* (ggml-quants.c) bit for
// bit: same block layouts (ggml-common.h), same float32 operations in the
// same order. Where ggml computes a*b - c*d or a*b + c as separately rounded
// steps, the code here wraps the products in explicit float32 conversions,
// which the Go spec defines as forbidding fusion into an FMA (the compiler
// does fuse them on arm64 and riscv64 otherwise). For the current formats
// those products happen to be exact anyway, so this is belt and braces.
//
// Quantize reproduces ggml's reference quantizers (quantize_row_*_ref), which
// llama-quantize uses for these types when no importance matrix is given
// (always, for Q8_0). Their float-to-small-integer casts are emulated as x86-64 compilers
// emit them (truncate to int32, keep the low byte; NaN or out-of-range gives
// 0); this only matters for inputs containing NaN or infinities.

type (
	dequantFunc func(src []byte, dst []float32)
	quantFunc   func(src []float32, dst []byte)
)

var dequantizers = map[Type]dequantFunc{
	F32:    dequantF32,
	F16:    dequantF16,
	BF16:   dequantBF16,
	F64:    dequantF64,
	I8:     dequantI8,
	I16:    dequantI16,
	I32:    dequantI32,
	Q4_0:   dequantQ4_0,
	Q4_1:   dequantQ4_1,
	Q5_0:   dequantQ5_0,
	Q5_1:   dequantQ5_1,
	Q8_0:   dequantQ8_0,
	Q2_K:   dequantQ2_K,
	Q3_K:   dequantQ3_K,
	Q4_K:   dequantQ4_K,
	Q5_K:   dequantQ5_K,
	Q6_K:   dequantQ6_K,
	Q8_K:   dequantQ8_K,
	IQ4_NL: dequantIQ4_NL,
	IQ4_XS: dequantIQ4_XS,
	MXFP4:  dequantMXFP4,
	TQ1_0:  dequantTQ1_0,
	TQ2_0:  dequantTQ2_0,
}

var quantizers = map[Type]quantFunc{
	F32:  quantF32,
	F16:  quantF16,
	BF16: quantBF16,
	Q4_0: quantQ4_0,
	Q4_1: quantQ4_1,
	Q5_0: quantQ5_0,
	Q5_1: quantQ5_1,
	Q8_0: quantQ8_0,
}

// CanDequantize reports whether Dequantize supports t.
func CanDequantize(t Type) bool { _, ok := dequantizers[t]; return ok }

// CanQuantize reports whether Quantize supports t.
func CanQuantize(t Type) bool { _, ok := quantizers[t]; return ok }

// Dequantize decodes len(dst) values of type t from src into dst. len(dst)
// must be a multiple of t.BlockSize() and len(src) must be exactly
// t.RowBytes(len(dst)). The result is bit-identical to llama.cpp's
// dequantize_row_* for the type.
func Dequantize(t Type, src []byte, dst []float32) error {
	f, ok := dequantizers[t]
	if !ok {
		return fmt.Errorf("gguf: dequantize: unsupported tensor type %v", t)
	}
	if err := checkSizes("dequantize", t, len(dst), len(src)); err != nil {
		return err
	}
	f(src, dst)
	return nil
}

// Quantize encodes the values of src as type t into dst. len(src) must be a
// multiple of t.BlockSize() and len(dst) must be exactly t.RowBytes(len(src)).
// The quantized types give the same bytes as ggml's reference quantizers
// (quantize_row_q8_0_ref and friends); F16 and BF16 round to nearest even.
func Quantize(t Type, src []float32, dst []byte) error {
	f, ok := quantizers[t]
	if !ok {
		return fmt.Errorf("gguf: quantize: unsupported tensor type %v", t)
	}
	if err := checkSizes("quantize", t, len(src), len(dst)); err != nil {
		return err
	}
	f(src, dst)
	return nil
}

func checkSizes(op string, t Type, values, nbytes int) error {
	bs := t.BlockSize()
	if values%bs != 0 {
		return fmt.Errorf("gguf: %s %v: %d values is not a multiple of the block size %d", op, t, values, bs)
	}
	if want := values / bs * t.TypeSize(); nbytes != want {
		return fmt.Errorf("gguf: %s %v: %d values take %d bytes (%d blocks of %d), but %d bytes were given", op, t, values, want, values/bs, t.TypeSize(), nbytes)
	}
	return nil
}

// le16 reads a little-endian uint16 at b[0:2].
func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }

// f16At reads the half at b[0:2] as float32.
func f16At(b []byte) float32 { return f16Table[binary.LittleEndian.Uint16(b)] }

// putF16 stores f as a little-endian half at b[0:2].
func putF16(b []byte, f float32) { binary.LittleEndian.PutUint16(b, F32ToF16(f)) }

// cInt8 is C's (int8_t)f or (uint8_t)f as x86-64 compilers emit it: a
// truncating conversion to int32 (cvttss2si, which yields INT32_MIN for NaN
// and out-of-range values) followed by keeping the low 8 bits.
func cInt8(f float32) int8 {
	if !(f >= -0x1p31 && f < 0x1p31) {
		return 0 // low byte of INT32_MIN
	}
	return int8(int32(f))
}

// roundInt8 is C's (int8_t)roundf(f) as x86-64 compilers emit it: round
// half away from zero, then cInt8. Adding ±0.5 in float64 is exact for every
// float32 below 2^31, so truncating the sum rounds exactly like roundf.
func roundInt8(f float32) int8 {
	if !(f >= -0x1p31 && f < 0x1p31) {
		return 0
	}
	x := float64(f)
	return int8(int64(x + math.Copysign(0.5, x)))
}

// abs32 is fabsf.
func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

// --- plain types -----------------------------------------------------------

func dequantF32(src []byte, dst []float32) {
	src = src[:4*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func dequantF16(src []byte, dst []float32) {
	src = src[:2*len(dst)]
	if len(dst) > 0 && uintptr(unsafe.Pointer(&src[0]))%2 == 0 {
		// GGUF data is little-endian like every host sieve runs on, and
		// tensor data is aligned: read the halves in place.
		for i, h := range Uint16View(src)[:len(dst)] {
			dst[i] = f16Table[h]
		}
		return
	}
	for i := range dst {
		dst[i] = f16Table[binary.LittleEndian.Uint16(src[2*i:])]
	}
}

func dequantBF16(src []byte, dst []float32) {
	src = src[:2*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}

func dequantF64(src []byte, dst []float32) {
	src = src[:8*len(dst)]
	for i := range dst {
		dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
	}
}

func dequantI8(src []byte, dst []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] = float32(int8(src[i]))
	}
}

func dequantI16(src []byte, dst []float32) {
	src = src[:2*len(dst)]
	for i := range dst {
		dst[i] = float32(int16(binary.LittleEndian.Uint16(src[2*i:])))
	}
}

func dequantI32(src []byte, dst []float32) {
	src = src[:4*len(dst)]
	for i := range dst {
		dst[i] = float32(int32(binary.LittleEndian.Uint32(src[4*i:])))
	}
}

func quantF32(src []float32, dst []byte) {
	dst = dst[:4*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

func quantF16(src []float32, dst []byte) {
	dst = dst[:2*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToF16(v))
	}
}

func quantBF16(src []float32, dst []byte) {
	dst = dst[:2*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToBF16(v))
	}
}
