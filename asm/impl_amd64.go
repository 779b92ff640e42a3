//go:build gc && !purego

package asm

import "github.com/klauspost/cpuid/v2"

var avx2Impl = &Impl{
	Name:    "avx2",
	gemvF32: gemvF32AVX2,
	gemvF16: gemvF16AVX2,
	gemmF32: gemmF32AVX2,
	gemmF16: gemmF16AVX2,
	quantQ8: quantQ8AVX2,
	gemvQ8:  gemvQ8AVX2,
	gemvQ4:  gemvQ4AVX2,
	gemmQ8:  gemmQ8AVX2,
	gemmQ4:  gemmQ4AVX2,
	sumF32:  sumF32AVX2,
	expSum:  expSumAVX2,
	siluMul: siluMulAVX2,

	bmGemvF16: bmGemvF16AVX2,
	bmGemvI8:  bmGemvI8AVX2,
	nmGemvF16: nmGemvF16AVX2,
	nmGemvI8:  nmGemvI8AVX2,
	spmmF32:   spmmF32AVX2,
}

// avx512Impl is avx2Impl with the kernels that gain from AVX-512: the
// sparse ones (VPEXPANDB/W of VBMI2, VPDPBUSD of VNNI) and the Q8_0/Q4_0
// GEMM of prefill (VPDPBUSD, two row blocks at a time where there are two). The dense GEMVs are memory-bound and stay
// AVX2, as does the F16/F32 GEMM.
var avx512Impl = func() *Impl {
	im := *avx2Impl
	im.Name = "avx512"
	im.bmGemvF16 = bmGemvF16AVX512
	im.bmGemvF16s = bmGemvF16sAVX512
	im.bmGemvI16 = bmGemvI16AVX512
	im.bmGemvI8 = bmGemvI8AVX512
	im.nmGemvF16 = nmGemvF16AVX512
	im.spmmF32 = spmmF32AVX512
	im.gemmQ8 = gemmQ8AVX512
	im.gemmQ4 = gemmQ4AVX512
	im.gemvQ4 = gemvQ4AVX512
	im.gemvQ8 = gemvQ8AVX512
	im.gemmQ8x2 = gemmQ8x2AVX512
	im.bmI8Expand = bmI8ExpandAVX512
	im.gemmQ4x2 = gemmQ4x2AVX512
	return &im
}()

func archImpls() []*Impl {
	if !cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.F16C) {
		return nil
	}
	if cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX512VBMI2, cpuid.AVX512VNNI) {
		return []*Impl{avx512Impl, avx2Impl}
	}
	return []*Impl{avx2Impl}
}
