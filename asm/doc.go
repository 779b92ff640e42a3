// Package asm holds the hand-written SIMD kernels of the engine (AVX2 on amd64,
// NEON on arm64) behind a dispatch table, with a pure-Go reference for every
// kernel that is always compiled.
//
// Contract shared by every kernel:
//   - plain slices in, caller-owned outputs, dst first;
//   - no allocation, no goroutines, no calls out of assembly;
//   - the exported methods of [Impl] validate lengths (panicking with a clear
//     message), split the work into bounded chunks and call the raw kernel;
//   - tails: the F32/F16 kernels run the assembly over the first cols&^7
//     columns and finish the remaining columns in Go; the quantized kernels
//     run the assembly over whole 8-row blocks and finish a partial last
//     block in Go.
//
// Quantized weights use a repacked, row-interleaved layout (see [PackQ8] and
// [PackQ4]) shared by every implementation; activations are quantized once per
// matrix multiplication by [Impl.QuantizeQ8].
//
// Implementations ([Impls], [Lookup]):
//
//	ref   pure Go, every platform and build (the oracle of the tests)
//	avx2  amd64 with AVX2+FMA+F16C: every kernel in assembly
//	      (GEMV: 4 rows × 16 columns per pass, software prefetch;
//	      GEMM: 4-row × 3-token FMA micro-kernel over 512-column chunks
//	      for F32/F16, 8-row × 4-token vpmaddubsw kernels for Q8_0/Q4_0)
//	neon  arm64: F32/F16 GEMV+GEMM and QuantizeQ8 in NEON; with the
//	      dotprod extension (SDOT) also Q8_0/Q4_0 GEMV, and GEMM as one
//	      GEMV pass per token; without dotprod the quantized products use
//	      the reference
//
// The build tag purego turns all assembly off.
package asm
