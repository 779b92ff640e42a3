package runtime

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/synth"
	"github.com/sieve-llm/sieve/internal/testfiles"
	"github.com/sieve-llm/sieve/sparse"
)

// writeSparse writes a small random llama with pruned block matrices.
func writeSparse(t *testing.T, typ gguf.Type, sparsity float64, pattern string) string {
	t.Helper()
	donor, err := gguf.Open(testfiles.Path("models/stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer donor.Close()
	sh := synth.Shape{Arch: "llama", Dim: 64, FFN: 160, Layers: 2, Heads: 4, KVHeads: 2, Context: 128}
	md, ts, err := synth.Build(synth.Options{Shape: sh, Type: typ, Seed: 3, Tokenizer: &donor.Metadata, Sparsity: sparsity, Pattern: pattern})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sparse.gguf")
	if err := gguf.Write(context.Background(), path, md, ts); err != nil {
		t.Fatal(err)
	}
	return path
}

// logitsWith loads path with a policy and returns the logits of every
// position of a fixed prompt (a batch, so prefill runs the SpMM path) and of
// one more decoded token (the GEMV path), plus the block matrices' formats.
func logitsWith(t *testing.T, path string, policy sparse.Policy) ([]float32, map[string]int) {
	t.Helper()
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Load(f, LoadOptions{Sparse: policy})
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]int{}
	for _, b := range m.Blocks {
		for _, l := range b.Linears() {
			formats[l.W.Format()]++
		}
	}
	p := NewPool(2)
	defer p.Close()
	st, err := m.NewState(p, 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	ids := m.BenchTokens(24, 5)
	out, err := st.Forward(ids, true)
	if err != nil {
		t.Fatal(err)
	}
	out = append([]float32(nil), out...)
	last, err := st.Forward([]int{7}, false)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, last...), formats
}

func TestSparseFormatsMatchDense(t *testing.T) {
	cases := []struct {
		typ      gguf.Type
		sparsity float64
		pattern  string
		auto     string // the format auto must pick for every block matrix
		forced   []sparse.Policy
	}{
		{gguf.F16, 0.7, "", "bitmask-f16", []sparse.Policy{"bitmask-f16", "bitmask-i8"}},
		{gguf.F16, 0.5, "2:4", "nm24-f16", []sparse.Policy{"nm24-f16", "nm24-i8", "bitmask-f16"}},
		{gguf.Q8_0, 0.7, "", "bitmask-i8", []sparse.Policy{"bitmask-i8"}},
		{gguf.Q8_0, 0.5, "2:4", "nm24-i8", []sparse.Policy{"nm24-i8"}},
		{gguf.Q4_0, 0.5, "", "q4_0", nil}, // int8 values would read more bytes than Q4_0
		{gguf.F32, 0.2, "", "f32", []sparse.Policy{"bitmask-f16"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%g%s", c.typ, c.sparsity, c.pattern), func(t *testing.T) {
			path := writeSparse(t, c.typ, c.sparsity, c.pattern)
			want, df := logitsWith(t, path, sparse.PolicyDense)
			if len(df) != 1 {
				t.Fatalf("dense policy gave formats %v", df)
			}
			scale := 0.0
			for _, v := range want {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			check := func(policy sparse.Policy, format string) {
				got, formats := logitsWith(t, path, policy)
				if formats[format] != 14 {
					t.Errorf("policy %s: formats %v, want 14 × %s", policy, formats, format)
				}
				// Half-precision and int8 values round F32 weights; the
				// dense Q8_0 path multiplies 8-bit activations where the
				// sparse prefill path multiplies float32 ones; elsewhere
				// only the summation order differs.
				tol := 2e-3
				if c.typ == gguf.Q8_0 {
					tol = 1e-2
				}
				if c.typ == gguf.F32 || (c.typ == gguf.F16 && policy == "bitmask-i8") || (c.typ == gguf.F16 && policy == "nm24-i8") {
					tol = 3e-2
				}
				worst := 0.0
				for i := range want {
					worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
				}
				if worst > tol*scale {
					t.Errorf("policy %s: max |Δlogit| = %.3g > %.3g (max |logit| %.3g)", policy, worst, tol*scale, scale)
				}
			}
			check(sparse.PolicyAuto, c.auto)
			for _, p := range c.forced {
				check(p, string(p))
			}
		})
	}
}

func TestLoadRejectsUnknownSparsePolicy(t *testing.T) {
	f, err := gguf.Open(testfiles.Path("models/stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Load(f, LoadOptions{Sparse: "csr"}); err == nil {
		t.Fatal("Load accepted sparse policy csr")
	}
}

// A pruned F32 matrix with a weight beyond half precision's range: auto
// keeps it dense (and the load succeeds), a forced bitmask-f16 is an error
// naming the file and tensor.
func TestAutoKeepsUnrepresentableDense(t *testing.T) {
	path := writeSparse(t, gguf.F32, 0.7, "")
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ti, ok := f.Tensor("blk.0.attn_q.weight")
	if !ok {
		t.Fatal("no blk.0.attn_q.weight")
	}
	off := int64(f.DataOffset + ti.Offset)
	f.Close()
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], math.Float32bits(1e6))
	if _, err := fh.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	fh.Close()

	_, formats := logitsWith(t, path, sparse.PolicyAuto)
	if formats["f32"] != 1 || formats["bitmask-f16"] == 0 {
		t.Errorf("auto formats %v, want one f32 matrix and the rest bitmask-f16", formats)
	}
	f, err = gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = Load(f, LoadOptions{Sparse: "bitmask-f16"})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "blk.0.attn_q.weight") {
		t.Errorf("forced bitmask-f16: error %v, want one naming %s and the tensor", err, path)
	}
}

// TestLoadReleasesConvertedSource checks that Load releases the file data
// of exactly the matrices it converted (not the embedding table or the
// dense head), that KeepSource keeps it, and that the model runs the same
// either way: nothing reads a released tensor.
func TestLoadReleasesConvertedSource(t *testing.T) {
	path := writeSparse(t, gguf.F16, 0.7, "")
	run := func(keep bool) []float32 {
		f, err := gguf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		m, err := Load(f, LoadOptions{KeepSource: keep})
		if err != nil {
			t.Fatal(err)
		}
		released := 0
		for _, ti := range f.Tensors() {
			if f.Released(&ti) {
				released++
			}
		}
		if want := 14; keep && released != 0 || !keep && released != want {
			t.Fatalf("KeepSource %v: %d tensors released, want %d", keep, released, map[bool]int{true: 0, false: want}[keep])
		}
		for _, b := range m.Blocks {
			for _, l := range b.Linears() {
				ti, _ := f.Tensor(l.Name)
				if f.Released(ti) == keep {
					t.Fatalf("KeepSource %v: %s (%s) released %v", keep, l.Name, l.W.Format(), f.Released(ti))
				}
			}
		}
		p := NewPool(2)
		defer p.Close()
		st, err := m.NewState(p, 32, 32)
		if err != nil {
			t.Fatal(err)
		}
		out, err := st.Forward(m.BenchTokens(8, 1), false)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), out...)
	}
	a, b := run(false), run(true)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("logit %d: %v released, %v kept", i, a[i], b[i])
		}
	}
}
