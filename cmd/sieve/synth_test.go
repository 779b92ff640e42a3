package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/internal/testfiles"
)

func TestSynthThenBench(t *testing.T) {
	dir := t.TempDir()
	for _, typ := range []string{"F16", "Q8_0", "Q4_0"} {
		out := filepath.Join(dir, typ+".gguf")
		if _, _, err := sieve(t, "synth", "-o", out, "--dim", "64", "--ffn", "128", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--vocab", "300", "--type", typ); err != nil {
			t.Fatal(err)
		}
		js, _, err := sieve(t, "inspect", "--json", "--no-scan", out)
		if err != nil {
			t.Fatal(err)
		}
		var r inspectReport
		json.Unmarshal([]byte(js), &r)
		if r.VocabSize != 300 || len(r.Tensors) != 2+9*2+1 || r.Totals[0].Type != typ {
			t.Fatalf("%s: vocab %d, %d tensors, totals %+v", typ, r.VocabSize, len(r.Tensors), r.Totals)
		}
		// Runs, and benches as a table with both tests.
		if _, _, err := sieve(t, "run", out, "-n", "5", "--temp", "0"); err != nil {
			t.Fatal(err)
		}
		table, _, err := sieve(t, "bench", out, "-p", "16", "-n", "8", "-r", "2")
		if err != nil || !strings.Contains(table, "pp16") || !strings.Contains(table, "tg8") || !strings.Contains(table, " ± ") {
			t.Fatalf("bench: %v\n%s", err, table)
		}
	}
	// A named shape with a donor tokenizer takes the donor's vocabulary.
	if _, _, err := sieve(t, "synth", "-o", filepath.Join(dir, "q.gguf"), "--shape", "qwen2.5-0.5b", "--layers", "1", "--dim", "64", "--ffn", "64", "--heads", "2", "--kv-heads", "1",
		"--tokenizer-from", testfiles.Path("models/stories260K.gguf"), "--type", "F32"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"synth", "--shape", "tinyllama-1.1b"}, "-o"},
		{[]string{"synth", "-o", filepath.Join(dir, "x.gguf"), "--shape", "gpt-5"}, "--shape"},
		{[]string{"synth", "-o", filepath.Join(dir, "x.gguf"), "--shape", "tinyllama-1.1b", "--type", "Q4_K"}, "--type"},
		{[]string{"synth", "-o", filepath.Join(dir, "x.gguf"), "--dim", "64"}, "--shape"},
		{[]string{"synth", "-o", filepath.Join(dir, "x.gguf"), "--dim", "48", "--ffn", "64", "--layers", "1", "--heads", "2", "--vocab", "300", "--type", "Q8_0"}, "multiple of 32"},
		{[]string{"bench", filepath.Join(dir, "F16.gguf"), "-r", "0"}, "-r"},
		{[]string{"bench", filepath.Join(dir, "F16.gguf"), "-p", "0", "-n", "0"}, "nothing"},
		{[]string{"bench"}, "missing"},
	} {
		if _, _, err := sieve(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to mention %q", c.args, err, c.want)
		}
	}
}

func TestSynthSparsity(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args   []string
		min    float64
		nm     bool
		format string // the storage --sparse auto gives the block matrices
	}{
		{[]string{"--sparsity", "0.7"}, 0.70, false, "bitmask-f16"},
		{[]string{"--pattern", "2:4"}, 0.5, true, "nm24-f16"},
	} {
		out := filepath.Join(dir, "s.gguf")
		args := append([]string{"synth", "-o", out, "--force", "--dim", "64", "--ffn", "128", "--layers", "1", "--heads", "2", "--vocab", "300", "--type", "F16"}, c.args...)
		if _, _, err := sieve(t, args...); err != nil {
			t.Fatal(err)
		}
		js, _, err := sieve(t, "inspect", "--json", out)
		if err != nil {
			t.Fatal(err)
		}
		var r inspectReport
		json.Unmarshal([]byte(js), &r)
		for _, tr := range r.Tensors {
			block := strings.HasPrefix(tr.Name, "blk.") && !strings.Contains(tr.Name, "norm")
			switch {
			case block && (*tr.Zeros < c.min || *tr.Zeros > c.min+0.01 || *tr.NM24 != c.nm):
				t.Errorf("%v: %s zeros %v, 2:4 %v", c.args, tr.Name, *tr.Zeros, *tr.NM24)
			case !block && *tr.Zeros > 0.05:
				t.Errorf("%v: %s (not a block matrix) has %v zeros", c.args, tr.Name, *tr.Zeros)
			case block && tr.Auto != c.format:
				t.Errorf("%v: inspect says %s runs as %q, want %s", c.args, tr.Name, tr.Auto, c.format)
			case tr.Name == "output.weight" && tr.Auto != "dense":
				t.Errorf("%v: inspect says the dense head runs as %q", c.args, tr.Auto)
			}
		}
		// run --verbose lists each matrix's format; --sparse dense keeps
		// them dense and generates the same greedy text.
		sparseOut, stderr, err := sieve(t, "run", out, "-n", "12", "--temp", "0", "--verbose")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stderr, "7 × "+c.format) || !strings.Contains(stderr, "blk.0.ffn_down.weight") {
			t.Errorf("%v: run --verbose says\n%s", c.args, stderr)
		}
		denseOut, stderr, err := sieve(t, "run", out, "-n", "12", "--temp", "0", "--sparse", "dense")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stderr, c.format) || denseOut != sparseOut {
			t.Errorf("%v: --sparse dense: %q vs sparse %q\n%s", c.args, denseOut, sparseOut, stderr)
		}
		// bench measures both variants side by side with a speedup column:
		// per test, the dense row then the sparse one.
		js, _, err = sieve(t, "bench", out, "-p", "8", "-n", "4", "-r", "1", "-o", "json")
		if err != nil {
			t.Fatal(err)
		}
		var rows []benchRow
		json.Unmarshal([]byte(js), &rows)
		if len(rows) != 4 || rows[0].Sparse != "dense" || rows[1].Sparse != "auto" || !strings.Contains(rows[1].Formats, c.format) || rows[0].Speedup != 1 || rows[2].Speedup != 1 || rows[3].Speedup <= 0 || rows[1].Test != "pp8" || rows[3].Test != "tg4" {
			t.Errorf("%v: bench rows %+v", c.args, rows)
		}
	}
	if _, _, err := sieve(t, "run", filepath.Join(dir, "s.gguf"), "--sparse", "csr"); err == nil || !strings.Contains(err.Error(), "--sparse") {
		t.Errorf("--sparse csr: err = %v", err)
	}
	if _, _, err := sieve(t, "synth", "-o", filepath.Join(dir, "x.gguf"), "--shape", "tinyllama-1.1b", "--pattern", "2:4", "--sparsity", "0.7"); err == nil {
		t.Error("2:4 at 70% accepted")
	}
}
