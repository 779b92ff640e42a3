//go:build !linux

package asm

// AdviseHugePages does nothing here (see huge_linux.go).
func AdviseHugePages(b []byte) {}
