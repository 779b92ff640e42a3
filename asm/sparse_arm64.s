//go:build gc && !purego

#include "textflag.h"

// NEON kernels of the sparse formats (layouts in sparse_pack.go). Go's
// arm64 assembler lacks vector FADD/FADDP/FCVTL and register-offset vector
// loads, so the macros below emit them as WORD from register numbers (the
// encodings were checked against aarch64-linux-gnu-as; the tests run the
// kernels under qemu-aarch64). Each macro names the GNU form it emits.

// tbl vd.16b, {vn.16b}, vm.16b
#define TBL16(d, n, m) WORD $(0x4e000000 | (m)<<16 | (n)<<5 | (d))
// fcvtl vd.4s, vn.4h / fcvtl2 vd.4s, vn.8h
#define FCVTL(d, n) WORD $(0x0e217800 | (n)<<5 | (d))
#define FCVTL2(d, n) WORD $(0x4e217800 | (n)<<5 | (d))
// fmla vd.4s, vn.4s, vm.4s
#define FMLA4S(d, n, m) WORD $(0x4e20cc00 | (m)<<16 | (n)<<5 | (d))
// fadd vd.4s, vn.4s, vm.4s / faddp vd.4s, vn.4s, vm.4s
#define FADD4S(d, n, m) WORD $(0x4e20d400 | (m)<<16 | (n)<<5 | (d))
#define FADDP4S(d, n, m) WORD $(0x6e20d400 | (m)<<16 | (n)<<5 | (d))
// ldr qt, [xn]
#define LDRQ(t, n) WORD $(0x3dc00000 | (n)<<5 | (t))
// ldr qt, [xn, xm, lsl #4]
#define LDRQIDX(t, n, m) WORD $(0x3ce07800 | (m)<<16 | (n)<<5 | (t))
// ldr dt, [xn, xm, lsl #3]
#define LDRDIDX(t, n, m) WORD $(0xfc607800 | (m)<<16 | (n)<<5 | (t))
// ld1 {vt.8b}, [xn], xm
#define LD1P8B(t, n, m) WORD $(0x0cc07000 | (m)<<16 | (n)<<5 | (t))
// tbl vd.8b, {vn.16b}, vm.8b
#define TBL8(d, n, m) WORD $(0x0e000000 | (m)<<16 | (n)<<5 | (d))
// mov vd.d[1], vn.d[0]
#define INSD1(d, n) WORD $(0x6e180400 | (n)<<5 | (d))
// sdot vd.4s, vn.16b, vm.4b[i] (m < 16) / sdot vd.4s, vn.16b, vm.16b
#define SDOTE(d, n, m, i) WORD $(0x4f80e000 | ((i)&1)<<21 | (m)<<16 | ((i)>>1)<<11 | (n)<<5 | (d))
#define SDOT16(d, n, m) WORD $(0x4e809400 | (m)<<16 | (n)<<5 | (d))
// ushl / and / orr vd.16b, vn.16b, vm.16b
#define USHL16(d, n, m) WORD $(0x6e204400 | (m)<<16 | (n)<<5 | (d))
#define AND16(d, n, m) WORD $(0x4e201c00 | (m)<<16 | (n)<<5 | (d))
#define ORR16(d, n, m) WORD $(0x4ea01c00 | (m)<<16 | (n)<<5 | (d))
// scvtf vd.4s, vn.4s / fmul vd.4s, vn.4s, vm.s[0]
#define SCVTF4S(d, n) WORD $(0x4e21d800 | (n)<<5 | (d))
#define FMULS0(d, n, m) WORD $(0x4f809000 | (m)<<16 | (n)<<5 | (d))

// BMG_A/BMG_B: one 8-column group of one bitmask-f16 row. The mask byte at
// bit SH of M picks the TBL control (R20 = &spExpF16) that expands the
// packed halves at R3 into 8 lanes; they are widened and multiplied by the
// x vectors VXA, VXB into accumulators VAA, VAB, and R3 advances by
// spCnt2[byte] (R21 = &spCnt2). The two variants use disjoint temporaries
// (R12/R13, V24..V27 and R14/R15, V28..V31) so consecutive groups overlap.
#define BMG_A(M, SH, XA, XB, AA, AB) \
	UBFX $SH, M, $8, R12        \
	MOVD (R21)(R12<<3), R13     \
	LDRQIDX(24, 20, 12)         \
	LDRQ(25, 3)                 \
	ADD  R13, R3, R3            \
	TBL16(24, 25, 24)           \
	FCVTL(26, 24)               \
	FCVTL2(27, 24)              \
	FMLA4S(AA, 26, XA)          \
	FMLA4S(AB, 27, XB)

#define BMG_B(M, SH, XA, XB, AA, AB) \
	UBFX $SH, M, $8, R14        \
	MOVD (R21)(R14<<3), R15     \
	LDRQIDX(28, 20, 14)         \
	LDRQ(29, 3)                 \
	ADD  R15, R3, R3            \
	TBL16(28, 29, 28)           \
	FCVTL(30, 28)               \
	FCVTL2(31, 28)              \
	FMLA4S(AA, 30, XA)          \
	FMLA4S(AB, 31, XB)

// BMROW: the 32 columns of row i: mask word at bit SH0 of M, accumulators
// V(A)..V(A+3) (even groups into A, A+1, odd ones into A+2, A+3).
#define BMROW(M, SH0, A) \
	BMG_A(M, SH0, 16, 17, A, A+1)        \
	BMG_B(M, SH0+8, 18, 19, A+2, A+3)    \
	BMG_A(M, SH0+16, 20, 21, A, A+1)     \
	BMG_B(M, SH0+24, 22, 23, A+2, A+3)

// func bmGemvF16NEON(dst []float32, masks []uint32, vals []uint16, x []float32)
// R0 = &dst[4rb], R1 = row blocks left, R2 = masks, R3 = value pointer,
// R4 = &x[0], R5 = column blocks, R6 = &x[32cb], R7 = column blocks left,
// R10/R11 = mask words of rows 0,1 / 2,3; V0..V15 = accumulators (row i in
// V4i..V4i+3), V16..V23 = the block's x, V24..V31 = temporaries.
TEXT ·bmGemvF16NEON(SB), NOSPLIT, $0-96
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R1
	LSR  $2, R1, R1
	CBZ  R1, bmf16done
	MOVD masks_base+24(FP), R2
	MOVD vals_base+48(FP), R3
	MOVD x_base+72(FP), R4
	MOVD x_len+80(FP), R5
	LSR  $5, R5, R5
	MOVD $·spExpF16(SB), R20
	MOVD $·spCnt2(SB), R21

bmf16rb:
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
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	MOVD R4, R6
	MOVD R5, R7
	CBZ  R7, bmf16red

bmf16cb:
	LDP.P  16(R2), (R10, R11)
	VLD1.P 64(R6), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1.P 64(R6), [V20.S4, V21.S4, V22.S4, V23.S4]
	BMROW(R10, 0, 0)
	BMROW(R10, 32, 4)
	BMROW(R11, 0, 8)
	BMROW(R11, 32, 12)
	SUBS $1, R7, R7
	BNE  bmf16cb

bmf16red:
	FADD4S(0, 0, 2)
	FADD4S(1, 1, 3)
	FADD4S(4, 4, 6)
	FADD4S(5, 5, 7)
	FADD4S(8, 8, 10)
	FADD4S(9, 9, 11)
	FADD4S(12, 12, 14)
	FADD4S(13, 13, 15)
	FADD4S(0, 0, 1)
	FADD4S(4, 4, 5)
	FADD4S(8, 8, 9)
	FADD4S(12, 12, 13)
	FADDP4S(0, 0, 4)
	FADDP4S(8, 8, 12)
	FADDP4S(0, 0, 8)
	VST1.P [V0.S4], 16(R0)
	SUBS   $1, R1, R1
	BNE    bmf16rb

bmf16done:
	RET

// NMQ: byte Q of the index word R10 of a group pair (bytes 0-3: group 0,
// slot 0 rows 0-3, rows 4-7, slot 1 rows 0-3, rows 4-7; bytes 4-7: group 1)
// selects the control spNMCtl[byte] (R20 = &spNMCtl) that gathers those
// rows' x from the group's floats V(XG) into V(8+Q); the widened values
// V(24+Q) times them go to accumulator V(Q). R/RN: a scratch register and
// its number.
#define NMQ(Q, XG, R, RN) \
	UBFX $(8*(Q)), R10, $8, R \
	LDRQIDX(8+(Q), 20, RN)    \
	TBL16(8+(Q), XG, 8+(Q))   \
	FMLA4S(Q, 24+(Q), 8+(Q))

// func nmGemvF16NEON(dst []float32, vals []uint16, idx []uint32, x []float32)
// R0 = &dst[8rb], R1 = row blocks left, R2 = value pointer, R3 = index
// pointer, R4 = &x[0], R5 = group pairs per row, R6 = x pointer, R7 = pairs
// left, R10 = the pair's index words; V0..V7 = accumulators (even: rows
// 0-3, odd: rows 4-7), V8..V15 = gathered x, V16/V17 = x of the two
// groups, V20..V23 = their values, V24..V31 = the values widened.
TEXT ·nmGemvF16NEON(SB), NOSPLIT, $0-96
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R1
	LSR  $3, R1, R1
	CBZ  R1, nmf16done
	MOVD vals_base+24(FP), R2
	MOVD idx_base+48(FP), R3
	MOVD x_base+72(FP), R4
	MOVD x_len+80(FP), R5
	LSR  $3, R5, R5
	MOVD $·spNMCtl(SB), R20

nmf16rb:
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	MOVD R4, R6
	MOVD R5, R7
	CBZ  R7, nmf16red

nmf16g:
	MOVD.P 8(R3), R10
	VLD1.P 32(R6), [V16.S4, V17.S4]
	VLD1.P 64(R2), [V20.H8, V21.H8, V22.H8, V23.H8]
	FCVTL(24, 20)
	FCVTL2(25, 20)
	FCVTL(26, 21)
	FCVTL2(27, 21)
	FCVTL(28, 22)
	FCVTL2(29, 22)
	FCVTL(30, 23)
	FCVTL2(31, 23)
	NMQ(0, 16, R11, 11)
	NMQ(1, 16, R12, 12)
	NMQ(2, 16, R13, 13)
	NMQ(3, 16, R14, 14)
	NMQ(4, 17, R15, 15)
	NMQ(5, 17, R19, 19)
	NMQ(6, 17, R21, 21)
	NMQ(7, 17, R22, 22)
	SUBS $1, R7, R7
	BNE  nmf16g

nmf16red:
	FADD4S(0, 0, 2)
	FADD4S(1, 1, 3)
	FADD4S(4, 4, 6)
	FADD4S(5, 5, 7)
	FADD4S(0, 0, 4)
	FADD4S(1, 1, 5)
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUBS   $1, R1, R1
	BNE    nmf16rb

nmf16done:
	RET

// Column-block epilogue of the int8 kernels: V2/V3 (+ V4/V5) = int32 sums
// of rows 0-3/4-7; scale them by the 8 row scales (f16 at R4) times d[cb]
// (at R6) into the float accumulators V0/V1 (temporaries V18..V21).
#define SPSCALE \
	VADD   V4.S4, V2.S4, V2.S4 \
	VADD   V5.S4, V3.S4, V3.S4 \
	VLD1.P 16(R4), [V18.H8]    \
	FMOVS  (R6), F21           \
	ADD    $4, R6, R6          \
	FCVTL(19, 18)              \
	FCVTL2(20, 18)             \
	SCVTF4S(2, 2)              \
	SCVTF4S(3, 3)              \
	FMULS0(19, 19, 21)         \
	FMULS0(20, 20, 21)         \
	FMLA4S(0, 2, 19)           \
	FMLA4S(1, 3, 20)

// BMI8B: one mask byte (8 lanes) of a bitmask-i8 unit: the byte at bit SH
// of M selects the 8-byte control spExpI8[byte] (R20) into V(T) and the
// count spCnt1[byte] (R21); the 8 bytes at R3 are loaded into V(TV) while
// R3 advances by the count, and TBL expands them into V(T). RB/RC are
// scratch registers with numbers RBN/RCN.
#define BMI8B(M, SH, T, TV, RB, RBN, RC, RCN) \
	UBFX $(SH), M, $8, RB       \
	MOVD (R21)(RB<<3), RC       \
	LDRDIDX(T, 20, RBN)         \
	LD1P8B(TV, 3, RCN)          \
	TBL8(T, TV, T)

// BMI8U: unit u (8 rows × 4 columns, mask word at bit SH0 of M): its 32
// lanes are expanded into V(T) (rows 0-3) and V(T+2) (rows 4-7) and dotted
// with the unit's 4 activations, element QI of V(QR), into V(ACC) and
// V(ACC+1). V(T)..V(T+7) are temporaries.
#define BMI8U(M, SH0, T, ACC, QR, QI) \
	BMI8B(M, SH0, T, T+4, R14, 14, R15, 15)          \
	BMI8B(M, SH0+8, T+1, T+5, R22, 22, R23, 23)      \
	BMI8B(M, SH0+16, T+2, T+6, R14, 14, R15, 15)     \
	BMI8B(M, SH0+24, T+3, T+7, R22, 22, R23, 23)     \
	INSD1(T, T+1)                                    \
	INSD1(T+2, T+3)                                  \
	SDOTE(ACC, T, QR, QI)                            \
	SDOTE(ACC+1, T+2, QR, QI)

// func bmGemvI8NEON(dst []float32, masks []uint32, vals []int8, scales []uint16, q []int8, d []float32, s []int32)
// R0 = &dst[8rb], R1 = row blocks left, R2 = masks, R3 = value pointer,
// R4 = scales, R5 = &q[0], R6 = &d[cb], R7 = column blocks, R8 = &q[32cb],
// R9 = column blocks left, R10..R13 = the block's 8 mask words, R24 =
// &d[0]; V0/V1 = float accumulators of rows 0-3/4-7, V2..V5 = int32 sums
// (even/odd units), V6/V7 = the block's activations, V16..V31 = unit
// temporaries (even units V16.., odd V24..).
TEXT ·bmGemvI8NEON(SB), NOSPLIT, $0-168
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R1
	LSR  $3, R1, R1
	CBZ  R1, bmi8done
	MOVD masks_base+24(FP), R2
	MOVD vals_base+48(FP), R3
	MOVD scales_base+72(FP), R4
	MOVD q_base+96(FP), R5
	MOVD q_len+104(FP), R7
	LSR  $5, R7, R7
	MOVD d_base+120(FP), R24
	MOVD $·spExpI8(SB), R20
	MOVD $·spCnt1(SB), R21

bmi8rb:
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	MOVD R5, R8
	MOVD R24, R6
	MOVD R7, R9
	CBZ  R9, bmi8store

bmi8cb:
	LDP.P  16(R2), (R10, R11)
	LDP.P  16(R2), (R12, R13)
	VLD1.P 32(R8), [V6.B16, V7.B16]
	VEOR   V2.B16, V2.B16, V2.B16
	VEOR   V3.B16, V3.B16, V3.B16
	VEOR   V4.B16, V4.B16, V4.B16
	VEOR   V5.B16, V5.B16, V5.B16
	BMI8U(R10, 0, 16, 2, 6, 0)
	BMI8U(R10, 32, 24, 4, 6, 1)
	BMI8U(R11, 0, 16, 2, 6, 2)
	BMI8U(R11, 32, 24, 4, 6, 3)
	BMI8U(R12, 0, 16, 2, 7, 0)
	BMI8U(R12, 32, 24, 4, 7, 1)
	BMI8U(R13, 0, 16, 2, 7, 2)
	BMI8U(R13, 32, 24, 4, 7, 3)
	SPSCALE
	SUBS $1, R9, R9
	BNE  bmi8cb

bmi8store:
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUBS   $1, R1, R1
	BNE    bmi8rb

bmi8done:
	RET

// NMI8U: unit u of a 2:4 int8 column block: its 8 index bytes (row i in
// byte 8P+i of V(IR)) are spread to the 4 slot lanes of each row (TBL with
// V(8+2P), V(9+2P)), shifted and masked to the 2-bit in-group column and
// offset by the slot's group and the unit's half of V(QR) (V(14+P)); a TBL
// on the activations then gives each lane its q, and SDOT adds the products
// with the stored values V(W) (rows 0-3), V(W+1) (rows 4-7) into V(ACC),
// V(ACC+1). V(T), V(T+1) are temporaries.
#define NMI8U(IR, P, QR, W, ACC, T) \
	TBL16(T, IR, 8+2*(P))    \
	TBL16(T+1, IR, 9+2*(P))  \
	USHL16(T, T, 12)         \
	USHL16(T+1, T+1, 12)     \
	AND16(T, T, 13)          \
	AND16(T+1, T+1, 13)      \
	ORR16(T, T, 14+(P))      \
	ORR16(T+1, T+1, 14+(P))  \
	TBL16(T, QR, T)          \
	TBL16(T+1, QR, T+1)      \
	SDOT16(ACC, W, T)        \
	SDOT16(ACC+1, W+1, T+1)

// func nmGemvI8NEON(dst []float32, vals []int8, idx []uint8, scales []uint16, q []int8, d []float32)
// R0 = &dst[8rb], R1 = row blocks left, R2 = value pointer, R3 = index
// pointer, R4 = scales, R5 = &q[0], R6 = &d[cb], R7 = column blocks, R8 =
// &q[32cb], R9 = column blocks left, R24 = &d[0]; V0/V1 = float
// accumulators, V2..V5 = int32 sums, V6/V7 = the block's activations,
// V8..V15 = the spNMI8Const vectors, V16/V17 = the block's index bytes,
// V18..V23 = temporaries, V24..V31 = the block's values.
TEXT ·nmGemvI8NEON(SB), NOSPLIT, $0-144
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R1
	LSR  $3, R1, R1
	CBZ  R1, nmi8done
	MOVD vals_base+24(FP), R2
	MOVD idx_base+48(FP), R3
	MOVD scales_base+72(FP), R4
	MOVD q_base+96(FP), R5
	MOVD q_len+104(FP), R7
	LSR  $5, R7, R7
	MOVD d_base+120(FP), R24
	MOVD $·spNMI8Const(SB), R10
	VLD1.P 64(R10), [V8.B16, V9.B16, V10.B16, V11.B16]
	VLD1   (R10), [V12.B16, V13.B16, V14.B16, V15.B16]

nmi8rb:
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	MOVD R5, R8
	MOVD R24, R6
	MOVD R7, R9
	CBZ  R9, nmi8store

nmi8cb:
	VLD1.P 32(R3), [V16.B16, V17.B16]
	VLD1.P 64(R2), [V24.B16, V25.B16, V26.B16, V27.B16]
	VLD1.P 64(R2), [V28.B16, V29.B16, V30.B16, V31.B16]
	VLD1.P 32(R8), [V6.B16, V7.B16]
	VEOR   V2.B16, V2.B16, V2.B16
	VEOR   V3.B16, V3.B16, V3.B16
	VEOR   V4.B16, V4.B16, V4.B16
	VEOR   V5.B16, V5.B16, V5.B16
	NMI8U(16, 0, 6, 24, 2, 18)
	NMI8U(16, 1, 6, 26, 4, 20)
	NMI8U(17, 0, 7, 28, 2, 22)
	NMI8U(17, 1, 7, 30, 4, 18)
	SPSCALE
	SUBS $1, R9, R9
	BNE  nmi8cb

nmi8store:
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUBS   $1, R1, R1
	BNE    nmi8rb

nmi8done:
	RET
