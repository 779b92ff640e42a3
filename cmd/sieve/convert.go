package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/internal/llama2c"
)

func init() {
	register(&command{name: "convert", summary: "convert a llama2.c checkpoint and tokenizer to GGUF", run: runConvert})
}

func runConvert(ctx context.Context, e *env, args []string) error {
	fs := newFlags("convert", "MODEL.bin --tokenizer TOKENIZER.bin -o OUT.gguf", e.stderr)
	tok := fs.String("tokenizer", "", "llama2.c tokenizer.bin for the model (required)")
	out := fs.String("o", "", "output GGUF path (required)")
	force := fs.Bool("force", false, "replace OUT if it exists")
	pos, err := parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if err := positional(fs, pos, 1, "the llama2.c checkpoint"); err != nil {
		return err
	}
	if *tok == "" {
		return usagef("convert: --tokenizer is required (llama2.c checkpoints carry no vocabulary)")
	}
	if *out == "" {
		return usagef("convert: -o OUT.gguf is required")
	}
	if err := checkOutput(*out, *force, pos[0], *tok); err != nil {
		return err
	}
	m, err := llama2c.Convert(pos[0], *tok)
	if err != nil {
		return err
	}
	if err := gguf.Write(ctx, *out, m.Metadata, m.Tensors); err != nil {
		return err
	}
	c := m.Config
	fmt.Fprintf(e.stderr, "convert: dim %d, ffn %d, %d layers, %d heads (%d kv), vocab %d, context %d: %d tensors written to %s\n",
		c.Dim, c.HiddenDim, c.Layers, c.Heads, c.KVHeads, c.Vocab, c.SeqLen, len(m.Tensors), *out)
	return nil
}

// checkOutput refuses to write over an input or, without force, over any
// existing file.
func checkOutput(out string, force bool, inputs ...string) error {
	for _, in := range inputs {
		if gguf.SameFile(out, in) {
			return fmt.Errorf("output %s is the input file; choose another path", out)
		}
	}
	if st, err := os.Stat(out); err == nil {
		if st.IsDir() {
			return fmt.Errorf("output %s is a directory", out)
		}
		if !force {
			return fmt.Errorf("output %s exists; pass --force to replace it", out)
		}
	}
	return nil
}
