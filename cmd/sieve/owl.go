package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/sieve-llm/sieve/prune"
)

// printOWL writes OWL's per-block outlier ratios and targets as a table.
func printOWL(w io.Writer, res *prune.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "block\toutlier ratio %\ttarget\t")
	for l, r := range res.OWLRatios {
		fmt.Fprintf(tw, "%d\t%.4f\t%s\t\n", l, r, targetString(res.Targets[l]))
	}
	tw.Flush()
}

func targetString(t prune.Target) string {
	if t.Structured() {
		return fmt.Sprintf("%d:%d", t.N, t.M)
	}
	return fmt.Sprintf("%.4f", t.Ratio)
}

// writeOWLReport draws the outlier ratio (bars) and chosen sparsity (line)
// per block as a self-contained SVG a browser opens.
func writeOWLReport(path string, res *prune.Result, target prune.Target, m, lambda float64) error {
	n := len(res.OWLRatios)
	const W, H, left, right, top, bottom = 760, 380, 70, 70, 50, 50
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	maxRatio := 0.0
	for _, r := range res.OWLRatios {
		maxRatio = max(maxRatio, r)
	}
	if maxRatio == 0 {
		maxRatio = 1
	}
	sp := make([]float64, n)
	lo, hi := 1.0, 0.0
	for l, t := range res.Targets {
		sp[l] = t.Sparsity()
		lo, hi = min(lo, sp[l]), max(hi, sp[l])
	}
	lo, hi = max(0, lo-0.05), min(1, hi+0.05)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", W, H)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15">OWL: outlier ratio and sparsity per block (target %s, M = %g, λ = %g)</text>`+"\n", left, target, m, lambda)
	bw := pw / float64(n)
	for l, r := range res.OWLRatios {
		h := r / maxRatio * ph
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#9ecae1"><title>block %d: outlier ratio %.4f%%</title></rect>`+"\n",
			left+float64(l)*bw+bw*0.15, top+ph-h, bw*0.7, h, l, r)
	}
	var pts []string
	for l, s := range sp {
		x := left + (float64(l)+0.5)*bw
		y := top + ph - (s-lo)/(hi-lo)*ph
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="#d62728"><title>block %d: sparsity %.4f</title></circle>`+"\n", x, y, l, s)
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#d62728" stroke-width="2"/>`+"\n", strings.Join(pts, " "))
	// Axes: ratio on the left, sparsity on the right, blocks below.
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", left, top, left, top+int(ph))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", left, top+int(ph), W-right, top+int(ph))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", W-right, top, W-right, top+int(ph))
	for i := 0; i <= 4; i++ {
		f := float64(i) / 4
		y := top + ph - f*ph
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#3182bd">%.2f%%</text>`+"\n", left-6, y+4, f*maxRatio)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" fill="#d62728">%.3f</text>`+"\n", W-right+6, y+4, lo+f*(hi-lo))
	}
	step := max(1, n/16)
	for l := 0; l < n; l += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", left+(float64(l)+0.5)*bw, top+int(ph)+16, l)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">block</text>`+"\n", left+int(pw)/2, H-10)
	fmt.Fprintf(&b, `<text x="16" y="%d" transform="rotate(-90 16 %d)" text-anchor="middle" fill="#3182bd">outlier ratio (%%, bars)</text>`+"\n", top+int(ph)/2, top+int(ph)/2)
	fmt.Fprintf(&b, `<text x="%d" y="%d" transform="rotate(90 %d %d)" text-anchor="middle" fill="#d62728">sparsity (line)</text>`+"\n", W-14, top+int(ph)/2, W-14, top+int(ph)/2)
	b.WriteString("</svg>\n")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
