package asm

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

// AdviseHugePages asks the kernel to back the 2 MiB-aligned pages inside b
// with transparent huge pages: pages first touched afterwards come as huge
// pages, and with collapse set the ones already touched are merged now
// (MADV_COLLAPSE, Linux 6.1+). Decode streams every weight once per token;
// with 4 KiB pages the hardware prefetchers stop at every page boundary and
// each page costs a TLB miss. A hint: errors (an older kernel, THP off) are
// ignored.
func AdviseHugePages(b []byte, collapse bool) {
	if len(b) == 0 {
		return
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (p + hugePage - 1) &^ (hugePage - 1)
	hi := (p + uintptr(len(b))) &^ (hugePage - 1)
	if hi <= lo {
		return
	}
	r := b[lo-p : hi-p]
	advice := unix.MADV_HUGEPAGE
	if collapse {
		advice = unix.MADV_COLLAPSE
	}
	_ = unix.Madvise(r, advice)
}
