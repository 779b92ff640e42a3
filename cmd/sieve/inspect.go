package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	goruntime "runtime"

	"github.com/sieve-llm/sieve/gguf"
	"github.com/sieve-llm/sieve/runtime"
	"github.com/sieve-llm/sieve/sparse"
)

func init() {
	register(&command{name: "inspect", summary: "show a GGUF file's metadata, tensors and sparsity", run: runInspect})
}

type tensorReport struct {
	Name  string   `json:"name"`
	Shape []uint64 `json:"shape"`
	Type  string   `json:"type"`
	Bytes uint64   `json:"bytes"`
	Zeros *float64 `json:"zero_fraction"` // nil when the type cannot be decoded
	NM24  *bool    `json:"nm_2_4"`        // every aligned group of 4 in a row has ≤ 2 non-zeros
	// Auto is the storage `--sparse auto` gives a weight matrix: a sparse
	// format, or "dense"; empty for other tensors.
	Auto     string `json:"auto_format,omitempty"`
	Decoded  bool   `json:"-"`
	Elements uint64 `json:"elements"`
}

type typeTotal struct {
	Type     string `json:"type"`
	Tensors  int    `json:"tensors"`
	Elements uint64 `json:"elements"`
	Bytes    uint64 `json:"bytes"`
}

type inspectReport struct {
	File          string         `json:"file"`
	FileBytes     int64          `json:"file_bytes"`
	Version       uint32         `json:"gguf_version"`
	Architecture  string         `json:"architecture"`
	Name          string         `json:"name,omitempty"`
	Parameters    uint64         `json:"parameters"`
	ContextLength int64          `json:"context_length"`
	Tokenizer     string         `json:"tokenizer"`
	PreTokenizer  string         `json:"pre_tokenizer,omitempty"`
	VocabSize     int            `json:"vocab_size"`
	Metadata      map[string]any `json:"metadata"`
	Tensors       []tensorReport `json:"tensors"`
	Totals        []typeTotal    `json:"totals"`
}

func runInspect(ctx context.Context, e *env, args []string) error {
	fs := newFlags("inspect", "[--json] [--no-scan] MODEL.gguf", e.stderr)
	asJSON := fs.Bool("json", false, "print a JSON report for scripts")
	noScan := fs.Bool("no-scan", false, "skip decoding tensors (no zero fractions or 2:4 check)")
	pos, err := parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if err := positional(fs, pos, 1, "the GGUF file"); err != nil {
		return err
	}
	f, err := gguf.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	r := buildReport(f)
	if !*noScan {
		if err := scanTensors(ctx, f, r.Tensors); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	printReport(e.stdout, r)
	return nil
}

func buildReport(f *gguf.File) *inspectReport {
	arch, _ := f.String("general.architecture")
	name, _ := f.String("general.name")
	ctxLen, _ := f.Int(arch + ".context_length")
	tok, _ := f.String("tokenizer.ggml.model")
	pre, _ := f.String("tokenizer.ggml.pre")
	toks, _ := f.Strings("tokenizer.ggml.tokens")
	r := &inspectReport{File: f.Path, FileBytes: f.Size(), Version: f.Version, Architecture: arch, Name: name,
		ContextLength: ctxLen, Tokenizer: tok, PreTokenizer: pre, VocabSize: len(toks), Metadata: map[string]any{}}
	for _, kv := range f.KVs() {
		r.Metadata[kv.Key] = summarize(kv.Value, 16)
	}
	totals := map[string]*typeTotal{}
	for _, t := range f.Tensors() {
		r.Parameters += t.Elements()
		r.Tensors = append(r.Tensors, tensorReport{Name: t.Name, Shape: t.Shape, Type: t.Type.String(), Bytes: t.Size, Elements: t.Elements()})
		tt := totals[t.Type.String()]
		if tt == nil {
			tt = &typeTotal{Type: t.Type.String()}
			totals[t.Type.String()] = tt
		}
		tt.Tensors++
		tt.Elements += t.Elements()
		tt.Bytes += t.Size
	}
	for _, tt := range totals {
		r.Totals = append(r.Totals, *tt)
	}
	sort.Slice(r.Totals, func(i, j int) bool { return r.Totals[i].Bytes > r.Totals[j].Bytes })
	return r
}

// summarize shortens long arrays for display: the first n elements and a count.
func summarize(v any, n int) any {
	switch x := v.(type) {
	case []string:
		if len(x) > n {
			return fmt.Sprintf("[%d strings: %s ...]", len(x), strings.Join(quoteAll(x[:n]), " "))
		}
	case []float32, []int32, []uint32, []int64, []uint64, []float64, []uint8, []int8, []uint16, []int16, []bool:
		s := fmt.Sprint(x)
		if len(s) > 120 {
			return fmt.Sprintf("[%d values: %s ...]", lenOf(x), s[1:100])
		}
	}
	return v
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

func lenOf(v any) int {
	switch x := v.(type) {
	case []float32:
		return len(x)
	case []int32:
		return len(x)
	case []uint32:
		return len(x)
	case []int64:
		return len(x)
	case []uint64:
		return len(x)
	case []float64:
		return len(x)
	case []uint8:
		return len(x)
	case []int8:
		return len(x)
	case []uint16:
		return len(x)
	case []int16:
		return len(x)
	case []bool:
		return len(x)
	}
	return 0
}

// scanTensors decodes every tensor (in parallel) to count exact zeros and
// check the 2:4 pattern along rows.
func scanTensors(ctx context.Context, f *gguf.File, reps []tensorReport) error {
	ts := f.Tensors()
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < goruntime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var row []float32
			for i := range next {
				t := &ts[i]
				if !gguf.CanDequantize(t.Type) {
					continue
				}
				cols := t.Cols()
				rowBytes := t.Type.RowBytes(cols)
				if cap(row) < cols {
					row = make([]float32, cols)
				}
				row = row[:cols]
				data := f.Data(t)
				st := sparse.NewRowStats()
				for r := 0; r < t.Rows(); r++ {
					if err := gguf.Dequantize(t.Type, data[r*rowBytes:(r+1)*rowBytes], row); err != nil {
						mu.Lock()
						firstErr = fmt.Errorf("%s: tensor %s: %w", f.Path, t.Name, err)
						mu.Unlock()
						break
					}
					st.Add(row)
				}
				z := st.Sparsity()
				nm := st.NM24 && len(t.Shape) >= 2
				reps[i].Zeros, reps[i].NM24, reps[i].Decoded = &z, &nm, true
				if runtime.IsLinearTensor(t.Name) {
					reps[i].Auto = cmp.Or(sparse.Choose(st, cols, runtime.SparseValues(t.Type)), "dense")
				}
			}
		}()
	}
	for i := range ts {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

func printReport(w io.Writer, r *inspectReport) {
	fmt.Fprintf(w, "file:          %s (%s, GGUF v%d)\n", r.File, humanBytes(uint64(r.FileBytes)), r.Version)
	fmt.Fprintf(w, "architecture:  %s\n", r.Architecture)
	if r.Name != "" {
		fmt.Fprintf(w, "name:          %s\n", r.Name)
	}
	fmt.Fprintf(w, "parameters:    %s (%d)\n", humanCount(r.Parameters), r.Parameters)
	fmt.Fprintf(w, "context:       %d\n", r.ContextLength)
	tok := r.Tokenizer
	switch tok {
	case "llama":
		tok = "llama (SentencePiece)"
	case "gpt2":
		tok = "gpt2 (byte-level BPE)"
	case "":
		tok = "none"
	}
	if r.PreTokenizer != "" {
		tok += ", pre-tokenizer " + r.PreTokenizer
	}
	fmt.Fprintf(w, "tokenizer:     %s, %d tokens\n", tok, r.VocabSize)
	fmt.Fprintf(w, "tensors:       %d\n\nmetadata:\n", len(r.Tensors))
	keys := make([]string, 0, len(r.Metadata))
	for k := range r.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-42s %v\n", k, r.Metadata[k])
	}
	fmt.Fprintln(w, "\ntensors (shape in ggml order: row length first):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tshape\ttype\tbytes\tzeros\t2:4\truns as (--sparse auto)\t")
	for _, t := range r.Tensors {
		shape := make([]string, len(t.Shape))
		for i, d := range t.Shape {
			shape[i] = fmt.Sprint(d)
		}
		zeros, nm := "-", "-"
		if t.Zeros != nil {
			zeros = fmt.Sprintf("%.2f%%", 100**t.Zeros)
			if len(t.Shape) >= 2 {
				nm = "no"
				if *t.NM24 {
					nm = "yes"
				}
			}
		}
		auto := cmp.Or(t.Auto, "-")
		if auto == "dense" {
			auto = "dense " + strings.ToLower(denseFormat(t.Type))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t\n", t.Name, strings.Join(shape, " x "), t.Type, t.Bytes, zeros, nm, auto)
	}
	tw.Flush()
	fmt.Fprintln(w, "\ntotals by type:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\ttensors\telements\tbytes\t")
	for _, t := range r.Totals {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t\n", t.Type, t.Tensors, t.Elements, humanBytes(t.Bytes))
	}
	tw.Flush()
}

func humanBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func humanCount(n uint64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f B", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2f M", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.2f K", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// denseFormat names the dense storage a tensor type runs as: its own
// kernels for F32, F16, Q8_0 and Q4_0, decoded to F32 otherwise.
func denseFormat(typ string) string {
	switch typ {
	case "F32", "F16", "Q8_0", "Q4_0":
		return typ
	}
	return "F32 (decoded from " + typ + ")"
}
