package asm

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

// AdviseHugePages asks the kernel to back the 2 MiB-aligned pages inside b
// with transparent huge pages: pages first touched afterwards come as huge
// pages (ones already touched stay small; collapsing them, MADV_COLLAPSE,
// took seconds for a model here). Decode streams every weight once per
// token; with 4 KiB pages the hardware prefetchers stop at every page
// boundary and each page costs a TLB miss. A hint: errors (THP off) are
// ignored.
func AdviseHugePages(b []byte) {
	if len(b) == 0 {
		return
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (p + hugePage - 1) &^ (hugePage - 1)
	hi := (p + uintptr(len(b))) &^ (hugePage - 1)
	if hi <= lo {
		return
	}
	_ = unix.Madvise(b[lo-p:hi-p], unix.MADV_HUGEPAGE)
}
