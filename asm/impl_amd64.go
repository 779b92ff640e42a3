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
}

func archImpls() []*Impl {
	if cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.F16C) {
		return []*Impl{avx2Impl}
	}
	return nil
}
