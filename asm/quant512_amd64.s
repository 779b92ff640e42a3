//go:build gc && !purego

#include "textflag.h"
#include "quant_amd64.h"

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

// Q8W prepares the 64 quant bytes at addr (columns 8k..8k+7 of the 8
// rows) as the unsigned VPDPBUSD operand: interleaved, biased by 128.
#define Q8W(addr, zw) \
	VPERMD  addr, Z12, zw \
	VPXORD  Z13, zw, zw

// Q8PREP and Q4PREP prepare the block whose quants are at base into
// z0..z3 (paired with activation bytes 0..7, 8..15, 16..23, 24..31).
#define Q8PREP(base, z0, z1, z2, z3) \
	Q8W((0)base, z0)   \
	Q8W((64)base, z1)  \
	Q8W((128)base, z2) \
	Q8W((192)base, z3)

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

// Q4W splits the 64 quant bytes at addr (row i of column groups 2k,
// 2k+1 in dwords i, 8+i; low nibbles columns 8k..8k+7, high nibbles
// 16+8k..) into the interleaved unsigned operands zlo and zhi.
#define Q4W(addr, zlo, zhi) \
	VPERMD addr, Z12, zlo \
	VPSRLW $4, zlo, zhi      \
	VPANDD Z13, zlo, zlo     \
	VPANDD Z13, zhi, zhi

#define Q4PREP(base, z0, z1, z2, z3) \
	Q4W((0)base, z0, z2) \
	Q4W((64)base, z1, z3)

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

// QBLOCKX multiplies the prepared quants of both row blocks (Z8..Z11,
// Z24..Z27) by the 4 tokens and accumulates the block into Z0..Z3 (bias
// shift sh, see QFINX).
#define QBLOCKX(sh) \
	VPXORD Z4, Z4, Z4 \
	VPXORD Z5, Z5, Z5 \
	VPXORD Z6, Z6, Z6 \
	VPXORD Z7, Z7, Z7 \
	VPXORD Z28, Z28, Z28 \
	VPXORD Z29, Z29, Z29 \
	VPXORD Z30, Z30, Z30 \
	VPXORD Z31, Z31, Z31 \
	QDOTX(0, (DX), Z8, Z24, Z17, Z4, Z28) \
	QDOTX(0, (DX)(CX*1), Z8, Z24, Z18, Z5, Z29) \
	QDOTX(0, (DX)(CX*2), Z8, Z24, Z19, Z6, Z30) \
	QDOTX(0, (DX)(R15*1), Z8, Z24, Z20, Z7, Z31) \
	QDOTX(1, (DX), Z9, Z25, Z17, Z4, Z28) \
	QDOTX(1, (DX)(CX*1), Z9, Z25, Z18, Z5, Z29) \
	QDOTX(1, (DX)(CX*2), Z9, Z25, Z19, Z6, Z30) \
	QDOTX(1, (DX)(R15*1), Z9, Z25, Z20, Z7, Z31) \
	QDOTX(2, (DX), Z10, Z26, Z17, Z4, Z28) \
	QDOTX(2, (DX)(CX*1), Z10, Z26, Z18, Z5, Z29) \
	QDOTX(2, (DX)(CX*2), Z10, Z26, Z19, Z6, Z30) \
	QDOTX(2, (DX)(R15*1), Z10, Z26, Z20, Z7, Z31) \
	QDOTX(3, (DX), Z11, Z27, Z17, Z4, Z28) \
	QDOTX(3, (DX)(CX*1), Z11, Z27, Z18, Z5, Z29) \
	QDOTX(3, (DX)(CX*2), Z11, Z27, Z19, Z6, Z30) \
	QDOTX(3, (DX)(R15*1), Z11, Z27, Z20, Z7, Z31) \
	QFINX(sh, (R11), (R10), Z4, Z28, Z0) \
	QFINX(sh, (R11)(BX*1), (R10)(BX*1), Z5, Z29, Z1) \
	QFINX(sh, (R11)(BX*2), (R10)(BX*2), Z6, Z30, Z2) \
	QFINX(sh, (R11)(R14*1), (R10)(R14*1), Z7, Z31, Z3)

// QSTORE8 stores the 8 row sums of each token (even lanes of Z0..Z3).
#define QSTORE8 \
	LEAQ    (DI)(R8*2), AX    \
	VPMOVQD Z0, Y0            \
	VMOVUPS Y0, (DI)          \
	VPMOVQD Z1, Y1            \
	VMOVUPS Y1, (DI)(R8*1)    \
	VPMOVQD Z2, Y2            \
	VMOVUPS Y2, (AX)          \
	VPMOVQD Z3, Y3            \
	VMOVUPS Y3, (AX)(R8*1)    \
	LEAQ    (DI)(R8*4), DI

// QZERO4 clears the float accumulators of the 4 tokens.
#define QZERO4 \
	VPXORD Z0, Z0, Z0 \
	VPXORD Z1, Z1, Z1 \
	VPXORD Z2, Z2, Z2 \
	VPXORD Z3, Z3, Z3

// QGEMM8 is the body of the one-row-block kernels (see quant_amd64.h for
// the general registers): PREP prepares the block's quants into Z8..Z11,
// the bias constant is bias in Z13, block b's quants take 2^qsh bytes and
// the bias shift is sh (see QFIN). Z0..Z3 = float accumulators of tokens
// 0..3 (row i in lane 2i), Z4..Z7 their int32 sums of the block, Z14 the
// block's row scales (duplicated into lanes 2i, 2i+1).
#define QGEMM8(PREP, bias, qsh, sh) \
	QGEMMARGS(done)                    \
	VMOVDQU32    q512Inter<>(SB), Z12  \
	VMOVDQU32    q512Dup<>(SB), Z16    \
	MOVL         bias, AX              \
	VPBROADCASTD AX, Z13               \
quad:                                  \
	QGEMMQUAD(qsh)                     \
	QZERO4                             \
blk:                                   \
	PREP((SI), Z8, Z9, Z10, Z11)       \
	VCVTPH2PS    (R9), Y15             \
	VPERMPS      Z15, Z16, Z14         \
	VPXORD       Z4, Z4, Z4            \
	VPXORD       Z5, Z5, Z5            \
	VPXORD       Z6, Z6, Z6            \
	VPXORD       Z7, Z7, Z7            \
	QBLOCK(sh)                         \
	QGEMMSTEP(1<<qsh, blk)             \
	QSTORE8                            \
	QGEMMNEXT(quad)                    \
done:                                  \
	VZEROUPPER                         \
	RET

// QGEMMX is QGEMM8 for two consecutive row blocks (16 rows; the second's
// bytes at BP = nb·packed from the first's): every activation broadcast
// feeds both, and one finish handles their 16 rows. Z24..Z27 / Z28..Z31 =
// the second block's quants / sums, Z15 = the 16 row scales (first block in
// even lanes); token t's 16 outputs go to dst[t*ldd : t*ldd+16]. BP is
// free to use: the $8 frame makes the assembler save it.
#define QGEMMX(PREP, bias, qsh, sh, packed) \
	QGEMMARGS(done)                         \
	IMUL3Q       $packed, R12, BP           \
	VMOVDQU32    q512Inter<>(SB), Z12       \
	VMOVDQU32    q512Pair<>(SB), Z16        \
	MOVL         bias, AX                   \
	VPBROADCASTD AX, Z13                    \
	MOVL         $0xaaaa, AX                \
	KMOVW        AX, K1                     \
quad:                                       \
	QGEMMQUAD(qsh)                          \
	QZERO4                                  \
blk:                                        \
	PREP((SI), Z8, Z9, Z10, Z11)            \
	PREP((SI)(BP*1), Z24, Z25, Z26, Z27)    \
	VCVTPH2PS    (R9), Y15                  \
	VCVTPH2PS    (R9)(BP*1), Y23            \
	VPERMT2PS    Z23, Z16, Z15              \
	QBLOCKX(sh)                             \
	QGEMMSTEP(1<<qsh, blk)                  \
	LEAQ         (DI)(R8*2), AX             \
	QSTOREX(Z0, (DI), 32(DI))               \
	QSTOREX(Z1, (DI)(R8*1), 32(DI)(R8*1))   \
	QSTOREX(Z2, (AX), 32(AX))               \
	QSTOREX(Z3, (AX)(R8*1), 32(AX)(R8*1))   \
	LEAQ         (DI)(R8*4), DI             \
	QGEMMNEXT(quad)                         \
done:                                       \
	VZEROUPPER                              \
	RET

// func gemmQ8AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
TEXT ·gemmQ8AVX512(SB), NOSPLIT, $0-144
	QGEMM8(Q8PREP, $0x80808080, 8, 7)

// func gemmQ4AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
// The low and high nibbles are the unsigned operands (no bias; 8·s[b] is
// removed instead).
TEXT ·gemmQ4AVX512(SB), NOSPLIT, $0-144
	QGEMM8(Q4PREP, $0x0f0f0f0f, 7, 3)

// func gemmQ8x2AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
TEXT ·gemmQ8x2AVX512(SB), NOSPLIT, $8-144
	QGEMMX(Q8PREP, $0x80808080, 8, 7, 272)

// func gemmQ4x2AVX512(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
TEXT ·gemmQ4x2AVX512(SB), NOSPLIT, $8-144
	QGEMMX(Q4PREP, $0x0f0f0f0f, 7, 3, 144)

// GZ4HALF multiplies the 64 quant bytes at 64m(SI) (4-column groups 2m and
// 2m+1 of the 8 rows: row i of group 2m in dword i, of 2m+1 in dword 8+i)
// by the activations: low nibbles with columns 8m.. and 8m+4.., high
// nibbles with 16+8m.. and 20+8m.., each pair of 4 bytes broadcast to its
// half (K2 = 0xff00), summed into Z4 by VPDPBUSD (nibbles unsigned).
#define GZ4HALF(m) \
	VMOVDQU64    (64*m)(SI), Z1        \
	VPANDD       Z15, Z1, Z2           \
	VPSRLW       $4, Z1, Z1            \
	VPANDD       Z15, Z1, Z1           \
	VPBROADCASTD (8*m)(DX), Z3         \
	VPBROADCASTD (8*m+4)(DX), K2, Z3   \
	VPBROADCASTD (16+8*m)(DX), Z5      \
	VPBROADCASTD (20+8*m)(DX), K2, Z5  \
	VPDPBUSD     Z3, Z2, Z4            \
	VPDPBUSD     Z5, Z1, Z4

// func gemvQ4AVX512(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)
// Registers as in quant_amd64.h; Z4 = int32 sums (row i in lanes i and 8+i).
TEXT ·gemvQ4AVX512(SB), NOSPLIT, $0-128
	QGEMVARGS(gz4done)
	MOVL         $0x0f0f0f0f, AX
	VPBROADCASTD AX, Z15
	MOVL         $0xff00, AX
	KMOVW        AX, K2

gz4row:
	QGEMVROW(7)

gz4blk:
	PREFETCHT0 PFD(SI)
	PREFETCHT0 PFD+64(SI)
	VPXORD     Z4, Z4, Z4
	GZ4HALF(0)
	GZ4HALF(1)

	// Rows' halves (lanes i, 8+i) added in int32, then as the AVX2 kernel.
	VEXTRACTI64X4 $1, Z4, Y6
	VPADDD        Y6, Y4, Y4
	QGEMVBIAS(3)
	QGEMVFMA
	QGEMMSTEP(128, gz4blk)
	QGEMVEND(gz4row)

gz4done:
	VZEROUPPER
	RET

// GZ8QUAD multiplies the 64 quant bytes at 64m(SI) (4-column groups 2m and
// 2m+1, as GZ4HALF) by columns 8m.. and 8m+4.. of the activations into acc:
// the signed quants biased by 128 (Z14) are VPDPBUSD's unsigned operand.
#define GZ8QUAD(m, acc) \
	VMOVDQU64    (64*m)(SI), Z1      \
	VPXORD       Z14, Z1, Z1         \
	VPBROADCASTD (8*m)(DX), Z3       \
	VPBROADCASTD (8*m+4)(DX), K2, Z3 \
	VPDPBUSD     Z3, Z1, acc

// func gemvQ8AVX512(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)
// As gemvQ4AVX512; Z4, Z8 = biased int32 sums (row i in lanes i and 8+i).
TEXT ·gemvQ8AVX512(SB), NOSPLIT, $0-128
	QGEMVARGS(gz8done)
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Z14
	MOVL         $0xff00, AX
	KMOVW        AX, K2

gz8row:
	QGEMVROW(8)

gz8blk:
	PREFETCHT0 PFD(SI)
	PREFETCHT0 PFD+64(SI)
	PREFETCHT0 PFD+128(SI)
	PREFETCHT0 PFD+192(SI)
	VPXORD     Z4, Z4, Z4
	VPXORD     Z8, Z8, Z8
	GZ8QUAD(0, Z4)
	GZ8QUAD(1, Z8)
	GZ8QUAD(2, Z4)
	GZ8QUAD(3, Z8)

	// Rows' halves added in int32, the bias 128·s[b] removed, then as the
	// AVX2 kernel.
	VPADDD        Z8, Z4, Z4
	VEXTRACTI64X4 $1, Z4, Y6
	VPADDD        Y6, Y4, Y4
	QGEMVBIAS(7)
	QGEMVFMA
	QGEMMSTEP(256, gz8blk)
	QGEMVEND(gz8row)

gz8done:
	VZEROUPPER
	RET
