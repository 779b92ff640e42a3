//go:build gc && !purego

#include "textflag.h"
#include "sparse512_amd64.h"

// Prefetch distances for streaming from DRAM, in bytes of the value stream
// (the other streams of a kernel are prefetched as far ahead in column
// blocks): about 32 column blocks ahead measured best; the hardware
// prefetcher alone leaves the sparse kernels well below the bandwidth of
// the dense ones.
#define NMZPF 2048

// AVX-512 kernels of the sparse formats (AVX512F/BW/VL + VBMI2 VPEXPANDB/W,
// VNNI VPDPBUSD), registered as the "avx512" implementation.

// ZFOLD adds the two 256-bit halves of za (and zb) into ya.
#define ZFOLD(za, zb, ya, yt) \
	VADDPS        zb, za, za \
	VEXTRACTF64X4 $1, za, yt \
	VADDPS        yt, ya, ya

// HSUM4Y leaves [Σa, Σb, Σc, Σd] in xa (clobbers b, c, d and xs).
#define HSUM4Y(a, b, c, d, xa, xs) \
	VHADDPS      b, a, a   \
	VHADDPS      d, c, c   \
	VHADDPS      c, a, a   \
	VEXTRACTF128 $1, a, xs \
	VADDPS       xs, xa, xa

// BZ16LOOP is the body of the bitmask-f16 kernels after their prologue:
// for each row block, ROW over every column block, then the 4 row sums in
// X2, FIN applied to them, stored.
#define BZ16LOOP(ROW, FIN) \
bzrb:                      \
	VPXORD Z2, Z2, Z2      \
	VPXORD Z3, Z3, Z3      \
	VPXORD Z4, Z4, Z4      \
	VPXORD Z5, Z5, Z5      \
	VPXORD Z6, Z6, Z6      \
	VPXORD Z7, Z7, Z7      \
	VPXORD Z8, Z8, Z8      \
	VPXORD Z9, Z9, Z9      \
	MOVQ   DX, R9          \
	MOVQ   R11, R10        \
	TESTQ  R10, R10        \
	JZ     bzred           \
bzcb:                      \
	PREFETCHT0 4096(SI)    \
	PREFETCHT0 4160(SI)    \
	PREFETCHT0 512(R8)     \
	VMOVUPS    (R9), Z0    \
	VMOVUPS    64(R9), Z1  \
	ROW(0, Z2, Z3)         \
	ROW(1, Z4, Z5)         \
	ROW(2, Z6, Z7)         \
	ROW(3, Z8, Z9)         \
	ADDQ       $16, R8     \
	ADDQ       $128, R9    \
	DECQ       R10         \
	JNZ        bzcb        \
bzred:                     \
	ZFOLD(Z2, Z3, Y2, Y12) \
	ZFOLD(Z4, Z5, Y4, Y13) \
	ZFOLD(Z6, Z7, Y6, Y12) \
	ZFOLD(Z8, Z9, Y8, Y13) \
	HSUM4Y(Y2, Y4, Y6, Y8, X2, X3) \
	FIN                    \
	VMOVUPS X2, (DI)       \
	ADDQ    $16, DI        \
	DECQ    CX             \
	JNZ     bzrb

#define BZNOFIN

// BZUNSCALE multiplies the sums by X15's low float (bmGemvF16sAVX512).
#define BZUNSCALE \
	VBROADCASTSS X15, X3 \
	VMULPS       X3, X2, X2

// func bmGemvF16AVX512(dst []float32, masks []uint32, vals []uint16, x []float32)
// DI = &dst[4rb], CX = row blocks left, R8 = masks of (rb, cb), SI = values,
// DX = &x[0], R9 = &x[32cb], R10 = column blocks left, R11 = ncb;
// Z0, Z1 = x[32cb : 32cb+32], Z2..Z9 = accumulators (2 per row).
TEXT ·bmGemvF16AVX512(SB), NOSPLIT, $0-96
	BZ16ARGS(bz16done)

	BZ16LOOP(BZ16ROW, BZNOFIN)

bz16done:
	VZEROUPPER
	RET

// func bmGemvF16sAVX512(dst []float32, masks []uint32, vals []uint16, x []float32)
// Registers as bmGemvF16AVX512; x is in SplitF16Act's form: per 32 columns
// the 16 even then the 16 odd columns, times 2^64, so the products carry
// 2^-48 and the sums are scaled by 2^48 (X15) at the end.
TEXT ·bmGemvF16sAVX512(SB), NOSPLIT, $0-96
	BZ16ARGS(bzsdone)
	MOVL         $0x00002000, AX
	VPBROADCASTD AX, Z10
	MOVL         $0x20000000, AX
	VPBROADCASTD AX, Z11
	MOVL         $0x8fffe000, AX
	VPBROADCASTD AX, Z14
	MOVL         $0x57800000, AX
	VMOVD        AX, X15

	BZ16LOOP(BZ16SROW, BZUNSCALE)

bzsdone:
	VZEROUPPER
	RET

// func bmGemvI16AVX512(dst []float32, masks []uint32, vals []uint16, sc []float32, xq []int16, xd []float32)
// DI = &dst[4rb], CX = row blocks left, R8 = masks of (rb, cb), SI = values,
// BX = &sc[4rb], DX = &xq[0], R12 = &xd[0], R9 = &xq[32cb], R13 = &xd[cb],
// R10 = column blocks left, R11 = ncb; Z0 = xq[32cb : 32cb+32], Z1 =
// xd[cb] in every lane, Z2..Z5 = accumulators (one per row).
TEXT ·bmGemvI16AVX512(SB), NOSPLIT, $0-144
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	SHRQ $2, CX
	JZ   bzidone
	MOVQ masks_base+24(FP), R8
	MOVQ vals_base+48(FP), SI
	MOVQ sc_base+72(FP), BX
	MOVQ xq_base+96(FP), DX
	MOVQ xq_len+104(FP), R11
	SHRQ $5, R11
	MOVQ xd_base+120(FP), R12

bzirb:
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	MOVQ   DX, R9
	MOVQ   R12, R13
	MOVQ   R11, R10
	TESTQ  R10, R10
	JZ     bzired

bzicb:
	PREFETCHT0   4096(SI)
	PREFETCHT0   4160(SI)
	PREFETCHT0   512(R8)
	VMOVDQU16    (R9), Z0
	VBROADCASTSS (R13), Z1
	BZ16IROW(0, Z2)
	BZ16IROW(1, Z3)
	BZ16IROW(2, Z4)
	BZ16IROW(3, Z5)
	ADDQ         $16, R8
	ADDQ         $64, R9
	ADDQ         $4, R13
	DECQ         R10
	JNZ          bzicb

bzired:
	VEXTRACTF64X4 $1, Z2, Y12
	VADDPS        Y12, Y2, Y2
	VEXTRACTF64X4 $1, Z3, Y12
	VADDPS        Y12, Y3, Y3
	VEXTRACTF64X4 $1, Z4, Y12
	VADDPS        Y12, Y4, Y4
	VEXTRACTF64X4 $1, Z5, Y12
	VADDPS        Y12, Y5, Y5
	HSUM4Y(Y2, Y3, Y4, Y5, X2, X3)
	VMULPS        (BX), X2, X2
	VMOVUPS       X2, (DI)
	ADDQ          $16, DI
	ADDQ          $16, BX
	DECQ          CX
	JNZ           bzirb

bzidone:
	VZEROUPPER
	RET

// BZ8PAIR multiplies units 2p and 2p+1 of a bitmask-i8 column block (8 rows
// × 8 columns; row i in dword lanes i and 8+i) by their activations.
// VPDPBUSD needs one unsigned operand, so the expanded weights are biased by
// 128 (XOR 0x80, which also turns the zeroed lanes into a biased 0); the
// bias adds 128·Σq over the column block to every row, removed with the
// block sum s[cb] that QuantizeQ8 already made. The mask words
// 2p, 2p+1 form one 64-bit K mask; the activations of unit 2p go to lanes
// 0..7 and those of 2p+1 to lanes 8..15 (merge-masked broadcast, K2 =
// 0xff00). Z15 = 0x80 bytes; w, a scratch.
#define BZ8PAIR(p, w, a, acc) \
	KMOVQ        (8*p)(R8), K1      \
	VMOVDQU8     (SI), w            \
	POPCNTQ      (8*p)(R8), AX      \
	ADDQ         AX, SI             \
	VPEXPANDB.Z  w, K1, w           \
	VPXORD       Z15, w, w          \
	VPBROADCASTD (8*p)(DX), a       \
	VPBROADCASTD (8*p+4)(DX), K2, a \
	VPDPBUSD     a, w, acc

// func bmGemvI8AVX512(dst []float32, masks []uint32, vals []int8, scales []uint16, q []int8, d []float32, s []int32)
// DI = &dst[8rb], CX = row blocks left, R8 = masks of (rb, cb), SI = values,
// R12 = scales of (rb, cb), DX = &q[32cb], BX = &d[cb], R15 = &s[cb], R10 =
// column blocks left, R11 = ncb; Z16, Z17 = biased int32 sums, Y14 =
// float32 accumulators (row i in lane i).
TEXT ·bmGemvI8AVX512(SB), NOSPLIT, $0-168
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	SHRQ         $3, CX
	JZ           bz8done
	MOVQ         masks_base+24(FP), R8
	MOVQ         vals_base+48(FP), SI
	MOVQ         scales_base+72(FP), R12
	MOVQ         q_len+104(FP), R11
	SHRQ         $5, R11
	MOVL         $0xff00, AX
	KMOVW        AX, K2
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Z15

bz8rb:
	VXORPS Y14, Y14, Y14
	MOVQ   q_base+96(FP), DX
	MOVQ   d_base+120(FP), BX
	MOVQ   s_base+144(FP), R15
	MOVQ   R11, R10
	TESTQ  R10, R10
	JZ     bz8store

bz8cb:
	PREFETCHT0    4096(SI)
	PREFETCHT0    1024(R8)
	PREFETCHT0    512(R12)
	VPXORD        Z16, Z16, Z16
	VPXORD        Z17, Z17, Z17
	BZ8PAIR(0, Z0, Z1, Z16)
	BZ8PAIR(1, Z2, Z3, Z17)
	BZ8PAIR(2, Z0, Z1, Z16)
	BZ8PAIR(3, Z2, Z3, Z17)
	VPADDD        Z17, Z16, Z16
	VEXTRACTI64X4 $1, Z16, Y17
	VPADDD        Y17, Y16, Y16
	VPBROADCASTD  (R15), Y17
	VPSLLD        $7, Y17, Y17
	VPSUBD        Y17, Y16, Y16
	VCVTDQ2PS     Y16, Y16
	VCVTPH2PS     (R12), Y5
	VBROADCASTSS  (BX), Y6
	VMULPS        Y6, Y5, Y5
	VFMADD231PS   Y5, Y16, Y14
	ADDQ          $32, R8
	ADDQ          $16, R12
	ADDQ          $32, DX
	ADDQ          $4, BX
	ADDQ          $4, R15
	DECQ          R10
	JNZ           bz8cb

bz8store:
	VMOVUPS Y14, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     bz8rb

bz8done:
	VZEROUPPER
	RET

// Per-lane shift counts of a 2:4 index word for the 16 lanes of one group:
// slot 0 of row i (lane i) at bit 2i, slot 1 (lane 8+i) at bit 16+2i.
DATA nmShiftZ<>+0(SB)/8, $0x0000000200000000
DATA nmShiftZ<>+8(SB)/8, $0x0000000600000004
DATA nmShiftZ<>+16(SB)/8, $0x0000000a00000008
DATA nmShiftZ<>+24(SB)/8, $0x0000000e0000000c
DATA nmShiftZ<>+32(SB)/8, $0x0000001200000010
DATA nmShiftZ<>+40(SB)/8, $0x0000001600000014
DATA nmShiftZ<>+48(SB)/8, $0x0000001a00000018
DATA nmShiftZ<>+56(SB)/8, $0x0000001e0000001c
GLOBL nmShiftZ<>(SB), RODATA|NOPTR, $64

// NMZG multiplies group og of the 4 groups at SI, R8, R9 into acc: the
// group's 16 halves (slot 0 of the 8 rows, then slot 1) against the x
// values their in-group indices select (VPERMILPS from the 4 columns in
// every 128-bit lane). Z14 = nmShiftZ; Z4, Z5, Z6 scratch.
#define NMZG(og, acc) \
	VBROADCASTF32X4 (16*og)(R9), Z4 \
	VPBROADCASTD    (4*og)(R8), Z5  \
	VPSRLVD         Z14, Z5, Z5     \
	VPERMILPS       Z5, Z4, Z5      \
	VCVTPH2PS       (32*og)(SI), Z6 \
	VFMADD231PS     Z6, Z5, acc

// func nmGemvF16AVX512(dst []float32, vals []uint16, idx []uint32, x []float32)
// DI = &dst[8rb], CX = row blocks left, SI = values of (rb, g), R8 = index
// words, R9 = &x[4g], R10 = group quads left, R11 = ng/4 (ng = cols/4 is a
// multiple of 8); Z0..Z3 = accumulators (group mod 4).
TEXT ·nmGemvF16AVX512(SB), NOSPLIT, $0-96
	MOVQ    dst_base+0(FP), DI
	MOVQ    dst_len+8(FP), CX
	SHRQ    $3, CX
	JZ      nmzdone
	MOVQ    vals_base+24(FP), SI
	MOVQ    idx_base+48(FP), R8
	MOVQ    x_len+80(FP), R11
	SHRQ    $4, R11
	VMOVDQU32 nmShiftZ<>(SB), Z14

nmzrb:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	MOVQ   x_base+72(FP), R9
	MOVQ   R11, R10
	TESTQ  R10, R10
	JZ     nmzred

nmzg:
	PREFETCHT0 NMZPF(SI)
	PREFETCHT0 NMZPF+64(SI)
	PREFETCHT0 NMZPF/8(R8)
	NMZG(0, Z0)
	NMZG(1, Z1)
	NMZG(2, Z2)
	NMZG(3, Z3)
	ADDQ       $128, SI
	ADDQ       $16, R8
	ADDQ       $64, R9
	DECQ       R10
	JNZ        nmzg

nmzred:
	VADDPS        Z1, Z0, Z0
	VADDPS        Z3, Z2, Z2
	VADDPS        Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VMOVUPS       Y0, (DI)
	ADDQ          $32, DI
	DECQ          CX
	JNZ           nmzrb

nmzdone:
	VZEROUPPER
	RET

// SZENT accumulates entry k = R10+j of the current row into za, zb: its
// value broadcast times the 32 tokens of its column's tile row (128 bytes
// at R9 + 128·idx[k]); t is a scratch GPR, z the broadcast register.
#define SZENT(j, t, z, za, zb) \
	MOVLQSX      (4*j)(SI)(R10*4), t \
	SHLQ         $7, t               \
	VBROADCASTSS (4*j)(DX)(R10*4), z \
	VFMADD231PS  (R9)(t*1), z, za    \
	VFMADD231PS  64(R9)(t*1), z, zb

// func spmmF32T32AVX512(out []float32, ptr, idx []int32, val []float32, xt []float32)
// spmmF32Ref for tw = 32 with the tile row of 32 tokens in two ZMM
// registers: per entry one broadcast and two FMAs (the AVX2 kernel needs
// four), four entries at a time into four sets of accumulators so the FMA
// latency is hidden.
// DI = &out[r*32], R8 = &ptr[r], CX = rows left, SI = &idx[0], DX = &val[0],
// R9 = &xt[0], R10 = k, R11 = end of row r, R12 = R11 - 3; Z0..Z7 =
// accumulators (set j in Z(2j), Z(2j+1)).
TEXT ·spmmF32T32AVX512(SB), NOSPLIT, $0-120
	MOVQ out_base+0(FP), DI
	MOVQ ptr_base+24(FP), R8
	MOVQ ptr_len+32(FP), CX
	DECQ CX
	JLE  szdone
	MOVQ idx_base+48(FP), SI
	MOVQ val_base+72(FP), DX
	MOVQ xt_base+96(FP), R9

szrow:
	VPXORD  Z0, Z0, Z0
	VPXORD  Z1, Z1, Z1
	VPXORD  Z2, Z2, Z2
	VPXORD  Z3, Z3, Z3
	VPXORD  Z4, Z4, Z4
	VPXORD  Z5, Z5, Z5
	VPXORD  Z6, Z6, Z6
	VPXORD  Z7, Z7, Z7
	MOVLQSX (R8), R10
	MOVLQSX 4(R8), R11
	LEAQ    -3(R11), R12

szquad:
	CMPQ R10, R12
	JGE  szone
	SZENT(0, AX, Z8, Z0, Z1)
	SZENT(1, BX, Z9, Z2, Z3)
	SZENT(2, R13, Z10, Z4, Z5)
	SZENT(3, R14, Z11, Z6, Z7)
	ADDQ $4, R10
	JMP  szquad

szone:
	CMPQ R10, R11
	JGE  szstore
	SZENT(0, AX, Z8, Z0, Z1)
	INCQ R10
	JMP  szone

szstore:
	VADDPS  Z2, Z0, Z0
	VADDPS  Z3, Z1, Z1
	VADDPS  Z6, Z4, Z4
	VADDPS  Z7, Z5, Z5
	VADDPS  Z4, Z0, Z0
	VADDPS  Z5, Z1, Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    $128, DI
	ADDQ    $4, R8
	DECQ    CX
	JNZ     szrow

szdone:
	VZEROUPPER
	RET

// func bmI8ExpandAVX512(dst []byte, masks []uint32, vals []int8)
// Expands the len(dst)/256 column blocks of one bitmask-i8 row block into
// the packed Q8_0 quant layout (column block cb at dst[256cb:], unit u =
// columns 4u..4u+3 at +32u, row i at +4i: the unit's mask bit order), two
// units per VPEXPANDB. DI = dst, R8 = masks, SI = values, CX = blocks left.
TEXT ·bmI8ExpandAVX512(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	SHRQ $8, CX
	JZ   bx8done
	MOVQ masks_base+24(FP), R8
	MOVQ vals_base+48(FP), SI

bx8cb:
	KMOVQ       (R8), K1
	VMOVDQU8    (SI), Z0
	POPCNTQ     (R8), AX
	ADDQ        AX, SI
	VPEXPANDB.Z Z0, K1, Z0
	VMOVDQU8    Z0, (DI)
	KMOVQ       8(R8), K2
	VMOVDQU8    (SI), Z1
	POPCNTQ     8(R8), AX
	ADDQ        AX, SI
	VPEXPANDB.Z Z1, K2, Z1
	VMOVDQU8    Z1, 64(DI)
	KMOVQ       16(R8), K3
	VMOVDQU8    (SI), Z2
	POPCNTQ     16(R8), AX
	ADDQ        AX, SI
	VPEXPANDB.Z Z2, K3, Z2
	VMOVDQU8    Z2, 128(DI)
	KMOVQ       24(R8), K4
	VMOVDQU8    (SI), Z3
	POPCNTQ     24(R8), AX
	ADDQ        AX, SI
	VPEXPANDB.Z Z3, K4, Z3
	VMOVDQU8    Z3, 192(DI)
	ADDQ        $32, R8
	ADDQ        $256, DI
	DECQ        CX
	JNZ         bx8cb

bx8done:
	VZEROUPPER
	RET
