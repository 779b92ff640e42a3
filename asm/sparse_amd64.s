//go:build gc && !purego

#include "textflag.h"
#include "sparse_amd64.h"

// AVX2 kernels of the sparse formats (layouts in sparse_pack.go, lookup
// tables in sparse_lut.go).

// BMF16ROW runs the 4 groups of row i (mask bytes 4i..4i+3) into the row's
// two accumulators a (groups 0, 2) and b (groups 1, 3).
#define BMF16ROW(i, a, b) \
	BMF16(4*i+0, Y0, a) \
	BMF16(4*i+1, Y1, b) \
	BMF16(4*i+2, Y2, a) \
	BMF16(4*i+3, Y3, b)

// HSUM4 leaves [Σa, Σb, Σc, Σd] in xa (clobbers b, c, d and xs).
#define HSUM4(a, b, c, d, xa, xs) \
	VHADDPS      b, a, a   \
	VHADDPS      d, c, c   \
	VHADDPS      c, a, a   \
	VEXTRACTF128 $1, a, xs \
	VADDPS       xs, xa, xa

// func bmGemvF16AVX2(dst []float32, masks []uint32, vals []uint16, x []float32)
// DI = &dst[4rb], CX = row blocks left, R8 = masks of (rb, cb), SI = values,
// DX = &x[0], R9 = &x[32cb], R10 = column blocks left, R11 = ncb;
// Y0..Y3 = x[32cb : 32cb+32], Y4..Y11 = accumulators (2 per row).
TEXT ·bmGemvF16AVX2(SB), NOSPLIT, $0-96
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	SHRQ $2, CX
	JZ   bf16done
	MOVQ masks_base+24(FP), R8
	MOVQ vals_base+48(FP), SI
	MOVQ x_base+72(FP), DX
	MOVQ x_len+80(FP), R11
	SHRQ $5, R11
	LEAQ ·spCnt2(SB), R13
	LEAQ ·spExpF16(SB), R14

bf16rb:
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	MOVQ   DX, R9
	MOVQ   R11, R10
	TESTQ  R10, R10
	JZ     bf16red

bf16cb:
	PREFETCHT0 4096(SI)
	PREFETCHT0 512(R8)
	VMOVUPS    (R9), Y0
	VMOVUPS    32(R9), Y1
	VMOVUPS    64(R9), Y2
	VMOVUPS    96(R9), Y3
	BMF16ROW(0, Y4, Y5)
	BMF16ROW(1, Y6, Y7)
	BMF16ROW(2, Y8, Y9)
	BMF16ROW(3, Y10, Y11)
	ADDQ       $16, R8
	ADDQ       $128, R9
	DECQ       R10
	JNZ        bf16cb

bf16red:
	VADDPS  Y5, Y4, Y4
	VADDPS  Y7, Y6, Y6
	VADDPS  Y9, Y8, Y8
	VADDPS  Y11, Y10, Y10
	HSUM4(Y4, Y6, Y8, Y10, X4, X5)
	VMOVUPS X4, (DI)
	ADDQ    $16, DI
	DECQ    CX
	JNZ     bf16rb

bf16done:
	VZEROUPPER
	RET

// EXPI8 expands one 8-lane group of a bitmask-i8 unit: mask byte at
// off(R8), packed int8 values at SI (advanced past them) into the low 8
// bytes of xk. AX scratch; R13 = &spCnt1, R14 = &spExpI8.
#define EXPI8(off, xk) \
	MOVBLZX off(R8), AX            \
	VMOVQ   (SI), xk               \
	ADDQ    (R13)(AX*8), SI        \
	VPSHUFB (R14)(AX*8), xk, xk

// BMI8UNIT multiplies unit u (8 rows × 4 columns, mask word u) by the 4
// activation bytes of its columns and adds row i's int32 sum to lane i of
// Y13. Y15 = 1 in every int16; Y0..Y4 scratch.
#define BMI8UNIT(u) \
	EXPI8(4*u+0, X0)          \
	EXPI8(4*u+1, X1)          \
	EXPI8(4*u+2, X2)          \
	EXPI8(4*u+3, X3)          \
	VPUNPCKLQDQ  X1, X0, X0   \
	VPUNPCKLQDQ  X3, X2, X2   \
	VINSERTI128  $1, X2, Y0, Y0 \
	VPBROADCASTD (4*u)(DX), Y4 \
	VPSIGNB      Y0, Y4, Y4   \
	VPABSB       Y0, Y0       \
	VPMADDUBSW   Y4, Y0, Y0   \
	VPMADDWD     Y15, Y0, Y0  \
	VPADDD       Y0, Y13, Y13

// func bmGemvI8AVX2(dst []float32, masks []uint32, vals []int8, scales []uint16, q []int8, d []float32, s []int32)
// DI = &dst[8rb], CX = row blocks left, R8 = masks of (rb, cb), SI = values,
// R12 = scales of (rb, cb), DX = &q[32cb], BX = &d[cb], R10 = column blocks
// left, R11 = ncb; Y13 = int32 sums of the column block, Y14 = float32
// accumulators (row i in lane i).
TEXT ·bmGemvI8AVX2(SB), NOSPLIT, $0-168
	MOVQ      dst_base+0(FP), DI
	MOVQ      dst_len+8(FP), CX
	SHRQ      $3, CX
	JZ        bi8done
	MOVQ      masks_base+24(FP), R8
	MOVQ      vals_base+48(FP), SI
	MOVQ      scales_base+72(FP), R12
	MOVQ      q_len+104(FP), R11
	SHRQ      $5, R11
	LEAQ      ·spCnt1(SB), R13
	LEAQ      ·spExpI8(SB), R14
	VPCMPEQW  Y15, Y15, Y15
	VPSRLW    $15, Y15, Y15

bi8rb:
	VXORPS Y14, Y14, Y14
	MOVQ   q_base+96(FP), DX
	MOVQ   d_base+120(FP), BX
	MOVQ   R11, R10
	TESTQ  R10, R10
	JZ     bi8store

bi8cb:
	PREFETCHT0   4096(SI)
	PREFETCHT0   1024(R8)
	PREFETCHT0   512(R12)
	VPXOR        Y13, Y13, Y13
	BMI8UNIT(0)
	BMI8UNIT(1)
	BMI8UNIT(2)
	BMI8UNIT(3)
	BMI8UNIT(4)
	BMI8UNIT(5)
	BMI8UNIT(6)
	BMI8UNIT(7)
	VCVTDQ2PS    Y13, Y13
	VCVTPH2PS    (R12), Y5
	VBROADCASTSS (BX), Y6
	VMULPS       Y6, Y5, Y5
	VFMADD231PS  Y5, Y13, Y14
	ADDQ         $32, R8
	ADDQ         $16, R12
	ADDQ         $32, DX
	ADDQ         $4, BX
	DECQ         R10
	JNZ          bi8cb

bi8store:
	VMOVUPS Y14, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     bi8rb

bi8done:
	VZEROUPPER
	RET

// Per-lane shift counts of the 2:4 index word: slot 0 of row i at bit 2i,
// slot 1 at bit 16+2i.
DATA nmShift0<>+0(SB)/4, $0
DATA nmShift0<>+4(SB)/4, $2
DATA nmShift0<>+8(SB)/4, $4
DATA nmShift0<>+12(SB)/4, $6
DATA nmShift0<>+16(SB)/4, $8
DATA nmShift0<>+20(SB)/4, $10
DATA nmShift0<>+24(SB)/4, $12
DATA nmShift0<>+28(SB)/4, $14
GLOBL nmShift0<>(SB), RODATA|NOPTR, $32

// NMF16G multiplies group g (offset og in the index words, 32·og in the
// values, 16·og in x) of a 2:4 row block into accumulators a (slot 0) and
// b (slot 1). Y14 = shifts of slot 0, Y15 = shifts of slot 1.
#define NMF16G(og, a, b) \
	VBROADCASTF128 (16*og)(R9), Y4 \
	VPBROADCASTD   (4*og)(R8), Y5  \
	VPSRLVD        Y14, Y5, Y6     \
	VPSRLVD        Y15, Y5, Y5     \
	VPERMILPS      Y6, Y4, Y6      \
	VPERMILPS      Y5, Y4, Y5      \
	VCVTPH2PS      (32*og)(SI), Y7 \
	VCVTPH2PS      (32*og+16)(SI), Y8 \
	VFMADD231PS    Y7, Y6, a       \
	VFMADD231PS    Y8, Y5, b

// func nmGemvF16AVX2(dst []float32, vals []uint16, idx []uint32, x []float32)
// DI = &dst[8rb], CX = row blocks left, SI = values of (rb, g), R8 = index
// words, R9 = &x[4g], R10 = group pairs left, R11 = ng/2 (ng = cols/4 is a
// multiple of 8); Y0..Y3 = accumulators (slot × group parity).
TEXT ·nmGemvF16AVX2(SB), NOSPLIT, $0-96
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	SHRQ         $3, CX
	JZ           nmf16done
	MOVQ         vals_base+24(FP), SI
	MOVQ         idx_base+48(FP), R8
	MOVQ         x_len+80(FP), R11
	SHRQ         $3, R11
	VMOVDQU      nmShift0<>(SB), Y14
	MOVL         $16, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	VPADDD       Y14, Y15, Y15

nmf16rb:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   x_base+72(FP), R9
	MOVQ   R11, R10
	TESTQ  R10, R10
	JZ     nmf16red

nmf16g:
	PREFETCHT0 2048(SI)
	PREFETCHT0 256(R8)
	NMF16G(0, Y0, Y1)
	NMF16G(1, Y2, Y3)
	ADDQ       $64, SI
	ADDQ       $8, R8
	ADDQ       $32, R9
	DECQ       R10
	JNZ        nmf16g

nmf16red:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     nmf16rb

nmf16done:
	VZEROUPPER
	RET

// Constants of the 2:4 int8 kernel: nmRep copies byte i of the index bytes
// to the 4 bytes of dword i; nmFld keeps field k in byte k; nmLUT maps
// f (byte 0, 2) or f<<2 (byte 1, 3) to f; nmGrp adds the group offset 4 to
// slots 2 and 3.
DATA nmRep<>+0(SB)/8, $0x0101010100000000
DATA nmRep<>+8(SB)/8, $0x0303030302020202
DATA nmRep<>+16(SB)/8, $0x0505050504040404
DATA nmRep<>+24(SB)/8, $0x0707070706060606
GLOBL nmRep<>(SB), RODATA|NOPTR, $32
DATA nmFld<>+0(SB)/4, $0xc0300c03
GLOBL nmFld<>(SB), RODATA|NOPTR, $4
DATA nmLUT<>+0(SB)/8, $0x0000000103020100
DATA nmLUT<>+8(SB)/8, $0x0000000300000002
GLOBL nmLUT<>(SB), RODATA|NOPTR, $16
DATA nmGrp<>+0(SB)/4, $0x04040000
GLOBL nmGrp<>(SB), RODATA|NOPTR, $4

// NMI8UNIT multiplies unit u (8 rows × 8 columns, 4 slots per row) by the
// activation bytes its indices select, adding row i's sum to lane i of Y13.
// Y8 = nmRep, Y9 = nmFld, Y10 = 0x0f bytes, Y11 = nmLUT, Y12 = nmGrp,
// Y15 = int16 ones; Y0..Y3 scratch.
#define NMI8UNIT(u) \
	VPBROADCASTQ (8*u)(R8), Y0  \
	VPSHUFB      Y8, Y0, Y0     \
	VPAND        Y9, Y0, Y0     \
	VPSRLW       $4, Y0, Y1     \
	VPOR         Y1, Y0, Y0     \
	VPAND        Y10, Y0, Y0    \
	VPSHUFB      Y0, Y11, Y0    \
	VPOR         Y12, Y0, Y0    \
	VPBROADCASTQ (8*u)(DX), Y1  \
	VPSHUFB      Y0, Y1, Y1     \
	VMOVDQU      (32*u)(SI), Y2 \
	VPSIGNB      Y2, Y1, Y1     \
	VPABSB       Y2, Y2         \
	VPMADDUBSW   Y1, Y2, Y2     \
	VPMADDWD     Y15, Y2, Y2    \
	VPADDD       Y2, Y13, Y13

// func nmGemvI8AVX2(dst []float32, vals []int8, idx []uint8, scales []uint16, q []int8, d []float32)
// DI = &dst[8rb], CX = row blocks left, SI = values of (rb, u), R8 = index
// bytes, R12 = scales of (rb, cb), DX = &q[32cb], BX = &d[cb], R10 = column
// blocks left, R11 = ncb; Y13 = int32 sums, Y14 = float32 accumulators.
TEXT ·nmGemvI8AVX2(SB), NOSPLIT, $0-144
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	SHRQ         $3, CX
	JZ           nmi8done
	MOVQ         vals_base+24(FP), SI
	MOVQ         idx_base+48(FP), R8
	MOVQ         scales_base+72(FP), R12
	MOVQ         q_len+104(FP), R11
	SHRQ         $5, R11
	VMOVDQU      nmRep<>(SB), Y8
	VPBROADCASTD nmFld<>(SB), Y9
	VPCMPEQW     Y10, Y10, Y10
	VPSRLW       $12, Y10, Y10
	VPACKUSWB    Y10, Y10, Y10
	VBROADCASTI128 nmLUT<>(SB), Y11
	VPBROADCASTD nmGrp<>(SB), Y12
	VPCMPEQW     Y15, Y15, Y15
	VPSRLW       $15, Y15, Y15

nmi8rb:
	VXORPS Y14, Y14, Y14
	MOVQ   q_base+96(FP), DX
	MOVQ   d_base+120(FP), BX
	MOVQ   R11, R10
	TESTQ  R10, R10
	JZ     nmi8store

nmi8cb:
	PREFETCHT0   4096(SI)
	PREFETCHT0   4160(SI)
	PREFETCHT0   1024(R8)
	PREFETCHT0   512(R12)
	VPXOR        Y13, Y13, Y13
	NMI8UNIT(0)
	NMI8UNIT(1)
	NMI8UNIT(2)
	NMI8UNIT(3)
	VCVTDQ2PS    Y13, Y13
	VCVTPH2PS    (R12), Y5
	VBROADCASTSS (BX), Y6
	VMULPS       Y6, Y5, Y5
	VFMADD231PS  Y5, Y13, Y14
	ADDQ         $128, SI
	ADDQ         $32, R8
	ADDQ         $16, R12
	ADDQ         $32, DX
	ADDQ         $4, BX
	DECQ         R10
	JNZ          nmi8cb

nmi8store:
	VMOVUPS Y14, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     nmi8rb

nmi8done:
	VZEROUPPER
	RET

// func spmmF32AVX2(out []float32, ptr, idx []int32, val []float32, xt []float32, tw int)
// DI = &out[r*tw], R8 = &ptr[r], CX = rows left, SI = &idx[0], DX = &val[0],
// R9 = &xt[0], R10 = k, R11 = end of row r; tw = 32: Y0..Y3 and Y4..Y7 =
// accumulators of even and odd entries; tw = 8: Y0..Y3 for entries k mod 4.
TEXT ·spmmF32AVX2(SB), NOSPLIT, $0-128
	MOVQ out_base+0(FP), DI
	MOVQ ptr_base+24(FP), R8
	MOVQ ptr_len+32(FP), CX
	DECQ CX
	JLE  spdone
	MOVQ idx_base+48(FP), SI
	MOVQ val_base+72(FP), DX
	MOVQ xt_base+96(FP), R9
	MOVQ tw+120(FP), AX
	CMPQ AX, $32
	JNE  sp8row

sp32row:
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	VXORPS  Y4, Y4, Y4
	VXORPS  Y5, Y5, Y5
	VXORPS  Y6, Y6, Y6
	VXORPS  Y7, Y7, Y7
	MOVLQSX (R8), R10
	MOVLQSX 4(R8), R11
	LEAQ    -1(R11), R12

sp32pair:
	CMPQ         R10, R12
	JGE          sp32one
	MOVLQSX      (SI)(R10*4), AX
	MOVLQSX      4(SI)(R10*4), BX
	SHLQ         $7, AX
	SHLQ         $7, BX
	VBROADCASTSS (DX)(R10*4), Y8
	VBROADCASTSS 4(DX)(R10*4), Y9
	VFMADD231PS  (R9)(AX*1), Y8, Y0
	VFMADD231PS  32(R9)(AX*1), Y8, Y1
	VFMADD231PS  64(R9)(AX*1), Y8, Y2
	VFMADD231PS  96(R9)(AX*1), Y8, Y3
	VFMADD231PS  (R9)(BX*1), Y9, Y4
	VFMADD231PS  32(R9)(BX*1), Y9, Y5
	VFMADD231PS  64(R9)(BX*1), Y9, Y6
	VFMADD231PS  96(R9)(BX*1), Y9, Y7
	ADDQ         $2, R10
	JMP          sp32pair

sp32one:
	CMPQ         R10, R11
	JGE          sp32store
	MOVLQSX      (SI)(R10*4), AX
	SHLQ         $7, AX
	VBROADCASTSS (DX)(R10*4), Y8
	VFMADD231PS  (R9)(AX*1), Y8, Y0
	VFMADD231PS  32(R9)(AX*1), Y8, Y1
	VFMADD231PS  64(R9)(AX*1), Y8, Y2
	VFMADD231PS  96(R9)(AX*1), Y8, Y3

sp32store:
	VADDPS  Y4, Y0, Y0
	VADDPS  Y5, Y1, Y1
	VADDPS  Y6, Y2, Y2
	VADDPS  Y7, Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, DI
	ADDQ    $4, R8
	DECQ    CX
	JNZ     sp32row
	JMP     spdone

sp8row:
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	MOVLQSX (R8), R10
	MOVLQSX 4(R8), R11
	LEAQ    -3(R11), R12

sp8quad:
	CMPQ         R10, R12
	JGE          sp8one
	MOVLQSX      (SI)(R10*4), AX
	MOVLQSX      4(SI)(R10*4), BX
	MOVLQSX      8(SI)(R10*4), R13
	MOVLQSX      12(SI)(R10*4), R14
	SHLQ         $5, AX
	SHLQ         $5, BX
	SHLQ         $5, R13
	SHLQ         $5, R14
	VBROADCASTSS (DX)(R10*4), Y8
	VBROADCASTSS 4(DX)(R10*4), Y9
	VBROADCASTSS 8(DX)(R10*4), Y10
	VBROADCASTSS 12(DX)(R10*4), Y11
	VFMADD231PS  (R9)(AX*1), Y8, Y0
	VFMADD231PS  (R9)(BX*1), Y9, Y1
	VFMADD231PS  (R9)(R13*1), Y10, Y2
	VFMADD231PS  (R9)(R14*1), Y11, Y3
	ADDQ         $4, R10
	JMP          sp8quad

sp8one:
	CMPQ         R10, R11
	JGE          sp8store
	MOVLQSX      (SI)(R10*4), AX
	SHLQ         $5, AX
	VBROADCASTSS (DX)(R10*4), Y8
	VFMADD231PS  (R9)(AX*1), Y8, Y0
	INCQ         R10
	JMP          sp8one

sp8store:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $4, R8
	DECQ    CX
	JNZ     sp8row

spdone:
	VZEROUPPER
	RET
