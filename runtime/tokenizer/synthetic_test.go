package tokenizer

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
)

func newMetadata(t testing.TB, kvs ...any) *gguf.Metadata {
	t.Helper()
	md := &gguf.Metadata{}
	for i := 0; i < len(kvs); i += 2 {
		if err := md.Set(kvs[i].(string), kvs[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return md
}

// bpeVocab is a small byte-level BPE vocabulary: the 256 byte symbols, then
// extra tokens (merged words, control and user-defined tokens).
func bpeVocab(t testing.TB, pre string, extra []string, types map[string]TokenType, merges []string, kvs ...any) *Tokenizer {
	t.Helper()
	var tokens []string
	var tt []int32
	for b := range 256 {
		tokens = append(tokens, byteEncoding[b])
		tt = append(tt, int32(TypeNormal))
	}
	for _, s := range extra {
		tokens = append(tokens, s)
		ty, ok := types[s]
		if !ok {
			ty = TypeNormal
		}
		tt = append(tt, int32(ty))
	}
	md := newMetadata(t, append([]any{
		"tokenizer.ggml.model", "gpt2", "tokenizer.ggml.pre", pre,
		"tokenizer.ggml.tokens", tokens, "tokenizer.ggml.token_type", tt, "tokenizer.ggml.merges", merges,
	}, kvs...)...)
	tok, err := FromGGUF(md)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (t *Tokenizer) texts(ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.Token(id)
	}
	return out
}

// Merges go lowest rank first and, between equal ranks, leftmost first (so
// a run of one letter pairs up from the left, where ollama differs).
func TestBPEMergeOrder(t *testing.T) {
	tok := bpeVocab(t, "qwen2", []string{"xx", "xxxx", "ab", "abc", "bc"}, nil,
		[]string{"x x", "xx xx", "b c", "a b", "ab c"})
	for _, c := range []struct {
		text string
		want []string
	}{
		{"xxxxx", []string{"xxxx", "x"}},
		{"xxxxxxx", []string{"xxxx", "xx", "x"}},
		{"abc", []string{"a", "bc"}}, // "b c" ranks before "a b"
		{"ab", []string{"ab"}},
	} {
		if got := tok.texts(tok.Encode(c.text, false, false)); !slices.Equal(got, c.want) {
			t.Errorf("%q: %q, want %q", c.text, got, c.want)
		}
	}
}

// With llama3's ignore_merges a pre-token that is a token is taken whole.
func TestBPEIgnoreMerges(t *testing.T) {
	extra := []string{"abc", "Ġabc"}
	for pre, want := range map[string][]string{
		"llama-bpe": {"abc", "Ġabc"},
		"smaug-bpe": {"a", "b", "c", "Ġ", "a", "b", "c"}, // same split, no ignore_merges
	} {
		tok := bpeVocab(t, pre, extra, nil, []string{"q q"})
		if got := tok.texts(tok.Encode("abc abc", false, false)); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", pre, got, want)
		}
	}
}

// Special tokens are split out longest first; user-defined ones even when
// specials are not parsed.
func TestBPESpecialPartition(t *testing.T) {
	types := map[string]TokenType{"<|x|>": TypeControl, "<|x|>y": TypeControl, "<tag>": TypeUserDefined, "<|im_end|>": TypeNormal}
	tok := bpeVocab(t, "qwen2", []string{"<|x|>", "<|x|>y", "<tag>", "<|im_end|>"}, types, []string{"q q"})
	id := func(s string) int { i, _ := tok.ID(s); return i }
	for _, c := range []struct {
		text  string
		parse bool
		want  []int
	}{
		{"<|x|>y<|x|>", true, []int{id("<|x|>y"), id("<|x|>")}},
		{"a<tag>b", false, []int{'a', id("<tag>"), 'b'}},
		{"<tag><tag>", true, []int{id("<tag>"), id("<tag>")}},
		{"<|im_end|>", true, []int{id("<|im_end|>")}},
	} {
		if got := tok.Encode(c.text, false, c.parse); !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q, parse=%v) = %q, want %q", c.text, c.parse, tok.texts(got), tok.texts(c.want))
		}
	}
	// Unparsed, the control token's text is ordinary text.
	if got := tok.Encode("<|x|>", false, false); len(got) < 2 {
		t.Errorf("unparsed <|x|> gave %q", tok.texts(got))
	}
	// <|im_end|> is made a control token and an end of generation.
	if !tok.IsEOG(id("<|im_end|>")) || tok.Type(id("<|im_end|>")) != TypeControl || len(tok.Piece(id("<|im_end|>"))) != 0 {
		t.Errorf("<|im_end|>: EOG %v type %v piece %q", tok.IsEOG(id("<|im_end|>")), tok.Type(id("<|im_end|>")), tok.Piece(id("<|im_end|>")))
	}
	if got := string(tok.Piece(id("<tag>"))); got != "<tag>" {
		t.Errorf("Piece(<tag>) = %q", got)
	}
	// BPE defaults without ids in the metadata: llama.cpp's 11.
	if tok.BOS() != 11 || tok.EOS() != 11 || tok.AddBOS() {
		t.Errorf("BOS %d EOS %d AddBOS %v", tok.BOS(), tok.EOS(), tok.AddBOS())
	}
}

func TestBPEDecode(t *testing.T) {
	tok := bpeVocab(t, "llama-bpe", []string{"Ġworld"}, nil, []string{"q q"})
	ids := tok.Encode("héllo world 🦙", false, false)
	if got := tok.Decode(ids); got != "héllo world 🦙" {
		t.Errorf("Decode = %q", got)
	}
	var b strings.Builder
	s := tok.NewStreamer()
	for _, id := range ids {
		b.WriteString(s.Add(id))
	}
	if b.String() != "héllo world 🦙" {
		t.Errorf("streamed %q", b.String())
	}
	// llama-bpe cleans up spaces before punctuation, as llama.cpp does;
	// qwen2 does not.
	ids = tok.Encode("a , b ' c 's d", false, false)
	if got := tok.Decode(ids); got != "a, b'c's d" {
		t.Errorf("llama-bpe Decode = %q", got)
	}
	q := bpeVocab(t, "qwen2", nil, nil, []string{"q q"})
	if got := q.Decode(q.Encode("a , b ' c 's d", false, false)); got != "a , b ' c 's d" {
		t.Errorf("qwen2 Decode = %q", got)
	}
	if tok.BOS() != 11 || !tok.AddBOS() {
		t.Errorf("llama-bpe BOS %d AddBOS %v", tok.BOS(), tok.AddBOS())
	}
}

// spmVocab is a small SentencePiece vocabulary with byte fallback.
func spmVocab(t testing.TB, extra []string, types map[string]TokenType, kvs ...any) *Tokenizer {
	t.Helper()
	tokens := []string{"<unk>", "<s>", "</s>"}
	tt := []int32{int32(TypeUnknown), int32(TypeControl), int32(TypeControl)}
	for b := range 256 {
		tokens = append(tokens, fmt.Sprintf("<0x%02X>", b))
		tt = append(tt, int32(TypeByte))
	}
	scores := make([]float32, len(tokens))
	for i, s := range extra {
		tokens = append(tokens, s)
		ty, ok := types[s]
		if !ok {
			ty = TypeNormal
		}
		tt = append(tt, int32(ty))
		scores = append(scores, -float32(i))
	}
	md := newMetadata(t, append([]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", tokens,
		"tokenizer.ggml.scores", scores, "tokenizer.ggml.token_type", tt}, kvs...)...)
	tok, err := FromGGUF(md)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestSPMByteFallbackAndOptions(t *testing.T) {
	extra := []string{"▁", "a", "b", "▁a", "ab", "▁ab", "<|end|>"}
	types := map[string]TokenType{"<|end|>": TypeControl}
	tok := spmVocab(t, extra, types)
	if got := tok.texts(tok.Encode("ab é", false, false)); !slices.Equal(got, []string{"▁ab", "▁", "<0xC3>", "<0xA9>"}) {
		t.Errorf("byte fallback: %q", got)
	}
	if got := tok.Decode(tok.Encode("ab é", true, false)); got != "ab é" {
		t.Errorf("round trip %q", got)
	}
	// Without the dummy prefix.
	np := spmVocab(t, extra, types, "tokenizer.ggml.add_space_prefix", false)
	if got := np.texts(np.Encode("ab", false, false)); !slices.Equal(got, []string{"ab"}) {
		t.Errorf("add_space_prefix=false: %q", got)
	}
	if got := np.Decode(np.Encode(" ab", true, false)); got != " ab" {
		t.Errorf("add_space_prefix=false round trip: %q", got)
	}
	// After a special token the dummy prefix comes back; Phi-3 models strip
	// the white space right of special tokens first.
	if got := tok.texts(tok.Encode("a<|end|>  a", false, true)); !slices.Equal(got, []string{"▁a", "<|end|>", "▁", "▁", "▁a"}) {
		t.Errorf("after special: %q", got)
	}
	phi := spmVocab(t, extra, types, "general.name", "Phi-3 mini")
	if got := phi.texts(phi.Encode("a<|end|>  a", false, true)); !slices.Equal(got, []string{"▁a", "<|end|>", "▁a"}) {
		t.Errorf("Phi-3 rstrip: %q", got)
	}
	// add_eos_token.
	eos := spmVocab(t, extra, types, "tokenizer.ggml.add_eos_token", true, "tokenizer.ggml.add_bos_token", false)
	if got := eos.Encode("a", true, false); !slices.Equal(got, []int{eos.mustID(t, "▁a"), 2}) {
		t.Errorf("add_eos: %v", got)
	}
	// <|end|> is an end of generation by its text, EOS by default.
	if !slices.Equal(tok.EOGs(), []int{2, tok.mustID(t, "<|end|>")}) || tok.EOT() != tok.mustID(t, "<|end|>") {
		t.Errorf("EOG %v EOT %d", tok.EOGs(), tok.EOT())
	}
}

func (t *Tokenizer) mustID(tb testing.TB, s string) int {
	id, ok := t.ID(s)
	if !ok {
		tb.Fatalf("no token %q", s)
	}
	return id
}

func TestFromGGUFErrors(t *testing.T) {
	tokens := []string{"<unk>", "<s>", "</s>", "a"}
	for _, c := range []struct {
		kvs  []any
		want string
	}{
		{nil, "missing tokenizer.ggml.model"},
		{[]any{"tokenizer.ggml.model", uint32(1)}, "tokenizer.ggml.model is not a string"},
		{[]any{"tokenizer.ggml.model", "bert"}, `unsupported tokenizer.ggml.model "bert"`},
		{[]any{"tokenizer.ggml.model", "llama"}, "missing tokenizer.ggml.tokens"},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", []string{}}, "tokenizer.ggml.tokens is empty"},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", []int32{1}}, "tokenizer.ggml.tokens is []int32"},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", []string{"a", "b", "a"}}, `token "a" appears at 0 and 2`},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.scores", []float32{1, 2}}, "tokenizer.ggml.scores has 2 values for 4 tokens"},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.scores", "x"}, "tokenizer.ggml.scores is string"},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.token_type", []int32{1}}, "tokenizer.ggml.token_type has 1 values for 4 tokens"},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.bos_token_id", uint32(4)}, "tokenizer.ggml.bos_token_id = 4 is out of range (vocabulary of 4 tokens)"},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.eos_token_id", int32(-1)}, "tokenizer.ggml.eos_token_id = -1 is out of range"},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.bos_token_id", "1"}, "tokenizer.ggml.bos_token_id is string, want an integer"},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", tokens, "tokenizer.ggml.add_bos_token", uint8(1)}, "tokenizer.ggml.add_bos_token is uint8, want bool"},
		{[]any{"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", []string{"a"}}, "no BOS token"},
		{[]any{"tokenizer.ggml.model", "gpt2", "tokenizer.ggml.pre", "llama-bpe", "tokenizer.ggml.tokens", tokens}, "missing tokenizer.ggml.merges"},
		{[]any{"tokenizer.ggml.model", "gpt2", "tokenizer.ggml.pre", "gpt2", "tokenizer.ggml.tokens", tokens}, `unsupported tokenizer.ggml.pre "gpt2" (supported: `},
		{[]any{"tokenizer.ggml.model", "gpt2", "tokenizer.ggml.pre", "tekken", "tokenizer.ggml.tokens", tokens}, `unsupported tokenizer.ggml.pre "tekken"`},
	} {
		_, err := FromGGUF(newMetadata(t, c.kvs...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.kvs, err, c.want)
		}
	}
}
