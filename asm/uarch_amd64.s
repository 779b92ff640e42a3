//go:build uarch && gc && !purego

#include "textflag.h"
#include "sparse_amd64.h"

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
