//go:build unix

package gguf

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmapFile maps the file read-only. It returns nil data (and no error) when
// mapping is not possible, so the caller falls back to reading.
func mmapFile(fh *os.File, size int64) ([]byte, func() error, error) {
	if int64(int(size)) != size {
		return nil, nil, nil
	}
	data, err := unix.Mmap(int(fh.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, nil
	}
	return data, func() error { return unix.Munmap(data) }, nil
}

// anonHuge returns size bytes of anonymous memory advised for transparent
// huge pages (fewer TLB misses when streaming multi-gigabyte weights), or
// nil if mapping fails.
func anonHuge(size int64) ([]byte, func() error) {
	if int64(int(size)) != size || size <= 0 {
		return nil, nil
	}
	data, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, nil
	}
	unix.Madvise(data, unix.MADV_HUGEPAGE)
	return data, func() error { return unix.Munmap(data) }
}

// dropPages discards the pages wholly inside b (MADV_DONTNEED): a file
// mapping faults them in again from the page cache if touched, anonymous
// memory would read zeros (File.Data refuses released tensors). A hint:
// errors are ignored.
func dropPages(b []byte) {
	if len(b) == 0 {
		return
	}
	ps := uintptr(os.Getpagesize())
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (p + ps - 1) &^ (ps - 1)
	hi := (p + uintptr(len(b))) &^ (ps - 1)
	if hi <= lo {
		return
	}
	_ = unix.Madvise(b[lo-p:hi-p], unix.MADV_DONTNEED)
}
