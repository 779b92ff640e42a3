//go:build race

package asm

import (
	goruntime "runtime"
	"unsafe"
)

const raceEnabled = true

// The race detector cannot see memory accessed by assembly, so the wrappers
// announce the ranges each kernel reads and writes.

func raceRead[T any](s []T) {
	if len(s) > 0 {
		goruntime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*int(unsafe.Sizeof(s[0])))
	}
}

func raceWrite[T any](s []T) {
	if len(s) > 0 {
		goruntime.RaceWriteRange(unsafe.Pointer(unsafe.SliceData(s)), len(s)*int(unsafe.Sizeof(s[0])))
	}
}
