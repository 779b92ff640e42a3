// Package llamacpp runs llama.cpp (node-llama-cpp's prebuilt CPU library,
// driven by .ci/llamacpp/check.mjs) as a reference in tests. It is available
// when SIEVE_LLAMACPP names the directory where that package is installed
// (`npm ci` in .ci/llamacpp, as .ci/run does).
package llamacpp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// Dir returns the install directory, skipping the test when llama.cpp is not
// set up — or failing it when SIEVE_REQUIRE_LLAMACPP is set, as in CI.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SIEVE_LLAMACPP")
	if dir == "" {
		if os.Getenv("SIEVE_REQUIRE_LLAMACPP") != "" {
			t.Fatal("SIEVE_REQUIRE_LLAMACPP is set but SIEVE_LLAMACPP is not")
		}
		t.Skip("set SIEVE_LLAMACPP to the .ci/llamacpp directory (after npm ci) to compare with llama.cpp")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "node-llama-cpp")); err != nil {
		t.Fatalf("SIEVE_LLAMACPP=%s: node-llama-cpp is not installed there (run npm ci): %v", dir, err)
	}
	return dir
}

func call(t testing.TB, out any, args ...string) {
	t.Helper()
	dir := Dir(t)
	cmd := exec.Command("node", append([]string{filepath.Join(dir, "check.mjs")}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("llama.cpp %v: %v\n%s", args, err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("llama.cpp %v: bad output %q: %v", args, stdout.String(), err)
	}
}

// Generate loads model in llama.cpp and returns n greedy tokens after BOS.
func Generate(t testing.TB, model string, n int) []int {
	var r struct{ Tokens []int }
	call(t, &r, "generate", model, strconv.Itoa(n))
	return r.Tokens
}

// LogProbs returns llama.cpp's next-token log-probabilities over the whole
// vocabulary after evaluating ids (which should start with BOS).
func LogProbs(t testing.TB, model string, ids []int) []float64 {
	args := []string{"logprobs", model}
	for _, id := range ids {
		args = append(args, strconv.Itoa(id))
	}
	var r struct{ Logprobs []*float64 }
	call(t, &r, args...)
	out := make([]float64, len(r.Logprobs))
	for i, p := range r.Logprobs {
		if p == nil {
			t.Fatalf("llama.cpp gave no probability for token %d", i)
		}
		out[i] = *p
	}
	return out
}

// Tokenize returns llama.cpp's token ids for text, without BOS.
func Tokenize(t testing.TB, model, text string) []int {
	var r struct{ Tokens []int }
	call(t, &r, "tokenize", model, text)
	return r.Tokens
}

// String formats ids for messages.
func String(ids []int) string { return fmt.Sprint(ids) }
