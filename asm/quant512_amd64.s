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

// Scale permutation for two row blocks: lane 2i = row i of the first (Z15
// lane i), lane 2i+1 = row i of the second (table 2 lane i).
DATA q512Pair<>+0(SB)/8, $0x0000001000000000
DATA q512Pair<>+8(SB)/8, $0x0000001100000001
DATA q512Pair<>+16(SB)/8, $0x0000001200000002
DATA q512Pair<>+24(SB)/8, $0x0000001300000003
DATA q512Pair<>+32(SB)/8, $0x0000001400000004
DATA q512Pair<>+40(SB)/8, $0x0000001500000005
DATA q512Pair<>+48(SB)/8, $0x0000001600000006
DATA q512Pair<>+56(SB)/8, $0x0000001700000007
GLOBL q512Pair<>(SB), RODATA|NOPTR, $64

// QFINX finishes a block of two row blocks for one token: the two lanes of
// each row are added, the first block's rows into the even lanes (accA)
// and the second's into the odd lanes (accB), merged (K1 = 0xaaaa), the
// bias 2^sh·s removed, and the sums accumulated times the row scales Z15
// and the token's block scale into fa.
#define QFINX(sh, sa, da, accA, accB, fa) \
	VPSRLQ       $32, accA, Z21       \
	VPADDD       Z21, accA, accA      \
	VPSLLQ       $32, accB, Z22       \
	VPADDD       Z22, accB, accB      \
	VPBLENDMD    accB, accA, K1, accA \
	VPBROADCASTD sa, Z21              \
	VPSLLD       $sh, Z21, Z21        \
	VPSUBD       Z21, accA, accA      \
	VCVTDQ2PS    accA, accA           \
	VBROADCASTSS da, Z22              \
	VMULPS       Z15, Z22, Z22        \
	VFMADD231PS  Z22, accA, fa

// QDOTX adds step k of the token at qa to both row blocks' sums.
#define QDOTX(k, qa, zwA, zwB, za, accA, accB) \
	VPBROADCASTQ (8*k)qa, za    \
	VPDPBUSD     za, zwA, accA  \
	VPDPBUSD     za, zwB, accB

// QSTOREX stores the first row block's 8 sums (even lanes of fa) to d0 and
// the second's (odd lanes) to d0+32.
#define QSTOREX(fa, d0, d1) \
	VPMOVQD fa, Y23     \
	VMOVUPS Y23, d0     \
	VPSRLQ  $32, fa, fa \
	VPMOVQD fa, Y23     \
	VMOVUPS Y23, d1

// func gemmQ8x2AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
// gemmQ8AVX512 for two consecutive packed row blocks (16 rows; the
// second's bytes at BP = nb·272 from the first's): every activation
// broadcast feeds both, and one finish handles their 16 rows. Registers as
// there, plus Z24..Z27 / Z28..Z31 = the second block's quants / sums, Z15 =
// the 16 row scales (first block in even lanes); token t's 16 outputs go to
// dst[t*ldd : t*ldd+16].
TEXT ·gemmQ8x2AVX512(SB), NOSPLIT, $8-144
	MOVQ         nquad+136(FP), R13
	TESTQ        R13, R13
	JZ           gq8xdone
	MOVQ         nb+56(FP), R12
	TESTQ        R12, R12
	JZ           gq8xdone
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
	IMUL3Q       $272, R12, BP
	VMOVDQU32    q512Inter<>(SB), Z12
	VMOVDQU32    q512Pair<>(SB), Z16
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Z13
	MOVL         $0xaaaa, AX
	KMOVW        AX, K1

gq8xquad:
	MOVQ   w_base+32(FP), SI
	MOVQ   nb+56(FP), R12
	MOVQ   R12, R9
	SHLQ   $8, R9
	ADDQ   SI, R9
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

gq8xblk:
	Q8W(0, Z8)
	Q8W(64, Z9)
	Q8W(128, Z10)
	Q8W(192, Z11)
	VPERMD 0(SI)(BP*1), Z12, Z24
	VPXORD Z13, Z24, Z24
	VPERMD 64(SI)(BP*1), Z12, Z25
	VPXORD Z13, Z25, Z25
	VPERMD 128(SI)(BP*1), Z12, Z26
	VPXORD Z13, Z26, Z26
	VPERMD 192(SI)(BP*1), Z12, Z27
	VPXORD Z13, Z27, Z27
	VCVTPH2PS (R9), Y15
	VCVTPH2PS (R9)(BP*1), Y23
	VPERMT2PS Z23, Z16, Z15
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31
	QDOTX(0, (DX), Z8, Z24, Z17, Z4, Z28)
	QDOTX(0, (DX)(CX*1), Z8, Z24, Z18, Z5, Z29)
	QDOTX(0, (DX)(CX*2), Z8, Z24, Z19, Z6, Z30)
	QDOTX(0, (DX)(R15*1), Z8, Z24, Z20, Z7, Z31)
	QDOTX(1, (DX), Z9, Z25, Z17, Z4, Z28)
	QDOTX(1, (DX)(CX*1), Z9, Z25, Z18, Z5, Z29)
	QDOTX(1, (DX)(CX*2), Z9, Z25, Z19, Z6, Z30)
	QDOTX(1, (DX)(R15*1), Z9, Z25, Z20, Z7, Z31)
	QDOTX(2, (DX), Z10, Z26, Z17, Z4, Z28)
	QDOTX(2, (DX)(CX*1), Z10, Z26, Z18, Z5, Z29)
	QDOTX(2, (DX)(CX*2), Z10, Z26, Z19, Z6, Z30)
	QDOTX(2, (DX)(R15*1), Z10, Z26, Z20, Z7, Z31)
	QDOTX(3, (DX), Z11, Z27, Z17, Z4, Z28)
	QDOTX(3, (DX)(CX*1), Z11, Z27, Z18, Z5, Z29)
	QDOTX(3, (DX)(CX*2), Z11, Z27, Z19, Z6, Z30)
	QDOTX(3, (DX)(R15*1), Z11, Z27, Z20, Z7, Z31)
	QFINX(7, (R11), (R10), Z4, Z28, Z0)
	QFINX(7, (R11)(BX*1), (R10)(BX*1), Z5, Z29, Z1)
	QFINX(7, (R11)(BX*2), (R10)(BX*2), Z6, Z30, Z2)
	QFINX(7, (R11)(R14*1), (R10)(R14*1), Z7, Z31, Z3)
	ADDQ      $256, SI
	ADDQ      $16, R9
	ADDQ      $32, DX
	ADDQ      $4, R10
	ADDQ      $4, R11
	DECQ      R12
	JNZ       gq8xblk

	LEAQ (DI)(R8*2), AX
	QSTOREX(Z0, (DI), 32(DI))
	QSTOREX(Z1, (DI)(R8*1), 32(DI)(R8*1))
	QSTOREX(Z2, (AX), 32(AX))
	QSTOREX(Z3, (AX)(R8*1), 32(AX)(R8*1))
	LEAQ (DI)(R8*4), DI
	ADDQ R15, DX
	ADDQ R14, R10
	ADDQ R14, R11
	DECQ R13
	JNZ  gq8xquad

gq8xdone:
	VZEROUPPER
	RET

// func gemmQ4x2AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
// gemmQ4AVX512 for two consecutive packed row blocks (16 rows; the
// second's bytes at BP = nb·144 from the first's): every activation
// broadcast feeds both, and one finish handles their 16 rows. Registers as
// there, plus Z24..Z27 / Z28..Z31 = the second block's quants / sums, Z15 =
// the 16 row scales (first block in even lanes); token t's 16 outputs go to
// dst[t*ldd : t*ldd+16].
TEXT ·gemmQ4x2AVX512(SB), NOSPLIT, $8-144
	MOVQ         nquad+136(FP), R13
	TESTQ        R13, R13
	JZ           gq4xdone
	MOVQ         nb+56(FP), R12
	TESTQ        R12, R12
	JZ           gq4xdone
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
	IMUL3Q       $144, R12, BP
	VMOVDQU32    q512Inter<>(SB), Z12
	VMOVDQU32    q512Pair<>(SB), Z16
	MOVL         $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z13
	MOVL         $0xaaaa, AX
	KMOVW        AX, K1

gq4xquad:
	MOVQ   w_base+32(FP), SI
	MOVQ   nb+56(FP), R12
	MOVQ   R12, R9
	SHLQ   $7, R9
	ADDQ   SI, R9
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

gq4xblk:
	Q4W(0, Z8, Z10)
	Q4W(64, Z9, Z11)
	VPERMD 0(SI)(BP*1), Z12, Z24
	VPSRLW $4, Z24, Z26
	VPANDD Z13, Z24, Z24
	VPANDD Z13, Z26, Z26
	VPERMD 64(SI)(BP*1), Z12, Z25
	VPSRLW $4, Z25, Z27
	VPANDD Z13, Z25, Z25
	VPANDD Z13, Z27, Z27
	VCVTPH2PS (R9), Y15
	VCVTPH2PS (R9)(BP*1), Y23
	VPERMT2PS Z23, Z16, Z15
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31
	QDOTX(0, (DX), Z8, Z24, Z17, Z4, Z28)
	QDOTX(0, (DX)(CX*1), Z8, Z24, Z18, Z5, Z29)
	QDOTX(0, (DX)(CX*2), Z8, Z24, Z19, Z6, Z30)
	QDOTX(0, (DX)(R15*1), Z8, Z24, Z20, Z7, Z31)
	QDOTX(1, (DX), Z9, Z25, Z17, Z4, Z28)
	QDOTX(1, (DX)(CX*1), Z9, Z25, Z18, Z5, Z29)
	QDOTX(1, (DX)(CX*2), Z9, Z25, Z19, Z6, Z30)
	QDOTX(1, (DX)(R15*1), Z9, Z25, Z20, Z7, Z31)
	QDOTX(2, (DX), Z10, Z26, Z17, Z4, Z28)
	QDOTX(2, (DX)(CX*1), Z10, Z26, Z18, Z5, Z29)
	QDOTX(2, (DX)(CX*2), Z10, Z26, Z19, Z6, Z30)
	QDOTX(2, (DX)(R15*1), Z10, Z26, Z20, Z7, Z31)
	QDOTX(3, (DX), Z11, Z27, Z17, Z4, Z28)
	QDOTX(3, (DX)(CX*1), Z11, Z27, Z18, Z5, Z29)
	QDOTX(3, (DX)(CX*2), Z11, Z27, Z19, Z6, Z30)
	QDOTX(3, (DX)(R15*1), Z11, Z27, Z20, Z7, Z31)
	QFINX(3, (R11), (R10), Z4, Z28, Z0)
	QFINX(3, (R11)(BX*1), (R10)(BX*1), Z5, Z29, Z1)
	QFINX(3, (R11)(BX*2), (R10)(BX*2), Z6, Z30, Z2)
	QFINX(3, (R11)(R14*1), (R10)(R14*1), Z7, Z31, Z3)
	ADDQ      $128, SI
	ADDQ      $16, R9
	ADDQ      $32, DX
	ADDQ      $4, R10
	ADDQ      $4, R11
	DECQ      R12
	JNZ       gq4xblk

	LEAQ (DI)(R8*2), AX
	QSTOREX(Z0, (DI), 32(DI))
	QSTOREX(Z1, (DI)(R8*1), 32(DI)(R8*1))
	QSTOREX(Z2, (AX), 32(AX))
	QSTOREX(Z3, (AX)(R8*1), 32(AX)(R8*1))
	LEAQ (DI)(R8*4), DI
	ADDQ R15, DX
	ADDQ R14, R10
	ADDQ R14, R11
	DECQ R13
	JNZ  gq4xquad

gq4xdone:
	VZEROUPPER
	RET
