package gguf

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sieve-llm/sieve/internal/testfiles"
)

// FuzzOpen feeds arbitrary bytes to Open's parser. A file must either be
// rejected with an error or give an index whose every tensor slice is in
// bounds, and encoding it back must reproduce the same metadata and data.
//
// While fuzzing, the bytes go to Parse directly: Open is file mapping plus
// Parse, and file system calls make coverage flap (finalizers, poller), which
// keeps the fuzzer minimizing instead of exploring. In plain test runs every
// input also goes through Open on a real file, mapped and read.
func FuzzOpen(f *testing.F) {
	// The whole fixtures run as seeds in normal test runs; while fuzzing, the
	// shrunk copies in testdata/fuzz/FuzzOpen keep executions fast.
	if !fuzzing() {
		for _, name := range fixtures {
			data, err := os.ReadFile(testfiles.Path(name))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Parse("input", data)
		if !fuzzing() {
			p := filepath.Join(dir, "in.gguf")
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, opt := range []OpenOptions{{}, {NoMmap: true}} {
				h, herr := OpenWith(p, opt)
				if (herr == nil) != (err == nil) {
					t.Fatalf("Open (%+v) and Parse disagree: %v vs %v", opt, herr, err)
				}
				if herr == nil {
					if !reflect.DeepEqual(h.Tensors(), g.Tensors()) {
						t.Fatal("Open and Parse give different indexes")
					}
					h.Close()
				}
			}
		}
		if err != nil {
			return
		}
		for i := range g.Tensors() {
			ti := &g.Tensors()[i]
			if uint64(len(g.Data(ti))) != ti.Size {
				t.Fatalf("tensor %s: %d bytes, want %d", ti.Name, len(g.Data(ti)), ti.Size)
			}
		}
		var buf bytes.Buffer
		if err := Encode(context.Background(), &buf, &g.Metadata, g.Copy()); err != nil {
			t.Fatalf("accepted file cannot be rewritten: %v", err)
		}
		h, err := Parse("rewritten", buf.Bytes())
		if err != nil {
			t.Fatalf("rewritten file rejected: %v", err)
		}
		if len(h.KVs()) != len(g.KVs()) {
			t.Fatal("metadata count changed")
		}
		for i, kv := range g.KVs() {
			if h.KVs()[i].Key != kv.Key || !sameBits(h.KVs()[i].Value, kv.Value) {
				t.Fatalf("metadata %q changed", kv.Key)
			}
		}
		for i := range g.Tensors() {
			a, b := &g.Tensors()[i], &h.Tensors()[i]
			if a.Name != b.Name || a.Type != b.Type || !reflect.DeepEqual(a.Shape, b.Shape) || !bytes.Equal(g.Data(a), h.Data(b)) {
				t.Fatalf("tensor %s changed", a.Name)
			}
		}
	})
}

func fuzzing() bool {
	fl := flag.Lookup("test.fuzz")
	return fl != nil && fl.Value.String() != ""
}
