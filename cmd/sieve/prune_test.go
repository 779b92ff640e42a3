package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/testfiles"
)

func TestPruneCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.gguf")
	stdout, stderr, err := sieve(t, "prune", testfiles.Path("models/stories260K.gguf"), "-o", out, "--method", "sparsegpt", "--nm", "2:4",
		"--calib", testfiles.Path("eval/tinystories_calib500.txt"), "--nsamples", "4", "--seqlen", "64", "--type", "F16")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "block") || !strings.Contains(stdout, "0.5000") || !strings.Contains(stderr, "prune: [") {
		t.Fatalf("summary:\n%s\nprogress:\n%s", stdout, stderr)
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for key, want := range map[string]string{"sieve.prune.method": "sparsegpt", "sieve.prune.pattern": "2:4", "sieve.prune.weight_type": "F16", "sieve.prune.calibration.order": "random"} {
		if v, _ := f.String(key); v != want {
			t.Errorf("%s = %q, want %q", key, v, want)
		}
	}
	// The output passes inspect's 2:4 check on every pruned matrix.
	js, _, err := sieve(t, "inspect", "--json", out)
	if err != nil {
		t.Fatal(err)
	}
	var r inspectReport
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	pruned, _ := f.Strings("sieve.prune.tensors")
	seen := 0
	for _, tr := range r.Tensors {
		if slices.Contains(pruned, tr.Name) {
			seen++
			if tr.NM24 == nil || !*tr.NM24 || *tr.Zeros != 0.5 {
				t.Errorf("%s: 2:4 %v, zeros %v", tr.Name, tr.NM24, tr.Zeros)
			}
		}
	}
	if seen != 35 {
		t.Fatalf("%d pruned tensors in the report", seen)
	}
}

func TestPruneBadInput(t *testing.T) {
	model := testfiles.Path("models/stories260K.gguf")
	calib := testfiles.Path("eval/tinystories_calib500.txt")
	dir := t.TempDir()
	out := filepath.Join(dir, "o.gguf")
	short := filepath.Join(dir, "short.txt")
	os.WriteFile(short, []byte("Once upon a time."), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"prune", model, "--method", "wanda", "--sparsity", "0.5", "--calib", calib}, "-o"},
		{[]string{"prune", model, "-o", out, "--method", "wanda", "--sparsity", "1", "--calib", calib}, "--sparsity"},
		{[]string{"prune", model, "-o", out, "--method", "wanda", "--sparsity", "-0.2", "--calib", calib}, "--sparsity"},
		{[]string{"prune", model, "-o", out, "--method", "wanda", "--nm", "4:4", "--calib", calib}, "--nm"},
		{[]string{"prune", model, "-o", out, "--method", "wanda", "--nm", "2-4", "--calib", calib}, "--nm"},
		{[]string{"prune", model, "-o", out, "--method", "wanda", "--nm", "2:4", "--sparsity", "0.5", "--calib", calib}, "not both"},
		{[]string{"prune", model, "-o", out, "--method", "obs", "--sparsity", "0.5"}, "--method"},
		{[]string{"prune", model, "-o", out, "--method", "wanda", "--sparsity", "0.5", "--calib", short, "--nsamples", "4", "--seqlen", "64"}, "longer than --seqlen"},
		{[]string{"prune", model, "-o", out, "--method", "wanda", "--sparsity", "0.5", "--calib", short, "--calib-order", "sequential"}, "--nsamples"},
		{[]string{"prune", model, "-o", model, "--method", "magnitude", "--sparsity", "0.5"}, "input"},
		{[]string{"prune", model, "-o", out, "--method", "magnitude", "--sparsity", "0.5", "--type", "Q4_K"}, "--type"},
		{[]string{"prune", model, "-o", out, "--method", "magnitude", "--nm", "4:8"}, "172"},
	}
	for _, c := range cases {
		_, _, err := sieve(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to mention %q", c.args[2:], err, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v: an output file was written", c.args[2:])
		}
	}
	// Cancelled before the end: no output, no temporary file.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var o, e strings.Builder
	if err := run(ctx, []string{"prune", model, "-o", out, "--method", "magnitude", "--sparsity", "0.5"}, &o, &e); err == nil {
		t.Fatal("cancelled prune succeeded")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("files left behind: %v", ents)
	}
}

// Without --calib, prune calibrates on the embedded C4 sample.
func TestPruneDefaultCalibration(t *testing.T) {
	out := filepath.Join(t.TempDir(), "w.gguf")
	_, stderr, err := sieve(t, "prune", testfiles.Path("models/stories260K.gguf"), "-o", out, "--method", "wanda", "--sparsity", "0.5", "--nsamples", "2", "--seqlen", "64")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "2 calibration windows of 64 tokens from embedded C4 sample") {
		t.Errorf("stderr does not name the embedded calibration text:\n%s", stderr)
	}
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.String("sieve.prune.calibration.file"); !strings.HasPrefix(v, "embedded C4") {
		t.Errorf("sieve.prune.calibration.file = %q", v)
	}
}
