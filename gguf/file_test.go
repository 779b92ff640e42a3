package gguf

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/internal/testfiles"
)

var fixtures = []string{
	"models/stories260K.gguf",
	"fixtures/llama-2-tiny-random.gguf",
	"fixtures/ggml-vocab-llama-spm.gguf",
}

// Files written by llama.cpp's converters come back byte for byte.
func TestRewriteFixturesByteIdentical(t *testing.T) {
	for _, name := range fixtures {
		t.Run(filepath.Base(name), func(t *testing.T) {
			p := testfiles.Path(name)
			f, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			out := filepath.Join(t.TempDir(), "x.gguf")
			if err := Write(context.Background(), out, &f.Metadata, f.Copy()); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(p)
			b, _ := os.ReadFile(out)
			if !bytes.Equal(a, b) {
				t.Fatalf("rewrite differs: %d bytes vs %d", len(a), len(b))
			}
		})
	}
}

func TestOpenFixtures(t *testing.T) {
	f, err := Open(testfiles.Path("models/stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Version != 3 || f.DataOffset != 14176 || len(f.Tensors()) != 48 || f.Len() != 19 {
		t.Fatalf("version %d data offset %d tensors %d kvs %d", f.Version, f.DataOffset, len(f.Tensors()), f.Len())
	}
	if a, _ := f.String("general.architecture"); a != "llama" {
		t.Fatalf("architecture %q", a)
	}
	if n, _ := f.Int("llama.embedding_length"); n != 64 {
		t.Fatalf("embedding_length %d", n)
	}
	toks, _ := f.Strings("tokenizer.ggml.tokens")
	if len(toks) != 512 || toks[1] != "<s>" {
		t.Fatalf("tokens: %d, [1]=%q", len(toks), toks[1])
	}
	q, ok := f.Tensor("blk.0.attn_k.weight")
	if !ok || q.Type != F32 || !reflect.DeepEqual(q.Shape, []uint64{64, 32}) || q.Rows() != 32 || q.Cols() != 64 {
		t.Fatalf("attn_k: %+v", q)
	}
	if len(f.Data(q)) != 64*32*4 {
		t.Fatalf("data length %d", len(f.Data(q)))
	}
}

func TestMmapAndReadAgree(t *testing.T) {
	p := testfiles.Path("fixtures/llama-2-tiny-random.gguf")
	a, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenWith(p, OpenOptions{NoMmap: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !reflect.DeepEqual(a.KVs(), b.KVs()) || !reflect.DeepEqual(a.Tensors(), b.Tensors()) {
		t.Fatal("metadata differs")
	}
	for i := range a.Tensors() {
		if !bytes.Equal(a.Data(&a.Tensors()[i]), b.Data(&b.Tensors()[i])) {
			t.Fatalf("tensor %d data differs", i)
		}
	}
}

// everyKind holds a value of every GGUF value type, arrays included, with
// awkward contents (NaN payloads, empty arrays, invalid UTF-8 in strings).
func everyKind() *Metadata {
	md := &Metadata{}
	vals := []KV{
		{"general.architecture", "llama"},
		{"t.u8", uint8(255)}, {"t.i8", int8(-128)}, {"t.u16", uint16(65535)}, {"t.i16", int16(-32768)},
		{"t.u32", uint32(1 << 31)}, {"t.i32", int32(-7)}, {"t.u64", uint64(math.MaxUint64)}, {"t.i64", int64(math.MinInt64)},
		{"t.f32", math.Float32frombits(0x7fc00001)}, {"t.f64", math.Float64frombits(0xfff0000000000001)},
		{"t.bool", true}, {"t.str", "h\xffé"}, {"t.empty", ""},
		{"a.u8", []uint8{0, 1, 255}}, {"a.i8", []int8{-1, 2}}, {"a.u16", []uint16{1, 65535}}, {"a.i16", []int16{-2, 3}},
		{"a.u32", []uint32{4}}, {"a.i32", []int32{-5, 6, 7}}, {"a.u64", []uint64{math.MaxUint64}}, {"a.i64", []int64{-9}},
		{"a.f32", []float32{1.5, float32(math.Inf(-1))}}, {"a.f64", []float64{-0.0, 2.25}},
		{"a.bool", []bool{true, false, true}}, {"a.str", []string{"", "a b", "\x00\x01"}}, {"a.none", []int32{}},
		{"general.alignment", uint32(64)},
	}
	for _, kv := range vals {
		if err := md.Set(kv.Key, kv.Value); err != nil {
			panic(err)
		}
	}
	return md
}

func TestRoundTripEveryType(t *testing.T) {
	md := everyKind()
	var ts []WriteTensor
	for i, typ := range []Type{F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, I8, I32, F64, IQ4_NL, TQ2_0, MXFP4} {
		shape := []uint64{uint64(typ.BlockSize() * 2), 3}
		n := (shape[0] / uint64(typ.BlockSize())) * shape[1] * uint64(typ.TypeSize())
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(j*7 + i)
		}
		wt := WriteTensor{Name: "t." + typ.String(), Type: typ, Shape: shape}
		if i%2 == 0 {
			wt.Data = data
		} else {
			wt.WriteTo = func(w io.Writer) error { _, err := w.Write(data); return err }
		}
		ts = append(ts, wt)
	}
	out := filepath.Join(t.TempDir(), "all.gguf")
	if err := Write(context.Background(), out, md, ts); err != nil {
		t.Fatal(err)
	}
	f, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Alignment != 64 || f.DataOffset%64 != 0 {
		t.Fatalf("alignment %d data offset %d", f.Alignment, f.DataOffset)
	}
	got, want := f.KVs(), md.KVs()
	if len(got) != len(want) {
		t.Fatalf("%d kvs, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Key != want[i].Key || !sameBits(got[i].Value, want[i].Value) {
			t.Errorf("kv %d: got %q=%#v, want %q=%#v", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
	for i, ti := range f.Tensors() {
		if ti.Name != ts[i].Name || ti.Type != ts[i].Type || !reflect.DeepEqual(ti.Shape, ts[i].Shape) || ti.Offset%64 != 0 {
			t.Errorf("tensor %d: %+v", i, ti)
		}
		var want bytes.Buffer
		if ts[i].Data != nil {
			want.Write(ts[i].Data)
		} else {
			ts[i].WriteTo(&want)
		}
		if !bytes.Equal(f.Data(&ti), want.Bytes()) {
			t.Errorf("tensor %s: data differs", ti.Name)
		}
	}
}

// sameBits compares metadata values bit for bit (NaN payloads and -0 included).
func sameBits(a, b any) bool {
	switch x := a.(type) {
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case []float32:
		y, ok := b.([]float32)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return false
			}
		}
		return true
	case []float64:
		y, ok := b.([]float64)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func TestWriteRejectsBadTensors(t *testing.T) {
	md := &Metadata{}
	md.Set("general.architecture", "llama")
	ok := []byte{1, 2, 3, 4}
	cases := []struct {
		name string
		ts   []WriteTensor
		want string
	}{
		{"short data", []WriteTensor{{Name: "a", Type: F32, Shape: []uint64{2}, Data: ok}}, "needs 8"},
		{"long stream", []WriteTensor{{Name: "a", Type: F32, Shape: []uint64{1}, WriteTo: func(w io.Writer) error { _, err := w.Write(make([]byte, 9)); return err }}}, "wrote 9 bytes"},
		{"stream error", []WriteTensor{{Name: "a", Type: F32, Shape: []uint64{1}, WriteTo: func(w io.Writer) error { return errors.New("boom") }}}, "boom"},
		{"block multiple", []WriteTensor{{Name: "a", Type: Q8_0, Shape: []uint64{31}, Data: ok}}, "block size"},
		{"unknown type", []WriteTensor{{Name: "a", Type: 4, Shape: []uint64{1}, Data: ok}}, "unknown type"},
		{"duplicate", []WriteTensor{{Name: "a", Type: F32, Shape: []uint64{1}, Data: ok}, {Name: "a", Type: F32, Shape: []uint64{1}, Data: ok}}, "duplicate"},
		{"no data", []WriteTensor{{Name: "a", Type: F32, Shape: []uint64{1}}}, "exactly one"},
		{"5 dims", []WriteTensor{{Name: "a", Type: F32, Shape: []uint64{1, 1, 1, 1, 1}, Data: ok}}, "dimensions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "m.gguf")
			os.WriteFile(out, []byte("precious"), 0o644)
			err := Write(context.Background(), out, md, c.ts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			if b, _ := os.ReadFile(out); string(b) != "precious" {
				t.Fatal("existing file was modified")
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 1 {
				t.Fatalf("temporary files left: %v", ents)
			}
		})
	}
}

func TestWriteCancelled(t *testing.T) {
	md := &Metadata{}
	md.Set("general.architecture", "llama")
	ctx, cancel := context.WithCancel(context.Background())
	ts := []WriteTensor{
		{Name: "a", Type: F32, Shape: []uint64{1}, WriteTo: func(w io.Writer) error { cancel(); _, err := w.Write(make([]byte, 4)); return err }},
		{Name: "b", Type: F32, Shape: []uint64{1}, Data: make([]byte, 4)},
	}
	dir := t.TempDir()
	if err := Write(ctx, filepath.Join(dir, "m.gguf"), md, ts); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("files left: %v", ents)
	}
}

// TestRelease releases every other tensor of a file opened each way and
// checks that Data refuses exactly those and that every other tensor's
// bytes are untouched (the pages dropped are only those wholly inside a
// released tensor).
func TestRelease(t *testing.T) {
	p := testfiles.Path("fixtures/llama-2-tiny-random.gguf")
	ref, err := OpenWith(p, OpenOptions{NoMmap: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	for name, opt := range map[string]OpenOptions{"mmap": {}, "read": {NoMmap: true}, "hugepages": {HugePages: true}} {
		f, err := OpenWith(p, opt)
		if err != nil {
			t.Fatal(err)
		}
		ts := f.Tensors()
		for i := 0; i < len(ts); i += 2 {
			f.Release(&ts[i])
		}
		for i := range ts {
			if f.Released(&ts[i]) != (i%2 == 0) {
				t.Fatalf("%s: tensor %d Released = %v", name, i, f.Released(&ts[i]))
			}
			if i%2 == 0 {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s: Data of released tensor %s did not panic", name, ts[i].Name)
						}
					}()
					f.Data(&ts[i])
				}()
				continue
			}
			if !bytes.Equal(f.Data(&ts[i]), ref.Data(&ref.Tensors()[i])) {
				t.Fatalf("%s: tensor %s changed after releasing its neighbours", name, ts[i].Name)
			}
		}
		f.Close()
	}
}
