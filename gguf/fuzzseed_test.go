package gguf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sieve-llm/sieve/internal/testfiles"
)

// TestWriteFuzzSeeds regenerates testdata/fuzz/FuzzOpen from the real
// fixtures, shrunk so the fuzzer runs fast: each keeps its file's real
// metadata (arrays cut to a few entries) and its first tensors, cut to a few
// rows. Run with SIEVE_WRITE_FUZZ_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("SIEVE_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set SIEVE_WRITE_FUZZ_SEEDS=1 to regenerate the fuzz corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, name := range fixtures {
		f, err := Open(testfiles.Path(name))
		if err != nil {
			t.Fatal(err)
		}
		md := &Metadata{}
		for _, kv := range f.KVs() {
			v := kv.Value
			switch x := v.(type) {
			case []string:
				v = x[:min(len(x), 6)]
			case []float32:
				v = x[:min(len(x), 6)]
			case []int32:
				v = x[:min(len(x), 6)]
			}
			md.Set(kv.Key, v)
		}
		var ts []WriteTensor
		for _, ti := range f.Tensors()[:min(len(f.Tensors()), 4)] {
			shape := []uint64{ti.Shape[0]}
			if len(ti.Shape) > 1 {
				shape = append(shape, 2)
			}
			wt := WriteTensor{Name: ti.Name, Type: ti.Type, Shape: shape}
			n, _ := wt.Bytes()
			wt.Data = f.Data(&ti)[:n]
			ts = append(ts, wt)
		}
		out := filepath.Join(t.TempDir(), "seed.gguf")
		if err := Write(context.Background(), out, md, ts); err != nil {
			t.Fatal(err)
		}
		f.Close()
		writeSeed(t, filepath.Join(dir, fmt.Sprintf("fixture-%d", i)), out)
	}
	out := filepath.Join(t.TempDir(), "every.gguf")
	if err := Write(context.Background(), out, everyKind(), []WriteTensor{
		{Name: "q", Type: Q4_0, Shape: []uint64{32, 1}, Data: make([]byte, 18)},
		{Name: "h", Type: F16, Shape: []uint64{2, 2}, Data: make([]byte, 8)},
	}); err != nil {
		t.Fatal(err)
	}
	writeSeed(t, filepath.Join(dir, "every-type"), out)
}

func writeSeed(t *testing.T, dst, src string) {
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
	if err := os.WriteFile(dst, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
