//go:build gc && !purego

#include "textflag.h"

// NEON kernels for F32/F16 weights. Go's arm64 assembler lacks vector FADD,
// FADDP and FCVTL, so those are emitted as WORD with the GNU mnemonic in the
// trailing comment (encodings produced by aarch64-linux-gnu-as and checked
// by the tests under qemu-aarch64).

// func gemvF32NEON(dst []float32, w []float32, ldw int, x []float32)
// R0 = &dst[r], R1 = rows left, R2 = &w[r*ldw], R3 = ldw*4, R4 = &x[0],
// R5 = cols, R6..R9 = row pointers, R10 = x pointer, R11 = columns left;
// V0..V7 = 2 accumulators per row, V16/V17 = x, V20..V27 = weights.
TEXT ·gemvF32NEON(SB), NOSPLIT, $0-80
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R1
	MOVD w_base+24(FP), R2
	MOVD ldw+48(FP), R3
	LSL  $2, R3, R3
	MOVD x_base+56(FP), R4
	MOVD x_len+64(FP), R5

f32rows4:
	CMP  $4, R1
	BLT  f32rows1
	MOVD R2, R6
	ADD  R3, R6, R7
	ADD  R3, R7, R8
	ADD  R3, R8, R9
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	MOVD R4, R10
	MOVD R5, R11
	CBZ  R11, f32red4

f32loop4:
	VLD1.P 32(R10), [V16.S4, V17.S4]
	VLD1.P 32(R6), [V20.S4, V21.S4]
	VLD1.P 32(R7), [V22.S4, V23.S4]
	VLD1.P 32(R8), [V24.S4, V25.S4]
	VLD1.P 32(R9), [V26.S4, V27.S4]
	VFMLA  V16.S4, V20.S4, V0.S4
	VFMLA  V17.S4, V21.S4, V1.S4
	VFMLA  V16.S4, V22.S4, V2.S4
	VFMLA  V17.S4, V23.S4, V3.S4
	VFMLA  V16.S4, V24.S4, V4.S4
	VFMLA  V17.S4, V25.S4, V5.S4
	VFMLA  V16.S4, V26.S4, V6.S4
	VFMLA  V17.S4, V27.S4, V7.S4
	SUBS   $8, R11, R11
	BNE    f32loop4

f32red4:
	WORD $0x4e21d400 // fadd v0.4s, v0.4s, v1.4s
	WORD $0x4e23d442 // fadd v2.4s, v2.4s, v3.4s
	WORD $0x4e25d484 // fadd v4.4s, v4.4s, v5.4s
	WORD $0x4e27d4c6 // fadd v6.4s, v6.4s, v7.4s
	WORD $0x6e22d400 // faddp v0.4s, v0.4s, v2.4s
	WORD $0x6e26d484 // faddp v4.4s, v4.4s, v6.4s
	WORD $0x6e24d400 // faddp v0.4s, v0.4s, v4.4s
	VST1.P [V0.S4], 16(R0)
	ADD    R3<<2, R2, R2
	SUB    $4, R1, R1
	B      f32rows4

f32rows1:
	CBZ  R1, f32done
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	MOVD R2, R6
	MOVD R4, R10
	MOVD R5, R11
	CBZ  R11, f32red1

f32loop1:
	VLD1.P 32(R10), [V16.S4, V17.S4]
	VLD1.P 32(R6), [V20.S4, V21.S4]
	VFMLA  V16.S4, V20.S4, V0.S4
	VFMLA  V17.S4, V21.S4, V1.S4
	SUBS   $8, R11, R11
	BNE    f32loop1

f32red1:
	WORD $0x4e21d400 // fadd v0.4s, v0.4s, v1.4s
	WORD $0x6e20d400 // faddp v0.4s, v0.4s, v0.4s
	WORD $0x7e30d800 // faddp s0, v0.2s
	FMOVS  F0, (R0)
	ADD    $4, R0, R0
	ADD    R3, R2, R2
	SUB    $1, R1, R1
	B      f32rows1

f32done:
	RET

// func gemvF16NEON(dst []float32, w []uint16, ldw int, x []float32)
// As gemvF32NEON with R3 = ldw*2; each row loads 8 halves into V20..V23 and
// widens them with FCVTL/FCVTL2 into V24..V31.
TEXT ·gemvF16NEON(SB), NOSPLIT, $0-80
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R1
	MOVD w_base+24(FP), R2
	MOVD ldw+48(FP), R3
	LSL  $1, R3, R3
	MOVD x_base+56(FP), R4
	MOVD x_len+64(FP), R5

f16rows4:
	CMP  $4, R1
	BLT  f16rows1
	MOVD R2, R6
	ADD  R3, R6, R7
	ADD  R3, R7, R8
	ADD  R3, R8, R9
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	MOVD R4, R10
	MOVD R5, R11
	CBZ  R11, f16red4

f16loop4:
	VLD1.P 32(R10), [V16.S4, V17.S4]
	VLD1.P 16(R6), [V20.H8]
	VLD1.P 16(R7), [V21.H8]
	VLD1.P 16(R8), [V22.H8]
	VLD1.P 16(R9), [V23.H8]
	WORD $0x0e217a98 // fcvtl v24.4s, v20.4h
	WORD $0x4e217a99 // fcvtl2 v25.4s, v20.8h
	WORD $0x0e217aba // fcvtl v26.4s, v21.4h
	WORD $0x4e217abb // fcvtl2 v27.4s, v21.8h
	WORD $0x0e217adc // fcvtl v28.4s, v22.4h
	WORD $0x4e217add // fcvtl2 v29.4s, v22.8h
	WORD $0x0e217afe // fcvtl v30.4s, v23.4h
	WORD $0x4e217aff // fcvtl2 v31.4s, v23.8h
	VFMLA  V16.S4, V24.S4, V0.S4
	VFMLA  V17.S4, V25.S4, V1.S4
	VFMLA  V16.S4, V26.S4, V2.S4
	VFMLA  V17.S4, V27.S4, V3.S4
	VFMLA  V16.S4, V28.S4, V4.S4
	VFMLA  V17.S4, V29.S4, V5.S4
	VFMLA  V16.S4, V30.S4, V6.S4
	VFMLA  V17.S4, V31.S4, V7.S4
	SUBS   $8, R11, R11
	BNE    f16loop4

f16red4:
	WORD $0x4e21d400 // fadd v0.4s, v0.4s, v1.4s
	WORD $0x4e23d442 // fadd v2.4s, v2.4s, v3.4s
	WORD $0x4e25d484 // fadd v4.4s, v4.4s, v5.4s
	WORD $0x4e27d4c6 // fadd v6.4s, v6.4s, v7.4s
	WORD $0x6e22d400 // faddp v0.4s, v0.4s, v2.4s
	WORD $0x6e26d484 // faddp v4.4s, v4.4s, v6.4s
	WORD $0x6e24d400 // faddp v0.4s, v0.4s, v4.4s
	VST1.P [V0.S4], 16(R0)
	ADD    R3<<2, R2, R2
	SUB    $4, R1, R1
	B      f16rows4

f16rows1:
	CBZ  R1, f16done
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	MOVD R2, R6
	MOVD R4, R10
	MOVD R5, R11
	CBZ  R11, f16red1

f16loop1:
	VLD1.P 32(R10), [V16.S4, V17.S4]
	VLD1.P 16(R6), [V20.H8]
	WORD $0x0e217a98 // fcvtl v24.4s, v20.4h
	WORD $0x4e217a99 // fcvtl2 v25.4s, v20.8h
	VFMLA  V16.S4, V24.S4, V0.S4
	VFMLA  V17.S4, V25.S4, V1.S4
	SUBS   $8, R11, R11
	BNE    f16loop1

f16red1:
	WORD $0x4e21d400 // fadd v0.4s, v0.4s, v1.4s
	WORD $0x6e20d400 // faddp v0.4s, v0.4s, v0.4s
	WORD $0x7e30d800 // faddp s0, v0.2s
	FMOVS  F0, (R0)
	ADD    $4, R0, R0
	ADD    R3, R2, R2
	SUB    $1, R1, R1
	B      f16rows1

f16done:
	RET

// func gemmF32NEON(dst []float32, ldd int, w []float32, ldw int, x []float32, ldx, k, ntrip, add int)
// 4 rows × 3 tokens, 4 columns per step. R0 = &dst[3j*ldd], R1 = ldd*4,
// R2 = &w[0], R3 = row stride in bytes, R4 = x of token 3j, R5 = ldx*4,
// R6 = k, R7 = triples left, R8..R10 = x pointers, R11..R14 = weight row
// pointers, R15 = columns left, R20 = add (!= 0: add to dst); V(3r+t) = accumulator of row r, token t,
// V16..V18 = x, V20..V23 = weights.
TEXT ·gemmF32NEON(SB), NOSPLIT, $0-120
	MOVD dst_base+0(FP), R0
	MOVD ldd+24(FP), R1
	LSL  $2, R1, R1
	MOVD w_base+32(FP), R2
	MOVD ldw+56(FP), R3
	LSL  $2, R3, R3
	MOVD x_base+64(FP), R4
	MOVD ldx+88(FP), R5
	LSL  $2, R5, R5
	MOVD k+96(FP), R6
	MOVD ntrip+104(FP), R7
	MOVD add+112(FP), R20
	CBZ  R7, gemmF32NEONdone

gemmF32NEONtrip:
	MOVD R4, R8
	ADD  R5, R8, R9
	ADD  R5, R9, R10
	MOVD R2, R11
	ADD  R3, R11, R12
	ADD  R3, R12, R13
	ADD  R3, R13, R14
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	MOVD R6, R15
	CBZ  R15, gemmF32NEONstore

gemmF32NEONloop:
	VLD1.P 16(R8), [V16.S4]
	VLD1.P 16(R9), [V17.S4]
	VLD1.P 16(R10), [V18.S4]
	VLD1.P 16(R11), [V20.S4]
	VLD1.P 16(R12), [V21.S4]
	VLD1.P 16(R13), [V22.S4]
	VLD1.P 16(R14), [V23.S4]
	VFMLA  V16.S4, V20.S4, V0.S4
	VFMLA  V17.S4, V20.S4, V1.S4
	VFMLA  V18.S4, V20.S4, V2.S4
	VFMLA  V16.S4, V21.S4, V3.S4
	VFMLA  V17.S4, V21.S4, V4.S4
	VFMLA  V18.S4, V21.S4, V5.S4
	VFMLA  V16.S4, V22.S4, V6.S4
	VFMLA  V17.S4, V22.S4, V7.S4
	VFMLA  V18.S4, V22.S4, V8.S4
	VFMLA  V16.S4, V23.S4, V9.S4
	VFMLA  V17.S4, V23.S4, V10.S4
	VFMLA  V18.S4, V23.S4, V11.S4
	SUBS   $4, R15, R15
	BNE    gemmF32NEONloop

gemmF32NEONstore:
	WORD $0x6e23d400 // faddp v0.4s, v0.4s, v3.4s
	WORD $0x6e29d4c6 // faddp v6.4s, v6.4s, v9.4s
	WORD $0x6e26d400 // faddp v0.4s, v0.4s, v6.4s
	WORD $0x6e24d421 // faddp v1.4s, v1.4s, v4.4s
	WORD $0x6e2ad4e7 // faddp v7.4s, v7.4s, v10.4s
	WORD $0x6e27d421 // faddp v1.4s, v1.4s, v7.4s
	WORD $0x6e25d442 // faddp v2.4s, v2.4s, v5.4s
	WORD $0x6e2bd508 // faddp v8.4s, v8.4s, v11.4s
	WORD $0x6e28d442 // faddp v2.4s, v2.4s, v8.4s
	ADD    R1, R0, R19
	ADD    R1, R19, R21
	CBZ    R20, gemmF32NEONplain
	VLD1   (R0), [V20.S4]
	VLD1   (R19), [V21.S4]
	VLD1   (R21), [V22.S4]
	WORD $0x4e34d400 // fadd v0.4s, v0.4s, v20.4s
	WORD $0x4e35d421 // fadd v1.4s, v1.4s, v21.4s
	WORD $0x4e36d442 // fadd v2.4s, v2.4s, v22.4s

gemmF32NEONplain:
	VST1   [V0.S4], (R0)
	VST1   [V1.S4], (R19)
	VST1   [V2.S4], (R21)
	ADD    R1, R21, R0
	ADD    R5, R10, R4
	SUB    R6<<2, R4, R4
	SUBS   $1, R7, R7
	BNE    gemmF32NEONtrip

gemmF32NEONdone:
	RET

// func gemmF16NEON(dst []float32, ldd int, w []uint16, ldw int, x []float32, ldx, k, ntrip, add int)
// 4 rows × 3 tokens, 4 columns per step. R0 = &dst[3j*ldd], R1 = ldd*4,
// R2 = &w[0], R3 = row stride in bytes, R4 = x of token 3j, R5 = ldx*4,
// R6 = k, R7 = triples left, R8..R10 = x pointers, R11..R14 = weight row
// pointers, R15 = columns left, R20 = add (!= 0: add to dst); V(3r+t) = accumulator of row r, token t,
// V16..V18 = x, V20..V23 = weights.
TEXT ·gemmF16NEON(SB), NOSPLIT, $0-120
	MOVD dst_base+0(FP), R0
	MOVD ldd+24(FP), R1
	LSL  $2, R1, R1
	MOVD w_base+32(FP), R2
	MOVD ldw+56(FP), R3
	LSL  $1, R3, R3
	MOVD x_base+64(FP), R4
	MOVD ldx+88(FP), R5
	LSL  $2, R5, R5
	MOVD k+96(FP), R6
	MOVD ntrip+104(FP), R7
	MOVD add+112(FP), R20
	CBZ  R7, gemmF16NEONdone

gemmF16NEONtrip:
	MOVD R4, R8
	ADD  R5, R8, R9
	ADD  R5, R9, R10
	MOVD R2, R11
	ADD  R3, R11, R12
	ADD  R3, R12, R13
	ADD  R3, R13, R14
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	MOVD R6, R15
	CBZ  R15, gemmF16NEONstore

gemmF16NEONloop:
	VLD1.P 16(R8), [V16.S4]
	VLD1.P 16(R9), [V17.S4]
	VLD1.P 16(R10), [V18.S4]
	VLD1.P 8(R11), [V24.H4]
	WORD $0x0e217b14 // fcvtl v20.4s, v24.4h
	VLD1.P 8(R12), [V25.H4]
	WORD $0x0e217b35 // fcvtl v21.4s, v25.4h
	VLD1.P 8(R13), [V26.H4]
	WORD $0x0e217b56 // fcvtl v22.4s, v26.4h
	VLD1.P 8(R14), [V27.H4]
	WORD $0x0e217b77 // fcvtl v23.4s, v27.4h
	VFMLA  V16.S4, V20.S4, V0.S4
	VFMLA  V17.S4, V20.S4, V1.S4
	VFMLA  V18.S4, V20.S4, V2.S4
	VFMLA  V16.S4, V21.S4, V3.S4
	VFMLA  V17.S4, V21.S4, V4.S4
	VFMLA  V18.S4, V21.S4, V5.S4
	VFMLA  V16.S4, V22.S4, V6.S4
	VFMLA  V17.S4, V22.S4, V7.S4
	VFMLA  V18.S4, V22.S4, V8.S4
	VFMLA  V16.S4, V23.S4, V9.S4
	VFMLA  V17.S4, V23.S4, V10.S4
	VFMLA  V18.S4, V23.S4, V11.S4
	SUBS   $4, R15, R15
	BNE    gemmF16NEONloop

gemmF16NEONstore:
	WORD $0x6e23d400 // faddp v0.4s, v0.4s, v3.4s
	WORD $0x6e29d4c6 // faddp v6.4s, v6.4s, v9.4s
	WORD $0x6e26d400 // faddp v0.4s, v0.4s, v6.4s
	WORD $0x6e24d421 // faddp v1.4s, v1.4s, v4.4s
	WORD $0x6e2ad4e7 // faddp v7.4s, v7.4s, v10.4s
	WORD $0x6e27d421 // faddp v1.4s, v1.4s, v7.4s
	WORD $0x6e25d442 // faddp v2.4s, v2.4s, v5.4s
	WORD $0x6e2bd508 // faddp v8.4s, v8.4s, v11.4s
	WORD $0x6e28d442 // faddp v2.4s, v2.4s, v8.4s
	ADD    R1, R0, R19
	ADD    R1, R19, R21
	CBZ    R20, gemmF16NEONplain
	VLD1   (R0), [V20.S4]
	VLD1   (R19), [V21.S4]
	VLD1   (R21), [V22.S4]
	WORD $0x4e34d400 // fadd v0.4s, v0.4s, v20.4s
	WORD $0x4e35d421 // fadd v1.4s, v1.4s, v21.4s
	WORD $0x4e36d442 // fadd v2.4s, v2.4s, v22.4s

gemmF16NEONplain:
	VST1   [V0.S4], (R0)
	VST1   [V1.S4], (R19)
	VST1   [V2.S4], (R21)
	ADD    R1, R21, R0
	ADD    R5, R10, R4
	SUB    R6<<2, R4, R4
	SUBS   $1, R7, R7
	BNE    gemmF16NEONtrip

gemmF16NEONdone:
	RET
