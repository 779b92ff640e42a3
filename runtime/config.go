package runtime

import (
	"fmt"
	"math"

	"github.com/sieve-llm/sieve/gguf"
)

// RopeMode is how rotary embeddings pair the dimensions of a head.
type RopeMode int

const (
	// RopeNorm rotates adjacent pairs (x[2i], x[2i+1]): llama in GGUF, whose
	// converter permutes Q and K rows to match.
	RopeNorm RopeMode = iota
	// RopeNeox rotates (x[i], x[i+d/2]): qwen2, qwen3.
	RopeNeox
)

// Config is the shape and hyperparameters of a model, read from metadata.
type Config struct {
	Arch       string
	Dim        int // embedding length
	FFN        int // feed-forward length
	Layers     int
	Heads      int
	KVHeads    int
	HeadDim    int // per-head dimension of Q, K and V
	RopeDim    int // dimensions rotated per head (≤ HeadDim)
	Vocab      int
	ContextLen int // training context
	Eps        float32
	RopeBase   float32
	RopeScale  float32 // linear position scaling factor (1 = none)
	RopeMode   RopeMode
	QKVBias    bool // q/k/v projections have biases (qwen2)
	QKNorm     bool // per-head RMSNorm of q and k (qwen3)
}

// meta reads typed, arch-prefixed keys with defaults and collects errors.
type meta struct {
	f    *gguf.File
	arch string
	err  error
}

func (m *meta) fail(key, format string, args ...any) {
	if m.err == nil {
		m.err = fmt.Errorf("%s: metadata %q: %s", m.f.Path, key, fmt.Sprintf(format, args...))
	}
}

// int reads arch.key; def < 0 means required.
func (m *meta) int(key string, def int) int {
	full := m.arch + "." + key
	v, ok := m.f.Int(full)
	if !ok {
		if _, present := m.f.Value(full); present {
			m.fail(full, "not an integer")
		} else if def < 0 {
			m.fail(full, "missing")
		}
		return def
	}
	if v < 0 || v > math.MaxInt32 {
		m.fail(full, "value %d out of range", v)
		return def
	}
	return int(v)
}

func (m *meta) float(key string, def float64) float32 {
	full := m.arch + "." + key
	v, ok := m.f.Float(full)
	if !ok {
		if _, present := m.f.Value(full); present {
			m.fail(full, "not a number")
		}
		return float32(def)
	}
	return float32(v)
}

// ReadConfig reads the model configuration of an open GGUF file for the given
// architecture spec.
func readConfig(f *gguf.File, a *Arch) (*Config, error) {
	m := &meta{f: f, arch: a.Name}
	c := &Config{Arch: a.Name, RopeMode: a.Rope, QKVBias: a.QKVBias, QKNorm: a.QKNorm}
	c.Dim = m.int("embedding_length", -1)
	c.FFN = m.int("feed_forward_length", -1)
	c.Layers = m.int("block_count", -1)
	c.Heads = m.int("attention.head_count", -1)
	c.KVHeads = m.int("attention.head_count_kv", c.Heads)
	c.ContextLen = m.int("context_length", 2048)
	if m.err != nil {
		return nil, m.err
	}
	if c.Dim <= 0 || c.Layers <= 0 || c.Heads <= 0 || c.KVHeads <= 0 || c.FFN <= 0 {
		return nil, fmt.Errorf("%s: bad model shape: embedding %d, ffn %d, %d layers, %d heads, %d kv heads", f.Path, c.Dim, c.FFN, c.Layers, c.Heads, c.KVHeads)
	}
	c.HeadDim = m.int("attention.key_length", c.Dim/c.Heads)
	if v := m.int("attention.value_length", c.HeadDim); v != c.HeadDim {
		return nil, fmt.Errorf("%s: attention.value_length %d differs from key_length %d: not supported", f.Path, v, c.HeadDim)
	}
	c.RopeDim = m.int("rope.dimension_count", c.HeadDim)
	c.Eps = m.float("attention.layer_norm_rms_epsilon", 1e-5)
	c.RopeBase = m.float("rope.freq_base", 10000)
	c.RopeScale = 1
	if t, ok := f.String(a.Name + ".rope.scaling.type"); ok {
		switch t {
		case "none":
		case "linear":
			if s := m.float("rope.scaling.factor", 1); s > 0 {
				c.RopeScale = s
			}
		default:
			return nil, fmt.Errorf("%s: %s.rope.scaling.type %q is not supported (linear and none are; Llama-3 scaling comes as a rope_freqs tensor)", f.Path, a.Name, t)
		}
	}
	if m.err != nil {
		return nil, m.err
	}
	if c.Heads%c.KVHeads != 0 {
		return nil, fmt.Errorf("%s: %d heads are not a multiple of %d kv heads", f.Path, c.Heads, c.KVHeads)
	}
	if c.HeadDim <= 0 || c.RopeDim > c.HeadDim || c.RopeDim%2 != 0 {
		return nil, fmt.Errorf("%s: head dimension %d and rope dimension %d are inconsistent", f.Path, c.HeadDim, c.RopeDim)
	}
	if c.Eps <= 0 || c.RopeBase <= 0 {
		return nil, fmt.Errorf("%s: rms epsilon %g and rope base %g must be positive", f.Path, c.Eps, c.RopeBase)
	}
	return c, nil
}
