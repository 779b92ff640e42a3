package sparse

import (
	"unsafe"

	"github.com/sieve-llm/sieve/asm"
)

// relocChunk is the size of the allocations Relocate packs arrays into:
// large enough for the ends of chunks to waste little, small enough that the
// copies alive at once during Relocate (the old arrays become garbage one by
// one) stay a fraction of the model.
const relocChunk = 64 << 20

// Relocate moves the packed arrays of the sparse matrices among ms into a
// few large allocations advised for transparent huge pages (see
// asm.AdviseHugePages). The packers allocate one array at a time on the Go
// heap, which Linux backs with 4 KiB pages: decode, which streams every
// array once per token, then reads them about 2–3 % slower (measured on
// TinyLlama's shape, BENCHMARKS.md). Call it once after the matrices are
// built and before they are used concurrently; other matrices are left alone.
func Relocate(ms []Matrix) {
	var a arena
	for _, m := range ms {
		switch m := m.(type) {
		case *BitmaskF16:
			move(&a, &m.m.Masks)
			move(&a, &m.m.Vals)
		case *BitmaskI8:
			move(&a, &m.m.Masks)
			move(&a, &m.m.Vals)
			move(&a, &m.m.Scales)
		case *NM24F16:
			move(&a, &m.m.Vals)
			move(&a, &m.m.Idx)
		case *NM24I8:
			move(&a, &m.m.Vals)
			move(&a, &m.m.Idx)
			move(&a, &m.m.Scales)
		}
	}
	for _, c := range a.chunks {
		asm.AdviseHugePages(c, true)
	}
}

// arena hands out 64-byte aligned pieces of large chunks.
type arena struct {
	free   []byte
	chunks [][]byte
}

func (a *arena) take(n int) []byte {
	n64 := (n + 63) &^ 63
	if len(a.free) < n64 {
		c := make([]byte, max(relocChunk, n64+64))
		// Before the first touch, so fresh memory faults in huge pages.
		asm.AdviseHugePages(c, false)
		a.chunks = append(a.chunks, c)
		off := (64 - int(uintptr(unsafe.Pointer(unsafe.SliceData(c))))&63) & 63
		a.free = c[off:]
	}
	b := a.free[:n:n]
	a.free = a.free[min(n64, len(a.free)):]
	return b
}

// move copies *s into the arena and points *s at the copy.
func move[T any](a *arena, s *[]T) {
	if len(*s) == 0 {
		return
	}
	var z T
	b := a.take(len(*s) * int(unsafe.Sizeof(z)))
	d := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(*s))
	copy(d, *s)
	*s = d
}
