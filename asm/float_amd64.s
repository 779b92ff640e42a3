//go:build gc && !purego

#include "textflag.h"

// Software prefetch distance, bytes ahead in each weight row stream.
#define FPD 512

// Row-pointer setup shared by the 4-row loops: R9..R12 = rows 0..3 of SI.
#define ROWPTRS4 \
	MOVQ SI, R9            \
	LEAQ (SI)(R8*1), R10   \
	LEAQ (SI)(R8*2), R11   \
	LEAQ (R10)(R8*2), R12

// HSUM4 leaves [Σa, Σb, Σc, Σd] in Xa (clobbers b, c, d and the scratch).
#define HSUM4(a, b, c, d, xa, xs, ys) \
	VHADDPS b, a, a           \
	VHADDPS d, c, c           \
	VHADDPS c, a, a           \
	VEXTRACTF128 $1, a, xs    \
	VADDPS xs, xa, xa

// func gemvF32AVX2(dst []float32, w []float32, ldw int, x []float32)
// DI = &dst[r], CX = rows left, SI = &w[r*ldw], R8 = ldw*4, DX = &x[0],
// BX = cols, R13 = cols&^15, AX = column; Y0..Y7 = 2 accumulators per row,
// Y8, Y9 = x.
TEXT ·gemvF32AVX2(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ w_base+24(FP), SI
	MOVQ ldw+48(FP), R8
	SHLQ $2, R8
	MOVQ x_base+56(FP), DX
	MOVQ x_len+64(FP), BX
	MOVQ BX, R13
	ANDQ $-16, R13

f32rows4:
	CMPQ CX, $4
	JB   f32rows1
	ROWPTRS4
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ   AX, AX

f32loop16:
	CMPQ        AX, R13
	JAE         f32tail8
	PREFETCHT0  FPD(R9)(AX*4)
	PREFETCHT0  FPD(R10)(AX*4)
	PREFETCHT0  FPD(R11)(AX*4)
	PREFETCHT0  FPD(R12)(AX*4)
	VMOVUPS     (DX)(AX*4), Y8
	VMOVUPS     32(DX)(AX*4), Y9
	VFMADD231PS (R9)(AX*4), Y8, Y0
	VFMADD231PS 32(R9)(AX*4), Y9, Y1
	VFMADD231PS (R10)(AX*4), Y8, Y2
	VFMADD231PS 32(R10)(AX*4), Y9, Y3
	VFMADD231PS (R11)(AX*4), Y8, Y4
	VFMADD231PS 32(R11)(AX*4), Y9, Y5
	VFMADD231PS (R12)(AX*4), Y8, Y6
	VFMADD231PS 32(R12)(AX*4), Y9, Y7
	ADDQ        $16, AX
	JMP         f32loop16

f32tail8:
	CMPQ        AX, BX
	JAE         f32red4
	VMOVUPS     (DX)(AX*4), Y8
	VFMADD231PS (R9)(AX*4), Y8, Y0
	VFMADD231PS (R10)(AX*4), Y8, Y2
	VFMADD231PS (R11)(AX*4), Y8, Y4
	VFMADD231PS (R12)(AX*4), Y8, Y6

f32red4:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y5, Y4, Y4
	VADDPS  Y7, Y6, Y6
	HSUM4(Y0, Y2, Y4, Y6, X0, X1, Y1)
	VMOVUPS X0, (DI)
	ADDQ    $16, DI
	LEAQ    (SI)(R8*4), SI
	SUBQ    $4, CX
	JMP     f32rows4

f32rows1:
	TESTQ  CX, CX
	JZ     f32done
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORQ   AX, AX

f32loop1:
	CMPQ        AX, R13
	JAE         f32tail1
	VMOVUPS     (DX)(AX*4), Y8
	VMOVUPS     32(DX)(AX*4), Y9
	VFMADD231PS (SI)(AX*4), Y8, Y0
	VFMADD231PS 32(SI)(AX*4), Y9, Y1
	ADDQ        $16, AX
	JMP         f32loop1

f32tail1:
	CMPQ        AX, BX
	JAE         f32red1
	VMOVUPS     (DX)(AX*4), Y8
	VFMADD231PS (SI)(AX*4), Y8, Y0

f32red1:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         R8, SI
	DECQ         CX
	JMP          f32rows1

f32done:
	VZEROUPPER
	RET

// func gemvF16AVX2(dst []float32, w []uint16, ldw int, x []float32)
// As gemvF32AVX2 with R8 = ldw*2 and weights widened by VCVTPH2PS into
// Y10..Y13.
TEXT ·gemvF16AVX2(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ w_base+24(FP), SI
	MOVQ ldw+48(FP), R8
	SHLQ $1, R8
	MOVQ x_base+56(FP), DX
	MOVQ x_len+64(FP), BX
	MOVQ BX, R13
	ANDQ $-16, R13

f16rows4:
	CMPQ CX, $4
	JB   f16rows1
	ROWPTRS4
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ   AX, AX

f16loop16:
	CMPQ        AX, R13
	JAE         f16tail8
	PREFETCHT0  FPD(R9)(AX*2)
	PREFETCHT0  FPD(R10)(AX*2)
	PREFETCHT0  FPD(R11)(AX*2)
	PREFETCHT0  FPD(R12)(AX*2)
	VMOVUPS     (DX)(AX*4), Y8
	VMOVUPS     32(DX)(AX*4), Y9
	VCVTPH2PS   (R9)(AX*2), Y10
	VCVTPH2PS   16(R9)(AX*2), Y11
	VCVTPH2PS   (R10)(AX*2), Y12
	VCVTPH2PS   16(R10)(AX*2), Y13
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y11, Y9, Y1
	VFMADD231PS Y12, Y8, Y2
	VFMADD231PS Y13, Y9, Y3
	VCVTPH2PS   (R11)(AX*2), Y10
	VCVTPH2PS   16(R11)(AX*2), Y11
	VCVTPH2PS   (R12)(AX*2), Y12
	VCVTPH2PS   16(R12)(AX*2), Y13
	VFMADD231PS Y10, Y8, Y4
	VFMADD231PS Y11, Y9, Y5
	VFMADD231PS Y12, Y8, Y6
	VFMADD231PS Y13, Y9, Y7
	ADDQ        $16, AX
	JMP         f16loop16

f16tail8:
	CMPQ        AX, BX
	JAE         f16red4
	VMOVUPS     (DX)(AX*4), Y8
	VCVTPH2PS   (R9)(AX*2), Y10
	VCVTPH2PS   (R10)(AX*2), Y11
	VCVTPH2PS   (R11)(AX*2), Y12
	VCVTPH2PS   (R12)(AX*2), Y13
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y11, Y8, Y2
	VFMADD231PS Y12, Y8, Y4
	VFMADD231PS Y13, Y8, Y6

f16red4:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y5, Y4, Y4
	VADDPS  Y7, Y6, Y6
	HSUM4(Y0, Y2, Y4, Y6, X0, X1, Y1)
	VMOVUPS X0, (DI)
	ADDQ    $16, DI
	LEAQ    (SI)(R8*4), SI
	SUBQ    $4, CX
	JMP     f16rows4

f16rows1:
	TESTQ  CX, CX
	JZ     f16done
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORQ   AX, AX

f16loop1:
	CMPQ        AX, R13
	JAE         f16tail1
	VMOVUPS     (DX)(AX*4), Y8
	VMOVUPS     32(DX)(AX*4), Y9
	VCVTPH2PS   (SI)(AX*2), Y10
	VCVTPH2PS   16(SI)(AX*2), Y11
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y11, Y9, Y1
	ADDQ        $16, AX
	JMP         f16loop1

f16tail1:
	CMPQ        AX, BX
	JAE         f16red1
	VMOVUPS     (DX)(AX*4), Y8
	VCVTPH2PS   (SI)(AX*2), Y10
	VFMADD231PS Y10, Y8, Y0

f16red1:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	ADDQ         R8, SI
	DECQ         CX
	JMP          f16rows1

f16done:
	VZEROUPPER
	RET

// One 8-column step of the 4×3 GEMM kernels: x of tokens 0..2 in Y12..Y14,
// row r's weights in Y15, accumulator Y(3r+t) for row r, token t.
#define GEMMSTEP_F32 \
	VMOVUPS     (SI)(AX*4), Y12  \
	VMOVUPS     (BX)(AX*4), Y13  \
	VMOVUPS     (DX)(AX*4), Y14  \
	VMOVUPS     (R9)(AX*4), Y15  \
	VFMADD231PS Y15, Y12, Y0     \
	VFMADD231PS Y15, Y13, Y1     \
	VFMADD231PS Y15, Y14, Y2     \
	VMOVUPS     (R10)(AX*4), Y15 \
	VFMADD231PS Y15, Y12, Y3     \
	VFMADD231PS Y15, Y13, Y4     \
	VFMADD231PS Y15, Y14, Y5     \
	VMOVUPS     (R11)(AX*4), Y15 \
	VFMADD231PS Y15, Y12, Y6     \
	VFMADD231PS Y15, Y13, Y7     \
	VFMADD231PS Y15, Y14, Y8     \
	VMOVUPS     (R12)(AX*4), Y15 \
	VFMADD231PS Y15, Y12, Y9     \
	VFMADD231PS Y15, Y13, Y10    \
	VFMADD231PS Y15, Y14, Y11    \
	ADDQ        $8, AX          

#define GEMMSTEP_F16 \
	VMOVUPS     (SI)(AX*4), Y12  \
	VMOVUPS     (BX)(AX*4), Y13  \
	VMOVUPS     (DX)(AX*4), Y14  \
	VCVTPH2PS   (R9)(AX*2), Y15  \
	VFMADD231PS Y15, Y12, Y0     \
	VFMADD231PS Y15, Y13, Y1     \
	VFMADD231PS Y15, Y14, Y2     \
	VCVTPH2PS   (R10)(AX*2), Y15 \
	VFMADD231PS Y15, Y12, Y3     \
	VFMADD231PS Y15, Y13, Y4     \
	VFMADD231PS Y15, Y14, Y5     \
	VCVTPH2PS   (R11)(AX*2), Y15 \
	VFMADD231PS Y15, Y12, Y6     \
	VFMADD231PS Y15, Y13, Y7     \
	VFMADD231PS Y15, Y14, Y8     \
	VCVTPH2PS   (R12)(AX*2), Y15 \
	VFMADD231PS Y15, Y12, Y9     \
	VFMADD231PS Y15, Y13, Y10    \
	VFMADD231PS Y15, Y14, Y11    \
	ADDQ        $8, AX          

#define ZERO12 \
	VXORPS Y0, Y0, Y0    \
	VXORPS Y1, Y1, Y1    \
	VXORPS Y2, Y2, Y2    \
	VXORPS Y3, Y3, Y3    \
	VXORPS Y4, Y4, Y4    \
	VXORPS Y5, Y5, Y5    \
	VXORPS Y6, Y6, Y6    \
	VXORPS Y7, Y7, Y7    \
	VXORPS Y8, Y8, Y8    \
	VXORPS Y9, Y9, Y9    \
	VXORPS Y10, Y10, Y10 \
	VXORPS Y11, Y11, Y11

// Reduce the 12 accumulators to 4 rows for each of the 3 tokens in X0..X2.
#define GEMMREDUCE \
	HSUM4(Y0, Y3, Y6, Y9, X0, X12, Y12)  \
	HSUM4(Y1, Y4, Y7, Y10, X1, X13, Y13) \
	HSUM4(Y2, Y5, Y8, Y11, X2, X14, Y14)

#define GEMMSTORE \
	VMOVUPS X0, (DI)       \
	VMOVUPS X1, (DI)(R8*1) \
	VMOVUPS X2, (DI)(R8*2)

// GEMMSTOREADD adds to what dst holds (a previous column chunk).
#define GEMMSTOREADD \
	VADDPS  (DI), X0, X0       \
	VADDPS  (DI)(R8*1), X1, X1 \
	VADDPS  (DI)(R8*2), X2, X2 \
	GEMMSTORE

// func gemmF32AVX2(dst []float32, ldd int, w []float32, ldw int, x []float32, ldx, k, ntrip, add int)
// DI = &dst[3j*ldd], R8 = ldd*4, R9..R12 = weight rows 0..3, SI/BX/DX =
// x rows of tokens 3j..3j+2, R13 = ldx*4, CX = k, R14 = triples left,
// R15 = k&^15, AX = column. add != 0 adds the results to dst.
TEXT ·gemmF32AVX2(SB), NOSPLIT, $0-120
	MOVQ  dst_base+0(FP), DI
	MOVQ  ldd+24(FP), R8
	SHLQ  $2, R8
	MOVQ  w_base+32(FP), R9
	MOVQ  ldw+56(FP), AX
	SHLQ $2, AX
	LEAQ  (R9)(AX*1), R10
	LEAQ  (R9)(AX*2), R11
	LEAQ  (R10)(AX*2), R12
	MOVQ  x_base+64(FP), SI
	MOVQ  ldx+88(FP), R13
	SHLQ  $2, R13
	MOVQ  k+96(FP), CX
	MOVQ  CX, R15
	ANDQ  $-16, R15
	MOVQ  ntrip+104(FP), R14
	TESTQ R14, R14
	JZ    gemmF32done

gemmF32trip:
	LEAQ (SI)(R13*1), BX
	LEAQ (SI)(R13*2), DX
	ZERO12
	XORQ AX, AX

gemmF32loop16:
	CMPQ AX, R15
	JAE  gemmF32tail8
	GEMMSTEP_F32
	GEMMSTEP_F32
	JMP  gemmF32loop16

gemmF32tail8:
	CMPQ AX, CX
	JAE  gemmF32store
	GEMMSTEP_F32

gemmF32store:
	GEMMREDUCE
	CMPQ add+112(FP), $0
	JNE  gemmF32add
	GEMMSTORE
	JMP  gemmF32next

gemmF32add:
	GEMMSTOREADD

gemmF32next:
	LEAQ (DI)(R8*2), DI
	ADDQ R8, DI
	LEAQ (SI)(R13*2), SI
	ADDQ R13, SI
	DECQ R14
	JNZ  gemmF32trip

gemmF32done:
	VZEROUPPER
	RET

// func gemmF16AVX2(dst []float32, ldd int, w []uint16, ldw int, x []float32, ldx, k, ntrip, add int)
// DI = &dst[3j*ldd], R8 = ldd*4, R9..R12 = weight rows 0..3, SI/BX/DX =
// x rows of tokens 3j..3j+2, R13 = ldx*4, CX = k, R14 = triples left,
// R15 = k&^15, AX = column. add != 0 adds the results to dst.
TEXT ·gemmF16AVX2(SB), NOSPLIT, $0-120
	MOVQ  dst_base+0(FP), DI
	MOVQ  ldd+24(FP), R8
	SHLQ  $2, R8
	MOVQ  w_base+32(FP), R9
	MOVQ  ldw+56(FP), AX
	SHLQ $1, AX
	LEAQ  (R9)(AX*1), R10
	LEAQ  (R9)(AX*2), R11
	LEAQ  (R10)(AX*2), R12
	MOVQ  x_base+64(FP), SI
	MOVQ  ldx+88(FP), R13
	SHLQ  $2, R13
	MOVQ  k+96(FP), CX
	MOVQ  CX, R15
	ANDQ  $-16, R15
	MOVQ  ntrip+104(FP), R14
	TESTQ R14, R14
	JZ    gemmF16done

gemmF16trip:
	LEAQ (SI)(R13*1), BX
	LEAQ (SI)(R13*2), DX
	ZERO12
	XORQ AX, AX

gemmF16loop16:
	CMPQ AX, R15
	JAE  gemmF16tail8
	GEMMSTEP_F16
	GEMMSTEP_F16
	JMP  gemmF16loop16

gemmF16tail8:
	CMPQ AX, CX
	JAE  gemmF16store
	GEMMSTEP_F16

gemmF16store:
	GEMMREDUCE
	CMPQ add+112(FP), $0
	JNE  gemmF16add
	GEMMSTORE
	JMP  gemmF16next

gemmF16add:
	GEMMSTOREADD

gemmF16next:
	LEAQ (DI)(R8*2), DI
	ADDQ R8, DI
	LEAQ (SI)(R13*2), SI
	ADDQ R13, SI
	DECQ R14
	JNZ  gemmF16trip

gemmF16done:
	VZEROUPPER
	RET
