package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/prune"
)

func init() {
	register(&command{name: "prune", summary: "prune a model (magnitude, Wanda, SparseGPT; unstructured or N:M) and write a GGUF", run: runPrune})
}

func runPrune(ctx context.Context, e *env, args []string) error {
	fs := newFlags("prune", "MODEL.gguf -o OUT.gguf --method magnitude|magnitude-row|wanda|sparsegpt (--sparsity P | --nm N:M) [--calib FILE --nsamples N --seqlen L --seed S --calib-order random|sequential] [--type KEEP|F16|Q8_0|Q4_0]", e.stderr)
	out := fs.String("o", "", "output GGUF path (required)")
	method := fs.String("method", "wanda", "magnitude (per-matrix threshold, as the reference), magnitude-row, wanda, sparsegpt")
	sparsity := fs.Float64("sparsity", -1, "fraction of each matrix's weights to zero, in [0, 1)")
	nm := fs.String("nm", "", "N:M pattern: N zeros in every aligned group of M weights along a row (2:4, 4:8)")
	calib := fs.String("calib", "", "calibration text: plain text, or JSON Lines with a \"text\" field (default: the embedded sample of 2000 C4 validation documents)")
	nsamples := fs.Int("nsamples", 128, "calibration windows")
	seqlen := fs.Int("seqlen", 2048, "tokens per window (clipped to the model's context)")
	seed := fs.Int64("seed", 0, "calibration sampling seed (Python random semantics, as the reference)")
	order := fs.String("calib-order", "random", "random: the reference's document and offset draws; sequential: the first windows of the text in order")
	typName := fs.String("type", "KEEP", "weight type of the pruned matrices: KEEP (the input's, or F16 if it cannot keep zeros), F32, F16, BF16, Q8_0, Q4_0")
	damp := fs.Float64("damp", 0.01, "sparsegpt: relative damping of the Hessian diagonal")
	block := fs.Int("blocksize", 128, "sparsegpt: columns per block")
	owl := fs.Bool("owl", false, "OWL: give each block its own sparsity from the dense model's outlier distribution")
	owlM := fs.Float64("owl-m", 5, "OWL: outlier threshold as a multiple of the mean Wanda score")
	owlLambda := fs.Float64("owl-lambda", 0.08, "OWL: spread of the block sparsities (they span 2λ; λ blocks of N for N:M)")
	owlReport := fs.String("owl-report", "", "OWL: write a plot of the outlier ratio and chosen sparsity per block to this SVG file")
	dsnot := fs.Bool("dsnot", false, "DSnoT: refine each pruned matrix's mask, training-free")
	dsnotRef := fs.Bool("dsnot-reference", false, "DSnoT with the reference code's exact loop and defaults (50 cycles, threshold 0.1), whatever the model size")
	dsnotCycles := fs.Int("dsnot-cycles", 0, "DSnoT: maximum swaps per row (0: scale-aware default, 50 at LLaMA-7B's width)")
	dsnotThreshold := fs.Float64("dsnot-threshold", -1, "DSnoT: stop a row once its error signal is below this (-1: scale-aware default, 0.1 for 2048-token windows)")
	dsnotPow := fs.Float64("dsnot-pow-var", 1, "DSnoT: exponent of the variance in the growing criterion")
	dsnotSkip := fs.String("dsnot-skip", "", "DSnoT: comma-separated sublayers left with their initial mask (q,k,v,o,gate,up,down; \"mlp\" = gate,up,down, as the reference's default)")
	force := fs.Bool("force", false, "replace OUT if it exists")
	mf := addModelFlags(fs)
	pos, err := parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if err := positional(fs, pos, 1, "the model"); err != nil {
		return err
	}
	// Every argument is checked before any work.
	if *out == "" {
		return usagef("prune: -o OUT.gguf is required")
	}
	m, err := prune.ParseMethod(*method)
	if err != nil {
		return usageError{err.Error()}
	}
	target, err := parseTarget(*sparsity, *nm)
	if err != nil {
		return err
	}
	var owlCfg *prune.OWLConfig
	if *owl {
		if *owlM <= 0 || *owlLambda < 0 {
			return usagef("--owl-m %g and --owl-lambda %g: must be > 0 and ≥ 0", *owlM, *owlLambda)
		}
		owlCfg = &prune.OWLConfig{M: *owlM, Lambda: *owlLambda}
	} else if *owlReport != "" {
		return usagef("--owl-report needs --owl")
	}
	var dsnotCfg *prune.DSnoTConfig
	if *dsnot || *dsnotRef {
		dsnotCfg = &prune.DSnoTConfig{Reference: *dsnotRef}
		skip, err := parseSkip(*dsnotSkip)
		if err != nil {
			return err
		}
		dsnotCfg.Skip = skip
		if *dsnotCycles < 0 || *dsnotPow < 0 {
			return usagef("--dsnot-cycles %d and --dsnot-pow-var %g: must be ≥ 0", *dsnotCycles, *dsnotPow)
		}
		if *dsnotCycles > 0 || *dsnotThreshold >= 0 || *dsnotPow != 1 {
			if *dsnotRef {
				return usagef("--dsnot-reference uses the reference's exact settings; drop --dsnot-cycles, --dsnot-threshold and --dsnot-pow-var")
			}
			dsnotCfg.Tune = &prune.DSnoTTuning{Cycles: *dsnotCycles, Threshold: *dsnotThreshold, PowVar: *dsnotPow}
		}
	} else if *dsnotCycles != 0 || *dsnotThreshold != -1 || *dsnotSkip != "" {
		return usagef("the --dsnot-* settings need --dsnot")
	}
	needCalib := m == prune.MethodWanda || m == prune.MethodSparseGPT || owlCfg != nil || dsnotCfg != nil
	if *nsamples < 1 {
		return usagef("--nsamples %d: must be at least 1", *nsamples)
	}
	if *seqlen < 2 {
		return usagef("--seqlen %d: must be at least 2", *seqlen)
	}
	if *order != string(prune.CalibRandom) && *order != string(prune.CalibSequential) {
		return usagef("--calib-order %q: must be random or sequential", *order)
	}
	if *damp < 0 || *block < 1 {
		return usagef("--damp %g and --blocksize %d: must be ≥ 0 and ≥ 1", *damp, *block)
	}
	if target.Structured() && *block%target.M != 0 {
		return usagef("--blocksize %d must be a multiple of M = %d", *block, target.M)
	}
	if err := checkOutput(*out, *force, pos[0], *calib); err != nil {
		return err
	}
	if *owlReport != "" {
		if err := checkOutput(*owlReport, *force, pos[0], *calib, *out); err != nil {
			return err
		}
	}
	lm, err := mf.load(pos[0], e.stderr)
	if err != nil {
		return err
	}
	defer lm.Close()
	typ, err := outputType(*typName, lm)
	if err != nil {
		return err
	}
	for _, b := range lm.model.Blocks {
		for _, l := range b.Linears() {
			if err := target.ValidateFor(l.In()); err != nil {
				return usagef("--nm %s: %s has rows of %d weights: %v", *nm, l.Name, l.In(), err)
			}
		}
	}
	copt := prune.CalibOptions{NSamples: *nsamples, SeqLen: min(*seqlen, lm.model.ContextLen), Seed: *seed, Order: prune.CalibOrder(*order)}
	var windows [][]int
	if needCalib {
		start := time.Now()
		docs, source, err := calibDocuments(*calib)
		if err != nil {
			return err
		}
		if windows, err = prune.Windows(lm.tok, docs, copt); err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		fmt.Fprintf(e.stderr, "prune: %d calibration windows of %d tokens from %s (%d documents, %s order) in %.1f s\n",
			len(windows), copt.SeqLen, source, len(docs), copt.Order, time.Since(start).Seconds())
	}
	what := string(m)
	if owlCfg != nil {
		what = "OWL + " + what
	}
	if dsnotCfg != nil {
		what += " + DSnoT"
		if dsnotCfg.Reference {
			what += " (reference)"
		}
	}
	fmt.Fprintf(e.stderr, "prune: %s, %s, %d blocks, weights stored as %s\n", what, target, len(lm.model.Blocks), typ)
	sgpt := prune.DefaultSparseGPTOptions()
	sgpt.BlockSize, sgpt.PercDamp = *block, *damp
	cfg := prune.Config{Method: m, Target: target, SparseGPT: sgpt, Type: typ, OWL: owlCfg, DSnoT: dsnotCfg}
	if owlCfg != nil {
		owlProg := newProgress(e.stderr, "owl (dense pass)", len(lm.model.Blocks))
		cfg.OWLProgress = func(done, total int) {
			owlProg.step(done)
			if done == total {
				owlProg.done()
			}
		}
	}
	prog := newProgress(e.stderr, "prune", len(lm.model.Blocks))
	cfg.Progress = func(done, total int, r prune.BlockReport) { prog.step(done) }
	start := time.Now()
	res, err := prune.Run(ctx, lm.model, lm.pool, windows, cfg)
	if err != nil {
		return err
	}
	prog.done()
	if owlCfg != nil {
		printOWL(e.stderr, res)
		if *owlReport != "" {
			if err := writeOWLReport(*owlReport, res, target, *owlM, *owlLambda); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "prune: OWL plot written to %s\n", *owlReport)
		}
	}
	md, ts, err := prune.Output(lm.file, res, prune.Provenance{Config: cfg, CalibFile: cmp.Or(*calib, defaultCalibName), Calib: copt, SourceFile: pos[0]})
	if err != nil {
		return err
	}
	if err := gguf.Write(ctx, *out, md, ts); err != nil {
		return err
	}
	printPruneSummary(e.stdout, res)
	fmt.Fprintf(e.stderr, "prune: done in %.1f s, wrote %s\n", time.Since(start).Seconds(), *out)
	return nil
}

// parseTarget reads --sparsity or --nm (exactly one).
func parseTarget(sparsity float64, nm string) (prune.Target, error) {
	switch {
	case nm != "" && sparsity >= 0:
		return prune.Target{}, usagef("give --sparsity or --nm, not both")
	case nm != "":
		a, b, ok := strings.Cut(nm, ":")
		n, err1 := strconv.Atoi(a)
		mm, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil {
			return prune.Target{}, usagef("--nm %q: want N:M, such as 2:4", nm)
		}
		t := prune.NM(n, mm)
		if err := t.Validate(); err != nil {
			return t, usagef("--nm %s: %v", nm, err)
		}
		return t, nil
	case sparsity == -1:
		return prune.Target{}, usagef("give --sparsity P (in [0, 1)) or --nm N:M")
	}
	t := prune.Unstructured(sparsity)
	if err := t.Validate(); err != nil || sparsity < 0 {
		return t, usagef("--sparsity %g: must be in [0, 1)", sparsity)
	}
	return t, nil
}

// outputType resolves --type against the model's weights.
func outputType(name string, lm *loaded) (gguf.Type, error) {
	if strings.EqualFold(name, "KEEP") {
		// The type most of the block matrices have, if it keeps zeros.
		counts := map[gguf.Type]int{}
		for _, b := range lm.model.Blocks {
			for _, l := range b.Linears() {
				if t, ok := lm.file.Tensor(l.Name); ok {
					counts[t.Type]++
				}
			}
		}
		best, n := gguf.F16, 0
		for t, c := range counts {
			if c > n {
				best, n = t, c
			}
		}
		switch best {
		case gguf.F32, gguf.F16, gguf.BF16, gguf.Q8_0, gguf.Q4_0:
			return best, nil
		}
		return gguf.F16, nil
	}
	t, err := gguf.ParseType(name)
	if err != nil {
		return 0, usagef("--type %q: must be KEEP, F32, F16, BF16, Q8_0 or Q4_0", name)
	}
	switch t {
	case gguf.F32, gguf.F16, gguf.BF16, gguf.Q8_0, gguf.Q4_0:
		return t, nil
	}
	return 0, usagef("--type %s does not keep pruned weights exactly zero; use F32, F16, BF16, Q8_0 or Q4_0", t)
}

func printPruneSummary(w interface{ Write([]byte) (int, error) }, res *prune.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "block\tsparsity\trel. error\ttime\t")
	var z, n int64
	for _, r := range res.Blocks {
		fmt.Fprintf(tw, "%d\t%.4f\t%.4f\t%.1fs\t\n", r.Block, r.Sparsity(), r.RelError, r.Duration.Seconds())
		z += r.Zeros
		n += r.Weights
	}
	fmt.Fprintf(tw, "all\t%.4f\t\t\t\n", float64(z)/float64(max(n, 1)))
	tw.Flush()
}

// parseSkip reads --dsnot-skip.
func parseSkip(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		switch f = strings.TrimSpace(f); f {
		case "":
		case "mlp":
			out = append(out, "gate", "up", "down")
		case "attn":
			out = append(out, "q", "k", "v", "o")
		case "q", "k", "v", "o", "gate", "up", "down":
			out = append(out, f)
		default:
			return nil, usagef("--dsnot-skip: unknown sublayer %q (q, k, v, o, gate, up, down, mlp, attn)", f)
		}
	}
	return out, nil
}
