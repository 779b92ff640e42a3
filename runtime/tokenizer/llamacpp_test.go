package tokenizer

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sieve-llm/sieve/internal/llamacpp"
	"github.com/sieve-llm/sieve/internal/testfiles"
)

// parityTexts exercise the pre-tokenizers' corners and the merge loops.
var parityTexts = []string{
	"Hello world", "hello world", " Hello world", "Hello world ", "  Hello  world  ", "Hello,   world!",
	"The quick brown fox jumps over the lazy dog.", "   ", " ", "\t", "\n", "\n\n\n", "a\n\nb", "a \n b", "a\r\nb\r\n",
	"line one\nline two\n\n  indented\n\tTabbed\t\tthing \t\n", "trailing spaces   ", "   leading spaces", "a  b   c    d",
	"1", "12", "123", "1234", "12345", "1234567890", "3.14159 2,718 1e-10 -42 +7", "99999999999999999999999999",
	"phone: 555-123-4567, year 2024", "x1y22z333w4444",
	"I'm you're we've they'll he'd it's don't", "I'M YOU'RE WE'VE THEY'LL HE'D IT'S DON'T", "'s 't 're 've 'm 'll 'd", " 's", "y'all", "rock'n'roll",
	"我想在apple工作1314151天～", "日本語のテキストです。", "한국어 텍스트", "Привет, мир! Как дела?", "Ελληνικά γράμματα", "مرحبا بالعالم ١٢٣",
	"🦙🦙 🚀 (normal) 😶‍🌫️ ✅ 👨‍👩‍👧‍👦", "café naïve résumé Zürich façade", "cafe\u0301 e\u0301", "Crème brûlée à la carte",
	strings.Repeat("x", 50), strings.Repeat("a", 100), strings.Repeat(" ", 20), strings.Repeat("ab", 40), strings.Repeat("=", 33), strings.Repeat("!", 17),
	"func main() {\n\tfmt.Println(\"hi\")\n}\n", "if (x != nil && y >= 3) { return x->y; } // comment", "def f(a, b=2, *args, **kw):\n    return a**b\n",
	"<html><body class=\"x\">text</body></html>", "https://example.com/path?q=1&r=two#frag", "user@example.com", "$100 €200 £300 ¥400",
	"½ ² ³ Ⅻ ⅷ ٣ ৩ ๓", " \U0002EBF0\U0002EBF1x 1\U0002EE5D", "non\u00a0breaking\u3000ideographic\u2003em space", "zero\u200bwidth\u200djoiner", "\u00ad soft hyphen",
	"---======= ......!!!!!!?????? '''''' ``````` \"\"\"\"", " ( ) [ ] { } < > ", "a.b,c;d:e!f?g", "~`^|\\/", "C++ and C# and F#",
	"ied 4 ½ months", "Äpfel", "w048 7tuijk dsdfhu", " discards", "\n =", "' era", "ထ\u1039ထ", "कि ह", "\u0600\u0601",
	"<s>", "</s>", "<unk>", "Hello <s> world </s>", " <s>x", "<|endoftext|>", "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
	"<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", "<think>\nhmm\n</think>\n\nanswer", "<tool_call>{}</tool_call>",
	"<|im_start|> spaced <|im_end|>", "text<|endoftext|>more<|endoftext|>", "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>",
}

type batchResult struct {
	BOS     int  `json:"bos"`
	EOS     int  `json:"eos"`
	AddBOS  bool `json:"addBos"`
	EOG     []int
	Results []struct {
		Plain   []int  `json:"plain"`
		Special []int  `json:"special"`
		Detok   string `json:"detok"`
	} `json:"results"`
}

// llamaCppBatch tokenizes texts with llama.cpp in one process
// (.ci/llamacpp/tokenize-batch.mjs).
func llamaCppBatch(t *testing.T, model string, vocabSize int, texts []string) *batchResult {
	t.Helper()
	dir := llamacpp.Dir(t)
	in, err := json.Marshal(map[string]any{"texts": texts, "vocabSize": vocabSize})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir, "tokenize-batch.mjs"), model)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("llama.cpp on %s: %v\n%s", model, err, stderr.String())
	}
	var r batchResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("llama.cpp on %s: bad output: %v", model, err)
	}
	if len(r.Results) != len(texts) {
		t.Fatalf("llama.cpp gave %d results for %d texts", len(r.Results), len(texts))
	}
	return &r
}

// compareWithLlamaCpp checks Encode (with and without parsing specials),
// Decode, BOS/EOS, AddBOS and the end-of-generation set against llama.cpp.
func compareWithLlamaCpp(t *testing.T, tok *Tokenizer, model string, texts []string) {
	r := llamaCppBatch(t, model, tok.VocabSize(), texts)
	if r.BOS != tok.BOS() || r.EOS != tok.EOS() || r.AddBOS != tok.AddBOS() {
		t.Errorf("BOS %d EOS %d AddBOS %v, llama.cpp %d %d %v", tok.BOS(), tok.EOS(), tok.AddBOS(), r.BOS, r.EOS, r.AddBOS)
	}
	if eog := tok.EOGs(); !slices.Equal(eog, r.EOG) {
		t.Errorf("end-of-generation ids %v, llama.cpp %v", eog, r.EOG)
	}
	same := 0
	for i, s := range texts {
		want := r.Results[i]
		ok := true
		if got := tok.Encode(s, false, false); !slices.Equal(got, want.Plain) {
			t.Errorf("Encode(%q):\n got %v\nwant %v (llama.cpp)", s, got, want.Plain)
			ok = false
		}
		if got := tok.Encode(s, false, true); !slices.Equal(got, want.Special) {
			t.Errorf("Encode(%q, parseSpecial):\n got %v\nwant %v (llama.cpp)", s, got, want.Special)
			ok = false
		}
		if got := tok.Decode(want.Plain); utf8.ValidString(got) && got != want.Detok {
			t.Errorf("Decode(%v) = %q, llama.cpp %q", want.Plain, got, want.Detok)
			ok = false
		}
		if ok {
			same++
		}
	}
	t.Logf("%s: %d/%d texts identical to llama.cpp", filepath.Base(model), same, len(texts))
}

// randomTexts are strings drawn from pieces that meet at the pre-tokenizers'
// edges: white space of several kinds, contractions, digits of several
// scripts, punctuation, combining marks, emoji, and special token texts.
func randomTexts(n int) []string {
	pieces := []string{
		"a", "b", "Z", "hello", "World", "é", "ß", "中", "文字", "😀", "🦙", "\u200d", "\ufe0f", "\u0301", "ñ",
		"0", "1", "42", "999", "12345", "½", "٣", "²", "Ⅻ",
		" ", " ", " ", "  ", "\t", "\n", "\r", "\r\n", "\n\n", "\u00a0", "\u3000", "\u2003", "\u0085", "\v", "\f", "\u200b",
		"'", "'s", "'S", "'ll", "'LL", "'re", "'ve", "'m", "'d", "'t", "’",
		".", ",", "!", "?", "-", "_", "`", "$", "+", "<", "=", ">", "^", "~", "|", "\\", "/", "(", ")", "[", "]", "{", "}", "#", "@", "&", "*", "%", "\"", "€", "©", "…", "—", "«",
		"<s>", "</s>", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<think>",
	}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range 1 + r.IntN(16) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		out[i] = b.String()
	}
	return out
}

func allParityTexts(t *testing.T) []string {
	inputs, _ := vocabTests(t, "fixtures/ggml-vocab-llama-spm.gguf")
	return slices.Concat(parityTexts, inputs, randomTexts(400))
}

func TestLlamaCppParitySPM(t *testing.T) {
	llamacpp.Dir(t)
	t.Parallel()
	texts := allParityTexts(t)
	for _, name := range []string{"fixtures/llama-2-tiny-random.gguf", "models/stories260K.gguf"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			t.Parallel()
			compareWithLlamaCpp(t, load(t, name), testfiles.Path(name), texts)
		})
	}
}

// The pre-tokenizers run on both vocabularies: Llama 3's has multi-digit
// and contraction tokens, so digit grouping and case folding show there.
func TestLlamaCppParityBPE(t *testing.T) {
	llamacpp.Dir(t)
	t.Parallel()
	texts := allParityTexts(t)
	type vocab struct {
		pkg, bos string
		pres     []string
	}
	for _, v := range []vocab{
		{qwen3Package, "<|endoftext|>", []string{"qwen2"}},
		{llama3Package, "", []string{"llama-bpe", "qwen2", "default", "gpt-2", "starcoder", "falcon"}},
	} {
		base := hfMetadata(t, npmVocabDir(t, v.pkg), "", v.bos)
		for _, pre := range v.pres {
			t.Run(filepath.Base(v.pkg)+"/"+pre, func(t *testing.T) {
				t.Parallel()
				md := base.Clone()
				if err := md.Set("tokenizer.ggml.pre", pre); err != nil {
					t.Fatal(err)
				}
				tok, err := FromGGUF(md)
				if err != nil {
					t.Fatal(err)
				}
				model := filepath.Join(t.TempDir(), strings.TrimPrefix(filepath.Base(v.pkg), "tokenizer-")+"-"+pre+".gguf")
				writeTinyModel(t, md, model)
				compareWithLlamaCpp(t, tok, model, texts)
			})
		}
	}
}
