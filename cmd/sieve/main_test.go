package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/internal/testfiles"
)

// sieve runs the command line in-process.
func sieve(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = run(context.Background(), args, &o, &e)
	return o.String(), e.String(), err
}

func TestUsage(t *testing.T) {
	if _, _, err := sieve(t); err == nil {
		t.Fatal("no command accepted")
	}
	_, stderr, err := sieve(t, "frobnicate")
	if _, ok := err.(usageError); !ok || !strings.Contains(stderr, "commands:") {
		t.Fatalf("err %v, stderr %q", err, stderr)
	}
}

func TestInspectFixtures(t *testing.T) {
	cases := []struct {
		file   string
		vocab  int
		params uint64
		want   map[string]string // tensor → "shape type"
	}{
		{"models/stories260K.gguf", 512, 64*512*2 + 64 + 5*(64*64*2+64*32*2+64*172*3+64*2), map[string]string{
			"token_embd.weight": "[64 512] F32", "blk.4.attn_k.weight": "[64 32] F32", "blk.0.ffn_down.weight": "[172 64] F32"}},
		{"fixtures/llama-2-tiny-random.gguf", 32000, 513048, map[string]string{
			"token_embd.weight": "[8 32000] F16", "blk.0.ffn_gate.weight": "[8 32] F16", "output_norm.weight": "[8] F32"}},
		{"fixtures/ggml-vocab-llama-spm.gguf", 32000, 0, nil},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			out, _, err := sieve(t, "inspect", "--json", testfiles.Path(c.file))
			if err != nil {
				t.Fatal(err)
			}
			var r inspectReport
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			if r.VocabSize != c.vocab || r.Parameters != c.params || r.Architecture != "llama" || r.Tokenizer != "llama" {
				t.Fatalf("vocab %d params %d arch %q tokenizer %q", r.VocabSize, r.Parameters, r.Architecture, r.Tokenizer)
			}
			for _, tr := range r.Tensors {
				if want, ok := c.want[tr.Name]; ok {
					if got := fmt.Sprint(tr.Shape) + " " + tr.Type; got != want {
						t.Errorf("%s: %s, want %s", tr.Name, got, want)
					}
					delete(c.want, tr.Name)
				}
				if tr.Zeros == nil || *tr.Zeros < 0 || *tr.Zeros > 0.01 {
					t.Errorf("%s: zero fraction %v", tr.Name, tr.Zeros)
				}
			}
			if len(c.want) != 0 {
				t.Errorf("tensors not found: %v", c.want)
			}
			text, _, err := sieve(t, "inspect", testfiles.Path(c.file))
			if err != nil || !strings.Contains(text, "tokens") {
				t.Fatalf("text report: %v\n%s", err, text)
			}
		})
	}
}

func TestConvertThenInspect(t *testing.T) {
	out := filepath.Join(t.TempDir(), "baby.gguf")
	if _, _, err := sieve(t, "convert", testfiles.Path("models/model5000.bin"), "--tokenizer", testfiles.Path("models/tok105.bin"), "-o", out); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sieve(t, "convert", testfiles.Path("models/model5000.bin"), "--tokenizer", testfiles.Path("models/tok105.bin"), "-o", out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("existing output overwritten without --force: %v", err)
	}
	text, _, err := sieve(t, "inspect", out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"context:       256", "105 tokens", "blk.4.ffn_up.weight", "128 x 352"} {
		if !strings.Contains(text, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, text)
		}
	}
}

func TestInspectBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"inspect"},
		{"inspect", "/nonexistent.gguf"},
		{"inspect", testfiles.Path("models/tok512.bin")},
		{"inspect", "a", "b"},
		{"inspect", "--bogus", "x"},
	} {
		if _, _, err := sieve(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
