//go:build unix

package gguf

import (
	"os"

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
