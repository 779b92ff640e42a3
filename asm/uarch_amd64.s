//go:build uarch && gc && !purego

#include "textflag.h"
#include "sparse_amd64.h"
#include "sparse512_amd64.h"

// Throughput loops behind BenchmarkUarch (uarch_amd64_test.go): each runs
// n iterations of 8 independent instructions (or 4 pairs), so ns per
// instruction times the clock measured by uaAddChain is its reciprocal
// throughput in cycles.

// func uaAddChain(n int): 8 dependent register ADDs per iteration (1 cycle
// each; an ADD of an immediate would be folded at rename on recent cores).
TEXT ·uaAddChain(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX
	XORQ AX, AX
	MOVQ $1, BX
uaadd:
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	ADDQ BX, AX
	DECQ CX
	JNZ  uaadd
	RET

#define UA8(op) \
	op(Z1) \
	op(Z2) \
	op(Z3) \
	op(Z4) \
	op(Z5) \
	op(Z6) \
	op(Z7) \
	op(Z8)

#define UAFMA(r) VFMADD231PS Z0, Z0, r;
#define UAEXPW(r) VPEXPANDW.Z Z0, K1, r;
#define UAEXPPS(r) VEXPANDPS.Z Z0, K1, r;
#define UACVT(r) VCVTPH2PS Y0, r;
#define UADP(r) VPDPBUSD Z0, Z0, r;
#define UAEXPB(r) VPEXPANDB.Z Z0, K1, r;

#define UALOOP(name, body) \
TEXT name(SB), NOSPLIT, $0-16 \
	MOVQ  n+0(FP), CX          \
	MOVQ  p+8(FP), SI          \
	VPXORD Z0, Z0, Z0          \
	MOVL  $0x55555555, AX      \
	KMOVD AX, K1               \
loop:                          \
	body                       \
	DECQ  CX                   \
	JNZ   loop                 \
	VZEROUPPER                 \
	RET

// func uaFMA(n int, p *byte) … uaExpandCvtMem(n int, p *byte): p is a
// 64-byte aligned buffer of at least 1 KiB.
UALOOP(·uaFMA, UA8(UAFMA))
UALOOP(·uaExpandW, UA8(UAEXPW))
UALOOP(·uaExpandPS, UA8(UAEXPPS))
UALOOP(·uaCvt, UA8(UACVT))
UALOOP(·uaDPBUSD, UA8(UADP))
UALOOP(·uaExpandB, UA8(UAEXPB))

#define UALD(ins, off, r) \
	ins (off)(SI), r;        \
	ins (off+128)(SI), r;    \
	ins (off+256)(SI), r;    \
	ins (off+384)(SI), r;    \
	ins (off+512)(SI), r;    \
	ins (off+640)(SI), r;    \
	ins (off+768)(SI), r;    \
	ins (off+896)(SI), r;

UALOOP(·uaLoadAligned, UALD(VMOVDQU16, 0, Z1))
UALOOP(·uaLoadSplit, UALD(VMOVDQU16, 2, Z1))
UALOOP(·uaKmovMem, UALD(KMOVD, 4, K2))

// Pairs as the bitmask-f16 kernel issues them per row: a VPEXPANDW with a
// K mask loaded from memory; a VPEXPANDW and two VCVTPH2PS from memory.
#define UAEK(r, off) KMOVD off(SI), K2; VPEXPANDW.Z Z0, K2, r;
#define UAEC(r, off) VPEXPANDW.Z Z0, K1, r; VCVTPH2PS off(SI), Z9; VCVTPH2PS (off+32)(SI), Z10;
UALOOP(·uaExpandKmov, UAEK(Z1, 0) UAEK(Z2, 4) UAEK(Z3, 8) UAEK(Z4, 12))
UALOOP(·uaExpandCvtMem, UAEC(Z1, 0) UAEC(Z2, 64) UAEC(Z3, 128) UAEC(Z4, 192))

// The AVX2 bitmask-f16 kernel's step for 8 columns (BMF16 of
// sparse_amd64.h) with its tables, 8 steps per iteration over fixed masks at
// R8 and values from R8+64: cycles per step.

// func uaAVX2Step(n int, p *byte)
TEXT ·uaAVX2Step(SB), NOSPLIT, $0-16
	MOVQ   n+0(FP), CX
	MOVQ   p+8(FP), R8
	LEAQ   ·spCnt2(SB), R13
	LEAQ   ·spExpF16(SB), R14
	VXORPS Y0, Y0, Y0

uaavx2:
	LEAQ  64(R8), SI
	BMF16(0, Y0, Y4)
	BMF16(1, Y0, Y5)
	BMF16(2, Y0, Y6)
	BMF16(3, Y0, Y7)
	BMF16(4, Y0, Y8)
	BMF16(5, Y0, Y9)
	BMF16(6, Y0, Y10)
	BMF16(7, Y0, Y11)
	DECQ  CX
	JNZ   uaavx2
	VZEROUPPER
	RET

// Row steps of bitmask-f16 AVX-512 kernels, 4 rows of one column block per
// iteration (masks at p, values from p+64): cycles per row. BZ16ROW,
// BZ16SROW and BZ16IROW are the kernels' own (sparse512_amd64.h); the others are the
// variants BENCHMARKS.md reports as measured and dropped.

// UAEXPNOK is BZ16EXP without its KMOVD (K1 made by the caller).
#define UAEXPNOK(i) \
	VMOVDQU16     (SI), Z12      \
	POPCNTL       (4*i)(R8), AX  \
	LEAQ          (SI)(AX*2), SI \
	VPEXPANDW.Z   Z12, K1, Z12

// BZ16ROW with the K mask made on port 0 (broadcast, VPSLLVW, VPMOVW2M).
#define UAROWB(i, a, b) \
	VPBROADCASTD  (4*i)(R8), Z15 \
	VPSLLVW       Z11, Z15, Z15  \
	VPMOVW2M      Z15, K1        \
	UAEXPNOK(i)                  \
	BZ16CVT(a, b)

// BZ16SROW widening by shifts instead of VPMADDWD (one more µop).
#define UAROWC(i, a, b) \
	BZ16EXP(i)                   \
	VPSLLD        $16, Z12, Z13  \
	VPSRAD        $3, Z12, Z12   \
	VPSRAD        $3, Z13, Z13   \
	VPANDD        Z14, Z12, Z12  \
	VPANDD        Z14, Z13, Z13  \
	VFMADD231PS   Z0, Z13, a     \
	VFMADD231PS   Z1, Z12, b

// BZ16SROW without the mask load and the value pointer's advance: what the
// KMOVD (port 5) costs.
#define UAROWG(i, a, b) \
	VMOVDQU16     (SI), Z12      \
	VPEXPANDW.Z   Z12, K1, Z12   \
	BZ16SCVT(a, b)

// BZ16SROW with the K mask from a bit-transposed mask vector (VPSLLW,
// VPMOVW2M: port 0) instead of a KMOVD.
#define UAROWT(i, a, b) \
	VPSLLW        $(15-i), Z15, Z16 \
	VPMOVW2M      Z16, K1        \
	UAEXPNOK(i)                  \
	BZ16SCVT(a, b)

// BZ16IROW (fixed row blocks) in the two-accumulator harness.
#define UAROWI(i, a, b) BZ16IROW(i, a)

#define UAROWS(name, row) \
TEXT name(SB), NOSPLIT, $0-16 \
	MOVQ   n+0(FP), CX         \
	MOVQ   p+8(FP), R8         \
	VPXORD Z0, Z0, Z0          \
	VPXORD Z1, Z1, Z1          \
	VPXORD Z10, Z10, Z10       \
	VPXORD Z11, Z11, Z11       \
	VPTERNLOGD $0xff, Z14, Z14, Z14 \
	MOVL   $0x55555555, AX     \
	KMOVD  AX, K1              \
loop:                          \
	LEAQ   64(R8), SI          \
	row(0, Z2, Z3)             \
	row(1, Z4, Z5)             \
	row(2, Z6, Z7)             \
	row(3, Z8, Z9)             \
	DECQ   CX                  \
	JNZ    loop                \
	VZEROUPPER                 \
	RET

// func uaRowCvt(n int, p *byte) … uaRowNoKmov
UAROWS(·uaRowCvt, BZ16ROW)
UAROWS(·uaRowSplit, BZ16SROW)
UAROWS(·uaRowMovw2m, UAROWB)
UAROWS(·uaRowShifts, UAROWC)
UAROWS(·uaRowNoKmov, UAROWG)
UAROWS(·uaRowTMask, UAROWT)
UAROWS(·uaRowI16, UAROWI)
