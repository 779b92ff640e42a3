package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/sieve-llm/sieve/runtime"
)

func init() {
	register(&command{name: "run", summary: "generate text from a prompt, streaming it to stdout", run: runRun})
}

func runRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags("run", "MODEL.gguf [-p PROMPT] [-n N] [--temp T] [--seed S] [--top-k K] [--top-p P] [--min-p P] [--threads T]", e.stderr)
	prompt := fs.String("p", "", "prompt (empty: start from BOS alone)")
	n := fs.Int("n", 256, "tokens to generate at most")
	def := runtime.DefaultSampler()
	temp := fs.Float64("temp", def.Temp, "temperature (0: greedy)")
	seed := fs.Int64("seed", -1, "random seed (-1: pick one and print it)")
	topK := fs.Int("top-k", def.TopK, "keep the K most likely tokens (0: off)")
	topP := fs.Float64("top-p", def.TopP, "keep the smallest set of tokens with probability ≥ P (1: off)")
	minP := fs.Float64("min-p", def.MinP, "drop tokens less likely than P × the top one (0: off)")
	rep := fs.Float64("repeat-penalty", def.RepeatPenalty, "penalize repeating the last --repeat-last-n tokens (1: off)")
	repN := fs.Int("repeat-last-n", def.RepeatLastN, "tokens of history the repeat penalty looks at")
	mf := addModelFlags(fs)
	mf.addSparseFlags(fs)
	pos, err := parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if err := positional(fs, pos, 1, "the model"); err != nil {
		return err
	}
	if *n < 0 {
		return usagef("-n %d: must be ≥ 0", *n)
	}
	if *seed < -1 {
		return usagef("--seed %d: must be ≥ 0, or -1 for a random seed", *seed)
	}
	sc := runtime.SamplerConfig{Temp: *temp, TopK: *topK, TopP: *topP, MinP: *minP, RepeatPenalty: *rep, RepeatLastN: *repN}
	if *seed == -1 {
		sc.Seed = rand.Uint64() >> 1
		if sc.Temp > 0 {
			fmt.Fprintf(e.stderr, "sieve: seed %d\n", sc.Seed)
		}
	} else {
		sc.Seed = uint64(*seed)
	}
	if err := sc.Validate(); err != nil {
		return usageError{err.Error()}
	}

	lm, err := mf.load(pos[0], e.stderr)
	if err != nil {
		return err
	}
	defer lm.Close()
	ids := lm.tok.Encode(*prompt, true, true)
	if len(ids) == 0 {
		if lm.tok.BOS() < 0 {
			return fmt.Errorf("-p: the prompt is empty and the model has no BOS token to start from")
		}
		ids = []int{lm.tok.BOS()}
	}
	if len(ids) > lm.ctx {
		return usagef("-p: the prompt is %d tokens, longer than the context of %d (--ctx-size)", len(ids), lm.ctx)
	}
	st, err := lm.model.NewState(lm.pool, lm.ctx, *mf.batch)
	if err != nil {
		return err
	}
	stream := lm.tok.NewStreamer()
	out := e.stdout
	for _, id := range ids {
		io.WriteString(out, stream.Add(id))
	}
	tm, err := runtime.Generate(ctx, st, ids, runtime.GenerateOptions{MaxTokens: *n, Sampler: sc, IsEOG: lm.tok.IsEOG}, func(id int) error {
		if lm.tok.IsEOG(id) {
			return nil
		}
		_, err := io.WriteString(out, stream.Add(id))
		return err
	})
	io.WriteString(out, stream.Flush())
	fmt.Fprintln(out)
	printTimings(e.stderr, lm.load, tm)
	return err
}

// printTimings writes llama.cpp-style timing lines.
func printTimings(w io.Writer, load time.Duration, tm runtime.Timings) {
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	line := func(label string, d time.Duration, n int, unit string) {
		per, rate := 0.0, 0.0
		if n > 0 {
			per = ms(d) / float64(n)
		}
		if d > 0 {
			rate = float64(n) / d.Seconds()
		}
		fmt.Fprintf(w, "sieve: %16s = %10.2f ms / %5d %-6s (%8.2f ms per token, %8.2f tokens per second)\n", label, ms(d), n, unit, per, rate)
	}
	fmt.Fprintf(w, "\nsieve: %16s = %10.2f ms\n", "load time", ms(load))
	line("prompt eval time", tm.Prompt, tm.PromptTokens, "tokens")
	line("eval time", tm.Gen, tm.GenTokens, "runs")
	fmt.Fprintf(w, "sieve: %16s = %10.2f ms / %5d tokens\n", "total time", ms(load+tm.Prompt+tm.Gen), tm.PromptTokens+tm.GenTokens)
}
