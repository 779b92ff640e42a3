package prune

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/testfiles"
	"github.com/sieve-llm/sieve/runtime"
	"github.com/sieve-llm/sieve/runtime/tokenizer"
	"github.com/sieve-llm/sieve/sparse"
)

type fixture struct {
	f    *gguf.File
	m    *runtime.Model
	tok  *tokenizer.Tokenizer
	pool *runtime.Pool
}

func load(t *testing.T, name string) *fixture {
	t.Helper()
	f, err := gguf.Open(testfiles.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Load(f, runtime.LoadOptions{Sparse: sparse.PolicyDense})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromGGUF(&f.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	p := runtime.NewPool(2)
	t.Cleanup(func() { p.Close(); f.Close() })
	return &fixture{f, m, tok, p}
}

func calibWindows(t *testing.T, fx *fixture, n, seqlen int) [][]int {
	t.Helper()
	docs, err := ReadDocuments(testfiles.Path("eval/c4_validation_2k.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := Windows(fx.tok, docs, CalibOptions{NSamples: n, SeqLen: seqlen, Order: CalibRandom})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWindows(t *testing.T) {
	fx := load(t, "models/stories260K.gguf")
	docs := []string{"short", strings.Repeat("Once upon a time there was a cat. ", 40), strings.Repeat("The dog ran far away. ", 30)}
	a, err := Windows(fx.tok, docs, CalibOptions{NSamples: 5, SeqLen: 64, Seed: 3, Order: CalibRandom})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Windows(fx.tok, docs, CalibOptions{NSamples: 5, SeqLen: 64, Seed: 3, Order: CalibRandom})
	c, _ := Windows(fx.tok, docs, CalibOptions{NSamples: 5, SeqLen: 64, Seed: 4, Order: CalibRandom})
	if !slices.EqualFunc(a, b, slices.Equal) || slices.EqualFunc(a, c, slices.Equal) {
		t.Fatal("the seed does not determine the windows")
	}
	for _, w := range a {
		if len(w) != 64 {
			t.Fatalf("window of %d tokens", len(w))
		}
	}
	all := fx.tok.Encode(strings.Join(docs, "\n\n"), true, false)
	seq, err := Windows(fx.tok, docs, CalibOptions{NSamples: 3, SeqLen: 50, Order: CalibSequential})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range seq {
		if !slices.Equal(w, all[i*50:(i+1)*50]) {
			t.Fatalf("sequential window %d is not the text's %d-th", i, i)
		}
	}
	for _, bad := range []CalibOptions{
		{NSamples: 100, SeqLen: 50, Order: CalibSequential},
		{NSamples: 1, SeqLen: 5000, Order: CalibRandom},
		{NSamples: 0, SeqLen: 50, Order: CalibRandom},
		{NSamples: 1, SeqLen: 50, Order: "shuffled"},
	} {
		if _, err := Windows(fx.tok, docs, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestRunSparsityAndPattern(t *testing.T) {
	cases := []struct {
		method Method
		target Target
	}{
		{MethodWanda, Unstructured(0.5)},
		{MethodWanda, NM(2, 4)},
		{MethodMagnitude, Unstructured(0.6)},
		{MethodMagnitudeRow, Unstructured(0.7)},
		{MethodSparseGPT, Unstructured(0.5)},
		{MethodSparseGPT, NM(2, 4)},
	}
	for _, c := range cases {
		t.Run(string(c.method)+"/"+c.target.String(), func(t *testing.T) {
			fx := load(t, "models/stories260K.gguf")
			res, err := Run(context.Background(), fx.m, fx.pool, calibWindows(t, fx, 8, 128), Config{Method: c.method, Target: c.target, SparseGPT: DefaultSparseGPTOptions(), Type: gguf.F32})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Tensors) != 7*5 || len(res.Blocks) != 5 {
				t.Fatalf("%d tensors, %d blocks", len(res.Tensors), len(res.Blocks))
			}
			for _, tr := range res.Tensors {
				w := make([]float32, tr.Rows*tr.Cols)
				gguf.Dequantize(tr.Type, tr.Data, w)
				got := float64(CountZeros(w)) / float64(len(w))
				switch {
				case c.target.Structured():
					if err := VerifyNM(w, tr.Rows, tr.Cols, c.target.N, c.target.M); err != nil {
						t.Fatalf("%s: %v", tr.Name, err)
					}
				case c.method == MethodWanda || c.method == MethodMagnitudeRow:
					// Per row exactly ⌊cols·p⌋ zeros.
					want := float64(int(float64(tr.Cols)*c.target.Ratio)) / float64(tr.Cols)
					if got != want {
						t.Fatalf("%s: sparsity %v, want exactly %v", tr.Name, got, want)
					}
				default:
					if d := got - c.target.Ratio; d < -0.001 || d > 0.001+1.0/float64(len(w)) {
						t.Fatalf("%s: sparsity %v, target %v", tr.Name, got, c.target.Ratio)
					}
				}
			}
			for _, b := range res.Blocks {
				if b.RelError <= 0 || b.RelError > 5 {
					t.Errorf("block %d: relative error %v", b.Block, b.RelError)
				}
			}
		})
	}
}

// The model Run leaves behind is the model written to disk.
func TestOutputMatchesInProcessModel(t *testing.T) {
	fx := load(t, "models/stories260K.gguf")
	windows := calibWindows(t, fx, 4, 64)
	res, err := Run(context.Background(), fx.m, fx.pool, windows, Config{Method: MethodWanda, Target: Unstructured(0.5), Type: gguf.F16})
	if err != nil {
		t.Fatal(err)
	}
	md, ts, err := Output(fx.f, res, Provenance{Config: Config{Method: MethodWanda, Target: Unstructured(0.5), Type: gguf.F16}, CalibFile: "c4.jsonl", Calib: CalibOptions{NSamples: 4, SeqLen: 64, Order: CalibRandom}, SourceFile: fx.f.Path})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.gguf")
	if err := gguf.Write(context.Background(), path, md, ts); err != nil {
		t.Fatal(err)
	}
	g, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if v, _ := g.String("sieve.prune.method"); v != "wanda" {
		t.Fatalf("method key %q", v)
	}
	if v, _ := g.Float("sieve.prune.achieved_sparsity"); v < 0.49 || v > 0.5 {
		t.Fatalf("achieved sparsity key %v", v)
	}
	names, _ := g.Strings("sieve.prune.tensors")
	if len(names) != 35 {
		t.Fatalf("%d tensors recorded", len(names))
	}
	m2, err := runtime.Load(g, runtime.LoadOptions{Sparse: sparse.PolicyDense})
	if err != nil {
		t.Fatal(err)
	}
	ids := windows[0][:32]
	logits := func(m *runtime.Model) []float32 {
		st, _ := m.NewState(fx.pool, 64, 64)
		l, err := st.Forward(ids, true)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Clone(l)
	}
	if !slices.Equal(logits(fx.m), logits(m2)) {
		t.Fatal("the pruned file and the in-process pruned model differ")
	}
}

func TestRunCancelled(t *testing.T) {
	fx := load(t, "models/stories260K.gguf")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, fx.m, fx.pool, calibWindows(t, fx, 2, 32), Config{Method: MethodWanda, Target: Unstructured(0.5), Type: gguf.F32}); err == nil {
		t.Fatal("cancelled run succeeded")
	}
}
