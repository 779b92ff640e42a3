package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/internal/testfiles"
)

// The temperature-0 sample llama2.c's doc/stories260K.md publishes for
// `./run stories260K.bin -z tok512.bin -t 0.0` (256 steps from BOS).
const stories260KSampleText = `Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.
Lily's mom said, "Lily, let's go to the park." Lily was sad and didn't know what to do. She said, "I want to play with your ball, but I can't find it."
Lily was sad and didn't know what to do. She said, "I'm sorry, Lily. I didn't know what to do."
Lily didn't want to help her mom, so she said, "I'm sorry, mom. I didn't know what to do." Her mom said, "Don't worry, Lily. We can help you.`

func TestRunReproducesLlama2cSample(t *testing.T) {
	for _, threads := range []string{"1", "2"} {
		out, stderr, err := sieve(t, "run", testfiles.Path("models/stories260K.gguf"), "--temp", "0", "-n", "256", "--threads", threads)
		if err != nil {
			t.Fatal(err)
		}
		if out != stories260KSampleText+"\n" {
			t.Fatalf("threads %s: got\n%q\nwant\n%q", threads, out, stories260KSampleText)
		}
		for _, want := range []string{"prompt eval time", "eval time", "tokens per second", "/   256 runs"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("timings lack %q:\n%s", want, stderr)
			}
		}
	}
}

func TestRunConvertedBabyLlama(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baby.gguf")
	if _, _, err := sieve(t, "convert", testfiles.Path("models/model5000.bin"), "--tokenizer", testfiles.Path("models/tok105.bin"), "-o", path); err != nil {
		t.Fatal(err)
	}
	out, _, err := sieve(t, "run", path, "--temp", "0", "-n", "64")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "Once upon a time, there was a little girl named Lily") {
		t.Fatalf("BabyLlama says %q", out)
	}
}

// Every way of loading the weights generates the same greedy text.
func TestRunLoadModes(t *testing.T) {
	model := testfiles.Path("models/stories260K.gguf")
	want, _, err := sieve(t, "run", model, "-n", "40", "--temp", "0")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"read", "hugepages"} {
		got, _, err := sieve(t, "run", model, "-n", "40", "--temp", "0", "--load", mode)
		if err != nil || got != want {
			t.Errorf("--load %s: %q, %v; want %q", mode, got, err, want)
		}
	}
}

func TestRunPromptAndSampling(t *testing.T) {
	model := testfiles.Path("models/stories260K.gguf")
	a, _, err := sieve(t, "run", model, "-p", "Once upon a time, there was a dog", "-n", "40", "--seed", "42", "--temp", "0.9")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a, "Once upon a time, there was a dog") {
		t.Fatalf("output does not start with the prompt: %q", a)
	}
	b, _, _ := sieve(t, "run", model, "-p", "Once upon a time, there was a dog", "-n", "40", "--seed", "42", "--temp", "0.9")
	c, _, _ := sieve(t, "run", model, "-p", "Once upon a time, there was a dog", "-n", "40", "--seed", "43", "--temp", "0.9")
	if a != b {
		t.Fatal("the same seed gave different text")
	}
	if a == c {
		t.Fatal("different seeds gave the same 40 tokens")
	}
	// An empty prompt starts from BOS alone, like llama.cpp.
	greedy, _, err := sieve(t, "run", model, "-p", "", "-n", "10", "--temp", "0")
	if err != nil || !strings.HasPrefix(greedy, "Once upon a time") {
		t.Fatalf("empty prompt: %q, %v", greedy, err)
	}
}

func TestRunBadInput(t *testing.T) {
	model := testfiles.Path("models/stories260K.gguf")
	notGGUF := filepath.Join(t.TempDir(), "x.gguf")
	os.WriteFile(notGGUF, []byte("hello, not a model"), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run"}, "missing"},
		{[]string{"run", "/nonexistent/model.gguf"}, "/nonexistent/model.gguf"},
		{[]string{"run", notGGUF}, notGGUF},
		{[]string{"run", testfiles.Path("models/tok512.bin")}, "tok512.bin"},
		{[]string{"run", model, "-n", "-1"}, "-n -1"},
		{[]string{"run", model, "--temp", "-0.5"}, "--temp"},
		{[]string{"run", model, "--top-p", "0"}, "--top-p"},
		{[]string{"run", model, "--top-p", "1.5"}, "--top-p"},
		{[]string{"run", model, "--min-p", "1"}, "--min-p"},
		{[]string{"run", model, "--top-k", "-3"}, "--top-k"},
		{[]string{"run", model, "--repeat-penalty", "0"}, "--repeat-penalty"},
		{[]string{"run", model, "--seed", "-7"}, "--seed"},
		{[]string{"run", model, "--threads", "0"}, "--threads"},
		{[]string{"run", model, "--kernels", "avx9000"}, "--kernels"},
		{[]string{"run", model, "--load", "tape"}, "--load"},
		{[]string{"run", model, "--sparse", "csr"}, "--sparse"},
		{[]string{"run", model, "--ctx-size", "8", "-p", "Once upon a time, there was a little girl named Lily"}, "--ctx-size"},
		{[]string{"run", model, "--temp", "abc"}, "temp"},
	}
	for _, c := range cases {
		_, _, err := sieve(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to mention %q", c.args, err, c.want)
		}
	}
}

func TestPerplexity(t *testing.T) {
	model := testfiles.Path("models/stories260K.gguf")
	text := filepath.Join(t.TempDir(), "t.txt")
	data, err := os.ReadFile(testfiles.Path("eval/tinystories_valid_first1000.txt"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(text, data[:20000], 0o644)
	for _, proto := range []string{"paper", "llama.cpp"} {
		out, stderr, err := sieve(t, "perplexity", model, "--file", text, "--ctx", "128", "--protocol", proto)
		if err != nil {
			t.Fatal(err)
		}
		var ppl, se float64
		if _, err := fmt.Sscanf(out, "Final estimate: PPL = %f +/- %f", &ppl, &se); err != nil {
			t.Fatalf("%s: output %q: %v", proto, out, err)
		}
		// A trained model on its own domain: far better than uniform (512).
		if ppl < 2 || ppl > 20 || se <= 0 {
			t.Fatalf("%s: PPL %v ± %v", proto, ppl, se)
		}
		if !strings.Contains(stderr, "[1]") {
			t.Errorf("%s: no progress on stderr", proto)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"perplexity", model}, "--file"},
		{[]string{"perplexity", model, "--file", "/nonexistent.txt"}, "/nonexistent.txt"},
		{[]string{"perplexity", model, "--file", text, "--protocol", "foo"}, "--protocol"},
		{[]string{"perplexity", model, "--file", text, "--ctx", "1"}, "--ctx"},
		{[]string{"perplexity", model, "--file", text, "--ctx", "100000"}, "100000"},
	} {
		if _, _, err := sieve(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to mention %q", c.args, err, c.want)
		}
	}
}

// --hf-rows rebuilds exactly the WikiText-2 string the pruning papers' code
// evaluates (its digest is in testdata/PROVENANCE.md).
func TestJoinHFRows(t *testing.T) {
	raw, err := os.ReadFile(testfiles.Path("eval/wiki.test.raw"))
	if err != nil {
		t.Fatal(err)
	}
	s := joinHFRows(string(raw))
	sum := sha256.Sum256([]byte(s))
	if len(s) != 1296370 || hex.EncodeToString(sum[:]) != "696cca6b65a171b0a358a4be6732cdfdf2dd6164a32e20fd70e3c13fc4dfae83" {
		t.Fatalf("%d bytes, sha256 %x", len(s), sum)
	}
}
