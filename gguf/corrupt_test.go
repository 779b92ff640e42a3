package gguf

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/internal/testfiles"
)

// raw builds GGUF bytes field by field, independently of Write, so tests can
// put any value in any field.
type raw []byte

func (r raw) u32(v uint32) raw { return binary.LittleEndian.AppendUint32(r, v) }
func (r raw) u64(v uint64) raw { return binary.LittleEndian.AppendUint64(r, v) }
func (r raw) str(s string) raw { return append(r.u64(uint64(len(s))), s...) }
func (r raw) pad(n int) raw {
	for len(r)%n != 0 {
		r = append(r, 0)
	}
	return r
}

func hdr(version uint32, nTensors, nKV uint64) raw {
	return raw("GGUF").u32(version).u64(nTensors).u64(nKV)
}

// tensorInfo appends a tensor info record.
func (r raw) tensor(name string, typ uint32, off uint64, shape ...uint64) raw {
	r = r.str(name).u32(uint32(len(shape)))
	for _, d := range shape {
		r = r.u64(d)
	}
	return r.u32(typ).u64(off)
}

func TestCorruptHeaders(t *testing.T) {
	arch := func(r raw) raw { return r.str("general.architecture").u32(uint32(TypeString)).str("llama") }
	okTensor := func(r raw) raw { return r.tensor("w", uint32(F32), 0, 4, 2).pad(32).u64(0).u64(0).u64(0).u64(0) }
	cases := []struct {
		name  string
		data  raw
		field string // what the error must name
	}{
		{"empty", raw{}, "too short"},
		{"bad magic", raw("GGML").u32(3), "magic"},
		{"v1", hdr(1, 0, 0), "v1"},
		{"big endian", raw("GGUF").u32(0x03000000).u64(0).u64(0), "big-endian"},
		{"version 9", hdr(9, 0, 0), "version 9"},
		{"truncated counts", raw("GGUF").u32(3).u32(0), "tensor count"},
		{"kv count huge", hdr(3, 0, 1<<60), "metadata count"},
		{"tensor count huge", hdr(3, 1<<40, 0), "tensor count"},
		{"key length huge", hdr(3, 0, 1).u64(1 << 62).u64(0), "metadata entry #0"},
		{"empty key", hdr(3, 0, 1).str("").u32(0).u32(0), "empty key"},
		{"unknown value type", hdr(3, 0, 1).str("k").u32(13), `metadata "k": unknown value type 13`},
		{"string length huge", hdr(3, 0, 1).str("k").u32(uint32(TypeString)).u64(1 << 40), `metadata "k"`},
		{"array length huge", hdr(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeUint64)).u64(1 << 61), `metadata "k": array of`},
		{"string array huge", hdr(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeString)).u64(1 << 40), `metadata "k": array of`},
		{"nested array", hdr(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeArray)).u64(1), "nested"},
		{"bad array elem", hdr(3, 0, 1).str("k").u32(uint32(TypeArray)).u32(99).u64(1).u64(0), "element type 99"},
		{"bool 2", hdr(3, 0, 1).str("k").u32(uint32(TypeBool)).u32(2), "bool value is 2"},
		{"duplicate key", hdr(3, 0, 2).str("k").u32(uint32(TypeUint32)).u32(1).str("k").u32(uint32(TypeUint32)).u32(1), `metadata "k": duplicate`},
		{"alignment type", hdr(3, 0, 1).str("general.alignment").u32(uint32(TypeUint64)).u64(32), "want uint32"},
		{"alignment 24", hdr(3, 0, 1).str("general.alignment").u32(uint32(TypeUint32)).u32(24), "power of two"},
		{"alignment 0", hdr(3, 0, 1).str("general.alignment").u32(uint32(TypeUint32)).u32(0), "power of two"},
		{"no dims", arch(hdr(3, 1, 1)).tensor("w", 0, 0), `tensor "w": 0 dimensions`},
		{"5 dims", arch(hdr(3, 1, 1)).tensor("w", 0, 0, 1, 1, 1, 1, 1), `tensor "w": 5 dimensions`},
		{"zero dim", arch(hdr(3, 1, 1)).tensor("w", 0, 0, 4, 0), `tensor "w": dimension 1 is zero`},
		{"overflow", arch(hdr(3, 1, 1)).tensor("w", 0, 0, 1<<32, 1<<32), `tensor "w": shape`},
		{"bytes overflow", arch(hdr(3, 1, 1)).tensor("w", 0, 0, 1<<31, 1<<31), `tensor "w": byte size overflows`},
		{"unknown type", arch(hdr(3, 1, 1)).tensor("w", 4, 0, 4), `tensor "w": unknown tensor type 4`},
		{"type huge", arch(hdr(3, 1, 1)).tensor("w", 1<<31, 0, 4), `tensor "w": unknown tensor type`},
		{"block multiple", arch(hdr(3, 1, 1)).tensor("w", uint32(Q4_0), 0, 33), `tensor "w": row length 33`},
		{"misaligned offset", arch(hdr(3, 1, 1)).tensor("w", 0, 4, 4), `tensor "w": data offset 4`},
		{"past end", arch(hdr(3, 1, 1)).tensor("w", 0, 0, 4, 2).pad(32).u64(0), `tensor "w": data [0, 32) runs past`},
		{"offset past end", arch(hdr(3, 1, 1)).tensor("w", 0, 1<<40, 4).pad(32).u64(0), `tensor "w"`},
		{"duplicate tensor", arch(hdr(3, 2, 1)).tensor("w", 0, 0, 4).tensor("w", 0, 32, 4), `tensor "w": duplicate`},
		{"overlap", arch(hdr(3, 2, 1)).tensor("a", 0, 0, 16).tensor("b", 0, 32, 8).pad(32).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0), `tensor "b": data overlaps tensor "a"`},
		{"truncated tensor name", arch(hdr(3, 1, 1)).u64(100), "tensor #0"},
		{"ok", okTensor(arch(hdr(3, 1, 1))), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.gguf")
			if err := os.WriteFile(p, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Open(p)
			if c.field == "" {
				if err != nil {
					t.Fatalf("valid file rejected: %v", err)
				}
				f.Close()
				return
			}
			if err == nil {
				f.Close()
				t.Fatal("corrupt file accepted")
			}
			if !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q should name the file and %q", err, c.field)
			}
		})
	}
}

// Every truncation of a real file fails cleanly, naming the file.
func TestTruncatedFixtures(t *testing.T) {
	for _, name := range fixtures {
		data, err := os.ReadFile(testfiles.Path(name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(name, data)
		if err != nil {
			t.Fatal(err)
		}
		hdrEnd := int(f.DataOffset)
		step := 11
		if testing.Short() {
			step = 97
		}
		cuts := []int{}
		for n := 0; n < min(hdrEnd, 4096); n += step {
			cuts = append(cuts, n)
		}
		for k := 1; k < 64 && hdrEnd > 4096; k++ {
			cuts = append(cuts, 4096+(hdrEnd-4096)*k/64)
		}
		if len(f.Tensors()) > 0 {
			cuts = append(cuts, hdrEnd, len(data)-1, len(data)-len(data)/3)
		}
		for _, n := range cuts {
			if _, err := Parse(name, data[:n]); err == nil {
				t.Fatalf("%s cut at %d of %d: accepted", name, n, len(data))
			} else if !strings.Contains(err.Error(), name) {
				t.Fatalf("%s cut at %d: error %q does not name the file", name, n, err)
			}
		}
	}
}

// Flipping bytes of a real header never panics.
func TestCorruptedFixtureBytes(t *testing.T) {
	data, err := os.ReadFile(testfiles.Path("models/stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(data))
	for i := 0; i < 14176; i += 17 {
		for _, v := range []byte{0, 0xff, 0x7f, 0x80} {
			copy(buf, data)
			buf[i] = v
			if f, err := Parse("x", buf); err == nil {
				// Accepted corruptions must still yield a self-consistent index.
				for j := range f.Tensors() {
					_ = f.Data(&f.Tensors()[j])
				}
			}
		}
	}
}
