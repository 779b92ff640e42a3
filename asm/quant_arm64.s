//go:build gc && !purego

#include "textflag.h"

// NEON kernels for Q8 activations and Q8_0/Q4_0 weights (the dot-product
// ones need the ARMv8.2 dotprod extension). Instructions Go's assembler
// lacks are emitted as WORD with the GNU mnemonic in the trailing comment
// (encodings produced by aarch64-linux-gnu-as and checked by the tests
// under qemu-aarch64).

// func quantQ8NEON(q []int8, d []float32, s []int32, x []float32)
// R0 = &q[32b], R1 = &d[b], R2 = blocks left, R3 = &s[b], R4 = &x[32b];
// F30 = 127, F31 = 1; V0..V7 = the block, V16..V23 = |x| / max tree.
TEXT ·quantQ8NEON(SB), NOSPLIT, $0-96
	MOVD  q_base+0(FP), R0
	MOVD  d_base+24(FP), R1
	MOVD  d_len+32(FP), R2
	MOVD  s_base+48(FP), R3
	MOVD  x_base+72(FP), R4
	CBZ   R2, qdone
	FMOVS $127.0, F30
	FMOVS $1.0, F31

qloop:
	VLD1.P 64(R4), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R4), [V4.S4, V5.S4, V6.S4, V7.S4]
	WORD $0x4ea0f810 // fabs v16.4s, v0.4s
	WORD $0x4ea0f831 // fabs v17.4s, v1.4s
	WORD $0x4ea0f852 // fabs v18.4s, v2.4s
	WORD $0x4ea0f873 // fabs v19.4s, v3.4s
	WORD $0x4ea0f894 // fabs v20.4s, v4.4s
	WORD $0x4ea0f8b5 // fabs v21.4s, v5.4s
	WORD $0x4ea0f8d6 // fabs v22.4s, v6.4s
	WORD $0x4ea0f8f7 // fabs v23.4s, v7.4s
	WORD $0x4e31f610 // fmax v16.4s, v16.4s, v17.4s
	WORD $0x4e33f652 // fmax v18.4s, v18.4s, v19.4s
	WORD $0x4e35f694 // fmax v20.4s, v20.4s, v21.4s
	WORD $0x4e37f6d6 // fmax v22.4s, v22.4s, v23.4s
	WORD $0x4e32f610 // fmax v16.4s, v16.4s, v18.4s
	WORD $0x4e36f694 // fmax v20.4s, v20.4s, v22.4s
	WORD $0x4e34f610 // fmax v16.4s, v16.4s, v20.4s
	WORD $0x6e30fa10 // fmaxv s16, v16.4s
	FMOVS  F16, R5
	MOVW   $0x0d800000, R6
	CMPW   R6, R5                  // amax < 2⁻¹⁰⁰ (bits compare as amax ≥ 0): zero block
	BLO    qzero
	FDIVS  F30, F16, F17           // d = amax/127
	FMOVS  F17, (R1)
	FDIVS  F17, F31, F18           // id = 1/d
	WORD $0x4f929000 // fmul v0.4s, v0.4s, v18.s[0]
	WORD $0x4f929021 // fmul v1.4s, v1.4s, v18.s[0]
	WORD $0x4f929042 // fmul v2.4s, v2.4s, v18.s[0]
	WORD $0x4f929063 // fmul v3.4s, v3.4s, v18.s[0]
	WORD $0x4f929084 // fmul v4.4s, v4.4s, v18.s[0]
	WORD $0x4f9290a5 // fmul v5.4s, v5.4s, v18.s[0]
	WORD $0x4f9290c6 // fmul v6.4s, v6.4s, v18.s[0]
	WORD $0x4f9290e7 // fmul v7.4s, v7.4s, v18.s[0]
	WORD $0x4e21a800 // fcvtns v0.4s, v0.4s
	WORD $0x4e21a821 // fcvtns v1.4s, v1.4s
	WORD $0x4e21a842 // fcvtns v2.4s, v2.4s
	WORD $0x4e21a863 // fcvtns v3.4s, v3.4s
	WORD $0x4e21a884 // fcvtns v4.4s, v4.4s
	WORD $0x4e21a8a5 // fcvtns v5.4s, v5.4s
	WORD $0x4e21a8c6 // fcvtns v6.4s, v6.4s
	WORD $0x4e21a8e7 // fcvtns v7.4s, v7.4s
	VADD   V1.S4, V0.S4, V16.S4
	VADD   V3.S4, V2.S4, V17.S4
	VADD   V5.S4, V4.S4, V18.S4
	VADD   V7.S4, V6.S4, V19.S4
	VADD   V17.S4, V16.S4, V16.S4
	VADD   V19.S4, V18.S4, V18.S4
	VADD   V18.S4, V16.S4, V16.S4
	VADDV  V16.S4, V16
	FMOVS  F16, (R3)
	WORD $0x0e612800 // xtn v0.4h, v0.4s
	WORD $0x4e612820 // xtn2 v0.8h, v1.4s
	WORD $0x0e612842 // xtn v2.4h, v2.4s
	WORD $0x4e612862 // xtn2 v2.8h, v3.4s
	WORD $0x0e612884 // xtn v4.4h, v4.4s
	WORD $0x4e6128a4 // xtn2 v4.8h, v5.4s
	WORD $0x0e6128c6 // xtn v6.4h, v6.4s
	WORD $0x4e6128e6 // xtn2 v6.8h, v7.4s
	WORD $0x0e212800 // xtn v0.8b, v0.8h
	WORD $0x4e212840 // xtn2 v0.16b, v2.8h
	WORD $0x0e212884 // xtn v4.8b, v4.8h
	WORD $0x4e2128c4 // xtn2 v4.16b, v6.8h
	VST1.P [V0.B16], 16(R0)
	VST1.P [V4.B16], 16(R0)

qnext:
	ADD  $4, R1, R1
	ADD  $4, R3, R3
	SUBS $1, R2, R2
	BNE  qloop

qdone:
	RET

qzero:
	VEOR   V0.B16, V0.B16, V0.B16
	VST1.P [V0.B16], 16(R0)
	VST1.P [V0.B16], 16(R0)
	MOVW   ZR, (R1)
	MOVW   ZR, (R3)
	B      qnext

// Block epilogue of the GEMV kernels: V2/V3 = int32 sums of rows 0-3/4-7;
// scale by the 8 row scales (f16 at R4) times d[b] (at R6) into V0/V1.
#define QSCALE \
	VLD1.P 16(R4), [V8.H8] \
	FMOVS  (R6), F11       \
	ADD    $4, R6, R6      \
	WORD   $0x0e217909 /* fcvtl v9.4s, v8.4h */ \
	WORD   $0x4e21790a /* fcvtl2 v10.4s, v8.8h */ \
	WORD   $0x4e21d842 /* scvtf v2.4s, v2.4s */ \
	WORD   $0x4e21d863 /* scvtf v3.4s, v3.4s */ \
	WORD   $0x4f8b9129 /* fmul v9.4s, v9.4s, v11.s[0] */ \
	WORD   $0x4f8b914a /* fmul v10.4s, v10.4s, v11.s[0] */ \
	VFMLA  V9.S4, V2.S4, V0.S4 \
	VFMLA  V10.S4, V3.S4, V1.S4

// func gemvQ8NEON(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)
// R0 = &dst[8rb], R1 = row blocks left, R2 = quants of block b, R3 = nb,
// R4 = its 8 f16 scales, R5 = &q[32b], R6 = &d[b], R8 = blocks left;
// V0/V1 = float accumulators of rows 0-3/4-7, V2..V5 = int32 sums, V6/V7 =
// the block's activations, V16..V31 = its 256 weight bytes.
TEXT ·gemvQ8NEON(SB), NOSPLIT, $0-128
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R1
	LSR  $3, R1, R1
	CBZ  R1, gq8done
	MOVD w_base+24(FP), R2
	MOVD nb+48(FP), R3
	CBZ  R3, gq8done

gq8row:
	ADD  R3<<8, R2, R4
	MOVD q_base+56(FP), R5
	MOVD d_base+80(FP), R6
	MOVD R3, R8
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16

gq8blk:
	VLD1.P 32(R5), [V6.B16, V7.B16]
	VLD1.P 64(R2), [V16.B16, V17.B16, V18.B16, V19.B16]
	VLD1.P 64(R2), [V20.B16, V21.B16, V22.B16, V23.B16]
	VLD1.P 64(R2), [V24.B16, V25.B16, V26.B16, V27.B16]
	VLD1.P 64(R2), [V28.B16, V29.B16, V30.B16, V31.B16]
	VEOR   V2.B16, V2.B16, V2.B16
	VEOR   V3.B16, V3.B16, V3.B16
	VEOR   V4.B16, V4.B16, V4.B16
	VEOR   V5.B16, V5.B16, V5.B16
	WORD $0x4f86e202 // sdot v2.4s, v16.16b, v6.4b[0]
	WORD $0x4f86e223 // sdot v3.4s, v17.16b, v6.4b[0]
	WORD $0x4fa6e244 // sdot v4.4s, v18.16b, v6.4b[1]
	WORD $0x4fa6e265 // sdot v5.4s, v19.16b, v6.4b[1]
	WORD $0x4f86ea82 // sdot v2.4s, v20.16b, v6.4b[2]
	WORD $0x4f86eaa3 // sdot v3.4s, v21.16b, v6.4b[2]
	WORD $0x4fa6eac4 // sdot v4.4s, v22.16b, v6.4b[3]
	WORD $0x4fa6eae5 // sdot v5.4s, v23.16b, v6.4b[3]
	WORD $0x4f87e302 // sdot v2.4s, v24.16b, v7.4b[0]
	WORD $0x4f87e323 // sdot v3.4s, v25.16b, v7.4b[0]
	WORD $0x4fa7e344 // sdot v4.4s, v26.16b, v7.4b[1]
	WORD $0x4fa7e365 // sdot v5.4s, v27.16b, v7.4b[1]
	WORD $0x4f87eb82 // sdot v2.4s, v28.16b, v7.4b[2]
	WORD $0x4f87eba3 // sdot v3.4s, v29.16b, v7.4b[2]
	WORD $0x4fa7ebc4 // sdot v4.4s, v30.16b, v7.4b[3]
	WORD $0x4fa7ebe5 // sdot v5.4s, v31.16b, v7.4b[3]
	VADD   V4.S4, V2.S4, V2.S4
	VADD   V5.S4, V3.S4, V3.S4
	QSCALE
	SUBS   $1, R8, R8
	BNE    gq8blk
	VST1.P [V0.S4, V1.S4], 32(R0)
	MOVD   R4, R2
	SUBS   $1, R1, R1
	BNE    gq8row

gq8done:
	RET

// func gemvQ4NEON(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)
// As gemvQ8NEON; V15 = 0x0f bytes, R7 = &s[b], V12 = 8·s[b]; the packed
// nibbles V16..V23 give low nibbles in V24..V31 and high ones in place.
TEXT ·gemvQ4NEON(SB), NOSPLIT, $0-128
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R1
	LSR   $3, R1, R1
	CBZ   R1, gq4done
	MOVD  w_base+24(FP), R2
	MOVD  nb+48(FP), R3
	CBZ   R3, gq4done
	VMOVI $15, V15.B16

gq4row:
	ADD  R3<<7, R2, R4
	MOVD q_base+56(FP), R5
	MOVD d_base+80(FP), R6
	MOVD s_base+104(FP), R7
	MOVD R3, R8
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16

gq4blk:
	VLD1.P 32(R5), [V6.B16, V7.B16]
	VLD1.P 64(R2), [V16.B16, V17.B16, V18.B16, V19.B16]
	VLD1.P 64(R2), [V20.B16, V21.B16, V22.B16, V23.B16]
	VAND   V15.B16, V16.B16, V24.B16
	VAND   V15.B16, V17.B16, V25.B16
	VAND   V15.B16, V18.B16, V26.B16
	VAND   V15.B16, V19.B16, V27.B16
	VAND   V15.B16, V20.B16, V28.B16
	VAND   V15.B16, V21.B16, V29.B16
	VAND   V15.B16, V22.B16, V30.B16
	VAND   V15.B16, V23.B16, V31.B16
	VUSHR  $4, V16.B16, V16.B16
	VUSHR  $4, V17.B16, V17.B16
	VUSHR  $4, V18.B16, V18.B16
	VUSHR  $4, V19.B16, V19.B16
	VUSHR  $4, V20.B16, V20.B16
	VUSHR  $4, V21.B16, V21.B16
	VUSHR  $4, V22.B16, V22.B16
	VUSHR  $4, V23.B16, V23.B16
	VEOR   V2.B16, V2.B16, V2.B16
	VEOR   V3.B16, V3.B16, V3.B16
	VEOR   V4.B16, V4.B16, V4.B16
	VEOR   V5.B16, V5.B16, V5.B16
	WORD $0x4f86e302 // sdot v2.4s, v24.16b, v6.4b[0]
	WORD $0x4f86e323 // sdot v3.4s, v25.16b, v6.4b[0]
	WORD $0x4f87e204 // sdot v4.4s, v16.16b, v7.4b[0]
	WORD $0x4f87e225 // sdot v5.4s, v17.16b, v7.4b[0]
	WORD $0x4fa6e342 // sdot v2.4s, v26.16b, v6.4b[1]
	WORD $0x4fa6e363 // sdot v3.4s, v27.16b, v6.4b[1]
	WORD $0x4fa7e244 // sdot v4.4s, v18.16b, v7.4b[1]
	WORD $0x4fa7e265 // sdot v5.4s, v19.16b, v7.4b[1]
	WORD $0x4f86eb82 // sdot v2.4s, v28.16b, v6.4b[2]
	WORD $0x4f86eba3 // sdot v3.4s, v29.16b, v6.4b[2]
	WORD $0x4f87ea84 // sdot v4.4s, v20.16b, v7.4b[2]
	WORD $0x4f87eaa5 // sdot v5.4s, v21.16b, v7.4b[2]
	WORD $0x4fa6ebc2 // sdot v2.4s, v30.16b, v6.4b[3]
	WORD $0x4fa6ebe3 // sdot v3.4s, v31.16b, v6.4b[3]
	WORD $0x4fa7eac4 // sdot v4.4s, v22.16b, v7.4b[3]
	WORD $0x4fa7eae5 // sdot v5.4s, v23.16b, v7.4b[3]
	VADD   V4.S4, V2.S4, V2.S4
	VADD   V5.S4, V3.S4, V3.S4
	MOVW   (R7), R9
	ADD    $4, R7, R7
	LSLW   $3, R9, R9
	VDUP   R9, V12.S4
	VSUB   V12.S4, V2.S4, V2.S4
	VSUB   V12.S4, V3.S4, V3.S4
	QSCALE
	SUBS   $1, R8, R8
	BNE    gq4blk
	VST1.P [V0.S4, V1.S4], 32(R0)
	MOVD   R4, R2
	SUBS   $1, R1, R1
	BNE    gq4row

gq4done:
	RET
