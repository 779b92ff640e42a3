package tokenizer

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/testfiles"
)

func load(t testing.TB, name string) *Tokenizer {
	t.Helper()
	f, err := gguf.Open(testfiles.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tok, err := FromGGUF(&f.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// vocabTests reads llama.cpp's test vectors (tests/test-tokenizer-0.cpp
// format): inputs separated by "\n__ggml_vocab_test__\n", one line of ids
// per input.
func vocabTests(t testing.TB, name string) (inputs []string, want [][]int) {
	t.Helper()
	inp, err := os.ReadFile(testfiles.Path(name + ".inp"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(testfiles.Path(name + ".out"))
	if err != nil {
		t.Fatal(err)
	}
	const sep = "\n__ggml_vocab_test__\n"
	raw := string(inp)
	for pos := 0; pos < len(raw); {
		i := strings.Index(raw[pos:], sep)
		if i < 0 {
			inputs = append(inputs, raw[pos:])
			break
		}
		inputs = append(inputs, raw[pos:pos+i])
		pos += i + len(sep)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(inputs) {
		t.Fatalf("%s: %d inputs, %d outputs", name, len(inputs), len(lines))
	}
	for _, l := range lines {
		var ids []int
		for _, f := range strings.Fields(l) {
			id, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		want = append(want, ids)
	}
	return inputs, want
}

// Every test vector llama.cpp ships for the Llama-2 SentencePiece
// vocabulary, tokenized as its test does (no BOS, specials not parsed).
func TestLlamaSPMVectors(t *testing.T) {
	tok := load(t, "fixtures/ggml-vocab-llama-spm.gguf")
	inputs, want := vocabTests(t, "fixtures/ggml-vocab-llama-spm.gguf")
	if len(inputs) != 46 {
		t.Fatalf("%d test vectors, want 46", len(inputs))
	}
	pass := 0
	for i, s := range inputs {
		got := tok.Encode(s, false, false)
		if !slices.Equal(got, want[i]) {
			t.Errorf("%q:\n got %v\nwant %v", s, got, want[i])
			continue
		}
		pass++
	}
	t.Logf("%d/%d llama.cpp vectors pass", pass, len(inputs))
}
