//go:build (!amd64 && !arm64) || !gc || purego

package asm

// archImpls: no assembly on this platform or with the purego tag.
func archImpls() []*Impl { return nil }
