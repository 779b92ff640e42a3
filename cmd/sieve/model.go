package main

import (
	"flag"
	"fmt"
	goruntime "runtime"
	"time"

	"github.com/sieve-llm/sieve/asm"
	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/runtime"
	"github.com/sieve-llm/sieve/runtime/tokenizer"
)

// modelFlags are the flags every command that runs a model shares.
type modelFlags struct {
	threads *int
	kernels *string
	ctxSize *int
	batch   *int
}

func addModelFlags(fs *flag.FlagSet) *modelFlags {
	return &modelFlags{
		threads: fs.Int("threads", goruntime.GOMAXPROCS(0), "worker threads (at most the cores you can spare)"),
		kernels: fs.String("kernels", "auto", "kernel implementation: auto, "+implNames()),
		ctxSize: fs.Int("ctx-size", 0, "context size in tokens (0: the model's training context, at most 4096)"),
		batch:   fs.Int("batch", 512, "tokens evaluated per forward pass while reading a prompt"),
	}
}

func implNames() string {
	s := ""
	for i, im := range asm.Impls() {
		if i > 0 {
			s += ", "
		}
		s += im.Name
	}
	return s
}

// loaded is an open model ready to run.
type loaded struct {
	file  *gguf.File
	model *runtime.Model
	tok   *tokenizer.Tokenizer
	pool  *runtime.Pool
	ctx   int
	load  time.Duration
}

func (l *loaded) Close() {
	l.pool.Close()
	l.file.Close()
}

// load opens a GGUF model, checking the shared flags first.
func (mf *modelFlags) load(path string) (*loaded, error) {
	if *mf.threads < 1 {
		return nil, usagef("--threads %d: must be at least 1", *mf.threads)
	}
	if *mf.ctxSize < 0 {
		return nil, usagef("--ctx-size %d: must be ≥ 0", *mf.ctxSize)
	}
	if *mf.batch < 1 {
		return nil, usagef("--batch %d: must be at least 1", *mf.batch)
	}
	impl, err := asm.Lookup(*mf.kernels)
	if err != nil {
		return nil, usagef("--kernels: %v", err)
	}
	start := time.Now()
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := runtime.Load(f, runtime.LoadOptions{Impl: impl})
	if err != nil {
		f.Close()
		return nil, err
	}
	tok, err := tokenizer.FromGGUF(&f.Metadata)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if tok.VocabSize() != m.Vocab {
		f.Close()
		return nil, fmt.Errorf("%s: the tokenizer has %d tokens but the embedding %d rows", path, tok.VocabSize(), m.Vocab)
	}
	ctx := *mf.ctxSize
	if ctx == 0 {
		ctx = min(m.ContextLen, 4096)
	}
	if goruntime.GOMAXPROCS(0) < *mf.threads {
		goruntime.GOMAXPROCS(*mf.threads)
	}
	return &loaded{file: f, model: m, tok: tok, pool: runtime.NewPool(*mf.threads), ctx: ctx, load: time.Since(start)}, nil
}
