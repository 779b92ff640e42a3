// Pieces of the AVX2 sparse kernels shared with uarch_amd64.s, which
// times them.

// BMF16 multiplies one 8-column group of one row: mask byte at off(R8),
// packed halves at SI (advanced past them), x of the group in xk, row
// accumulator acc. AX, X12 scratch; R13 = &spCnt2, R14 = &spExpF16.
#define BMF16(off, xk, acc) \
	MOVBLZX     off(R8), AX       \
	VMOVDQU     (SI), X12         \
	ADDQ        (R13)(AX*8), SI   \
	SHLQ        $4, AX            \
	VPSHUFB     (R14)(AX*1), X12, X12 \
	VCVTPH2PS   X12, Y12          \
	VFMADD231PS xk, Y12, acc
