// Row steps of the bitmask-f16 AVX-512 kernels (sparse512_amd64.s), shared
// with BenchmarkUarch (uarch_amd64.s).

// BZ16EXP expands row i of a bitmask-f16 column block into Z12: VPEXPANDW
// places the packed halves at SI in the lanes of mask word i (zeroing the
// others), SI advances by its popcount. AX scratch. The expansion runs on a
// register: the memory form of VPEXPANDW is slower.
#define BZ16EXP(i) \
	KMOVD       (4*i)(R8), K1  \
	VMOVDQU16   (SI), Z12      \
	POPCNTL     (4*i)(R8), AX  \
	LEAQ        (SI)(AX*2), SI \
	VPEXPANDW.Z Z12, K1, Z12

// BZ16CVT widens the expanded halves in Z12 and multiplies them by x in
// Z0, Z1 into accumulators a (columns 0..15) and b (16..31). Z13 scratch.
#define BZ16CVT(a, b) \
	VCVTPH2PS     Y12, Z13       \
	VEXTRACTI64X4 $1, Z12, Y12   \
	VCVTPH2PS     Y12, Z12       \
	VFMADD231PS   Z0, Z13, a     \
	VFMADD231PS   Z1, Z12, b

// BZ16ROW multiplies the 32 columns of row i of a bitmask-f16 column block.
#define BZ16ROW(i, a, b) \
	BZ16EXP(i) \
	BZ16CVT(a, b)

// BZ16SCVT is BZ16CVT for split activations (see bmGemvF16sAVX512): the
// expanded halves become float32 by integer steps on ports 0/5 instead of
// VCVTPH2PS and VEXTRACTI64X4, which need port 5, the expansion's port.
// VPMADDWD by 2^13 (Z10: lo words, Z11: hi words) sign-extends one half of
// every dword into bits 13..31; the AND with Z14 (0x8fffe000) keeps the
// sign and the 15 exponent and mantissa bits: the float32 of h·2^-112.
#define BZ16SCVT(a, b) \
	VPMADDWD    Z10, Z12, Z13  \
	VPMADDWD    Z11, Z12, Z12  \
	VPANDD      Z14, Z13, Z13  \
	VPANDD      Z14, Z12, Z12  \
	VFMADD231PS Z0, Z13, a     \
	VFMADD231PS Z1, Z12, b

// BZ16SROW is BZ16ROW for split activations.
#define BZ16SROW(i, a, b) \
	BZ16EXP(i) \
	BZ16SCVT(a, b)

// BZ16IROW multiplies row i of a fixed bitmask-f16 column block (int16
// weights) by the int16 activations in Z0: VPMADDWD sums column pairs in
// int32 (exact: |q| ≤ 32767), one conversion, one FMA by the column block's
// activation scale in Z1 into acc (16 lanes per row). Z13 scratch.
#define BZ16IROW(i, acc) \
	BZ16EXP(i)                 \
	VPMADDWD      Z0, Z12, Z13 \
	VCVTDQ2PS     Z13, Z13     \
	VFMADD231PS   Z1, Z13, acc

// BZ16ARGS loads the registers of the bitmask-f16 kernels (see
// bmGemvF16AVX512); no row block jumps to done.
#define BZ16ARGS(done) \
	MOVQ dst_base+0(FP), DI    \
	MOVQ dst_len+8(FP), CX     \
	SHRQ $2, CX                \
	JZ   done                  \
	MOVQ masks_base+24(FP), R8 \
	MOVQ vals_base+48(FP), SI  \
	MOVQ x_base+72(FP), DX     \
	MOVQ x_len+80(FP), R11     \
	SHRQ $5, R11
