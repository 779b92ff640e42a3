package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/sieve-llm/sieve/internal/llamacpp"
	"github.com/sieve-llm/sieve/internal/testfiles"
)

// The start of the temperature-0 sample llama2.c publishes for stories260K.
var stories260KSample = []int{403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338}

// A GGUF written by our converter and writer loads in llama.cpp and generates
// exactly the llama2.c reference sample.
func TestLlamaCppLoadsConvertedModel(t *testing.T) {
	llamacpp.Dir(t)
	out := filepath.Join(t.TempDir(), "stories260K.gguf")
	if _, _, err := sieve(t, "convert", testfiles.Path("models/stories260K.bin"), "--tokenizer", testfiles.Path("models/tok512.bin"), "-o", out); err != nil {
		t.Fatal(err)
	}
	got := llamacpp.Generate(t, out, len(stories260KSample))
	if !slices.Equal(got, stories260KSample) {
		t.Fatalf("llama.cpp generated %v from our file, want %v", got, stories260KSample)
	}
}
