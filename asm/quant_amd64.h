// Shared pieces of the amd64 quantized GEMM kernels (quant_amd64.s,
// quant512_amd64.s), all with the signature
//
//	func(dst []float32, ldd int, w []byte, nb int, q []int8, d []float32, s []int32, nquad int)
//
// and one packed 8-row block (or two) × 4 tokens per pass: DI = &dst[4j*ldd],
// R8 = ldd*4, SI = quants of block b, R9 = its scales, DX = &q_0[32b] (token t
// at +t*cols: CX = cols, R15 = 3*cols), R10/R11 = &d_0[b]/&s_0[b] (token t at
// +t*nb*4: BX = nb*4, R14 = 3*nb*4), R12 = blocks left, R13 = quads left.

// QGEMMARGS loads the arguments into those registers; nothing to do jumps
// to done.
#define QGEMMARGS(done) \
	MOVQ nquad+136(FP), R13 \
	TESTQ R13, R13          \
	JZ   done               \
	MOVQ nb+56(FP), R12     \
	TESTQ R12, R12          \
	JZ   done               \
	MOVQ dst_base+0(FP), DI \
	MOVQ ldd+24(FP), R8     \
	SHLQ $2, R8             \
	MOVQ q_base+64(FP), DX  \
	MOVQ d_base+88(FP), R10 \
	MOVQ s_base+112(FP), R11 \
	MOVQ R12, CX            \
	SHLQ $5, CX             \
	LEAQ (CX)(CX*2), R15    \
	MOVQ R12, BX            \
	SHLQ $2, BX             \
	LEAQ (BX)(BX*2), R14

// QGEMMQUAD starts a pass over the row block: SI at its first quants, R9 at
// its scales (after nb blocks of 2^qsh quant bytes), R12 = nb.
#define QGEMMQUAD(qsh) \
	MOVQ w_base+32(FP), SI \
	MOVQ nb+56(FP), R12    \
	MOVQ R12, R9           \
	SHLQ $qsh, R9          \
	ADDQ SI, R9

// QGEMMNEXT moves DX, R10, R11 from block nb of token 0 to block 0 of
// token 4 and loops to quad while quads are left.
#define QGEMMNEXT(quad) \
	ADDQ R15, DX   \
	ADDQ R14, R10  \
	ADDQ R14, R11  \
	DECQ R13       \
	JNZ  quad

// QGEMMSTEP advances to the next block (step quant bytes) and loops to blk
// while blocks are left.
#define QGEMMSTEP(step, blk) \
	ADDQ $step, SI \
	ADDQ $16, R9   \
	ADDQ $32, DX   \
	ADDQ $4, R10   \
	ADDQ $4, R11   \
	DECQ R12       \
	JNZ  blk

// Software prefetch distance of the GEMVs (bytes ahead in the packed
// weight stream): without it a one-block-at-a-time integer kernel leaves
// DRAM idle.
#define PFD 3072

// The GEMVs (quant_amd64.s, quant512_amd64.s) have the signature
//
//	func(dst []float32, w []byte, nb int, q []int8, d []float32, s []int32)
//
// and the registers: DI = &dst[8rb], CX = row blocks left, SI = quants of
// block b, R9 = its 8 f16 scales, DX = &q[32b], R10 = &d[b], R11 = &s[b],
// R12 = blocks left (QGEMMSTEP advances them), R8 = nb, Y0 = float
// accumulators (row i in lane i), Y4 = the block's int32 dot products.

// QGEMVARGS loads DI, CX, SI, R8; nothing to do jumps to done.
#define QGEMVARGS(done) \
	MOVQ  dst_base+0(FP), DI \
	MOVQ  dst_len+8(FP), CX  \
	SHRQ  $3, CX             \
	JZ    done               \
	MOVQ  w_base+24(FP), SI  \
	MOVQ  nb+48(FP), R8      \
	TESTQ R8, R8             \
	JZ    done

// QGEMVROW starts a row block: R9 after its nb blocks of 2^qsh quant
// bytes, DX, R10, R11 at block 0, R12 = nb, Y0 = 0.
#define QGEMVROW(qsh) \
	MOVQ   R8, R9              \
	SHLQ   $qsh, R9            \
	ADDQ   SI, R9              \
	MOVQ   q_base+56(FP), DX   \
	MOVQ   d_base+80(FP), R10  \
	MOVQ   s_base+104(FP), R11 \
	MOVQ   R8, R12             \
	VXORPS Y0, Y0, Y0

// QGEMVBIAS subtracts s[b]·2^sh from every lane of Y4 (the nibbles' offset
// 8·s[b], sh = 3, or a bias of 128·s[b], sh = 7).
#define QGEMVBIAS(sh) \
	VPBROADCASTD (R11), Y5 \
	VPSLLD       $sh, Y5, Y5 \
	VPSUBD       Y5, Y4, Y4

// QGEMVFMA adds float(Y4) × (row scale · d[b]) to Y0, the reference's
// rounding order.
#define QGEMVFMA \
	VCVTDQ2PS    Y4, Y4     \
	VCVTPH2PS    (R9), Y5   \
	VBROADCASTSS (R10), Y6  \
	VMULPS       Y6, Y5, Y5 \
	VFMADD231PS  Y5, Y4, Y0

// QGEMVEND stores the row block's 8 sums, moves SI to the next row block
// and loops to row while row blocks are left.
#define QGEMVEND(row) \
	VMOVUPS Y0, (DI) \
	ADDQ    $32, DI  \
	MOVQ    R9, SI   \
	DECQ    CX       \
	JNZ     row
