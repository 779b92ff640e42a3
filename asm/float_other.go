//go:build (!amd64 && !arm64) || !gc || purego

package asm

// No F32/F16 assembly on this platform or with the purego tag: Impls() holds
// only the reference, whose kernels are in float_ref.go (see impl_other.go).
