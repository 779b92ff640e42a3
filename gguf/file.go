package gguf

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"sync"
	"unsafe"

	"github.com/ollama/ollama/fs/ggml"
)

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	Name   string
	Type   Type
	Shape  []uint64 // ggml order: Shape[0] is the contiguous (row) dimension
	Offset uint64   // from the start of the data section
	Size   uint64   // bytes
}

// Elements is the number of values in the tensor.
func (t *TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Cols is the row length (Shape[0]); Rows is the product of the other
// dimensions, so a 2-D weight is Rows × Cols in row-major order.
func (t *TensorInfo) Cols() int { return int(t.Shape[0]) }

// Rows is Elements/Cols.
func (t *TensorInfo) Rows() int { return int(t.Elements() / t.Shape[0]) }

// File is an open GGUF file. Its tensor data is memory-mapped (or read into
// memory where mapping is unavailable) and stays valid until Close.
type File struct {
	Path string
	Metadata
	Version    uint32
	Alignment  uint64
	DataOffset uint64 // byte offset of the data section in the file

	tensors []TensorInfo
	byName  map[string]int
	data    []byte // the whole file
	unmap   func() error
	huge    bool // data is anonymous memory advised for huge pages
	// released holds the Offset of every tensor given to Release.
	released sync.Map
}

// HugePages reports whether the file's data was read into memory advised
// for transparent huge pages (OpenOptions.HugePages, where available).
func (f *File) HugePages() bool { return f.huge }

// OpenOptions adjusts Open.
type OpenOptions struct {
	// NoMmap reads the file into memory instead of mapping it.
	NoMmap bool
	// HugePages reads the file into anonymous memory backed by transparent
	// huge pages where the system allows (Linux: madvise). Streaming the
	// weights then takes far fewer TLB misses than through a page-cache
	// mapping of 4 KiB pages, at the cost of reading the file at open.
	HugePages bool
}

// Open opens and validates a GGUF file.
func Open(path string) (*File, error) { return OpenWith(path, OpenOptions{}) }

// OpenWith is Open with options.
func OpenWith(path string, opt OpenOptions) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a GGUF file", path)
	}
	var data []byte
	var unmap func() error
	huge := false
	if opt.HugePages && st.Size() > 0 {
		if data, unmap = anonHuge(st.Size()); data != nil {
			huge = true
			if n, err := fh.ReadAt(data, 0); int64(n) != st.Size() {
				unmap()
				return nil, fmt.Errorf("%s: read %d of %d bytes: %v", path, n, st.Size(), err)
			}
		}
	}
	if data == nil && !opt.NoMmap && st.Size() > 0 {
		data, unmap, err = mmapFile(fh, st.Size())
	}
	if data == nil {
		// Mapping unavailable or refused: read the file instead.
		if data, err = readAll(fh, st.Size()); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		unmap = nil
	}
	f, err := parse(path, data)
	if err != nil {
		if unmap != nil {
			unmap()
		}
		return nil, err
	}
	f.unmap = unmap
	f.huge = huge
	return f, nil
}

// Parse validates GGUF bytes held in memory. name is used in errors. The
// returned File aliases data.
func Parse(name string, data []byte) (*File, error) { return parse(name, data) }

func parse(name string, data []byte) (*File, error) {
	h, err := scanHeader(name, data)
	if err != nil {
		return nil, err
	}
	// The header is now known to be well-formed and bounded; ollama's decoder
	// builds the tensor index, and the two readings must agree.
	g, err := ggml.Decode(bytes.NewReader(data), -1)
	if err != nil {
		return nil, fmt.Errorf("%s: ggml decoder: %w", name, err)
	}
	ts := g.Tensors()
	items := ts.Items()
	if len(items) != len(h.tensors) || ts.Offset != h.dataOffset {
		return nil, fmt.Errorf("%s: ggml decoder found %d tensors with data at %d, header scan %d at %d", name, len(items), ts.Offset, len(h.tensors), h.dataOffset)
	}
	f := &File{
		Path:       name,
		Metadata:   h.meta,
		Version:    h.version,
		Alignment:  h.alignment,
		DataOffset: h.dataOffset,
		data:       data,
		byName:     make(map[string]int, len(items)),
	}
	f.tensors = make([]TensorInfo, len(items))
	for i, it := range items {
		want := &h.tensors[i]
		if it.Name != want.Name || Type(it.Kind) != want.Type || it.Offset != want.Offset || !slices.Equal(it.Shape, want.Shape) {
			return nil, fmt.Errorf("%s: tensor #%d: ggml decoder and header scan disagree (%q %v vs %q %v)", name, i, it.Name, it.Shape, want.Name, want.Shape)
		}
		f.tensors[i] = TensorInfo{Name: it.Name, Type: Type(it.Kind), Shape: slices.Clone(it.Shape), Offset: it.Offset, Size: want.Size}
		f.byName[it.Name] = i
	}
	return f, nil
}

// Close releases the mapping. Slices returned by Data are invalid afterwards.
func (f *File) Close() error {
	f.data = nil
	if f.unmap != nil {
		u := f.unmap
		f.unmap = nil
		return u()
	}
	return nil
}

// Tensors returns the tensor index in file order. Do not modify it.
func (f *File) Tensors() []TensorInfo { return f.tensors }

// Tensor looks a tensor up by name.
func (f *File) Tensor(name string) (*TensorInfo, bool) {
	i, ok := f.byName[name]
	if !ok {
		return nil, false
	}
	return &f.tensors[i], true
}

// Data returns the raw bytes of a tensor, aliasing the mapping. It panics
// for a tensor given to Release.
func (f *File) Data(t *TensorInfo) []byte {
	if f.Released(t) {
		panic(fmt.Sprintf("gguf: %s: tensor %s used after Release", f.Path, t.Name))
	}
	lo := f.DataOffset + t.Offset
	return f.data[lo : lo+t.Size : lo+t.Size]
}

// Release declares that t's data will not be used again (a matrix that was
// converted to another storage) and, when the file is mapped (page cache or
// anonymous huge pages), gives the pages wholly inside it back to the
// system, so a model converted at load does not also keep its source
// resident. Data panics for t afterwards. Not for tensors whose data was
// aliased by earlier Data calls still in use.
func (f *File) Release(t *TensorInfo) {
	f.released.Store(t.Offset, true)
	if f.unmap != nil {
		lo := f.DataOffset + t.Offset
		dropPages(f.data[lo : lo+t.Size])
	}
}

// Released reports whether t was given to Release.
func (f *File) Released(t *TensorInfo) bool {
	_, ok := f.released.Load(t.Offset)
	return ok
}

// Size is the file size in bytes.
func (f *File) Size() int64 { return int64(len(f.data)) }

// Float32View reinterprets the bytes of an F32 tensor without copying. The
// data section is aligned, and the module only targets little-endian CPUs.
func Float32View(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// Uint16View reinterprets bytes as uint16s (F16/BF16 data) without copying.
func Uint16View(b []byte) []uint16 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2)
}

func readAll(fh *os.File, size int64) ([]byte, error) {
	buf := make([]byte, size)
	n, err := fh.ReadAt(buf, 0)
	if int64(n) != size {
		return nil, fmt.Errorf("read %d of %d bytes: %v", n, size, err)
	}
	return buf, nil
}
