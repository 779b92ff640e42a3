package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sieve-llm/sieve/runtime"
)

func init() {
	register(&command{name: "perplexity", summary: "measure a model's perplexity on a text file", run: runPerplexity})
}

func runPerplexity(ctx context.Context, e *env, args []string) error {
	fs := newFlags("perplexity", "MODEL.gguf --file TEXT [--ctx N] [--protocol paper|llama.cpp] [--hf-rows]", e.stderr)
	file := fs.String("file", "", "text file to score (required)")
	n := fs.Int("ctx", 0, "tokens per window (0: 2048 for paper, 512 for llama.cpp, at most the model's context)")
	proto := fs.String("protocol", "paper", "paper: non-overlapping windows, every token scored (Wanda/SparseGPT/OWL/DSnoT); llama.cpp: llama-perplexity's chunks, second halves scored")
	hfRows := fs.Bool("hf-rows", false, "treat each line as a dataset row and join rows with blank lines, as the papers build WikiText-2 from Hugging Face's wikitext-2-raw-v1")
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
	if *file == "" {
		return usagef("perplexity: --file TEXT is required")
	}
	p := runtime.Protocol(*proto)
	if p != runtime.ProtocolPaper && p != runtime.ProtocolLlamaCpp {
		return usagef("--protocol %q: must be paper or llama.cpp", *proto)
	}
	if *n < 0 || *n == 1 {
		return usagef("--ctx %d: must be at least 2", *n)
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	text := string(raw)
	if *hfRows {
		text = joinHFRows(text)
	}
	lm, err := mf.load(pos[0], e.stderr)
	if err != nil {
		return err
	}
	defer lm.Close()
	window := *n
	if window == 0 {
		window = 2048
		if p == runtime.ProtocolLlamaCpp {
			window = 512
		}
		window = min(window, lm.model.ContextLen)
	}
	if window > lm.model.ContextLen {
		fmt.Fprintf(e.stderr, "perplexity: warning: --ctx %d exceeds the model's training context %d\n", window, lm.model.ContextLen)
	}
	start := time.Now()
	// Both protocols tokenize the whole text once with BOS in front and no
	// special-token parsing, as the reference tools do.
	ids := lm.tok.Encode(text, true, false)
	fmt.Fprintf(e.stderr, "perplexity: tokenized %s in %.2f s: %d tokens\n", *file, time.Since(start).Seconds(), len(ids))
	need := window
	if p == runtime.ProtocolLlamaCpp {
		need = 2 * window
	}
	if len(ids) < need {
		return fmt.Errorf("%s: %d tokens is too short for --ctx %d with the %s protocol (needs %d)", *file, len(ids), window, p, need)
	}
	st, err := lm.model.NewState(lm.pool, window, *mf.batch)
	if err != nil {
		return err
	}
	windows := len(ids) / window
	fmt.Fprintf(e.stderr, "perplexity: calculating perplexity over %d chunks, n_ctx=%d, protocol %s\n", windows, window, p)
	start = time.Now()
	res, err := runtime.Perplexity(ctx, st, ids, runtime.PerplexityOptions{
		Ctx: window, Protocol: p, BOS: lm.tok.BOS(),
		Progress: func(w, total int, ppl float64) {
			if w == 1 {
				per := time.Since(start).Seconds()
				fmt.Fprintf(e.stderr, "perplexity: %.2f seconds per pass - ETA %s\n", per, (time.Duration(per*float64(total-1)) * time.Second).Round(time.Second))
			}
			fmt.Fprintf(e.stderr, "[%d]%.4f,", w, ppl)
			if w == total {
				fmt.Fprintln(e.stderr)
			}
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Final estimate: PPL = %.4f +/- %.5f\n", res.PPL, res.StdErr)
	fmt.Fprintf(e.stderr, "perplexity: %d windows of %d tokens, %d tokens scored, %.2f s\n", res.Windows, window, res.Scored, time.Since(start).Seconds())
	return nil
}

// joinHFRows rebuilds the string the pruning papers evaluate WikiText-2 on:
// the Hugging Face dataset rows joined with "\n\n", where each row is a line
// of the raw file with its newline, and whitespace-only lines are empty rows.
// For wiki.test.raw this gives 1,296,370 bytes with SHA-256 696cca6b….
func joinHFRows(text string) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
		} else {
			lines[i] = l + "\n"
		}
	}
	return strings.Join(lines, "\n\n")
}
