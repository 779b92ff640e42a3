package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sieve-llm/sieve/runtime"
	"github.com/sieve-llm/sieve/sparse"
)

func init() {
	register(&command{name: "bench", summary: "measure prompt and generation speed, llama-bench style", run: runBench})
}

type benchRow struct {
	Model   string `json:"model"`
	File    string `json:"file"`
	Type    string `json:"type"`
	Bytes   int64  `json:"size_bytes"`
	Params  uint64 `json:"params"`
	Threads int    `json:"threads"`
	Kernels string `json:"kernels"`
	// Sparse is the --sparse policy of this variant and Formats the storage
	// it gave the weight matrices.
	Sparse  string    `json:"sparse"`
	Formats string    `json:"formats"`
	Test    string    `json:"test"`
	Tokens  int       `json:"tokens"`
	Samples []float64 `json:"samples_tok_per_s"`
	Mean    float64   `json:"mean_tok_per_s"`
	Std     float64   `json:"std_tok_per_s"`
	Median  float64   `json:"median_tok_per_s"`
	// GBps is the weight bytes a decode step reads times tokens/s (tg only).
	GBps float64 `json:"weight_gb_per_s,omitempty"`
	// ReadBW is the memory read bandwidth measured in the same run (with
	// --bandwidth), in GB/s.
	ReadBW float64 `json:"read_bw_gb_per_s,omitempty"`
	// Speedup is Median ÷ the median of the first variant of the same file
	// and test (the dense one by default).
	Speedup float64 `json:"speedup,omitempty"`
}

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags("bench", "MODEL.gguf [MODEL.gguf ...] [-p 512] [-n 128] [-r 5] [--sparse dense,auto] [--threads T] [-o md|json]", e.stderr)
	pp := fs.Int("p", 512, "prompt tokens for the ppN test (0: skip)")
	tg := fs.Int("n", 128, "generated tokens for the tgN test (0: skip)")
	reps := fs.Int("r", 5, "repetitions of each test (after one warm-up run)")
	format := fs.String("o", "md", "output: md (a Markdown table) or json")
	bandwidth := fs.Bool("bandwidth", false, "also measure memory read bandwidth (1 GiB streamed by the same threads) and show decode's weight traffic as a share of it")
	mf := addModelFlags(fs)
	mf.addSparseFlags(fs)
	fs.Lookup("sparse").Usage = "comma-separated storage variants to measure side by side, each auto, dense or a sparse format (" + strings.Join(sparse.SparseFormats, ", ") + "); a variant that gives the same formats as the one before it is skipped, so a dense model runs once"
	fs.Lookup("sparse").DefValue = "dense,auto"
	*mf.sparse = "dense,auto"
	pos, err := parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("bench: missing the model")
	}
	switch {
	case *pp < 0:
		return usagef("-p %d: must be ≥ 0", *pp)
	case *tg < 0:
		return usagef("-n %d: must be ≥ 0", *tg)
	case *pp == 0 && *tg == 0:
		return usagef("bench: -p and -n are both 0: nothing to measure")
	case *reps < 1:
		return usagef("-r %d: must be at least 1", *reps)
	case *format != "md" && *format != "json":
		return usagef("-o %q: must be md or json", *format)
	}
	var variants []string
	for _, v := range strings.Split(*mf.sparse, ",") {
		p, err := sparse.ParsePolicy(v)
		if err != nil {
			return usagef("--sparse: %v", err)
		}
		variants = append(variants, string(p))
	}
	var rows []benchRow
	for _, path := range pos {
		r, err := benchFile(ctx, e, mf, path, variants, *pp, *tg, *reps, *bandwidth)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	printBench(e.stdout, rows)
	return nil
}

// benchVariant is one storage variant of a model, loaded and ready to run.
type benchVariant struct {
	policy string
	lm     *loaded
	st     *runtime.State
	base   benchRow
}

// benchFile measures the variants of one model file side by side: all of
// them are loaded first (a variant that gives the same formats as the one
// before it is skipped), then each repetition runs every variant in turn,
// so machine noise that drifts over the run hits them alike and the
// speedups (medians ÷ the first variant's) compare like with like. When
// weights are copied into memory (--load read|hugepages) and another copy
// would not fit in the memory available, the variants loaded so far are
// measured and closed first, and the rest form the next group.
func benchFile(ctx context.Context, e *env, mf *modelFlags, path string, policies []string, pp, tg, reps int, bandwidth bool) ([]benchRow, error) {
	var group []*benchVariant
	closeGroup := func() {
		for _, v := range group {
			v.lm.Close()
		}
		group = nil
	}
	defer closeGroup()
	var rows []benchRow
	first := map[string]float64{} // test → the first variant's median
	prev := ""
	for _, policy := range policies {
		if len(group) > 0 && !roomForAnother(path, *mf.loadHow) {
			fmt.Fprintf(e.stderr, "bench: not enough free memory for another copy of %s beside the %d variant(s) loaded: measuring them now, the rest after\n", filepath.Base(path), len(group))
			r, err := benchGroup(ctx, e, group, first, pp, tg, reps, bandwidth)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r...)
			closeGroup()
		}
		v, err := loadVariant(e, mf, path, policy, prev, max(pp, tg, 1))
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		prev = v.base.Formats
		group = append(group, v)
	}
	if len(group) > 0 { // empty when the variants after a flush were all skipped
		r, err := benchGroup(ctx, e, group, first, pp, tg, reps, bandwidth)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	// Per test, the variants in order (groups measured apart interleave).
	slices.SortStableFunc(rows, func(a, b benchRow) int { return cmp.Compare(testOrder(a.Test), testOrder(b.Test)) })
	return rows, nil
}

func testOrder(test string) int {
	if strings.HasPrefix(test, "pp") {
		return 0
	}
	return 1
}

// roomForAnother reports whether one more copy of the file's weights fits
// in the memory the kernel reports available; mapped weights (--load mmap)
// live in the page cache and always do. Where /proc/meminfo cannot be read
// the answer is yes.
func roomForAnother(path, how string) bool {
	if how == "mmap" {
		return true
	}
	fi, err := os.Stat(path)
	if err != nil {
		return true
	}
	avail, ok := availableMemory()
	return !ok || avail > uint64(fi.Size())+512<<20
}

// availableMemory is memAvailable; tests replace it.
var availableMemory = memAvailable

// memAvailable returns MemAvailable from /proc/meminfo in bytes.
func memAvailable() (uint64, bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			var kb uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
				return kb << 10, true
			}
		}
	}
	return 0, false
}

// benchGroup runs the tests on loaded variants, alternating them within
// each repetition; speedups divide by first[test], which the first variant
// measured sets.
func benchGroup(ctx context.Context, e *env, vs []*benchVariant, first map[string]float64, pp, tg, reps int, bandwidth bool) ([]benchRow, error) {
	var rows []benchRow
	run := func(test string, n int, f func(*runtime.State, int) (time.Duration, error)) error {
		rs := make([]benchRow, len(vs))
		for i, v := range vs {
			rs[i] = v.base
			rs[i].Test, rs[i].Tokens = fmt.Sprintf("%s%d", test, n), n
			fmt.Fprintf(e.stderr, "bench: %s --sparse %s %s: warm-up\n", v.base.File, v.policy, rs[i].Test)
			if _, err := f(v.st, n); err != nil {
				return err
			}
		}
		for rep := 0; rep < reps; rep++ {
			fmt.Fprintf(e.stderr, "bench: %s %s%d repetition %d/%d:", vs[0].base.File, test, n, rep+1, reps)
			for i, v := range vs {
				if err := ctx.Err(); err != nil {
					return err
				}
				d, err := f(v.st, n)
				if err != nil {
					return err
				}
				rs[i].Samples = append(rs[i].Samples, float64(n)/d.Seconds())
				fmt.Fprintf(e.stderr, " %s %.2f", v.policy, rs[i].Samples[rep])
			}
			fmt.Fprintln(e.stderr, " tok/s")
		}
		for i, v := range vs {
			r := &rs[i]
			r.Mean, r.Std, r.Median = stats(r.Samples)
			if _, ok := first[r.Test]; !ok {
				first[r.Test] = r.Median
			}
			if first[r.Test] > 0 {
				r.Speedup = r.Median / first[r.Test]
			}
			if test == "tg" {
				r.GBps = float64(v.lm.model.WeightBytes()) * r.Mean / 1e9
				if bandwidth {
					r.ReadBW = runtime.ReadBandwidth(v.lm.pool, v.lm.model.Impl, 1<<30, 5) / 1e9
					fmt.Fprintf(e.stderr, "bench: memory read bandwidth %.1f GB/s (%d threads)\n", r.ReadBW, v.lm.pool.Threads())
				}
			}
		}
		rows = append(rows, rs...)
		return nil
	}
	if pp > 0 {
		if err := run("pp", pp, runtime.BenchPrompt); err != nil {
			return nil, err
		}
	}
	if tg > 0 {
		if err := run("tg", tg, runtime.BenchGenerate); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// loadVariant loads the model with a sparse policy; it returns nil when the
// policy gave the same formats as the previous variant (prevFormats).
func loadVariant(e *env, mf *modelFlags, path, policy, prevFormats string, ctxLen int) (*benchVariant, error) {
	lm, err := mf.loadWith(path, e.stderr, policy)
	if err != nil {
		return nil, err
	}
	m := lm.model
	formats := formatSummary(m)
	if formats == prevFormats {
		fmt.Fprintf(e.stderr, "bench: %s: --sparse %s gives the same storage as the variant before it; skipped\n", filepath.Base(path), policy)
		lm.Close()
		return nil, nil
	}
	st, err := m.NewState(lm.pool, ctxLen, *mf.batch)
	if err != nil {
		lm.Close()
		return nil, err
	}
	var params uint64
	types := map[string]int64{}
	for _, t := range lm.file.Tensors() {
		params += t.Elements()
		types[t.Type.String()] += int64(t.Size)
	}
	mainType, most := "", int64(0)
	for t, n := range types {
		if n > most {
			mainType, most = t, n
		}
	}
	base := benchRow{Model: fmt.Sprintf("%s %s %s", m.Arch, humanCount(params), mainType), File: filepath.Base(path), Type: mainType,
		Bytes: lm.file.Size(), Params: params, Threads: lm.pool.Threads(), Kernels: m.Impl.Name, Sparse: policy, Formats: formats}
	return &benchVariant{policy: policy, lm: lm, st: st, base: base}, nil
}

// stats returns the mean, sample standard deviation and median.
func stats(x []float64) (mean, std, median float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		std += (v - mean) * (v - mean)
	}
	if len(x) > 1 {
		std = math.Sqrt(std / float64(len(x)-1))
	}
	s := append([]float64(nil), x...)
	for i := range s { // insertion sort: a handful of values
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if n := len(s); n%2 == 1 {
		median = s[n/2]
	} else {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return
}

func printBench(w io.Writer, rows []benchRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| model\t size\t params\t kernels\t threads\t weights\t test\t t/s\t speedup\t weights GB/s\t")
	fmt.Fprintln(tw, "| ---\t ---:\t ---:\t ---\t ---:\t ---\t ---:\t ---:\t ---:\t ---:\t")
	for _, r := range rows {
		gb := ""
		if r.GBps > 0 {
			gb = fmt.Sprintf("%.1f", r.GBps)
			if r.ReadBW > 0 {
				gb += fmt.Sprintf(" (%.0f%% of %.1f read)", 100*r.GBps/r.ReadBW, r.ReadBW)
			}
		}
		speedup := "-"
		if r.Speedup > 0 {
			speedup = fmt.Sprintf("%.2fx", r.Speedup)
		}
		fmt.Fprintf(tw, "| %s\t %s\t %s\t %s\t %d\t %s: %s\t %s\t %.2f ± %.2f\t %s\t %s\t\n", r.Model, humanBytes(uint64(r.Bytes)), humanCount(r.Params), r.Kernels, r.Threads,
			r.Sparse, r.Formats, r.Test, r.Mean, r.Std, speedup, gb)
	}
	tw.Flush()
}
