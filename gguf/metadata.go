package gguf

import (
	"fmt"
	"math"
)

// ValueType is the GGUF type code of a metadata value.
type ValueType uint32

// GGUF metadata value types, numbered as in the GGUF specification.
const (
	TypeUint8 ValueType = iota
	TypeInt8
	TypeUint16
	TypeInt16
	TypeUint32
	TypeInt32
	TypeFloat32
	TypeBool
	TypeString
	TypeArray
	TypeUint64
	TypeInt64
	TypeFloat64
)

var valueTypeNames = [...]string{"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"}

func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("valuetype(%d)", uint32(t))
}

// scalarSize is the encoded size of a fixed-size scalar type, 0 for others.
func (t ValueType) scalarSize() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// KV is one metadata entry. Value holds exactly one of the Go types
// uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64,
// bool, string, or a slice of one of them (a GGUF array). The Go type is the
// GGUF type, so a value read and written back keeps its exact encoding.
type KV struct {
	Key   string
	Value any
}

// TypeOf returns the GGUF type of a metadata value; for arrays it also returns
// the element type. ok is false for Go types GGUF cannot hold.
func TypeOf(v any) (t, elem ValueType, ok bool) {
	switch v.(type) {
	case uint8:
		return TypeUint8, 0, true
	case int8:
		return TypeInt8, 0, true
	case uint16:
		return TypeUint16, 0, true
	case int16:
		return TypeInt16, 0, true
	case uint32:
		return TypeUint32, 0, true
	case int32:
		return TypeInt32, 0, true
	case uint64:
		return TypeUint64, 0, true
	case int64:
		return TypeInt64, 0, true
	case float32:
		return TypeFloat32, 0, true
	case float64:
		return TypeFloat64, 0, true
	case bool:
		return TypeBool, 0, true
	case string:
		return TypeString, 0, true
	case []uint8:
		return TypeArray, TypeUint8, true
	case []int8:
		return TypeArray, TypeInt8, true
	case []uint16:
		return TypeArray, TypeUint16, true
	case []int16:
		return TypeArray, TypeInt16, true
	case []uint32:
		return TypeArray, TypeUint32, true
	case []int32:
		return TypeArray, TypeInt32, true
	case []uint64:
		return TypeArray, TypeUint64, true
	case []int64:
		return TypeArray, TypeInt64, true
	case []float32:
		return TypeArray, TypeFloat32, true
	case []float64:
		return TypeArray, TypeFloat64, true
	case []bool:
		return TypeArray, TypeBool, true
	case []string:
		return TypeArray, TypeString, true
	}
	return 0, 0, false
}

// Metadata is an ordered set of KV entries with unique keys.
type Metadata struct {
	kvs   []KV
	index map[string]int
}

// KVs returns the entries in file order. The slice must not be modified.
func (m *Metadata) KVs() []KV { return m.kvs }

// Len is the number of entries.
func (m *Metadata) Len() int { return len(m.kvs) }

// Value returns the raw value for key.
func (m *Metadata) Value(key string) (any, bool) {
	i, ok := m.index[key]
	if !ok {
		return nil, false
	}
	return m.kvs[i].Value, true
}

// Set adds or replaces key. A new key goes at the end; a replaced one keeps
// its place. It fails for values GGUF cannot encode.
func (m *Metadata) Set(key string, v any) error {
	if key == "" {
		return fmt.Errorf("gguf: empty metadata key")
	}
	if _, _, ok := TypeOf(v); !ok {
		return fmt.Errorf("gguf: metadata %q: type %T cannot be stored in GGUF", key, v)
	}
	if m.index == nil {
		m.index = map[string]int{}
	}
	if i, ok := m.index[key]; ok {
		m.kvs[i].Value = v
		return nil
	}
	m.index[key] = len(m.kvs)
	m.kvs = append(m.kvs, KV{key, v})
	return nil
}

// Delete removes key if present.
func (m *Metadata) Delete(key string) {
	i, ok := m.index[key]
	if !ok {
		return
	}
	m.kvs = append(m.kvs[:i], m.kvs[i+1:]...)
	delete(m.index, key)
	for j := i; j < len(m.kvs); j++ {
		m.index[m.kvs[j].Key] = j
	}
}

// Clone returns a deep copy of the entries (slices are copied too).
func (m *Metadata) Clone() *Metadata {
	c := &Metadata{index: make(map[string]int, len(m.kvs))}
	for _, kv := range m.kvs {
		c.index[kv.Key] = len(c.kvs)
		c.kvs = append(c.kvs, KV{kv.Key, cloneValue(kv.Value)})
	}
	return c
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case []uint8:
		return append([]uint8(nil), x...)
	case []int8:
		return append([]int8(nil), x...)
	case []uint16:
		return append([]uint16(nil), x...)
	case []int16:
		return append([]int16(nil), x...)
	case []uint32:
		return append([]uint32(nil), x...)
	case []int32:
		return append([]int32(nil), x...)
	case []uint64:
		return append([]uint64(nil), x...)
	case []int64:
		return append([]int64(nil), x...)
	case []float32:
		return append([]float32(nil), x...)
	case []float64:
		return append([]float64(nil), x...)
	case []bool:
		return append([]bool(nil), x...)
	case []string:
		return append([]string(nil), x...)
	}
	return v
}

// String returns the string value of key.
func (m *Metadata) String(key string) (string, bool) {
	v, _ := m.Value(key)
	s, ok := v.(string)
	return s, ok
}

// Int returns an integer value of key whatever its integer width, as converters
// differ on it. ok is false if the key is missing, not an integer, or does not
// fit in an int64.
func (m *Metadata) Int(key string) (int64, bool) {
	v, _ := m.Value(key)
	switch x := v.(type) {
	case uint8:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case int16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// Float returns a float (or integer) value of key as float64.
func (m *Metadata) Float(key string) (float64, bool) {
	v, _ := m.Value(key)
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	if i, ok := m.Int(key); ok {
		return float64(i), true
	}
	return 0, false
}

// Bool returns the bool value of key.
func (m *Metadata) Bool(key string) (bool, bool) {
	v, _ := m.Value(key)
	b, ok := v.(bool)
	return b, ok
}

// Strings returns a string-array value.
func (m *Metadata) Strings(key string) ([]string, bool) {
	v, _ := m.Value(key)
	s, ok := v.([]string)
	return s, ok
}

// Float32s returns a float32-array value.
func (m *Metadata) Float32s(key string) ([]float32, bool) {
	v, _ := m.Value(key)
	s, ok := v.([]float32)
	return s, ok
}

// Ints returns an integer-array value of any integer element type as int64s.
func (m *Metadata) Ints(key string) ([]int64, bool) {
	v, _ := m.Value(key)
	switch x := v.(type) {
	case []int32:
		return widen(x), true
	case []uint32:
		return widen(x), true
	case []int64:
		return x, true
	case []uint64:
		out := make([]int64, len(x))
		for i, e := range x {
			if e > math.MaxInt64 {
				return nil, false
			}
			out[i] = int64(e)
		}
		return out, true
	case []int8:
		return widen(x), true
	case []uint8:
		return widen(x), true
	case []int16:
		return widen(x), true
	case []uint16:
		return widen(x), true
	}
	return nil, false
}

func widen[T int8 | uint8 | int16 | uint16 | int32 | uint32](s []T) []int64 {
	out := make([]int64, len(s))
	for i, e := range s {
		out[i] = int64(e)
	}
	return out
}
