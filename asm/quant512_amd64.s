//go:build gc && !purego

#include "textflag.h"

// AVX-512 VNNI kernels of the packed Q8_0/Q4_0 matrix products (layout in
// pack.go), registered in the "avx512" implementation.

// Dword permutation that interleaves the two 4-column groups of a 64-byte
// load of packed quants (row i of group g in dword i, of g+1 in dword 8+i)
// so that row i holds dwords 2i (group g) and 2i+1 (group g+1): one
// VPBROADCASTQ of the 8 activation bytes then feeds both groups.
DATA q512Inter<>+0(SB)/8, $0x0000000800000000
DATA q512Inter<>+8(SB)/8, $0x0000000900000001
DATA q512Inter<>+16(SB)/8, $0x0000000a00000002
DATA q512Inter<>+24(SB)/8, $0x0000000b00000003
DATA q512Inter<>+32(SB)/8, $0x0000000c00000004
DATA q512Inter<>+40(SB)/8, $0x0000000d00000005
DATA q512Inter<>+48(SB)/8, $0x0000000e00000006
DATA q512Inter<>+56(SB)/8, $0x0000000f00000007
GLOBL q512Inter<>(SB), RODATA|NOPTR, $64

// Dword permutation that duplicates the 8 row scales into lanes 2i, 2i+1.
DATA q512Dup<>+0(SB)/8, $0x0000000000000000
DATA q512Dup<>+8(SB)/8, $0x0000000100000001
DATA q512Dup<>+16(SB)/8, $0x0000000200000002
DATA q512Dup<>+24(SB)/8, $0x0000000300000003
DATA q512Dup<>+32(SB)/8, $0x0000000400000004
DATA q512Dup<>+40(SB)/8, $0x0000000500000005
DATA q512Dup<>+48(SB)/8, $0x0000000600000006
DATA q512Dup<>+56(SB)/8, $0x0000000700000007
GLOBL q512Dup<>(SB), RODATA|NOPTR, $64

// Q8W prepares the 64 quant bytes at off(SI) (columns 8k..8k+7 of the 8
// rows) as the unsigned VPDPBUSD operand: interleaved, biased by 128.
#define Q8W(off, zw) \
	VPERMD  off(SI), Z12, zw \
	VPXORD  Z13, zw, zw

// QDOT adds step k (columns 8k..8k+7) of the token whose activations are
// at qa (DX plus the token's offset) to its int32 sums acc.
#define QDOT(k, qa, zw, za, acc) \
	VPBROADCASTQ (8*k)qa, za \
	VPDPBUSD     za, zw, acc

// QFIN adds the two lanes of each row of the token sums acc (into the
// even lane: adding them only after scaling would round the large biased
// halves), removes the bias 2^sh·s (128·s for the biased Q8 quants, 8·s
// for the Q4 nibbles), converts them and accumulates them times
// the row scales Z14 and the token's block scale into the even lanes of fa.
#define QFIN(sh, sa, da, acc, fa) \
	VPSRLQ       $32, acc, Z21    \
	VPADDD       Z21, acc, acc    \
	VPBROADCASTD sa, Z21          \
	VPSLLD       $sh, Z21, Z21    \
	VPSUBD       Z21, acc, acc    \
	VCVTDQ2PS    acc, acc         \
	VBROADCASTSS da, Z22          \
	VMULPS       Z14, Z22, Z22    \
	VFMADD231PS  Z22, acc, fa

// QBLOCK multiplies the prepared quants Z8..Z11 (paired with activation
// bytes 0..7, 8..15, 16..23, 24..31 of the block) by the 4 tokens and
// accumulates the block into Z0..Z3 (bias shift sh, see QFIN).
#define QBLOCK(sh) \
	QDOT(0, (DX), Z8, Z17, Z4) \
	QDOT(0, (DX)(CX*1), Z8, Z18, Z5) \
	QDOT(0, (DX)(CX*2), Z8, Z19, Z6) \
	QDOT(0, (DX)(R15*1), Z8, Z20, Z7) \
	QDOT(1, (DX), Z9, Z17, Z4) \
	QDOT(1, (DX)(CX*1), Z9, Z18, Z5) \
	QDOT(1, (DX)(CX*2), Z9, Z19, Z6) \
	QDOT(1, (DX)(R15*1), Z9, Z20, Z7) \
	QDOT(2, (DX), Z10, Z17, Z4) \
	QDOT(2, (DX)(CX*1), Z10, Z18, Z5) \
	QDOT(2, (DX)(CX*2), Z10, Z19, Z6) \
	QDOT(2, (DX)(R15*1), Z10, Z20, Z7) \
	QDOT(3, (DX), Z11, Z17, Z4) \
	QDOT(3, (DX)(CX*1), Z11, Z18, Z5) \
	QDOT(3, (DX)(CX*2), Z11, Z19, Z6) \
	QDOT(3, (DX)(R15*1), Z11, Z20, Z7) \
	QFIN(sh, (R11), (R10), Z4, Z0) \
	QFIN(sh, (R11)(BX*1), (R10)(BX*1), Z5, Z1) \
	QFIN(sh, (R11)(BX*2), (R10)(BX*2), Z6, Z2) \
	QFIN(sh, (R11)(R14*1), (R10)(R14*1), Z7, Z3)

// Q8STORE stores the 8 row sums, the even lanes of fa.
#define Q8STORE(fa, ya, dst) \
	VPMOVQD fa, ya  \
	VMOVUPS ya, dst

// func gemmQ8AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
// One packed 8-row block × 4 tokens per pass, as gemmQ8AVX2. DI = &dst[4j*ldd],
// R8 = ldd*4, SI = quants of block b, R9 = its scales, DX = &q_0[32b] (token
// t at +t*cols: CX = cols, R15 = 3*cols), R10/R11 = &d_0[b]/&s_0[b] (token t
// at +t*nb*4: BX = nb*4, R14 = 3*nb*4), R12 = blocks left, R13 = quads left.
// Z0..Z3 = float accumulators of tokens 0..3 (row i in lane 2i),
// Z4..Z7 their int32 sums of the block, Z8..Z11 the block's prepared quants.
TEXT ·gemmQ8AVX512(SB), NOSPLIT, $0-144
	MOVQ         nquad+136(FP), R13
	TESTQ        R13, R13
	JZ           gq8zdone
	MOVQ         nb+56(FP), R12
	TESTQ        R12, R12
	JZ           gq8zdone
	MOVQ         dst_base+0(FP), DI
	MOVQ         ldd+24(FP), R8
	SHLQ         $2, R8
	MOVQ         q_base+64(FP), DX
	MOVQ         d_base+88(FP), R10
	MOVQ         s_base+112(FP), R11
	MOVQ         R12, CX
	SHLQ         $5, CX
	LEAQ         (CX)(CX*2), R15
	MOVQ         R12, BX
	SHLQ         $2, BX
	LEAQ         (BX)(BX*2), R14
	VMOVDQU32    q512Inter<>(SB), Z12
	VMOVDQU32    q512Dup<>(SB), Z16
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Z13

gq8zquad:
	MOVQ   w_base+32(FP), SI
	MOVQ   nb+56(FP), R12
	MOVQ   R12, R9
	SHLQ   $8, R9
	ADDQ   SI, R9
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

gq8zblk:
	Q8W(0, Z8)
	Q8W(64, Z9)
	Q8W(128, Z10)
	Q8W(192, Z11)
	VCVTPH2PS (R9), Y15
	VPERMPS   Z15, Z16, Z14
	VPXORD    Z4, Z4, Z4
	VPXORD    Z5, Z5, Z5
	VPXORD    Z6, Z6, Z6
	VPXORD    Z7, Z7, Z7
	QBLOCK(7)
	ADDQ      $256, SI
	ADDQ      $16, R9
	ADDQ      $32, DX
	ADDQ      $4, R10
	ADDQ      $4, R11
	DECQ      R12
	JNZ       gq8zblk

	Q8STORE(Z0, Y0, (DI))
	Q8STORE(Z1, Y1, (DI)(R8*1))
	Q8STORE(Z2, Y2, (DI)(R8*2))
	LEAQ (DI)(R8*2), AX
	Q8STORE(Z3, Y3, (AX)(R8*1))
	LEAQ (DI)(R8*4), DI

	// Next quad: DX, R10, R11 are at block nb of token 0; move them to
	// block 0 of token 4.
	ADDQ R15, DX
	ADDQ R14, R10
	ADDQ R14, R11
	DECQ R13
	JNZ  gq8zquad

gq8zdone:
	VZEROUPPER
	RET

// Q4W splits the 64 quant bytes at off(SI) (row i of column groups 2k,
// 2k+1 in dwords i, 8+i; low nibbles columns 8k..8k+7, high nibbles
// 16+8k..) into the interleaved unsigned operands zlo and zhi.
#define Q4W(off, zlo, zhi) \
	VPERMD off(SI), Z12, zlo \
	VPSRLW $4, zlo, zhi      \
	VPANDD Z13, zlo, zlo     \
	VPANDD Z13, zhi, zhi

// func gemmQ4AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
// gemmQ8AVX512 for packed Q4_0: the low and high nibbles of 64 quant bytes
// are the unsigned operands (no bias; 8·s[b] is removed instead). DI = &dst[4j*ldd],
// R8 = ldd*4, SI = quants of block b, R9 = its scales, DX = &q_0[32b] (token
// t at +t*cols: CX = cols, R15 = 3*cols), R10/R11 = &d_0[b]/&s_0[b] (token t
// at +t*nb*4: BX = nb*4, R14 = 3*nb*4), R12 = blocks left, R13 = quads left.
// Z0..Z3 = float accumulators of tokens 0..3 (row i in lane 2i),
// Z4..Z7 their int32 sums of the block, Z8..Z11 the block's nibbles.
TEXT ·gemmQ4AVX512(SB), NOSPLIT, $0-144
	MOVQ         nquad+136(FP), R13
	TESTQ        R13, R13
	JZ           gq4zdone
	MOVQ         nb+56(FP), R12
	TESTQ        R12, R12
	JZ           gq4zdone
	MOVQ         dst_base+0(FP), DI
	MOVQ         ldd+24(FP), R8
	SHLQ         $2, R8
	MOVQ         q_base+64(FP), DX
	MOVQ         d_base+88(FP), R10
	MOVQ         s_base+112(FP), R11
	MOVQ         R12, CX
	SHLQ         $5, CX
	LEAQ         (CX)(CX*2), R15
	MOVQ         R12, BX
	SHLQ         $2, BX
	LEAQ         (BX)(BX*2), R14
	VMOVDQU32    q512Inter<>(SB), Z12
	VMOVDQU32    q512Dup<>(SB), Z16
	MOVL         $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z13

gq4zquad:
	MOVQ   w_base+32(FP), SI
	MOVQ   nb+56(FP), R12
	MOVQ   R12, R9
	SHLQ   $7, R9
	ADDQ   SI, R9
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

gq4zblk:
	Q4W(0, Z8, Z10)
	Q4W(64, Z9, Z11)
	VCVTPH2PS (R9), Y15
	VPERMPS   Z15, Z16, Z14
	VPXORD    Z4, Z4, Z4
	VPXORD    Z5, Z5, Z5
	VPXORD    Z6, Z6, Z6
	VPXORD    Z7, Z7, Z7
	QBLOCK(3)
	ADDQ      $128, SI
	ADDQ      $16, R9
	ADDQ      $32, DX
	ADDQ      $4, R10
	ADDQ      $4, R11
	DECQ      R12
	JNZ       gq4zblk

	Q8STORE(Z0, Y0, (DI))
	Q8STORE(Z1, Y1, (DI)(R8*1))
	Q8STORE(Z2, Y2, (DI)(R8*2))
	LEAQ (DI)(R8*2), AX
	Q8STORE(Z3, Y3, (AX)(R8*1))
	LEAQ (DI)(R8*4), DI

	// Next quad: DX, R10, R11 are at block nb of token 0; move them to
	// block 0 of token 4.
	ADDQ R15, DX
	ADDQ R14, R10
	ADDQ R14, R11
	DECQ R13
	JNZ  gq4zquad

gq4zdone:
	VZEROUPPER
	RET
