package runtime

import (
	"fmt"

	"github.com/sieve-llm/sieve/asm"
	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/sparse"
)

// Block is one transformer block's weights.
type Block struct {
	AttnNorm, FFNNorm []float32
	Q, K, V, O        *Linear
	Gate, Up, Down    *Linear
	QNorm, KNorm      []float32 // qwen3: per-head RMSNorm weights (HeadDim)
}

// Linears returns the block's seven matrices in a fixed order: q, k, v, o,
// gate, up, down.
func (b *Block) Linears() []*Linear { return []*Linear{b.Q, b.K, b.V, b.O, b.Gate, b.Up, b.Down} }

// Model is a loaded model: configuration and weights. The weights may alias
// the memory-mapped GGUF file, which must stay open while the model is used.
type Model struct {
	Config
	File       *gguf.File
	Impl       *asm.Impl
	Embed      *gguf.TensorInfo // token_embd.weight, read a row at a time
	OutputNorm []float32
	Output     *Linear
	Blocks     []*Block
	RopeFreqs  []float32 // Llama-3 frequency factors (RopeDim/2), or nil
}

// LoadOptions adjusts Load.
type LoadOptions struct {
	// Impl is the kernel implementation; nil means asm.Best().
	Impl *asm.Impl
	// Sparse says which weight matrices go to a sparse format ("" means
	// sparse.PolicyAuto: those with enough exact zeros or an exact 2:4
	// pattern).
	Sparse sparse.Policy
	// Progress, if set, is called as the matrices that may go sparse are
	// examined and converted (done of total), from one goroutine at a time.
	Progress func(done, total int)
	// KeepSource keeps the file's data of matrices converted to a sparse
	// format readable (File.Data). By default Load releases it (see
	// gguf.File.Release) so the dense source does not stay resident next
	// to its sparse copy; set it to read the original weights afterwards.
	KeepSource bool
}

// Load builds a model from an open GGUF file.
func Load(f *gguf.File, opt LoadOptions) (*Model, error) {
	archName, ok := f.String("general.architecture")
	if !ok {
		return nil, fmt.Errorf("%s: metadata general.architecture is missing", f.Path)
	}
	arch, err := lookupArch(archName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	cfg, err := readConfig(f, arch)
	if err != nil {
		return nil, err
	}
	impl := opt.Impl
	if impl == nil {
		impl = asm.Best()
	}
	m := &Model{Config: *cfg, File: f, Impl: impl}
	policy, err := sparse.ParsePolicy(string(opt.Sparse))
	if err != nil {
		return nil, err
	}
	l := &loader{f: f, impl: impl, policy: policy, keep: opt.KeepSource}

	m.Embed = l.tensor("token_embd.weight", cfg.Dim, -1)
	if m.Embed != nil {
		m.Vocab = m.Embed.Rows()
		if !gguf.CanDequantize(m.Embed.Type) {
			l.fail(fmt.Errorf("%s: tensor token_embd.weight: type %s cannot be decoded", f.Path, m.Embed.Type))
		}
	}
	m.OutputNorm = l.vector("output_norm.weight", cfg.Dim)
	if _, ok := f.Tensor("output.weight"); ok {
		m.Output = l.linear("output.weight", cfg.Dim, m.Vocab)
	} else {
		m.Output = l.linear("token_embd.weight", cfg.Dim, m.Vocab) // tied embeddings
	}
	if _, ok := f.Tensor("rope_freqs.weight"); ok {
		m.RopeFreqs = l.vector("rope_freqs.weight", cfg.RopeDim/2)
	}
	qDim, kvDim := cfg.Heads*cfg.HeadDim, cfg.KVHeads*cfg.HeadDim
	for i := 0; i < cfg.Layers && l.err == nil; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		b := &Block{
			AttnNorm: l.vector(p+"attn_norm.weight", cfg.Dim),
			FFNNorm:  l.vector(p+"ffn_norm.weight", cfg.Dim),
			Q:        l.linear(p+"attn_q.weight", cfg.Dim, qDim),
			K:        l.linear(p+"attn_k.weight", cfg.Dim, kvDim),
			V:        l.linear(p+"attn_v.weight", cfg.Dim, kvDim),
			O:        l.linear(p+"attn_output.weight", qDim, cfg.Dim),
			Gate:     l.linear(p+"ffn_gate.weight", cfg.Dim, cfg.FFN),
			Up:       l.linear(p+"ffn_up.weight", cfg.Dim, cfg.FFN),
			Down:     l.linear(p+"ffn_down.weight", cfg.FFN, cfg.Dim),
		}
		if cfg.QKVBias && l.err == nil {
			b.Q.Bias = l.vector(p+"attn_q.bias", qDim)
			b.K.Bias = l.vector(p+"attn_k.bias", kvDim)
			b.V.Bias = l.vector(p+"attn_v.bias", kvDim)
		}
		if cfg.QKNorm {
			b.QNorm = l.vector(p+"attn_q_norm.weight", cfg.HeadDim)
			b.KNorm = l.vector(p+"attn_k_norm.weight", cfg.HeadDim)
		}
		m.Blocks = append(m.Blocks, b)
	}
	if l.err != nil {
		return nil, l.err
	}
	if err := l.sparsify(opt.Progress); err != nil {
		return nil, err
	}
	return m, nil
}

type loader struct {
	f       *gguf.File
	impl    *asm.Impl
	policy  sparse.Policy
	keep    bool      // LoadOptions.KeepSource
	pending []*Linear // candidates for a sparse format (see sparsify)
	err     error
}

func (l *loader) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

// tensor finds a tensor and checks its shape: cols is the row length, rows
// the row count (-1: any).
func (l *loader) tensor(name string, cols, rows int) *gguf.TensorInfo {
	if l.err != nil {
		return nil
	}
	t, ok := l.f.Tensor(name)
	if !ok {
		l.fail(fmt.Errorf("%s: tensor %s is missing", l.f.Path, name))
		return nil
	}
	if t.Cols() != cols || (rows >= 0 && t.Rows() != rows) || len(t.Shape) > 2 {
		want := fmt.Sprintf("[%d %d]", cols, rows)
		if rows < 0 {
			want = fmt.Sprintf("[%d *]", cols)
		}
		l.fail(fmt.Errorf("%s: tensor %s has shape %v, want %s", l.f.Path, name, t.Shape, want))
		return nil
	}
	return t
}

// vector loads a 1-D tensor as float32 (copied: norms are small).
func (l *loader) vector(name string, n int) []float32 {
	t := l.tensor(name, n, 1)
	if t == nil {
		return nil
	}
	out := make([]float32, n)
	if err := gguf.Dequantize(t.Type, l.f.Data(t), out); err != nil {
		l.fail(fmt.Errorf("%s: tensor %s: %w", l.f.Path, name, err))
		return nil
	}
	return out
}

// linear wraps a 2-D weight (rows = out, cols = in) in the storage format
// its type maps to. F32, F16, Q8_0 and Q4_0 run on their own kernels
// (F32/F16 alias the mapped file); other types are decoded to F32 once.
func (l *loader) linear(name string, in, out int) *Linear {
	t := l.tensor(name, in, out)
	if t == nil {
		return nil
	}
	m, err := NewDense(t.Type, l.f.Data(t), out, in, l.impl)
	if err != nil {
		l.fail(fmt.Errorf("%s: tensor %s: %w", l.f.Path, name, err))
		return nil
	}
	lin := &Linear{Name: name, W: m, Zeros: -1}
	if l.policy != sparse.PolicyDense && in%asm.SparseColAlign == 0 && gguf.CanDequantize(t.Type) {
		lin.src = t
		l.pending = append(l.pending, lin)
	}
	return lin
}

// NewDense builds the dense sparse.Matrix for rows×cols values of raw GGUF
// data of a type: F32, F16, Q8_0 and Q4_0 run on their own kernels (F32 and
// F16 alias data), other decodable types are converted to F32.
func NewDense(typ gguf.Type, data []byte, rows, cols int, impl *asm.Impl) (sparse.Matrix, error) {
	switch typ {
	case gguf.F32:
		return sparse.NewF32(gguf.Float32View(data), rows, cols, impl)
	case gguf.F16:
		return sparse.NewF16(gguf.Uint16View(data), rows, cols, impl)
	case gguf.Q8_0:
		return sparse.NewQ8_0(data, rows, cols, impl)
	case gguf.Q4_0:
		return sparse.NewQ4_0(data, rows, cols, impl)
	}
	if !gguf.CanDequantize(typ) {
		return nil, fmt.Errorf("type %s is not supported", typ)
	}
	w := make([]float32, rows*cols)
	if err := gguf.Dequantize(typ, data, w); err != nil {
		return nil, err
	}
	return sparse.NewF32(w, rows, cols, impl)
}

// EmbedRow writes the embedding of token id into dst (Dim values).
func (m *Model) EmbedRow(dst []float32, id int) error {
	if id < 0 || id >= m.Vocab {
		return fmt.Errorf("token id %d out of range [0, %d)", id, m.Vocab)
	}
	rb := m.Embed.Type.RowBytes(m.Dim)
	return gguf.Dequantize(m.Embed.Type, m.File.Data(m.Embed)[id*rb:(id+1)*rb], dst[:m.Dim])
}

// Linears returns every weight matrix: the blocks' in order, then the
// output head.
func (m *Model) Linears() []*Linear {
	var ls []*Linear
	for _, b := range m.Blocks {
		ls = append(ls, b.Linears()...)
	}
	return append(ls, m.Output)
}
