package tokenizer

import (
	"slices"
	"testing"
)

func words(p preTokenizer, s string) []string {
	cpts := decodeCpts(s, nil)
	var out []string
	for _, sp := range p.run(cpts) {
		out = append(out, string(cpts[sp.start:sp.end]))
	}
	return out
}

// The splits follow the regexes, look-ahead included; llama.cpp's parity
// tests check the same on real vocabularies.
func TestPreTokenizers(t *testing.T) {
	for _, c := range []struct {
		name string
		p    preTokenizer
		text string
		want []string
	}{
		{"llama3", llama3Split, "Hello world", []string{"Hello", " world"}},
		{"llama3", llama3Split, "  x", []string{" ", " x"}},                   // \s+(?!\S) leaves one space to the word
		{"llama3", llama3Split, "x  ", []string{"x", "  "}},                   // ...but takes all at the end
		{"llama3", llama3Split, "\t\tfoo", []string{"\t", "\tfoo"}},           // [^\r\n\p{L}\p{N}]?\p{L}+
		{"llama3", llama3Split, "a   \n\n b", []string{"a", "   \n\n", " b"}}, // \s*[\r\n]+
		{"llama3", llama3Split, "1234567", []string{"123", "456", "7"}},
		{"llama3", llama3Split, "I'M it's", []string{"I", "'M", " it", "'s"}},
		{"llama3", llama3Split, " !!!\n\nx", []string{" !!!\n\n", "x"}},
		{"llama3", llama3Split, " 5", []string{" ", "5"}},
		{"llama3", llama3Split, "\u00a0\u3000x", []string{"\u00a0", "\u3000x"}},
		{"qwen2", qwen2Split, "x12 3", []string{"x", "1", "2", " ", "3"}},
		{"gpt2", gpt2Split, "Hello world", []string{"Hello", " world"}},
		{"gpt2", gpt2Split, " 123abc", []string{" 123", "abc"}},
		{"gpt2", gpt2Split, "I'M it's", []string{"I", "'", "M", " it", "'s"}},
		{"gpt2", gpt2Split, "a\n\nb", []string{"a", "\n", "\n", "b"}},
		{"gpt2", gpt2Split, "x ", []string{"x", " "}},
		{"default", defaultSplit, "Hello, world!!! 12345 ½", []string{"Hello", ",", " world", "!!!", " ", "123", "45", " ", "½"}},
		{"default", defaultSplit, "a`b$c", []string{"a", "`", "b", "$", "c"}},
		{"falcon", falconSplit, "a`b 1234", []string{"a", "`", "b", " ", "123", "4"}},
		{"starcoder", starcoderSplit, "ab12 3", []string{"ab", "1", "2", " ", "3"}},
	} {
		if got := words(c.p, c.text); !slices.Equal(got, c.want) {
			t.Errorf("%s(%q) = %q, want %q", c.name, c.text, got, c.want)
		}
	}
}

// Invalid UTF-8 decodes as llama.cpp does: U+FFFD per stray byte, overlong
// and surrogate forms kept.
func TestDecodeCpts(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []rune
	}{
		{"aé🦙", []rune{'a', 'é', '🦙'}},
		{"\x80a", []rune{0xFFFD, 'a'}},
		{"\xc3", []rune{0xFFFD}},
		{"\xe2\x82", []rune{0xFFFD, 0xFFFD}},
		{"\xc0\x80", []rune{0}},
		{"\xed\xa0\x80", []rune{0xD800}},
		{"\xf8\x88\x80\x80\x80", []rune{0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD}},
	} {
		if got := decodeCpts(c.in, nil); !slices.Equal(got, c.want) {
			t.Errorf("decodeCpts(%q) = %U, want %U", c.in, got, c.want)
		}
	}
}
