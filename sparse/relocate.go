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
	var arrs []array
	total := 0
	for _, m := range ms {
		for _, a := range arrays(m) {
			arrs = append(arrs, a)
			total += (len(a.src) + 63) &^ 63
		}
	}
	if total == 0 {
		return
	}
	buf := make([]byte, total+64)
	asm.AdviseHugePages(buf)
	off := (64 - int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))&63) & 63
	buf = buf[off:]
	dst := make([][]byte, len(arrs))
	for i, a := range arrs {
		n := len(a.src)
		dst[i] = buf[:n:n]
		a.point(dst[i])
		buf = buf[min((n+63)&^63, len(buf)):]
	}
	// Copying (and faulting in the huge pages) is most of the time: spread
	// it over the cores.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(goruntime.GOMAXPROCS(0), len(arrs)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(arrs); i = int(next.Add(1)) - 1 {
				copy(dst[i], arrs[i].src)
			}
		})
	}
	wg.Wait()
}

// array is one packed array of a sparse matrix: its bytes, and a function
// that points the matrix's slice at a copy of them.
type array struct {
	src   []byte
	point func(dst []byte)
}

// arrays returns the large arrays of a sparse matrix (none for others).
func arrays(m Matrix) []array {
	switch m := m.(type) {
	case *BitmaskF16:
		return []array{arrayOf(&m.m.Masks), arrayOf(&m.m.Vals)}
	case *BitmaskI8:
		return []array{arrayOf(&m.m.Masks), arrayOf(&m.m.Vals), arrayOf(&m.m.Scales)}
	case *NM24F16:
		return []array{arrayOf(&m.m.Vals), arrayOf(&m.m.Idx)}
	case *NM24I8:
		return []array{arrayOf(&m.m.Vals), arrayOf(&m.m.Idx), arrayOf(&m.m.Scales)}
	}
	return nil
}

func arrayOf[T any](s *[]T) array {
	var z T
	n := len(*s)
	src := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(*s))), n*int(unsafe.Sizeof(z)))
	return array{src, func(dst []byte) {
		*s = unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(dst))), n)
	}}
}
