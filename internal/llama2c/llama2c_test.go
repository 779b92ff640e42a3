package llama2c

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/testfiles"
)

// Converting the llama2.c stories260K checkpoint gives the same tensors, bit
// for bit and in the same order, as the GGUF llama.cpp's converter made of it,
// and the same vocabulary.
func TestStories260KMatchesReferenceGGUF(t *testing.T) {
	m, err := Convert(testfiles.Path("models/stories260K.bin"), testfiles.Path("models/tok512.bin"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "s.gguf")
	if err := gguf.Write(context.Background(), out, m.Metadata, m.Tensors); err != nil {
		t.Fatal(err)
	}
	got, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	ref, err := gguf.Open(testfiles.Path("models/stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if len(got.Tensors()) != len(ref.Tensors()) {
		t.Fatalf("%d tensors, reference has %d", len(got.Tensors()), len(ref.Tensors()))
	}
	for i := range ref.Tensors() {
		a, b := &got.Tensors()[i], &ref.Tensors()[i]
		if a.Name != b.Name || a.Type != b.Type || !reflect.DeepEqual(a.Shape, b.Shape) {
			t.Fatalf("tensor %d: %s %v %v, reference %s %v %v", i, a.Name, a.Type, a.Shape, b.Name, b.Type, b.Shape)
		}
		if !bytes.Equal(got.Data(a), ref.Data(b)) {
			t.Fatalf("tensor %s: data differs", a.Name)
		}
	}
	for _, key := range []string{"tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.model", "llama.embedding_length",
		"llama.feed_forward_length", "llama.block_count", "llama.attention.head_count", "llama.attention.head_count_kv",
		"llama.rope.dimension_count", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id"} {
		a, _ := got.Value(key)
		b, _ := ref.Value(key)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: %v, reference %v", key, short(a), short(b))
		}
	}
	as, _ := got.Float32s("tokenizer.ggml.scores")
	bs, _ := ref.Float32s("tokenizer.ggml.scores")
	for i := range bs {
		if as[i] != bs[i] {
			t.Fatalf("score %d: %v, reference %v", i, as[i], bs[i])
		}
	}
	if n, _ := got.Int("llama.context_length"); n != 512 {
		t.Errorf("context_length %d, want the trained 512", n)
	}
}

func short(v any) any {
	if s, ok := v.([]string); ok && len(s) > 8 {
		return s[:8]
	}
	return v
}

func TestBabyLlama(t *testing.T) {
	m, err := Convert(testfiles.Path("models/model5000.bin"), testfiles.Path("models/tok105.bin"))
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if c.Dim != 128 || c.HiddenDim != 352 || c.Layers != 5 || c.Heads != 8 || c.KVHeads != 4 || c.Vocab != 105 || c.SeqLen != 256 || !c.SharedClassifier {
		t.Fatalf("config %+v", c)
	}
	toks, _ := m.Metadata.Strings("tokenizer.ggml.tokens")
	if toks[1] != "<s>" || toks[2] != "</s>" || toks[3] != "\u2581" || toks[4] != "e" {
		t.Fatalf("tokens %q", toks[:5])
	}
	var n uint64
	for _, ts := range m.Tensors {
		b, _ := ts.Bytes()
		n += b / 4
	}
	// ~0.94M parameters plus the stored copy of the shared classifier.
	if n != 940544-256*16+105*128 {
		t.Fatalf("%d parameters", n)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	model := testfiles.Path("models/stories260K.bin")
	tok := testfiles.Path("models/tok512.bin")
	good, _ := os.ReadFile(model)
	neg := append([]byte(nil), good...)
	neg[0], neg[1], neg[2], neg[3] = 0xff, 0xff, 0xff, 0xff
	cases := []struct{ model, tok, want string }{
		{write("short.bin", good[:10]), tok, "too short"},
		{write("trunc.bin", good[:len(good)-4]), tok, "implies"},
		{write("neg.bin", neg), tok, "dim = -1"},
		{write("v1.bin", []byte("24ka\x01\x00\x00\x00"+strings.Repeat("\x00", 256))), tok, "version 1"},
		{model, testfiles.Path("models/tok105.bin"), "ends after 105 tokens"},
		{model, write("tok-long.bin", append(mustRead(tok), 0, 0, 0, 0)), "bytes left"},
		{model, write("tok-bad.bin", []byte{0, 0, 0, 0}), "max_token_length"},
		{model, filepath.Join(dir, "missing.bin"), "no such file"},
	}
	for _, c := range cases {
		_, err := Convert(c.model, c.tok)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Convert(%s, %s) = %v, want error mentioning %q", filepath.Base(c.model), filepath.Base(c.tok), err, c.want)
		}
	}
}

func mustRead(p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		panic(err)
	}
	return b
}
