package tokenizer

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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

// Decoding what Encode produced gives the text back, with or without BOS.
func TestLlamaSPMRoundTrip(t *testing.T) {
	tok := load(t, "fixtures/ggml-vocab-llama-spm.gguf")
	inputs, _ := vocabTests(t, "fixtures/ggml-vocab-llama-spm.gguf")
	for _, s := range append(inputs, "<s>literal</s>", "  two leading", "trailing  ", "\x00\x01 control\x7f") {
		for _, addSpecial := range []bool{false, true} {
			if got := tok.Decode(tok.Encode(s, addSpecial, false)); got != s {
				t.Errorf("Decode(Encode(%q, %v)) = %q", s, addSpecial, got)
			}
		}
	}
}

func TestSPMSpecialTokens(t *testing.T) {
	tok := load(t, "fixtures/ggml-vocab-llama-spm.gguf")
	for _, c := range []struct {
		text              string
		addSpecial, parse bool
		want              []int
	}{
		{"Hello world", false, false, []int{15043, 3186}},
		{"Hello world", true, false, []int{1, 15043, 3186}},
		{"", true, false, []int{1}},
		{"", false, true, nil},
		// Control tokens count only with parseSpecial; the dummy space
		// prefix comes back after each of them.
		{"<s>Hello</s>", false, true, []int{1, 15043, 2}},
		{"<s>Hello</s>", false, false, []int{529, 29879, 29958, 10994, 829, 29879, 29958}},
		{"Hello <s> world", false, true, []int{15043, 29871, 1, 29871, 3186}},
		{"<unk>x", false, true, []int{0, 921}},
		{"Hello\nworld", false, false, []int{15043, 13, 11526}},
	} {
		if got := tok.Encode(c.text, c.addSpecial, c.parse); !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q, %v, %v) = %v, want %v", c.text, c.addSpecial, c.parse, got, c.want)
		}
	}
	if tok.VocabSize() != 32000 || tok.BOS() != 1 || tok.EOS() != 2 || tok.UNK() != 0 || !tok.AddBOS() || tok.AddEOS() || !tok.AddSpacePrefix() {
		t.Errorf("vocab %d BOS %d EOS %d UNK %d AddBOS %v AddEOS %v AddSpacePrefix %v",
			tok.VocabSize(), tok.BOS(), tok.EOS(), tok.UNK(), tok.AddBOS(), tok.AddEOS(), tok.AddSpacePrefix())
	}
	if !tok.IsEOG(2) || tok.IsEOG(1) || tok.IsEOG(15043) || !slices.Equal(tok.EOGs(), []int{2}) {
		t.Errorf("end of generation: %v", tok.EOGs())
	}
	if tok.Token(15043) != "▁Hello" || tok.Token(-1) != "" || tok.Token(32000) != "" {
		t.Errorf("Token: %q %q %q", tok.Token(15043), tok.Token(-1), tok.Token(32000))
	}
	if tok.Type(1) != TypeControl || tok.Type(0) != TypeUnknown || tok.Type(3) != TypeByte || tok.Type(15043) != TypeNormal {
		t.Errorf("types %v %v %v %v", tok.Type(1), tok.Type(0), tok.Type(3), tok.Type(15043))
	}
	if p := string(tok.Piece(15043)); p != " Hello" {
		t.Errorf("Piece(▁Hello) = %q", p)
	}
	if p := tok.Piece(1); len(p) != 0 {
		t.Errorf("Piece(<s>) = %q, want nothing", p)
	}
	if p := string(tok.PieceSpecial(1)); p != "<s>" {
		t.Errorf("PieceSpecial(<s>) = %q", p)
	}
	if p := tok.Piece(13); len(p) != 1 || p[0] != '\n' {
		t.Errorf("Piece(<0x0A>) = %q", p)
	}
}

// stories260K (llama2.c's tokenizer, 512 tokens) encodes the start of its
// reference sample to the ids llama2.c generated.
func TestStories260K(t *testing.T) {
	tok := load(t, "models/stories260K.gguf")
	want := []int{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426}
	const text = "Once upon a time, there was a little girl named Lily."
	if got := tok.Encode(text, true, false); !slices.Equal(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
	if got := tok.Decode(want); got != text {
		t.Errorf("Decode = %q, want %q", got, text)
	}
	if tok.PAD() != -1 { // its padding id is 2^32-1, which llama.cpp ignores
		t.Errorf("PAD = %d", tok.PAD())
	}
}

func TestStreamer(t *testing.T) {
	tok := load(t, "fixtures/ggml-vocab-llama-spm.gguf")
	// "▁Hello", "▁this", "▁", then 🦙 as four byte tokens, "." and "cpp".
	ids := []int{1, 15043, 445, 29871, 243, 162, 169, 156, 29889, 8223, 2}
	var parts []string
	s := tok.NewStreamer()
	for _, id := range ids {
		parts = append(parts, s.Add(id))
	}
	parts = append(parts, s.Flush())
	want := []string{"", "Hello", " this", " ", "", "", "", "🦙", ".", "cpp", "", ""}
	if !slices.Equal(parts, want) {
		t.Errorf("streamed %q, want %q", parts, want)
	}
	if got := strings.Join(parts, ""); got != tok.Decode(ids) {
		t.Errorf("streamed %q, Decode %q", got, tok.Decode(ids))
	}
	// Without BOS it continues a text: the space stays.
	s = tok.NewStreamer()
	if got := s.Add(15043); got != " Hello" {
		t.Errorf("first piece without BOS = %q", got)
	}
	// A character cut short is flushed as it is; invalid bytes pass at once.
	s = tok.NewStreamer()
	if got := s.Add(243) + s.Add(162); got != "" {
		t.Errorf("incomplete character gave %q", got)
	}
	if got := s.Flush(); got != "\xf0\x9f" {
		t.Errorf("Flush = %q", got)
	}
	if got := s.Add(3 + 0x80); got != "\x80" {
		t.Errorf("stray continuation byte gave %q", got)
	}
}

// Decode, like llama.cpp, drops the dummy space prefix of the first token
// (and, unlike llama.cpp, of the first after BOS).
func TestDecodeLeadingSpace(t *testing.T) {
	tok := load(t, "fixtures/ggml-vocab-llama-spm.gguf")
	for _, c := range []struct {
		ids  []int
		want string
	}{
		{[]int{15043, 3186}, "Hello world"},
		{[]int{1, 15043, 3186}, "Hello world"},
		{[]int{1, 29871, 15043}, " Hello"},
		{[]int{259, 15043}, "  Hello"},
		{[]int{1, 1, 15043}, " Hello"}, // only one BOS is skipped
		{[]int{2}, ""},
		{nil, ""},
		{[]int{-5, 99999}, ""},
	} {
		if got := tok.Decode(c.ids); got != c.want {
			t.Errorf("Decode(%v) = %q, want %q", c.ids, got, c.want)
		}
	}
}

func TestWikiText(t *testing.T) {
	b, err := os.ReadFile(testfiles.Path("eval/wiki.test.raw"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	tok := load(t, "fixtures/ggml-vocab-llama-spm.gguf")
	start := time.Now()
	ids := tok.Encode(text, true, false)
	t.Logf("WikiText-2 test (%d bytes): %d Llama-2 tokens in %v", len(text), len(ids), time.Since(start))
	if got := tok.Decode(ids); got != text {
		t.Errorf("WikiText-2 does not round-trip")
	}
}

func BenchmarkEncodeSPM(b *testing.B) {
	text, err := os.ReadFile(testfiles.Path("eval/wiki.test.raw"))
	if err != nil {
		b.Fatal(err)
	}
	tok := load(b, "fixtures/ggml-vocab-llama-spm.gguf")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tok.Encode(string(text), true, false)
	}
}

// Real BPE vocabularies (from the npm packages, see hfvocab_test.go).
func TestBPEVocabularies(t *testing.T) {
	text, err := os.ReadFile(testfiles.Path("eval/wiki.test.raw"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pkg, pre, bos string
		eog           []string
		roundTrip     bool
	}{
		// Qwen does not clean up spaces when decoding; Llama 3 does. As in
		// llama.cpp, Qwen's ordinary token "</s>" ends generation, and so do
		// its FIM pad, repository and file separator tokens.
		{qwen3Package, "qwen2", "<|endoftext|>", []string{"<|endoftext|>", "<|im_end|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "</s>"}, true},
		{llama3Package, "llama-bpe", "", []string{"<|end_of_text|>", "<|eot_id|>"}, false},
	} {
		t.Run(c.pre, func(t *testing.T) {
			tok, err := FromGGUF(hfMetadata(t, npmVocabDir(t, c.pkg), c.pre, c.bos))
			if err != nil {
				t.Fatal(err)
			}
			var eog []int
			for _, s := range c.eog {
				eog = append(eog, tok.mustID(t, s))
			}
			slices.Sort(eog)
			if !slices.Equal(tok.EOGs(), eog) {
				t.Errorf("EOG %v %q, want %q", tok.EOGs(), tok.texts(tok.EOGs()), c.eog)
			}
			start := time.Now()
			ids := tok.Encode(string(text), true, false)
			t.Logf("WikiText-2 test: %d tokens in %v", len(ids), time.Since(start))
			want := string(text)
			if !c.roundTrip {
				want = string(cleanSpaces([]byte(want)))
			}
			if tok.AddBOS() && ids[0] != tok.BOS() {
				t.Errorf("no BOS")
			}
			if got := tok.Decode(ids); got != want {
				t.Errorf("WikiText-2 does not round-trip")
			}
		})
	}
}

// A Tokenizer is shared by goroutines.
func TestConcurrentEncode(t *testing.T) {
	tok := load(t, "fixtures/ggml-vocab-llama-spm.gguf")
	inputs, want := vocabTests(t, "fixtures/ggml-vocab-llama-spm.gguf")
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for i, s := range inputs {
				ok = ok && slices.Equal(tok.Encode(s, false, false), want[i])
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("concurrent Encode gave a different result")
		}
	}
}
