//go:build gc && !purego

#include "textflag.h"

DATA expk<>+0(SB)/4, $1.44269504088896341 // log2 e
DATA expk<>+4(SB)/4, $0.693359375         // C1
DATA expk<>+8(SB)/4, $-2.12194440e-4      // C2
DATA expk<>+12(SB)/4, $1.9875691500e-4    // P0
DATA expk<>+16(SB)/4, $1.3981999507e-3    // P1
DATA expk<>+20(SB)/4, $8.3334519073e-3    // P2
DATA expk<>+24(SB)/4, $4.1665795894e-2    // P3
DATA expk<>+28(SB)/4, $1.6666665459e-1    // P4
DATA expk<>+32(SB)/4, $5.0000001201e-1    // P5
DATA expk<>+36(SB)/4, $-86.0              // lower clamp
DATA expk<>+40(SB)/4, $1.0
GLOBL expk<>(SB), RODATA|NOPTR, $44

// EXPCONSTS loads the constants above into Y14 (log2 e), Y13, Y12 (C1, C2),
// Y11..Y6 (P0..P5), Y5 (lower clamp) and Y4 (1.0).
#define EXPCONSTS \
	VBROADCASTSS expk<>+0(SB), Y14  \
	VBROADCASTSS expk<>+4(SB), Y13  \
	VBROADCASTSS expk<>+8(SB), Y12  \
	VBROADCASTSS expk<>+12(SB), Y11 \
	VBROADCASTSS expk<>+16(SB), Y10 \
	VBROADCASTSS expk<>+20(SB), Y9  \
	VBROADCASTSS expk<>+24(SB), Y8  \
	VBROADCASTSS expk<>+28(SB), Y7  \
	VBROADCASTSS expk<>+32(SB), Y6  \
	VBROADCASTSS expk<>+36(SB), Y5  \
	VBROADCASTSS expk<>+40(SB), Y4

// EXPY1 leaves e^Y1 in Y3 for Y1 already clamped (Cephes: n = round(Y1·log2
// e) in Y2, r = Y1 − n·ln2 in Y1, p(r) in Y3, then 2^n added to the
// exponent bits); constants from EXPCONSTS.
#define EXPY1 \
	VMULPS       Y14, Y1, Y2 \
	VROUNDPS     $0, Y2, Y2  \
	VFNMADD231PS Y13, Y2, Y1 \
	VFNMADD231PS Y12, Y2, Y1 \
	VMOVAPS      Y11, Y3     \
	VFMADD213PS  Y10, Y1, Y3 \
	VFMADD213PS  Y9, Y1, Y3  \
	VFMADD213PS  Y8, Y1, Y3  \
	VFMADD213PS  Y7, Y1, Y3  \
	VFMADD213PS  Y6, Y1, Y3  \
	VMULPS       Y1, Y3, Y3  \
	VFMADD213PS  Y1, Y1, Y3  \
	VADDPS       Y4, Y3, Y3  \
	VCVTPS2DQ    Y2, Y2      \
	VPSLLD       $23, Y2, Y2 \
	VPADDD       Y2, Y3, Y3

// func expSumAVX2(x []float32, m, s float32) float32
// Y15 = m·s, Y14 = log2 e, Y13..Y4 = the constants above, Y0 = sum; Y1 =
// x·s, then r; Y2 = n, Y3 = p. X2 = s while the loop runs: the exponent is
// x·s − m·s, one FMA.
TEXT ·expSumAVX2(SB), NOSPLIT, $0-36
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	VBROADCASTSS m+24(FP), Y15
	VBROADCASTSS s+28(FP), Y0
	VMULPS       Y0, Y15, Y15
	EXPCONSTS
	VXORPS       Y0, Y0, Y0
	SHRQ         $3, CX
	JZ           expdone

exploop:
	VBROADCASTSS s+28(FP), Y1
	VFMSUB132PS  (SI), Y15, Y1
	VMAXPS       Y5, Y1, Y1
	EXPY1
	VMOVUPS      Y3, (SI)
	VADDPS       Y3, Y0, Y0
	ADDQ         $32, SI
	DECQ         CX
	JNZ          exploop

expdone:
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+32(FP)
	RET

DATA siluk<>+0(SB)/4, $88.0 // upper clamp of −g
GLOBL siluk<>(SB), RODATA|NOPTR, $4

// func siluMulAVX2(g, u []float32)
// Constants as in expSumAVX2 (Y14..Y4), Y15 = 88, Y0 = 0; per 8 lanes Y1 =
// t = −g clamped, then r; Y2 = n; Y3 = p, then 1 + e^t; Y1 = g/(1+e^t)·u.
TEXT ·siluMulAVX2(SB), NOSPLIT, $0-48
	MOVQ         g_base+0(FP), SI
	MOVQ         g_len+8(FP), CX
	MOVQ         u_base+24(FP), DI
	EXPCONSTS
	VBROADCASTSS siluk<>+0(SB), Y15
	VXORPS       Y0, Y0, Y0
	SHRQ         $3, CX
	JZ           silmdone

silmloop:
	VSUBPS       (SI), Y0, Y1
	VMAXPS       Y5, Y1, Y1
	VMINPS       Y15, Y1, Y1
	EXPY1
	VADDPS       Y4, Y3, Y3
	VMOVUPS      (SI), Y1
	VDIVPS       Y3, Y1, Y1
	VMULPS       (DI), Y1, Y1
	VMOVUPS      Y1, (SI)
	ADDQ         $32, SI
	ADDQ         $32, DI
	DECQ         CX
	JNZ          silmloop

silmdone:
	VZEROUPPER
	RET
