package gguf

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// WriteTensor is one tensor to write. Exactly one of Data and WriteTo is set;
// WriteTo streams the bytes (for data too large to hold at once) and must
// produce exactly the byte count the shape and type imply.
type WriteTensor struct {
	Name    string
	Type    Type
	Shape   []uint64 // ggml order, as TensorInfo.Shape
	Data    []byte
	WriteTo func(w io.Writer) error
}

// Bytes is the data size the shape and type imply.
func (t *WriteTensor) Bytes() (uint64, error) {
	if !t.Type.Known() {
		return 0, fmt.Errorf("tensor %q: unknown type %d", t.Name, uint32(t.Type))
	}
	if len(t.Shape) == 0 || len(t.Shape) > maxDims {
		return 0, fmt.Errorf("tensor %q: %d dimensions (want 1 to %d)", t.Name, len(t.Shape), maxDims)
	}
	n := uint64(1)
	for _, d := range t.Shape {
		if d == 0 || n > math.MaxInt64/d {
			return 0, fmt.Errorf("tensor %q: bad shape %v", t.Name, t.Shape)
		}
		n *= d
	}
	bs := uint64(t.Type.BlockSize())
	if t.Shape[0]%bs != 0 {
		return 0, fmt.Errorf("tensor %q: row length %d is not a multiple of the %s block size %d", t.Name, t.Shape[0], t.Type, bs)
	}
	return n / bs * uint64(t.Type.TypeSize()), nil
}

// Write writes a GGUF file with Encode. The file is built under a temporary
// name in the target directory and renamed into place only when complete, so
// an existing file at path is replaced atomically or not at all. Cancelling
// ctx aborts the write and removes the temporary file.
func Write(ctx context.Context, path string, md *Metadata, tensors []WriteTensor) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes the file private; a model is an ordinary file.
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := Encode(ctx, bw, md, tensors); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("gguf: %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("gguf: %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("gguf: %s: %w", path, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	return nil
}

// Encode writes a GGUF v3 stream: the metadata in its order, then the tensor
// infos and data in the given order, each tensor aligned to general.alignment
// (default 32). Sizes are checked against shape and type before anything is
// written, and every streamed tensor's byte count after.
func Encode(ctx context.Context, out io.Writer, md *Metadata, tensors []WriteTensor) error {
	align := uint64(DefaultAlignment)
	if v, ok := md.Value("general.alignment"); ok {
		a, isU32 := v.(uint32)
		if !isU32 || a == 0 || a&(a-1) != 0 {
			return fmt.Errorf("gguf: general.alignment must be a uint32 power of two, have %v (%T)", v, v)
		}
		align = uint64(a)
	}
	sizes := make([]uint64, len(tensors))
	seen := make(map[string]bool, len(tensors))
	for i := range tensors {
		t := &tensors[i]
		if t.Name == "" || seen[t.Name] {
			return fmt.Errorf("gguf: tensor #%d: empty or duplicate name %q", i, t.Name)
		}
		seen[t.Name] = true
		var err error
		if sizes[i], err = t.Bytes(); err != nil {
			return fmt.Errorf("gguf: %w", err)
		}
		if (t.Data == nil) == (t.WriteTo == nil) {
			return fmt.Errorf("gguf: tensor %q: set exactly one of Data and WriteTo", t.Name)
		}
		if t.Data != nil && uint64(len(t.Data)) != sizes[i] {
			return fmt.Errorf("gguf: tensor %q: %d data bytes, but %s %v needs %d", t.Name, len(t.Data), t.Type, t.Shape, sizes[i])
		}
	}
	cw := &countWriter{w: out}
	w := &leWriter{w: cw}
	w.bytes([]byte("GGUF"))
	w.u32(3)
	w.u64(uint64(len(tensors)))
	w.u64(uint64(md.Len()))
	for _, kv := range md.KVs() {
		if err := w.kv(kv); err != nil {
			return err
		}
	}
	off := uint64(0)
	for i := range tensors {
		t := &tensors[i]
		w.str(t.Name)
		w.u32(uint32(len(t.Shape)))
		for _, d := range t.Shape {
			w.u64(d)
		}
		w.u32(uint32(t.Type))
		w.u64(off)
		off += sizes[i]
		off += (align - off%align) % align
	}
	if len(tensors) > 0 {
		w.pad(align)
	}
	if w.err != nil {
		return fmt.Errorf("gguf: %w", w.err)
	}
	for i := range tensors {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := &tensors[i]
		start := cw.n
		if t.Data != nil {
			w.bytes(t.Data)
		} else if werr := t.WriteTo(cw); werr != nil {
			return fmt.Errorf("gguf: tensor %q: %w", t.Name, werr)
		}
		if w.err != nil {
			return fmt.Errorf("gguf: %w", w.err)
		}
		if got := cw.n - start; got != sizes[i] {
			return fmt.Errorf("gguf: tensor %q: wrote %d bytes, but %s %v needs %d", t.Name, got, t.Type, t.Shape, sizes[i])
		}
		w.pad(align)
	}
	return w.err
}

type countWriter struct {
	w io.Writer
	n uint64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += uint64(n)
	return n, err
}

// leWriter writes little-endian values and keeps the first error.
type leWriter struct {
	w   *countWriter
	err error
	buf [8]byte
}

func (w *leWriter) bytes(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

func (w *leWriter) u8(v uint8)   { w.buf[0] = v; w.bytes(w.buf[:1]) }
func (w *leWriter) u16(v uint16) { binary.LittleEndian.PutUint16(w.buf[:], v); w.bytes(w.buf[:2]) }
func (w *leWriter) u32(v uint32) { binary.LittleEndian.PutUint32(w.buf[:], v); w.bytes(w.buf[:4]) }
func (w *leWriter) u64(v uint64) { binary.LittleEndian.PutUint64(w.buf[:], v); w.bytes(w.buf[:8]) }
func (w *leWriter) str(s string) { w.u64(uint64(len(s))); w.bytes([]byte(s)) }

func (w *leWriter) pad(align uint64) {
	if n := (align - w.w.n%align) % align; n > 0 {
		w.bytes(make([]byte, n))
	}
}

func (w *leWriter) kv(kv KV) error {
	t, elem, ok := TypeOf(kv.Value)
	if !ok {
		return fmt.Errorf("gguf: metadata %q: type %T cannot be stored in GGUF", kv.Key, kv.Value)
	}
	w.str(kv.Key)
	w.u32(uint32(t))
	if t == TypeArray {
		w.u32(uint32(elem))
	}
	switch v := kv.Value.(type) {
	case uint8:
		w.u8(v)
	case int8:
		w.u8(uint8(v))
	case uint16:
		w.u16(v)
	case int16:
		w.u16(uint16(v))
	case uint32:
		w.u32(v)
	case int32:
		w.u32(uint32(v))
	case uint64:
		w.u64(v)
	case int64:
		w.u64(uint64(v))
	case float32:
		w.u32(math.Float32bits(v))
	case float64:
		w.u64(math.Float64bits(v))
	case bool:
		w.u8(b2u(v))
	case string:
		w.str(v)
	case []uint8:
		w.u64(uint64(len(v)))
		w.bytes(v)
	case []int8:
		writeArray(w, v, func(e int8) { w.u8(uint8(e)) })
	case []uint16:
		writeArray(w, v, w.u16)
	case []int16:
		writeArray(w, v, func(e int16) { w.u16(uint16(e)) })
	case []uint32:
		writeArray(w, v, w.u32)
	case []int32:
		writeArray(w, v, func(e int32) { w.u32(uint32(e)) })
	case []uint64:
		writeArray(w, v, w.u64)
	case []int64:
		writeArray(w, v, func(e int64) { w.u64(uint64(e)) })
	case []float32:
		writeArray(w, v, func(e float32) { w.u32(math.Float32bits(e)) })
	case []float64:
		writeArray(w, v, func(e float64) { w.u64(math.Float64bits(e)) })
	case []bool:
		writeArray(w, v, func(e bool) { w.u8(b2u(e)) })
	case []string:
		writeArray(w, v, w.str)
	}
	if w.err != nil {
		return fmt.Errorf("gguf: metadata %q: %w", kv.Key, w.err)
	}
	return nil
}

func writeArray[T any](w *leWriter, s []T, put func(T)) {
	w.u64(uint64(len(s)))
	for _, e := range s {
		put(e)
	}
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// SameFile reports whether two paths name the same existing file, so a
// command can refuse to overwrite its input.
func SameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return os.SameFile(sa, sb)
}

// Copy returns WriteTensors that copy every tensor of f unchanged, in order.
func (f *File) Copy() []WriteTensor {
	out := make([]WriteTensor, len(f.tensors))
	for i := range f.tensors {
		t := &f.tensors[i]
		out[i] = WriteTensor{Name: t.Name, Type: t.Type, Shape: slices.Clone(t.Shape), Data: f.Data(t)}
	}
	return out
}
