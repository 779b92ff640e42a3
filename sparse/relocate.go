package sparse

import (
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
// before they are used concurrently; other matrices are left alone.
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
	for _, m := range ms {
		arrays(m, func(p any) {
			switch p := p.(type) {
			case *[]uint32:
				buf = move(buf, p)
			case *[]uint16:
				buf = move(buf, p)
			case *[]int8:
				buf = move(buf, p)
			case *[]uint8:
				buf = move(buf, p)
			}
		})
	}
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

// move copies *s to the front of buf, points *s at the copy and returns the
// rest of buf from the next 64-byte boundary.
func move[T any](buf []byte, s *[]T) []byte {
	if len(*s) == 0 {
		return buf
	}
	var z T
	n := len(*s) * int(unsafe.Sizeof(z))
	d := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(buf))), len(*s))
	copy(d, *s)
	*s = d
	return buf[min((n+63)&^63, len(buf)):]
}
