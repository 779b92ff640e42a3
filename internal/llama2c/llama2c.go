// Package llama2c converts llama2.c checkpoints (the legacy "v0" export of
// llama2.c's train.py/export.py) and their tokenizer.bin files into GGUF
// metadata and tensors for the llama architecture.
package llama2c

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/sieve-llm/sieve/gguf"
)

// Config is the checkpoint header.
type Config struct {
	Dim, HiddenDim, Layers, Heads, KVHeads, Vocab, SeqLen int
	SharedClassifier                                      bool
}

// magicV1 marks the newer llama2.c export formats, which we do not read.
const magicV1 = 0x616b3432

// Model is a converted checkpoint, ready for gguf.Write.
type Model struct {
	Config   Config
	Metadata *gguf.Metadata
	Tensors  []gguf.WriteTensor
}

// Convert reads a llama2.c checkpoint and tokenizer and builds the GGUF
// model. Tensors keep the checkpoint's float32 values bit for bit; Q and K are
// not permuted, because llama2.c already uses ggml's interleaved-pair RoPE.
func Convert(modelPath, tokenizerPath string) (*Model, error) {
	data, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, err
	}
	cfg, err := parseHeader(modelPath, data)
	if err != nil {
		return nil, err
	}
	vocab, err := ReadTokenizer(tokenizerPath, cfg.Vocab)
	if err != nil {
		return nil, err
	}

	headSize := cfg.Dim / cfg.Heads
	kvDim := cfg.KVHeads * headSize
	L, D, H, V := cfg.Layers, cfg.Dim, cfg.HiddenDim, cfg.Vocab
	weights := data[28:]
	off := 0
	take := func(n int) []byte {
		b := weights[off : off+4*n]
		off += 4 * n
		return b
	}
	emb := take(V * D)
	rmsAtt := take(L * D)
	wq := take(L * D * D)
	wk := take(L * kvDim * D)
	wv := take(L * kvDim * D)
	wo := take(L * D * D)
	rmsFFN := take(L * D)
	w1 := take(L * H * D)
	w2 := take(L * D * H)
	w3 := take(L * H * D)
	rmsFinal := take(D)
	take(cfg.SeqLen * headSize / 2) // freq_cis_real: recomputed at run time
	take(cfg.SeqLen * headSize / 2) // freq_cis_imag
	cls := emb
	if !cfg.SharedClassifier {
		cls = take(V * D)
	}

	t := func(name string, b []byte, shape ...uint64) gguf.WriteTensor {
		return gguf.WriteTensor{Name: name, Type: gguf.F32, Shape: shape, Data: b}
	}
	layer := func(b []byte, l, n int) []byte { return b[4*n*l : 4*n*(l+1)] }
	ts := []gguf.WriteTensor{
		t("token_embd.weight", emb, uint64(D), uint64(V)),
		t("output_norm.weight", rmsFinal, uint64(D)),
		t("output.weight", cls, uint64(D), uint64(V)),
	}
	for l := 0; l < L; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		ts = append(ts,
			t(p+"attn_q.weight", layer(wq, l, D*D), uint64(D), uint64(D)),
			t(p+"attn_k.weight", layer(wk, l, kvDim*D), uint64(D), uint64(kvDim)),
			t(p+"attn_v.weight", layer(wv, l, kvDim*D), uint64(D), uint64(kvDim)),
			t(p+"attn_output.weight", layer(wo, l, D*D), uint64(D), uint64(D)),
			t(p+"attn_norm.weight", layer(rmsAtt, l, D), uint64(D)),
			t(p+"ffn_gate.weight", layer(w1, l, H*D), uint64(D), uint64(H)),
			t(p+"ffn_down.weight", layer(w2, l, D*H), uint64(H), uint64(D)),
			t(p+"ffn_up.weight", layer(w3, l, H*D), uint64(D), uint64(H)),
			t(p+"ffn_norm.weight", layer(rmsFFN, l, D), uint64(D)),
		)
	}

	md := &gguf.Metadata{}
	name := strings.TrimSuffix(filepath.Base(modelPath), filepath.Ext(modelPath))
	set := func(k string, v any) {
		if err == nil {
			err = md.Set(k, v)
		}
	}
	set("general.architecture", "llama")
	set("general.name", name)
	set("general.file_type", uint32(0)) // all F32
	set("general.source.format", "llama2.c")
	set("llama.context_length", uint32(cfg.SeqLen))
	set("llama.embedding_length", uint32(D))
	set("llama.feed_forward_length", uint32(H))
	set("llama.block_count", uint32(L))
	set("llama.attention.head_count", uint32(cfg.Heads))
	set("llama.attention.head_count_kv", uint32(cfg.KVHeads))
	set("llama.rope.dimension_count", uint32(headSize))
	set("llama.rope.freq_base", float32(10000))
	set("llama.attention.layer_norm_rms_epsilon", float32(1e-5))
	set("tokenizer.ggml.model", "llama")
	set("tokenizer.ggml.tokens", vocab.Tokens)
	set("tokenizer.ggml.scores", vocab.Scores)
	set("tokenizer.ggml.token_type", vocab.Types)
	set("tokenizer.ggml.unknown_token_id", uint32(0))
	set("tokenizer.ggml.bos_token_id", uint32(1))
	set("tokenizer.ggml.eos_token_id", uint32(2))
	set("tokenizer.ggml.add_bos_token", true)
	set("tokenizer.ggml.add_eos_token", false)
	set("tokenizer.ggml.add_space_prefix", true)
	if err != nil {
		return nil, err
	}
	return &Model{Config: cfg, Metadata: md, Tensors: ts}, nil
}

func parseHeader(path string, data []byte) (Config, error) {
	if len(data) < 28 {
		return Config{}, fmt.Errorf("%s: %d bytes, too short for a llama2.c checkpoint header", path, len(data))
	}
	if binary.LittleEndian.Uint32(data) == magicV1 {
		return Config{}, fmt.Errorf("%s: llama2.c export version 1/2 (magic \"ak42\") is not supported; export with --version 0 (legacy)", path)
	}
	var h [7]int32
	for i := range h {
		h[i] = int32(binary.LittleEndian.Uint32(data[4*i:]))
	}
	names := [7]string{"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"}
	cfg := Config{Dim: int(h[0]), HiddenDim: int(h[1]), Layers: int(h[2]), Heads: int(h[3]), KVHeads: int(h[4]), Vocab: int(h[5]), SeqLen: int(h[6])}
	cfg.SharedClassifier = cfg.Vocab > 0
	if cfg.Vocab < 0 {
		cfg.Vocab = -cfg.Vocab
	}
	for i, v := range h {
		if v == 0 || (v < 0 && i != 5) || v > 1<<20 {
			return Config{}, fmt.Errorf("%s: header field %s = %d is out of range; is this a llama2.c checkpoint?", path, names[i], v)
		}
	}
	if cfg.Dim%cfg.Heads != 0 || cfg.Heads%cfg.KVHeads != 0 || (cfg.Dim/cfg.Heads)%2 != 0 {
		return Config{}, fmt.Errorf("%s: dim %d, n_heads %d, n_kv_heads %d are inconsistent", path, cfg.Dim, cfg.Heads, cfg.KVHeads)
	}
	hs := cfg.Dim / cfg.Heads
	kv := cfg.KVHeads * hs
	n := int64(cfg.Vocab)*int64(cfg.Dim) + int64(cfg.Layers)*(2*int64(cfg.Dim)+2*int64(cfg.Dim)*int64(cfg.Dim)+2*int64(kv)*int64(cfg.Dim)+3*int64(cfg.HiddenDim)*int64(cfg.Dim)) +
		int64(cfg.Dim) + int64(cfg.SeqLen)*int64(hs)
	if !cfg.SharedClassifier {
		n += int64(cfg.Vocab) * int64(cfg.Dim)
	}
	if got := int64(len(data)-28) / 4; got != n || (len(data)-28)%4 != 0 {
		return Config{}, fmt.Errorf("%s: header (dim=%d hidden=%d layers=%d heads=%d kv_heads=%d vocab=%d seq_len=%d) implies %d floats, file holds %d bytes after the header",
			path, cfg.Dim, cfg.HiddenDim, cfg.Layers, cfg.Heads, cfg.KVHeads, cfg.Vocab, cfg.SeqLen, n, len(data)-28)
	}
	return cfg, nil
}

// Vocab is a tokenizer in GGUF form.
type Vocab struct {
	Tokens []string
	Scores []float32
	Types  []int32
}

// GGUF token types.
const (
	typeNormal  = 1
	typeUnknown = 2
	typeControl = 3
	typeByte    = 6
)

var byteToken = regexp.MustCompile(`^<0x[0-9A-F]{2}>$`)

// ReadTokenizer reads a llama2.c tokenizer.bin: int32 max_token_length, then
// per token float32 score, int32 length, bytes. llama2.c writes SentencePiece's
// "▁" as a space and BOS/EOS as "\n<s>\n"/"\n</s>\n"; GGUF keeps the
// SentencePiece spellings, so both are mapped back. want is the vocabulary
// size the model expects.
func ReadTokenizer(path string, want int) (*Vocab, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 4 {
		return nil, fmt.Errorf("%s: too short for a llama2.c tokenizer", path)
	}
	maxLen := int(int32(binary.LittleEndian.Uint32(data)))
	if maxLen <= 0 || maxLen > 1<<16 {
		return nil, fmt.Errorf("%s: max_token_length %d is out of range; is this a llama2.c tokenizer.bin?", path, maxLen)
	}
	v := &Vocab{}
	off := 4
	for len(v.Tokens) < want {
		i := len(v.Tokens)
		if off+8 > len(data) {
			return nil, fmt.Errorf("%s: ends after %d tokens, the model needs %d", path, i, want)
		}
		score := math.Float32frombits(binary.LittleEndian.Uint32(data[off:]))
		n := int(int32(binary.LittleEndian.Uint32(data[off+4:])))
		off += 8
		if n < 0 || n > maxLen || off+n > len(data) {
			return nil, fmt.Errorf("%s: token %d has length %d (max_token_length %d, %d bytes left)", path, i, n, maxLen, len(data)-off)
		}
		s := string(data[off : off+n])
		off += n
		typ := int32(typeNormal)
		switch {
		case i == 0:
			typ = typeUnknown
		case i == 1 || i == 2:
			typ = typeControl
			s = strings.TrimSpace(s)
		case byteToken.MatchString(s):
			typ = typeByte
		default:
			s = strings.ReplaceAll(s, " ", "\u2581")
		}
		v.Tokens = append(v.Tokens, s)
		v.Scores = append(v.Scores, score)
		v.Types = append(v.Types, typ)
	}
	if off != len(data) {
		return nil, fmt.Errorf("%s: %d bytes left after %d tokens: the tokenizer does not match the model's vocab_size", path, len(data)-off, want)
	}
	return v, nil
}
