package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/synth"
)

func init() {
	register(&command{name: "synth", summary: "write a random-weight model with the shape of a real one (for speed measurements)", run: runSynth})
}

func runSynth(ctx context.Context, e *env, args []string) error {
	fs := newFlags("synth", "-o OUT.gguf (--shape NAME | --dim D --ffn F --layers L --heads H --kv-heads K --vocab V) [--type T] [--seed S] [--tokenizer-from DONOR.gguf]", e.stderr)
	out := fs.String("o", "", "output GGUF path (required)")
	shapeName := fs.String("shape", "", "a real model's shape: "+strings.Join(synth.ShapeNames(), ", "))
	arch := fs.String("arch", "", "architecture for a custom shape: llama, qwen2, qwen3 (default llama)")
	dim := fs.Int("dim", 0, "embedding length")
	ffn := fs.Int("ffn", 0, "feed-forward length")
	layers := fs.Int("layers", 0, "blocks")
	heads := fs.Int("heads", 0, "attention heads")
	kvHeads := fs.Int("kv-heads", 0, "key/value heads (default: --heads)")
	headDim := fs.Int("head-dim", 0, "per-head dimension (default: dim/heads)")
	vocab := fs.Int("vocab", 0, "vocabulary size (ignored with --tokenizer-from)")
	ctxLen := fs.Int("context", 0, "training context length recorded in the file")
	typName := fs.String("type", "F16", "weight type: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1")
	seed := fs.Uint64("seed", 1, "random seed")
	donor := fs.String("tokenizer-from", "", "copy the tokenizer of this GGUF (its vocabulary size wins)")
	sparsity := fs.Float64("sparsity", 0, "zero this fraction of every block matrix's weights (per row, random positions) and keep the rest away from 0, like a model pruned by magnitude")
	pattern := fs.String("pattern", "unstructured", "with --sparsity: unstructured, or 2:4 (2 zeros in every aligned group of 4)")
	force := fs.Bool("force", false, "replace OUT if it exists")
	pos, err := parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if err := positional(fs, pos, 0, ""); err != nil {
		return err
	}
	if *out == "" {
		return usagef("synth: -o OUT.gguf is required")
	}
	typ, err := gguf.ParseType(*typName)
	if err != nil || !gguf.CanQuantize(typ) {
		return usagef("--type %q: must be one of F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1", *typName)
	}
	var s synth.Shape
	if *shapeName != "" {
		var ok bool
		if s, ok = synth.Shapes[*shapeName]; !ok {
			return usagef("--shape %q: known shapes are %s", *shapeName, strings.Join(synth.ShapeNames(), ", "))
		}
	} else {
		s = synth.Shape{Arch: "llama"}
	}
	// Explicit dimensions override (or, without --shape, define) the shape.
	override := func(dst *int, v int, name string) error {
		if v < 0 {
			return usagef("--%s %d: must be positive", name, v)
		}
		if v > 0 {
			*dst = v
		}
		return nil
	}
	for _, o := range []struct {
		dst  *int
		v    int
		name string
	}{{&s.Dim, *dim, "dim"}, {&s.FFN, *ffn, "ffn"}, {&s.Layers, *layers, "layers"}, {&s.Heads, *heads, "heads"},
		{&s.KVHeads, *kvHeads, "kv-heads"}, {&s.HeadDim, *headDim, "head-dim"}, {&s.Vocab, *vocab, "vocab"}, {&s.Context, *ctxLen, "context"}} {
		if err := override(o.dst, o.v, o.name); err != nil {
			return err
		}
	}
	if *arch != "" {
		s.Arch = *arch
	}
	if s.KVHeads == 0 {
		s.KVHeads = s.Heads
	}
	if s.Dim == 0 || s.FFN == 0 || s.Layers == 0 || s.Heads == 0 || (s.Vocab == 0 && *donor == "") {
		return usagef("synth: give --shape, or all of --dim, --ffn, --layers, --heads and --vocab")
	}
	if err := checkOutput(*out, *force, *donor); err != nil {
		return err
	}
	opt := synth.Options{Shape: s, Type: typ, Seed: *seed, Sparsity: *sparsity, Pattern: *pattern}
	if *shapeName != "" {
		opt.Name = fmt.Sprintf("synthetic %s %s", *shapeName, typ)
		if opt.Sparsity > 0 || opt.Pattern == "2:4" {
			opt.Name += fmt.Sprintf(" %s %g", opt.Pattern, opt.Sparsity)
		}
	}
	if *donor != "" {
		f, err := gguf.Open(*donor)
		if err != nil {
			return err
		}
		defer f.Close()
		opt.Tokenizer = &f.Metadata
	}
	md, ts, err := synth.Build(opt)
	if err != nil {
		return usageError{err.Error()}
	}
	var total uint64
	for i := range ts {
		n, _ := ts[i].Bytes()
		total += n
	}
	fmt.Fprintf(e.stderr, "synth: writing %d tensors, %s, to %s\n", len(ts), humanBytes(total), *out)
	start := time.Now()
	prog := newProgress(e.stderr, "synth", len(ts))
	for i := range ts {
		if w := ts[i].WriteTo; w != nil {
			i := i
			ts[i].WriteTo = func(wr io.Writer) error { defer prog.step(i + 1); return w(wr) }
		}
	}
	if err := gguf.Write(ctx, *out, md, ts); err != nil {
		return err
	}
	prog.done()
	st, _ := os.Stat(*out)
	fmt.Fprintf(e.stderr, "synth: %s written in %.1f s\n", humanBytes(uint64(st.Size())), time.Since(start).Seconds())
	return nil
}
