package gguf

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"unicode/utf8"
)

// maxDims is GGML_MAX_DIMS.
const maxDims = 4

// DefaultAlignment is the data alignment when general.alignment is absent.
const DefaultAlignment = 32

// header is what scan extracts from the bytes before the tensor data.
type header struct {
	version    uint32
	meta       Metadata
	tensors    []TensorInfo
	alignment  uint64
	dataOffset uint64
}

// scanner reads the GGUF header with a bounds check on every read, so no
// length or count in the file can cause a panic or an allocation larger than
// the file itself.
type scanner struct {
	b   []byte
	off uint64
}

// FormatError describes a malformed GGUF file: which file, where, and what.
type FormatError struct {
	File  string // path, or a name given by the caller
	Field string // the key, tensor or header field concerned
	Off   uint64 // byte offset of the problem, when known
	Msg   string
}

func (e *FormatError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: invalid GGUF: %s (at byte %d)", e.File, e.Msg, e.Off)
	}
	return fmt.Sprintf("%s: invalid GGUF: %s: %s (at byte %d)", e.File, e.Field, e.Msg, e.Off)
}

func (s *scanner) remaining() uint64 { return uint64(len(s.b)) - s.off }

func (s *scanner) need(n uint64, what string) error {
	if n > s.remaining() {
		return fmt.Errorf("%s needs %d bytes but the file ends %d bytes later (truncated?)", what, n, s.remaining())
	}
	return nil
}

func (s *scanner) u8(what string) (uint8, error) {
	if err := s.need(1, what); err != nil {
		return 0, err
	}
	v := s.b[s.off]
	s.off++
	return v, nil
}

func (s *scanner) u16(what string) (uint16, error) {
	if err := s.need(2, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint16(s.b[s.off:])
	s.off += 2
	return v, nil
}

func (s *scanner) u32(what string) (uint32, error) {
	if err := s.need(4, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint32(s.b[s.off:])
	s.off += 4
	return v, nil
}

func (s *scanner) u64(what string) (uint64, error) {
	if err := s.need(8, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint64(s.b[s.off:])
	s.off += 8
	return v, nil
}

func (s *scanner) str(what string) (string, error) {
	n, err := s.u64(what + " length")
	if err != nil {
		return "", err
	}
	if err := s.need(n, what); err != nil {
		return "", err
	}
	v := string(s.b[s.off : s.off+n])
	s.off += n
	return v, nil
}

// scanHeader parses and validates everything up to the tensor data.
// name is used in errors.
func scanHeader(name string, b []byte) (*header, error) {
	s := &scanner{b: b}
	fail := func(field, format string, args ...any) error {
		return &FormatError{File: name, Field: field, Off: s.off, Msg: fmt.Sprintf(format, args...)}
	}
	if len(b) < 4 || string(b[:4]) != "GGUF" {
		if len(b) < 4 {
			return nil, fail("magic", "file is %d bytes, too short for a GGUF header", len(b))
		}
		return nil, fail("magic", "not a GGUF file (magic %q, want \"GGUF\")", b[:4])
	}
	s.off = 4
	h := &header{}
	var err error
	if h.version, err = s.u32("version"); err != nil {
		return nil, fail("version", "%v", err)
	}
	switch {
	case h.version == 1:
		return nil, fail("version", "GGUF v1 is not supported; re-convert the model with a current llama.cpp")
	case h.version == 2 || h.version == 3:
	case bits.ReverseBytes32(h.version) == 2 || bits.ReverseBytes32(h.version) == 3:
		return nil, fail("version", "big-endian GGUF is not supported")
	default:
		return nil, fail("version", "unsupported GGUF version %d (want 2 or 3)", h.version)
	}
	nTensors, err := s.u64("tensor count")
	if err != nil {
		return nil, fail("tensor count", "%v", err)
	}
	nKV, err := s.u64("metadata count")
	if err != nil {
		return nil, fail("metadata count", "%v", err)
	}
	// Every KV takes at least 8 (key length) + 4 (type) + 1 bytes and every
	// tensor info at least 8 + 4 + 8 + 4 + 8, so larger counts cannot fit.
	if nKV > s.remaining()/13 {
		return nil, fail("metadata count", "%d entries cannot fit in the %d bytes left", nKV, s.remaining())
	}
	if nTensors > s.remaining()/32 {
		return nil, fail("tensor count", "%d tensors cannot fit in the %d bytes left", nTensors, s.remaining())
	}
	h.meta.index = make(map[string]int, nKV)
	for i := uint64(0); i < nKV; i++ {
		key, err := s.str(fmt.Sprintf("metadata key #%d", i))
		if err != nil {
			return nil, fail(fmt.Sprintf("metadata entry #%d", i), "%v", err)
		}
		if key == "" {
			return nil, fail(fmt.Sprintf("metadata entry #%d", i), "empty key")
		}
		if !utf8.ValidString(key) {
			return nil, fail(fmt.Sprintf("metadata entry #%d", i), "key is not valid UTF-8")
		}
		field := fmt.Sprintf("metadata %q", key)
		if _, dup := h.meta.index[key]; dup {
			return nil, fail(field, "duplicate key")
		}
		t, err := s.u32("value type")
		if err != nil {
			return nil, fail(field, "%v", err)
		}
		v, err := s.value(ValueType(t))
		if err != nil {
			return nil, fail(field, "%v", err)
		}
		h.meta.index[key] = len(h.meta.kvs)
		h.meta.kvs = append(h.meta.kvs, KV{key, v})
	}

	h.alignment = DefaultAlignment
	if v, ok := h.meta.Value("general.alignment"); ok {
		a, isU32 := v.(uint32)
		if !isU32 {
			return nil, fail(`metadata "general.alignment"`, "has type %T, want uint32", v)
		}
		if a == 0 || a&(a-1) != 0 {
			return nil, fail(`metadata "general.alignment"`, "%d is not a power of two", a)
		}
		h.alignment = uint64(a)
	}

	h.tensors = make([]TensorInfo, 0, nTensors)
	names := make(map[string]bool, nTensors)
	for i := uint64(0); i < nTensors; i++ {
		tname, err := s.str(fmt.Sprintf("tensor #%d name", i))
		if err != nil {
			return nil, fail(fmt.Sprintf("tensor #%d", i), "%v", err)
		}
		field := fmt.Sprintf("tensor %q", tname)
		if tname == "" {
			return nil, fail(fmt.Sprintf("tensor #%d", i), "empty name")
		}
		if names[tname] {
			return nil, fail(field, "duplicate tensor name")
		}
		names[tname] = true
		nd, err := s.u32("dimension count")
		if err != nil {
			return nil, fail(field, "%v", err)
		}
		if nd == 0 || nd > maxDims {
			return nil, fail(field, "%d dimensions (want 1 to %d)", nd, maxDims)
		}
		shape := make([]uint64, nd)
		elems := uint64(1)
		for d := range shape {
			if shape[d], err = s.u64("dimension"); err != nil {
				return nil, fail(field, "%v", err)
			}
			if shape[d] == 0 {
				return nil, fail(field, "dimension %d is zero", d)
			}
			hi, lo := bits.Mul64(elems, shape[d])
			if hi != 0 || lo > math.MaxInt64 {
				return nil, fail(field, "shape %v overflows the element count", shape[:d+1])
			}
			elems = lo
		}
		tt, err := s.u32("type")
		if err != nil {
			return nil, fail(field, "%v", err)
		}
		typ := Type(tt)
		ti, known := typeTable[typ]
		if !known {
			return nil, fail(field, "unknown tensor type %d", tt)
		}
		if shape[0]%ti.blockSize != 0 {
			return nil, fail(field, "row length %d is not a multiple of the %s block size %d", shape[0], typ, ti.blockSize)
		}
		hi, size := bits.Mul64(elems/ti.blockSize, ti.typeSize)
		if hi != 0 || size > math.MaxInt64 {
			return nil, fail(field, "byte size overflows")
		}
		off, err := s.u64("offset")
		if err != nil {
			return nil, fail(field, "%v", err)
		}
		if off%h.alignment != 0 {
			return nil, fail(field, "data offset %d is not a multiple of the alignment %d", off, h.alignment)
		}
		h.tensors = append(h.tensors, TensorInfo{Name: tname, Type: typ, Shape: shape, Offset: off, Size: size})
	}

	pad := (h.alignment - s.off%h.alignment) % h.alignment
	h.dataOffset = s.off + pad
	fileSize := uint64(len(b))
	if len(h.tensors) > 0 && h.dataOffset > fileSize {
		return nil, fail("tensor data", "data section would start at byte %d, past the end of the %d-byte file (truncated?)", h.dataOffset, fileSize)
	}
	dataLen := uint64(0)
	if fileSize > h.dataOffset {
		dataLen = fileSize - h.dataOffset
	}
	// Tensors may be stored in any order but must not overlap.
	type span struct {
		lo, hi uint64
		name   string
	}
	spans := make([]span, 0, len(h.tensors))
	for _, t := range h.tensors {
		if t.Offset > dataLen || t.Size > dataLen-t.Offset {
			return nil, &FormatError{File: name, Field: fmt.Sprintf("tensor %q", t.Name), Off: h.dataOffset + t.Offset,
				Msg: fmt.Sprintf("data [%d, %d) runs past the end of the file's %d data bytes (truncated?)", t.Offset, t.Offset+t.Size, dataLen)}
		}
		spans = append(spans, span{t.Offset, t.Offset + t.Size, t.Name})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	for i := 1; i < len(spans); i++ {
		if spans[i].lo < spans[i-1].hi {
			return nil, &FormatError{File: name, Field: fmt.Sprintf("tensor %q", spans[i].name), Off: h.dataOffset + spans[i].lo,
				Msg: fmt.Sprintf("data overlaps tensor %q", spans[i-1].name)}
		}
	}
	return h, nil
}

// value reads one metadata value of type t. Nested arrays are rejected, as
// llama.cpp does.
func (s *scanner) value(t ValueType) (any, error) {
	switch t {
	case TypeUint8:
		return s.u8("u8 value")
	case TypeInt8:
		v, err := s.u8("i8 value")
		return int8(v), err
	case TypeUint16:
		return s.u16("u16 value")
	case TypeInt16:
		v, err := s.u16("i16 value")
		return int16(v), err
	case TypeUint32:
		return s.u32("u32 value")
	case TypeInt32:
		v, err := s.u32("i32 value")
		return int32(v), err
	case TypeUint64:
		return s.u64("u64 value")
	case TypeInt64:
		v, err := s.u64("i64 value")
		return int64(v), err
	case TypeFloat32:
		v, err := s.u32("f32 value")
		return math.Float32frombits(v), err
	case TypeFloat64:
		v, err := s.u64("f64 value")
		return math.Float64frombits(v), err
	case TypeBool:
		v, err := s.u8("bool value")
		if err == nil && v > 1 {
			return nil, fmt.Errorf("bool value is %d, want 0 or 1", v)
		}
		return v == 1, err
	case TypeString:
		return s.str("string value")
	case TypeArray:
		return s.array()
	}
	return nil, fmt.Errorf("unknown value type %d", uint32(t))
}

func (s *scanner) array() (any, error) {
	et, err := s.u32("array element type")
	if err != nil {
		return nil, err
	}
	n, err := s.u64("array length")
	if err != nil {
		return nil, err
	}
	elem := ValueType(et)
	if elem == TypeArray {
		return nil, fmt.Errorf("nested arrays are not supported")
	}
	size := uint64(elem.scalarSize())
	if elem == TypeString {
		size = 8 // at least the length of each string
	}
	if size == 0 {
		return nil, fmt.Errorf("unknown array element type %d", et)
	}
	if n > s.remaining()/size {
		return nil, fmt.Errorf("array of %d %s elements cannot fit in the %d bytes left (truncated?)", n, elem, s.remaining())
	}
	le := binary.LittleEndian
	switch elem {
	case TypeString:
		out := make([]string, n)
		for i := range out {
			if out[i], err = s.str(fmt.Sprintf("array element %d", i)); err != nil {
				return nil, err
			}
		}
		return out, nil
	case TypeBool:
		out := make([]bool, n)
		for i := range out {
			v := s.b[s.off+uint64(i)]
			if v > 1 {
				return nil, fmt.Errorf("bool array element %d is %d, want 0 or 1", i, v)
			}
			out[i] = v == 1
		}
		s.off += n
		return out, nil
	}
	raw := s.b[s.off : s.off+n*size]
	s.off += n * size
	switch elem {
	case TypeUint8:
		return append([]uint8(nil), raw...), nil
	case TypeInt8:
		return decodeArray(raw, 1, func(b []byte) int8 { return int8(b[0]) }), nil
	case TypeUint16:
		return decodeArray(raw, 2, le.Uint16), nil
	case TypeInt16:
		return decodeArray(raw, 2, func(b []byte) int16 { return int16(le.Uint16(b)) }), nil
	case TypeUint32:
		return decodeArray(raw, 4, le.Uint32), nil
	case TypeInt32:
		return decodeArray(raw, 4, func(b []byte) int32 { return int32(le.Uint32(b)) }), nil
	case TypeUint64:
		return decodeArray(raw, 8, le.Uint64), nil
	case TypeInt64:
		return decodeArray(raw, 8, func(b []byte) int64 { return int64(le.Uint64(b)) }), nil
	case TypeFloat32:
		return decodeArray(raw, 4, func(b []byte) float32 { return math.Float32frombits(le.Uint32(b)) }), nil
	case TypeFloat64:
		return decodeArray(raw, 8, func(b []byte) float64 { return math.Float64frombits(le.Uint64(b)) }), nil
	}
	return nil, fmt.Errorf("unknown array element type %d", et)
}

func decodeArray[T any](raw []byte, size int, get func([]byte) T) []T {
	out := make([]T, len(raw)/size)
	for i := range out {
		out[i] = get(raw[i*size:])
	}
	return out
}
