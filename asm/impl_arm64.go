//go:build gc && !purego

package asm

import "github.com/klauspost/cpuid/v2"

// neonImpl: NEON for the F32/F16 kernels; the quantized kernels use the
// reference until NEON versions exist.
var neonImpl = &Impl{
	Name:    "neon",
	gemvF32: gemvF32NEON,
	gemvF16: gemvF16NEON,
	gemmF32: gemmF32NEON,
	gemmF16: gemmF16NEON,
	quantQ8: quantQ8Ref,
	gemvQ8:  gemvQ8Ref,
	gemvQ4:  gemvQ4Ref,
	gemmQ8:  gemmQ8Ref,
	gemmQ4:  gemmQ4Ref,
}

func archImpls() []*Impl {
	// ASIMD is architecturally required on arm64 Linux, but ask anyway.
	if cpuid.CPU.Supports(cpuid.ASIMD) {
		return []*Impl{neonImpl}
	}
	return nil
}
