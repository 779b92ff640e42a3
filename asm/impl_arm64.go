//go:build gc && !purego

package asm

import "github.com/klauspost/cpuid/v2"

func archImpls() []*Impl {
	// ASIMD is architecturally required on arm64 Linux, but ask anyway.
	if !cpuid.CPU.Supports(cpuid.ASIMD) {
		return nil
	}
	im := &Impl{
		Name:    "neon",
		gemvF32: gemvF32NEON,
		gemvF16: gemvF16NEON,
		gemmF32: gemmF32NEON,
		gemmF16: gemmF16NEON,
		quantQ8: quantQ8NEON,
		// Without the dotprod extension (SDOT) the quantized products
		// use the reference.
		gemvQ8:  gemvQ8Ref,
		gemvQ4:  gemvQ4Ref,
		gemmQ8:  gemmQ8Ref,
		gemmQ4:  gemmQ4Ref,
		sumF32:  sumF32NEON,
		expSum:  expSumRef,
		siluMul: siluMulRef,

		bmGemvF16: bmGemvF16NEON,
		bmGemvI8:  bmGemvI8Ref,
		nmGemvF16: nmGemvF16NEON,
		nmGemvI8:  nmGemvI8Ref,
		spmmF32:   spmmF32Ref,
	}
	if cpuid.CPU.Supports(cpuid.ASIMDDP) {
		im.gemvQ8, im.gemvQ4 = gemvQ8NEON, gemvQ4NEON
		im.gemmQ8, im.gemmQ4 = gemmQ8NEON, gemmQ4NEON
		im.bmGemvI8, im.nmGemvI8 = bmGemvI8NEON, nmGemvI8NEON
	}
	return []*Impl{im}
}
