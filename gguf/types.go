package gguf

import (
	"fmt"
	"strings"
)

// Type is a ggml tensor type, numbered as in ggml.h.
type Type uint32

// Tensor types. The gaps are types ggml removed; files using them are rejected.
const (
	F32     Type = 0
	F16     Type = 1
	Q4_0    Type = 2
	Q4_1    Type = 3
	Q5_0    Type = 6
	Q5_1    Type = 7
	Q8_0    Type = 8
	Q8_1    Type = 9
	Q2_K    Type = 10
	Q3_K    Type = 11
	Q4_K    Type = 12
	Q5_K    Type = 13
	Q6_K    Type = 14
	Q8_K    Type = 15
	IQ2_XXS Type = 16
	IQ2_XS  Type = 17
	IQ3_XXS Type = 18
	IQ1_S   Type = 19
	IQ4_NL  Type = 20
	IQ3_S   Type = 21
	IQ2_S   Type = 22
	IQ4_XS  Type = 23
	I8      Type = 24
	I16     Type = 25
	I32     Type = 26
	I64     Type = 27
	F64     Type = 28
	IQ1_M   Type = 29
	BF16    Type = 30
	TQ1_0   Type = 34
	TQ2_0   Type = 35
	MXFP4   Type = 39
)

// qk is the super-block length of the k-quants.
const qk = 256

type typeInfo struct {
	name      string
	blockSize uint64 // elements per block
	typeSize  uint64 // bytes per block
}

// typeTable holds every type ggml currently defines, with block layouts from
// ggml-common.h. A type missing here is unknown and its file is rejected.
var typeTable = map[Type]typeInfo{
	F32:     {"F32", 1, 4},
	F16:     {"F16", 1, 2},
	Q4_0:    {"Q4_0", 32, 2 + 16},
	Q4_1:    {"Q4_1", 32, 2 + 2 + 16},
	Q5_0:    {"Q5_0", 32, 2 + 4 + 16},
	Q5_1:    {"Q5_1", 32, 2 + 2 + 4 + 16},
	Q8_0:    {"Q8_0", 32, 2 + 32},
	Q8_1:    {"Q8_1", 32, 2 + 2 + 32},
	Q2_K:    {"Q2_K", qk, qk/16 + qk/4 + 2 + 2},
	Q3_K:    {"Q3_K", qk, qk/8 + qk/4 + 12 + 2},
	Q4_K:    {"Q4_K", qk, 2 + 2 + 12 + qk/2},
	Q5_K:    {"Q5_K", qk, 2 + 2 + 12 + qk/8 + qk/2},
	Q6_K:    {"Q6_K", qk, qk/2 + qk/4 + qk/16 + 2},
	Q8_K:    {"Q8_K", qk, 4 + qk + 2*qk/16},
	IQ2_XXS: {"IQ2_XXS", qk, 2 + 2*qk/8},
	IQ2_XS:  {"IQ2_XS", qk, 2 + 2*qk/8 + qk/32},
	IQ3_XXS: {"IQ3_XXS", qk, 2 + qk/4 + qk/8},
	IQ1_S:   {"IQ1_S", qk, 2 + qk/8 + qk/16},
	IQ4_NL:  {"IQ4_NL", 32, 2 + 16},
	IQ3_S:   {"IQ3_S", qk, 2 + qk/4 + qk/8 + qk/32 + 4},
	IQ2_S:   {"IQ2_S", qk, 2 + qk/4 + qk/16},
	IQ4_XS:  {"IQ4_XS", qk, 2 + 2 + qk/2 + qk/64},
	I8:      {"I8", 1, 1},
	I16:     {"I16", 1, 2},
	I32:     {"I32", 1, 4},
	I64:     {"I64", 1, 8},
	F64:     {"F64", 1, 8},
	IQ1_M:   {"IQ1_M", qk, qk/8 + qk/16 + qk/32},
	BF16:    {"BF16", 1, 2},
	TQ1_0:   {"TQ1_0", qk, (qk-4*qk/64)/5 + qk/64 + 2},
	TQ2_0:   {"TQ2_0", qk, qk/4 + 2},
	MXFP4:   {"MXFP4", 32, 1 + 16},
}

// Known reports whether t is a tensor type ggml defines.
func (t Type) Known() bool { _, ok := typeTable[t]; return ok }

// String returns ggml's name for t, such as "Q4_K".
func (t Type) String() string {
	if ti, ok := typeTable[t]; ok {
		return ti.name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// BlockSize is the number of elements one block of t holds (1 for plain types).
func (t Type) BlockSize() int { return int(typeTable[t].blockSize) }

// TypeSize is the number of bytes one block of t occupies.
func (t Type) TypeSize() int { return int(typeTable[t].typeSize) }

// RowBytes returns the bytes of n elements of type t. n must be a multiple of
// the block size.
func (t Type) RowBytes(n int) int { return n / t.BlockSize() * t.TypeSize() }

// ParseType maps a name such as "q8_0" or "F16" (any case) to its Type.
func ParseType(name string) (Type, error) {
	for t, ti := range typeTable {
		if strings.EqualFold(ti.name, name) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown tensor type %q", name)
}
