package runtime

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/llamacpp"
	"github.com/sieve-llm/sieve/internal/synth"
	"github.com/sieve-llm/sieve/internal/testfiles"
	"github.com/sieve-llm/sieve/runtime/tokenizer"
)

// tinyModels are small random models exercising each architecture's
// features: GQA, tied heads, Llama-3 rope scaling, q/k/v biases, q/k norms
// with a head dimension unlike dim/heads.
var tinyModels = map[string]synth.Shape{
	"llama-gqa-llama3rope": {Arch: "llama", Dim: 64, FFN: 96, Layers: 2, Heads: 4, KVHeads: 2, Context: 256, RopeBase: 500000, Llama3Rope: true},
	"llama-tied":           {Arch: "llama", Dim: 64, FFN: 128, Layers: 2, Heads: 2, KVHeads: 2, Context: 256, Tied: true},
	"qwen2":                {Arch: "qwen2", Dim: 64, FFN: 96, Layers: 2, Heads: 4, KVHeads: 1, Context: 256, RopeBase: 1000000, Tied: true},
	"qwen3":                {Arch: "qwen3", Dim: 64, FFN: 96, Layers: 2, Heads: 4, KVHeads: 2, HeadDim: 32, Context: 256, RopeBase: 1000000},
}

func writeTiny(t *testing.T, name string, typ gguf.Type) string {
	t.Helper()
	donor, err := gguf.Open(testfiles.Path("models/stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer donor.Close()
	md, ts, err := synth.Build(synth.Options{Shape: tinyModels[name], Type: typ, Seed: 7, Tokenizer: &donor.Metadata})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".gguf")
	if err := gguf.Write(context.Background(), path, md, ts); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestArchitecturesMatchLlamaCpp(t *testing.T) {
	llamacpp.Dir(t)
	type tc struct {
		name string
		typ  gguf.Type
		tol  float64
	}
	var cases []tc
	for name := range tinyModels {
		cases = append(cases, tc{name, gguf.F32, 1e-3})
	}
	// Quantized weights: llama.cpp and sieve both quantize activations to
	// 8-bit blocks for Q8_0/Q4_0, and llama.cpp rounds them to F16 for F16
	// weights, so agreement is looser.
	for _, typ := range []gguf.Type{gguf.F16, gguf.Q8_0, gguf.Q4_0} {
		cases = append(cases, tc{"llama-gqa-llama3rope", typ, 1e-2})
	}
	for _, c := range cases {
		name := c.name
		t.Run(name+"/"+c.typ.String(), func(t *testing.T) {
			path := writeTiny(t, name, c.typ)
			f, err := gguf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := Load(f, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := tokenizer.FromGGUF(&f.Metadata)
			if err != nil {
				t.Fatal(err)
			}
			// Long enough that positions beyond the first rope periods count.
			ids := tok.Encode(strings.Repeat("The cat sat on the mat and looked at the dog. ", 6), true, false)
			want := centered(llamacpp.LogProbs(t, path, ids))
			if maxAbs(want) < 0.5 {
				// Once in a clean-clone CI run (2026-11-28, qwen3/F32)
				// llama.cpp returned equal probabilities for every token of
				// this fixed model, which every rerun spans about 2: a fault
				// of the reference, not of sieve, so it is asked once more
				// before the comparison below judges either.
				t.Logf("llama.cpp's log-probabilities span only %.3f; asking again", maxAbs(want))
				want = centered(llamacpp.LogProbs(t, path, ids))
			}
			p := NewPool(2)
			defer p.Close()
			st, err := m.NewState(p, 256, 32) // several prefill batches
			if err != nil {
				t.Fatal(err)
			}
			logits, err := st.Forward(ids, false)
			if err != nil {
				t.Fatal(err)
			}
			rel, at := maxRelDiff(centered(logSoftmax(logits)), want)
			t.Logf("%d tokens: max relative difference %.2e at token %d; logit range %.3f", len(ids), rel, at, maxAbs(want))
			if maxAbs(want) < 0.5 {
				t.Fatalf("llama.cpp's logits span only %.3f: the model is too flat to compare", maxAbs(want))
			}
			if rel > c.tol {
				t.Fatalf("logits differ from llama.cpp's by %.2e of their range", rel)
			}
		})
	}
}

func TestUnsupportedArchitecture(t *testing.T) {
	md := &gguf.Metadata{}
	md.Set("general.architecture", "mamba")
	path := filepath.Join(t.TempDir(), "m.gguf")
	if err := gguf.Write(context.Background(), path, md, nil); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = Load(f, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), `"mamba"`) || !strings.Contains(err.Error(), "llama, qwen2, qwen3") {
		t.Fatalf("err = %v", err)
	}
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		if v < 0 {
			v = -v
		}
		if v > m {
			m = v
		}
	}
	return m
}
