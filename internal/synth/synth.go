// Package synth writes GGUF models with random weights and the shapes of
// real ones, for measuring speed at real sizes without downloading weights
// (speed does not depend on the values) and for testing architectures
// against llama.cpp.
package synth

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/sieve-llm/sieve/gguf"
)

// Shape is a model architecture and its dimensions.
type Shape struct {
	Arch     string
	Dim      int
	FFN      int
	Layers   int
	Heads    int
	KVHeads  int
	HeadDim  int // 0: Dim/Heads
	Vocab    int
	Context  int
	RopeBase float32
	Tied     bool // no output.weight: the head reuses token_embd
	// Llama3Rope adds Llama-3.1 rope scaling as a rope_freqs.weight tensor
	// (factor 32, low/high frequency factors 1 and 4, original context 8192).
	Llama3Rope bool
}

// Shapes are the real models sieve measures at.
var Shapes = map[string]Shape{
	"tinyllama-1.1b": {Arch: "llama", Dim: 2048, FFN: 5632, Layers: 22, Heads: 32, KVHeads: 4, Vocab: 32000, Context: 2048, RopeBase: 10000},
	"llama-3.2-1b":   {Arch: "llama", Dim: 2048, FFN: 8192, Layers: 16, Heads: 32, KVHeads: 8, Vocab: 128256, Context: 131072, RopeBase: 500000, Tied: true, Llama3Rope: true},
	"llama-2-7b":     {Arch: "llama", Dim: 4096, FFN: 11008, Layers: 32, Heads: 32, KVHeads: 32, Vocab: 32000, Context: 4096, RopeBase: 10000},
	"qwen2.5-0.5b":   {Arch: "qwen2", Dim: 896, FFN: 4864, Layers: 24, Heads: 14, KVHeads: 2, Vocab: 151936, Context: 32768, RopeBase: 1000000, Tied: true},
}

// ShapeNames lists Shapes, sorted.
func ShapeNames() []string {
	var n []string
	for k := range Shapes {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Options for Build.
type Options struct {
	Shape
	Type gguf.Type // of the 2-D weights; norms and biases stay F32
	Seed uint64
	// Tokenizer, if set, supplies the tokenizer.* metadata (and the vocabulary
	// size); otherwise a synthetic SentencePiece vocabulary of Shape.Vocab
	// tokens is made.
	Tokenizer *gguf.Metadata
	Name      string
	// Sparsity, if > 0, zeroes that fraction of every block matrix (q, k,
	// v, o, gate, up, down; not the embeddings or the head), per row at
	// random positions, like a pruned model. With Pattern "2:4" it zeroes 2
	// of every aligned 4 instead (Sparsity must then be 0.5). The kept
	// weights are moved away from 0 as pruning by magnitude would leave
	// them: |w| ≥ Sparsity·scale, so no kept weight is tiny (or subnormal
	// in half precision).
	Sparsity float64
	Pattern  string // "unstructured" (default) or "2:4"
}

// Build returns the metadata and tensors of a random model. Tensor data is
// generated as it is written, so a multi-gigabyte model needs little memory.
func Build(opt Options) (*gguf.Metadata, []gguf.WriteTensor, error) {
	s := opt.Shape
	if s.HeadDim == 0 && s.Heads > 0 {
		s.HeadDim = s.Dim / s.Heads
	}
	if s.Arch != "llama" && s.Arch != "qwen2" && s.Arch != "qwen3" {
		return nil, nil, fmt.Errorf("architecture %q: synth makes llama, qwen2 and qwen3", s.Arch)
	}
	if s.Dim <= 0 || s.FFN <= 0 || s.Layers <= 0 || s.Heads <= 0 || s.KVHeads <= 0 || s.Heads%s.KVHeads != 0 || s.HeadDim <= 0 || s.HeadDim%2 != 0 {
		return nil, nil, fmt.Errorf("bad shape: dim %d, ffn %d, %d layers, %d heads, %d kv heads, head dim %d", s.Dim, s.FFN, s.Layers, s.Heads, s.KVHeads, s.HeadDim)
	}
	if !gguf.CanQuantize(opt.Type) {
		return nil, nil, fmt.Errorf("--type %s: cannot write that type (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 can)", opt.Type)
	}
	bs := opt.Type.BlockSize()
	for _, n := range []int{s.Dim, s.FFN, s.Heads * s.HeadDim} {
		if n%bs != 0 {
			return nil, nil, fmt.Errorf("--type %s needs every row length to be a multiple of %d, but the shape has %d", opt.Type, bs, n)
		}
	}
	if s.RopeBase == 0 {
		s.RopeBase = 10000
	}
	if s.Context == 0 {
		s.Context = 2048
	}
	md := &gguf.Metadata{}
	var err error
	set := func(k string, v any) {
		if err == nil {
			err = md.Set(k, v)
		}
	}
	a := s.Arch
	name := opt.Name
	if name == "" {
		name = fmt.Sprintf("synthetic %s %s", a, opt.Type)
	}
	set("general.architecture", a)
	set("general.name", name)
	set("general.description", "random weights from sieve synth; for speed measurements only")
	set(a+".context_length", uint32(s.Context))
	set(a+".embedding_length", uint32(s.Dim))
	set(a+".feed_forward_length", uint32(s.FFN))
	set(a+".block_count", uint32(s.Layers))
	set(a+".attention.head_count", uint32(s.Heads))
	set(a+".attention.head_count_kv", uint32(s.KVHeads))
	if s.HeadDim != s.Dim/s.Heads {
		set(a+".attention.key_length", uint32(s.HeadDim))
		set(a+".attention.value_length", uint32(s.HeadDim))
	}
	set(a+".rope.dimension_count", uint32(s.HeadDim))
	set(a+".rope.freq_base", s.RopeBase)
	set(a+".attention.layer_norm_rms_epsilon", float32(1e-5))
	if opt.Tokenizer != nil {
		toks, ok := opt.Tokenizer.Strings("tokenizer.ggml.tokens")
		if !ok {
			return nil, nil, fmt.Errorf("the tokenizer donor has no tokenizer.ggml.tokens")
		}
		s.Vocab = len(toks)
		for _, kv := range opt.Tokenizer.KVs() {
			if strings.HasPrefix(kv.Key, "tokenizer.") {
				set(kv.Key, kv.Value)
			}
		}
	} else {
		if s.Vocab < 260 {
			return nil, nil, fmt.Errorf("vocabulary %d: a synthetic vocabulary needs at least 260 tokens", s.Vocab)
		}
		toks, scores, types := syntheticVocab(s.Vocab)
		set("tokenizer.ggml.model", "llama")
		set("tokenizer.ggml.tokens", toks)
		set("tokenizer.ggml.scores", scores)
		set("tokenizer.ggml.token_type", types)
		set("tokenizer.ggml.bos_token_id", uint32(1))
		set("tokenizer.ggml.eos_token_id", uint32(2))
		set("tokenizer.ggml.unknown_token_id", uint32(0))
	}
	set("general.file_type", fileType(opt.Type))
	if err != nil {
		return nil, nil, err
	}

	switch opt.Pattern {
	case "", "unstructured":
		if opt.Sparsity < 0 || opt.Sparsity >= 1 {
			return nil, nil, fmt.Errorf("--sparsity %g: must be in [0, 1)", opt.Sparsity)
		}
	case "2:4":
		if opt.Sparsity != 0.5 && opt.Sparsity != 0 {
			return nil, nil, fmt.Errorf("--pattern 2:4 is 50%% sparse; --sparsity %g does not fit", opt.Sparsity)
		}
		opt.Sparsity = 0.5
	default:
		return nil, nil, fmt.Errorf("--pattern %q: must be unstructured or 2:4", opt.Pattern)
	}
	g := &gen{typ: opt.Type, seed: opt.Seed}
	sp := &sparsifier{p: opt.Sparsity, nm: opt.Pattern == "2:4"}
	qDim, kvDim := s.Heads*s.HeadDim, s.KVHeads*s.HeadDim
	// Scales keep activations of a random model in a sane range.
	wscale := func(cols int) float32 { return float32(1 / math.Sqrt(float64(cols))) }
	ts := []gguf.WriteTensor{g.matrix("token_embd.weight", s.Dim, s.Vocab, 1)}
	if s.Llama3Rope {
		ts = append(ts, g.vector("rope_freqs.weight", llama3Factors(s.HeadDim, s.RopeBase)))
	}
	ts = append(ts, g.ones("output_norm.weight", s.Dim))
	if !s.Tied {
		ts = append(ts, g.matrix("output.weight", s.Dim, s.Vocab, wscale(s.Dim)))
	}
	for l := 0; l < s.Layers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		ts = append(ts,
			g.ones(p+"attn_norm.weight", s.Dim),
			g.sparse(p+"attn_q.weight", s.Dim, qDim, wscale(s.Dim), sp),
			g.sparse(p+"attn_k.weight", s.Dim, kvDim, wscale(s.Dim), sp),
			g.sparse(p+"attn_v.weight", s.Dim, kvDim, wscale(s.Dim), sp),
		)
		if s.Arch == "qwen2" {
			ts = append(ts, g.randVector(p+"attn_q.bias", qDim, 0.1), g.randVector(p+"attn_k.bias", kvDim, 0.1), g.randVector(p+"attn_v.bias", kvDim, 0.1))
		}
		if s.Arch == "qwen3" {
			ts = append(ts, g.randVector(p+"attn_q_norm.weight", s.HeadDim, 1), g.randVector(p+"attn_k_norm.weight", s.HeadDim, 1))
		}
		ts = append(ts,
			g.sparse(p+"attn_output.weight", qDim, s.Dim, wscale(qDim), sp),
			g.ones(p+"ffn_norm.weight", s.Dim),
			g.sparse(p+"ffn_gate.weight", s.Dim, s.FFN, wscale(s.Dim), sp),
			g.sparse(p+"ffn_up.weight", s.Dim, s.FFN, wscale(s.Dim), sp),
			g.sparse(p+"ffn_down.weight", s.FFN, s.Dim, wscale(s.FFN), sp),
		)
	}
	return md, ts, nil
}

// fileType is llama.cpp's general.file_type for a model mostly of type t.
func fileType(t gguf.Type) uint32 {
	switch t {
	case gguf.F32:
		return 0
	case gguf.F16:
		return 1
	case gguf.Q4_0:
		return 2
	case gguf.Q4_1:
		return 3
	case gguf.Q8_0:
		return 7
	case gguf.Q5_0:
		return 8
	case gguf.Q5_1:
		return 9
	case gguf.BF16:
		return 32
	}
	return 0
}

// syntheticVocab makes a SentencePiece vocabulary llama.cpp accepts: unknown,
// BOS, EOS, the 256 byte tokens, then filler pieces.
func syntheticVocab(n int) ([]string, []float32, []int32) {
	toks := []string{"<unk>", "<s>", "</s>"}
	types := []int32{2, 3, 3}
	for b := 0; b < 256; b++ {
		toks = append(toks, fmt.Sprintf("<0x%02X>", b))
		types = append(types, 6)
	}
	for i := len(toks); i < n; i++ {
		toks = append(toks, fmt.Sprintf("\u2581t%d", i))
		types = append(types, 1)
	}
	scores := make([]float32, n)
	for i := range scores {
		scores[i] = -float32(i)
	}
	return toks, scores, types
}

// llama3Factors is the Llama-3.1 rope scaling as per-frequency divisors,
// as llama.cpp's converter computes rope_freqs.
func llama3Factors(headDim int, base float32) []float32 {
	const factor, low, high, orig = 32.0, 1.0, 4.0, 8192.0
	lowWave, highWave := orig/low, orig/high
	out := make([]float32, headDim/2)
	for i := range out {
		freq := 1 / math.Pow(float64(base), float64(2*i)/float64(headDim))
		wave := 2 * math.Pi / freq
		switch {
		case wave < highWave:
			out[i] = 1
		case wave > lowWave:
			out[i] = factor
		default:
			smooth := (orig/wave - low) / (high - low)
			out[i] = float32(1 / ((1-smooth)/factor + smooth))
		}
	}
	return out
}

// gen makes tensors whose values depend only on the seed and the name.
type gen struct {
	typ  gguf.Type
	seed uint64
}

func (g *gen) rng(name string) *rand.Rand {
	h := fnv.New64a()
	io.WriteString(h, name)
	return rand.New(rand.NewPCG(g.seed, h.Sum64()))
}

// sparsifier zeroes weights row by row: exactly round(cols·p) random
// positions per row, or 2 random positions in every aligned group of 4.
type sparsifier struct {
	p  float64
	nm bool
}

// apply zeroes the weights of row (uniform in [-scale, scale)) and maps
// the kept ones from |w| to p·scale + (1−p)·|w|, the magnitudes that
// pruning by magnitude keeps of a uniform matrix.
func (sp *sparsifier) apply(row []float32, scale float32, r *rand.Rand, perm []int) {
	lo, f := float32(sp.p)*scale, float32(1-sp.p)
	for i, v := range row {
		if v < 0 {
			row[i] = v*f - lo
		} else {
			row[i] = v*f + lo
		}
	}
	if sp.nm {
		for g := 0; g+4 <= len(row); g += 4 {
			a := r.IntN(4)
			b := (a + 1 + r.IntN(3)) % 4
			row[g+a], row[g+b] = 0, 0
		}
		return
	}
	k := int(math.Round(float64(len(row)) * sp.p))
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < k; i++ { // partial Fisher–Yates
		j := i + r.IntN(len(perm)-i)
		perm[i], perm[j] = perm[j], perm[i]
		row[perm[i]] = 0
	}
}

func (g *gen) sparse(name string, cols, rows int, scale float32, sp *sparsifier) gguf.WriteTensor {
	if sp.p == 0 {
		return g.matrix(name, cols, rows, scale)
	}
	return g.matrixWith(name, cols, rows, scale, sp)
}

// matrix is a rows×cols weight with values uniform in [-scale, scale),
// generated and encoded a band of rows at a time as it is written.
func (g *gen) matrix(name string, cols, rows int, scale float32) gguf.WriteTensor {
	return g.matrixWith(name, cols, rows, scale, nil)
}

func (g *gen) matrixWith(name string, cols, rows int, scale float32, sp *sparsifier) gguf.WriteTensor {
	typ := g.typ
	return gguf.WriteTensor{Name: name, Type: typ, Shape: []uint64{uint64(cols), uint64(rows)}, WriteTo: func(w io.Writer) error {
		r := g.rng(name)
		band := max(1, (1<<20)/cols)
		vals := make([]float32, band*cols)
		var perm []int
		out := make([]byte, typ.RowBytes(band*cols))
		for r0 := 0; r0 < rows; r0 += band {
			n := min(band, rows-r0)
			v := vals[:n*cols]
			for i := range v {
				v[i] = (2*float32(r.Uint32()>>8)/(1<<24) - 1) * scale
			}
			if sp != nil {
				if perm == nil {
					perm = make([]int, cols)
				}
				for i := 0; i < n; i++ {
					sp.apply(v[i*cols:(i+1)*cols], scale, r, perm)
				}
			}
			o := out[:typ.RowBytes(n*cols)]
			if err := gguf.Quantize(typ, v, o); err != nil {
				return err
			}
			if _, err := w.Write(o); err != nil {
				return err
			}
		}
		return nil
	}}
}

func (g *gen) vector(name string, v []float32) gguf.WriteTensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return gguf.WriteTensor{Name: name, Type: gguf.F32, Shape: []uint64{uint64(len(v))}, Data: b}
}

func (g *gen) ones(name string, n int) gguf.WriteTensor {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return g.vector(name, v)
}

// randVector is uniform around 1 (norm weights) or 0 (biases): center ± spread.
func (g *gen) randVector(name string, n int, spread float32) gguf.WriteTensor {
	r := g.rng(name)
	v := make([]float32, n)
	center := float32(0)
	if strings.HasSuffix(name, "norm.weight") {
		center, spread = 1, 0.5*spread
	}
	for i := range v {
		v[i] = center + (2*r.Float32()-1)*spread
	}
	return g.vector(name, v)
}
