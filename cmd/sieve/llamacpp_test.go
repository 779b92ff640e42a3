package main

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/runtime"
	"github.com/sieve-llm/sieve/runtime/tokenizer"

	"github.com/sieve-llm/sieve/internal/llamacpp"
	"github.com/sieve-llm/sieve/internal/testfiles"
)

// The start of the temperature-0 sample llama2.c publishes for stories260K.
var stories260KSample = []int{403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338}

// A GGUF written by our converter and writer loads in llama.cpp and generates
// exactly the llama2.c reference sample.
func TestLlamaCppLoadsConvertedModel(t *testing.T) {
	llamacpp.Dir(t)
	out := filepath.Join(t.TempDir(), "stories260K.gguf")
	if _, _, err := sieve(t, "convert", testfiles.Path("models/stories260K.bin"), "--tokenizer", testfiles.Path("models/tok512.bin"), "-o", out); err != nil {
		t.Fatal(err)
	}
	got := llamacpp.Generate(t, out, len(stories260KSample))
	if !slices.Equal(got, stories260KSample) {
		t.Fatalf("llama.cpp generated %v from our file, want %v", got, stories260KSample)
	}
}

// requantize writes a copy of a GGUF whose 2-D weights are re-encoded in typ
// with our quantizer.
func requantize(t *testing.T, src string, typ gguf.Type) string {
	t.Helper()
	f, err := gguf.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ts := f.Copy()
	for i := range ts {
		ti := &f.Tensors()[i]
		if len(ti.Shape) != 2 || ti.Cols()%typ.BlockSize() != 0 {
			continue
		}
		vals := make([]float32, ti.Elements())
		if err := gguf.Dequantize(ti.Type, f.Data(ti), vals); err != nil {
			t.Fatal(err)
		}
		out := make([]byte, typ.RowBytes(len(vals)))
		if err := gguf.Quantize(typ, vals, out); err != nil {
			t.Fatal(err)
		}
		ts[i].Type, ts[i].Data = typ, out
	}
	md := f.Metadata.Clone()
	path := filepath.Join(t.TempDir(), typ.String()+".gguf")
	if err := gguf.Write(context.Background(), path, md, ts); err != nil {
		t.Fatal(err)
	}
	return path
}

// Files our quantizers and writer produce load in llama.cpp, and llama.cpp
// and sieve generate the same greedy tokens from them.
func TestLlamaCppLoadsQuantizedFiles(t *testing.T) {
	llamacpp.Dir(t)
	for _, typ := range []gguf.Type{gguf.F16, gguf.BF16, gguf.Q8_0, gguf.Q4_0, gguf.Q4_1, gguf.Q5_0, gguf.Q5_1} {
		t.Run(typ.String(), func(t *testing.T) {
			// stories260K's 172-wide ffn_down rows fit no 32-block type and stay
			// F32. (BabyLlama cannot be used: its vocabulary has no byte tokens,
			// and this llama.cpp aborts on SentencePiece vocabularies without
			// a newline token.)
			path := requantize(t, testfiles.Path("models/stories260K.gguf"), typ)
			theirs := llamacpp.Generate(t, path, 24)
			out, _, err := sieve(t, "run", path, "--temp", "0", "-n", "24")
			if err != nil {
				t.Fatal(err)
			}
			f, _ := gguf.Open(path)
			tok, err := tokenizer.FromGGUF(&f.Metadata)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := strings.TrimPrefix(tok.Decode(append([]int{tok.BOS()}, theirs...)), " ")
			if strings.TrimSuffix(out, "\n") != want {
				t.Fatalf("sieve:     %q\nllama.cpp: %q", out, want)
			}
		})
	}
}

// A pruned model (exact zeros plus sieve.prune.* metadata) loads in llama.cpp,
// and llama.cpp computes the same next-token distribution from it as sieve.
// (Greedy text is no test here: a model pruned this hard on 8 samples has
// near-ties that llama.cpp's F16 KV cache and 8-bit activation rounding
// decide differently.)
func TestLlamaCppLoadsPrunedModel(t *testing.T) {
	llamacpp.Dir(t)
	for _, c := range []struct {
		typ, target string
		tol         float64
	}{
		{"F16", "--sparsity=0.5", 2e-3},
		// 8-bit activations alone move this peaked model's log-probabilities
		// by up to 0.22 against exact F32 arithmetic on the same weights
		// (measured); llama.cpp rounds them its own way.
		{"Q8_0", "--nm=2:4", 2e-2},
	} {
		t.Run(c.typ+c.target, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "pruned.gguf")
			if _, _, err := sieve(t, "prune", testfiles.Path("models/stories260K.gguf"), "-o", out, "--method", "wanda", c.target,
				"--calib", testfiles.Path("eval/c4_validation_2k.jsonl"), "--nsamples", "8", "--seqlen", "128", "--type", c.typ); err != nil {
				t.Fatal(err)
			}
			f, err := gguf.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := runtime.Load(f, runtime.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := tokenizer.FromGGUF(&f.Metadata)
			if err != nil {
				t.Fatal(err)
			}
			ids := tok.Encode("Once upon a time, there was a little girl named Lily. She liked to", true, false)
			want := llamacpp.LogProbs(t, out, ids)
			p := runtime.NewPool(2)
			defer p.Close()
			st, _ := m.NewState(p, 64, 64)
			logits, err := st.Forward(ids, false)
			if err != nil {
				t.Fatal(err)
			}
			var worst, scale float64
			lse := logSumExp(logits)
			for i, l := range logits {
				got := float64(l) - lse
				worst = math.Max(worst, math.Abs(got-want[i]))
				scale = math.Max(scale, math.Abs(want[i]))
			}
			t.Logf("max |Δ log p| = %.2e over a range of %.2f", worst, scale)
			if worst > c.tol*scale {
				t.Fatalf("log-probabilities differ by %.2e (limit %.2e)", worst, c.tol*scale)
			}
		})
	}
}

func logSumExp(x []float32) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}
