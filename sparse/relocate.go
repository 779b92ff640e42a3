package sparse

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/sieve-llm/sieve/asm"
)

// Relocate moves the packed arrays of the sparse matrices among ms into one
// allocation advised for transparent huge pages before its first touch (see
// asm.AdviseHugePages). The packers allocate one array at a time on the Go
// heap, which Linux backs with 4 KiB pages: decode, which streams every
// array once per token, then reads them 2–3 % slower (measured on
// TinyLlama's shape, BENCHMARKS.md). One fresh allocation gets huge pages as
// it is written, in a fraction of a second; smaller ones reuse heap memory
// already touched, and collapsing that afterwards (MADV_COLLAPSE) took
// seconds. The old arrays become garbage, so memory peaks at one extra copy
// of the sparse weights. Call it once after the matrices are built and
// before they are used; other matrices are left alone.
func Relocate(ms []Matrix) {
	total := 0
	for _, m := range ms {
		arrays(m, func(p any) { total += (sizeOf(p) + 63) &^ 63 })
	}
	if total == 0 {
		return
	}
	buf := make([]byte, total+64)
	asm.AdviseHugePages(buf)
	off := (64 - int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))&63) & 63
	buf = buf[off:]
	var jobs [][2][]byte // destination, source
	for _, m := range ms {
		arrays(m, func(p any) {
			switch p := p.(type) {
			case *[]uint32:
				buf = place(buf, p, &jobs)
			case *[]uint16:
				buf = place(buf, p, &jobs)
			case *[]int8:
				buf = place(buf, p, &jobs)
			case *[]uint8:
				buf = place(buf, p, &jobs)
			}
		})
	}
	// Copying (and faulting in the huge pages) is most of the time: spread
	// it over the cores.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(goruntime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(jobs); i = int(next.Add(1)) - 1 {
				copy(jobs[i][0], jobs[i][1])
			}
		})
	}
	wg.Wait()
}

// arrays calls f with a pointer to each large array of a sparse matrix.
func arrays(m Matrix, f func(p any)) {
	switch m := m.(type) {
	case *BitmaskF16:
		f(&m.m.Masks)
		f(&m.m.Vals)
	case *BitmaskI8:
		f(&m.m.Masks)
		f(&m.m.Vals)
		f(&m.m.Scales)
	case *NM24F16:
		f(&m.m.Vals)
		f(&m.m.Idx)
	case *NM24I8:
		f(&m.m.Vals)
		f(&m.m.Idx)
		f(&m.m.Scales)
	}
}

func sizeOf(p any) int {
	switch p := p.(type) {
	case *[]uint32:
		return 4 * len(*p)
	case *[]uint16:
		return 2 * len(*p)
	case *[]int8:
		return len(*p)
	case *[]uint8:
		return len(*p)
	}
	return 0
}

// place points *s at the front of buf, adds the copy of its old contents
// to jobs and returns the rest of buf from the next 64-byte boundary.
func place[T any](buf []byte, s *[]T, jobs *[][2][]byte) []byte {
	if len(*s) == 0 {
		return buf
	}
	var z T
	n := len(*s) * int(unsafe.Sizeof(z))
	src := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(*s))), n)
	*jobs = append(*jobs, [2][]byte{buf[:n:n], src})
	*s = unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(buf))), len(*s))
	return buf[min((n+63)&^63, len(buf)):]
}
