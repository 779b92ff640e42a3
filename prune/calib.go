package prune

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/sieve-llm/sieve/runtime/tokenizer"
)

// CalibOrder is how calibration windows are drawn.
type CalibOrder string

const (
	// CalibRandom draws windows as the reference code's C4 loader does:
	// Python's random.seed(seed); for each sample, random.randint picks a
	// document until one tokenizes to more than seqlen tokens, then a random
	// offset in it.
	CalibRandom CalibOrder = "random"
	// CalibSequential takes the first nsamples windows of seqlen tokens of
	// the whole text (documents joined by blank lines, tokenized once with
	// BOS), in order, so another tool given the same file gets the same
	// windows.
	CalibSequential CalibOrder = "sequential"
)

// CalibOptions selects the calibration windows.
type CalibOptions struct {
	NSamples, SeqLen int
	Seed             int64
	Order            CalibOrder
}

// ReadDocuments reads calibration text: a JSON Lines file (one object per
// line with a "text" field, as C4 dumps are) gives one document per line;
// any other file is one document.
func ReadDocuments(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseDocuments(path, data)
}

// ParseDocuments is ReadDocuments for text already in memory; name labels
// errors.
func ParseDocuments(path string, data []byte) ([]string, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%s: calibration file is empty", path)
	}
	if trimmed[0] != '{' {
		return []string{string(data)}, nil
	}
	var docs []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for line := 1; sc.Scan(); line++ {
		l := bytes.TrimSpace(sc.Bytes())
		if len(l) == 0 {
			continue
		}
		var rec struct {
			Text *string `json:"text"`
		}
		if err := json.Unmarshal(l, &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: not a JSON object: %v", path, line, err)
		}
		if rec.Text == nil {
			return nil, fmt.Errorf("%s:%d: JSON object has no \"text\" field", path, line)
		}
		docs = append(docs, *rec.Text)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return docs, nil
}

// Windows draws the calibration token windows from documents. Errors say
// when the text is too short for nsamples × seqlen; they never loop forever.
func Windows(tok *tokenizer.Tokenizer, docs []string, opt CalibOptions) ([][]int, error) {
	if opt.NSamples < 1 || opt.SeqLen < 2 {
		return nil, fmt.Errorf("--nsamples %d and --seqlen %d: need at least 1 sample of 2 tokens", opt.NSamples, opt.SeqLen)
	}
	encode := func(s string) []int { return tok.Encode(s, true, false) }
	switch opt.Order {
	case CalibSequential:
		ids := encode(strings.Join(docs, "\n\n"))
		if need := opt.NSamples * opt.SeqLen; len(ids) < need {
			return nil, fmt.Errorf("the calibration text has %d tokens, fewer than --nsamples %d × --seqlen %d = %d", len(ids), opt.NSamples, opt.SeqLen, need)
		}
		out := make([][]int, opt.NSamples)
		for i := range out {
			out[i] = ids[i*opt.SeqLen : (i+1)*opt.SeqLen]
		}
		return out, nil
	case CalibRandom:
		// Which documents are long enough is decided up front so a text
		// without any cannot make the reference's redraw loop spin forever.
		encoded := make([][]int, len(docs))
		long := 0
		for i, d := range docs {
			encoded[i] = encode(d)
			if len(encoded[i]) > opt.SeqLen {
				long++
			}
		}
		if long == 0 {
			return nil, fmt.Errorf("no calibration document is longer than --seqlen %d tokens (the random order needs one; --calib-order sequential joins the documents)", opt.SeqLen)
		}
		r := NewPyRandom(opt.Seed)
		out := make([][]int, opt.NSamples)
		for s := range out {
			var ids []int
			for {
				ids = encoded[r.RandInt(0, int64(len(docs))-1)]
				if len(ids) > opt.SeqLen {
					break
				}
			}
			o := int(r.RandInt(0, int64(len(ids)-opt.SeqLen-1)))
			out[s] = ids[o : o+opt.SeqLen]
		}
		return out, nil
	}
	return nil, fmt.Errorf("--calib-order %q: must be random or sequential", opt.Order)
}
