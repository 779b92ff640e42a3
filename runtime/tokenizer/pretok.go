package tokenizer

import (
	"slices"
	"unicode"
)

// Pre-tokenizers split text into the words BPE merges within. Each is a
// chain of stages; a stage splits every span it is given further, and text
// a regex does not match stays as a span of its own, as in llama.cpp's
// unicode_regex_split. The stages are hand-written scanners over code
// points with the semantics of the regexes llama.cpp uses (its
// unicode_regex_split_custom_* functions and, for the few regexes it runs
// through std::regex, the same matches).

// span is a half-open range of code point indices.
type span struct{ start, end int }

// stage splits each input span.
type stage func(cpts []rune, in []span) []span

// preTokenizer splits a whole fragment.
type preTokenizer []stage

func (p preTokenizer) run(cpts []rune) []span {
	spans := []span{{0, len(cpts)}}
	if len(cpts) == 0 {
		return nil
	}
	for _, st := range p {
		spans = st(cpts, spans)
	}
	return spans
}

type preSpec struct {
	split         preTokenizer
	ignoreMerges  bool // a word that is a token is emitted whole
	addBOS        bool // default of tokenizer.ggml.add_bos_token
	noCleanSpaces bool // Decode does not clean up spaces before punctuation
	noBOS         bool // no default BOS id
}

var (
	gpt2Split      = preTokenizer{splitGPT2}
	llama3Split    = preTokenizer{splitLlama3}
	qwen2Split     = preTokenizer{splitQwen2}
	starcoderSplit = preTokenizer{isolateEach(isNumberCpt), splitGPT2}
	defaultSplit   = preTokenizer{isolateRuns(isDefaultPunct), splitGPT2, isolateRuns(isNumberCpt), splitASCIIDigits3}
	falconSplit    = preTokenizer{isolateRuns(isFalconPunct), splitGPT2, splitASCIIDigits3}
)

// preTokenizers maps tokenizer.ggml.pre to the pre-tokenizer and the flags
// llama.cpp sets with it (llama_vocab::impl::load and llm_tokenizer_bpe).
var preTokenizers = map[string]preSpec{
	"default": {split: defaultSplit},

	"llama3":       {split: llama3Split, ignoreMerges: true, addBOS: true},
	"llama-v3":     {split: llama3Split, ignoreMerges: true, addBOS: true},
	"llama-bpe":    {split: llama3Split, ignoreMerges: true, addBOS: true},
	"falcon3":      {split: llama3Split, ignoreMerges: true, addBOS: true},
	"falcon-h1":    {split: llama3Split, ignoreMerges: true, addBOS: true},
	"pixtral":      {split: llama3Split, ignoreMerges: true, addBOS: true},
	"midm-2.0":     {split: llama3Split, ignoreMerges: true, addBOS: true},
	"lfm2":         {split: llama3Split, ignoreMerges: true, addBOS: true},
	"jina-v5-nano": {split: llama3Split, ignoreMerges: true, addBOS: true},
	"dbrx":         {split: llama3Split},
	"smaug-bpe":    {split: llama3Split},
	"chatglm-bpe":  {split: llama3Split, noBOS: true},
	"glm4":         {split: llama3Split, noBOS: true},

	"qwen2":            {split: qwen2Split, noCleanSpaces: true},
	"deepseek-r1-qwen": {split: qwen2Split, noCleanSpaces: true},
	"kormo":            {split: qwen2Split, noCleanSpaces: true},
	"f2llmv2":          {split: qwen2Split, noCleanSpaces: true},
	"hunyuan":          {split: qwen2Split, noCleanSpaces: true},
	"solar-open":       {split: qwen2Split, noCleanSpaces: true},
	"grok-2":           {split: qwen2Split, noCleanSpaces: true},
	"megrez":           {split: qwen2Split},
	"stablelm2":        {split: qwen2Split},

	"gpt-2":           {split: gpt2Split},
	"phi-2":           {split: gpt2Split},
	"gigachat":        {split: gpt2Split},
	"a.x-4.0":         {split: gpt2Split},
	"mellum":          {split: gpt2Split},
	"mpt":             {split: gpt2Split},
	"olmo":            {split: gpt2Split},
	"jais":            {split: gpt2Split},
	"exaone4":         {split: gpt2Split},
	"trillion":        {split: gpt2Split, noCleanSpaces: true},
	"granite-docling": {split: gpt2Split, noCleanSpaces: true},

	"starcoder":  {split: starcoderSplit},
	"refact":     {split: starcoderSplit},
	"codeshell":  {split: starcoderSplit},
	"exaone":     {split: starcoderSplit},
	"minerva-7b": {split: starcoderSplit},
	"mellum2":    {split: starcoderSplit},
	"command-r":  {split: starcoderSplit, noCleanSpaces: true},
	"smollm":     {split: starcoderSplit, noCleanSpaces: true},

	"falcon": {split: falconSplit},
}

// SupportedPre lists the tokenizer.ggml.pre values FromGGUF accepts.
func SupportedPre() []string {
	out := make([]string, 0, len(preTokenizers))
	for k := range preTokenizers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Character classes, from Go's unicode tables (Unicode 15.0.0). llama.cpp's
// generated table (src/unicode-data.cpp) is of Unicode 15.1: compared code
// point by code point, its letters, numbers and punctuation are Go's plus
// the 622 ideographs of CJK Extension I, added here.

func isLetterCpt(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || 0x2EBF0 <= r && r <= 0x2EE5D
}
func isNumberCpt(r rune) bool {
	return r < 0x80 && '0' <= r && r <= '9' || r >= 0x80 && unicode.IsNumber(r)
}

// isSpaceCpt is \s as llama.cpp has it: the Unicode White_Space property.
func isSpaceCpt(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0:
		return true
	}
	return r > 0xFF && unicode.Is(unicode.White_Space, r)
}

// isDefaultPunct is [\p{P}\$\+<=>\^~\|] as llama.cpp evaluates it: on ASCII
// every punctuation and symbol character but '`'; above it the P category
// (white space never matches).
func isDefaultPunct(r rune) bool {
	if r < 0x80 {
		return r != '`' && isASCIIPunct(r)
	}
	return !isSpaceCpt(r) && unicode.IsPunct(r)
}

// isFalconPunct is [\p{P}\$\+<=>\^~\|`].
func isFalconPunct(r rune) bool {
	if r < 0x80 {
		return isASCIIPunct(r)
	}
	return !isSpaceCpt(r) && unicode.IsPunct(r)
}

func isASCIIPunct(r rune) bool {
	return '!' <= r && r <= '/' || ':' <= r && r <= '@' || '[' <= r && r <= '`' || '{' <= r && r <= '~'
}

// isolateRuns is the stage for a regex `[class]+`: maximal runs of the
// class become spans, and so does the text between them.
func isolateRuns(in func(rune) bool) stage {
	return func(cpts []rune, spans []span) []span {
		out := make([]span, 0, len(spans))
		for _, s := range spans {
			start := s.start
			for i := s.start; i < s.end; {
				if !in(cpts[i]) {
					i++
					continue
				}
				j := i + 1
				for j < s.end && in(cpts[j]) {
					j++
				}
				if i > start {
					out = append(out, span{start, i})
				}
				out = append(out, span{i, j})
				start, i = j, j
			}
			if start < s.end {
				out = append(out, span{start, s.end})
			}
		}
		return out
	}
}

// isolateEach is the stage for a regex `[class]`: each character of the
// class becomes a span, and so does the text between them.
func isolateEach(in func(rune) bool) stage {
	return func(cpts []rune, spans []span) []span {
		out := make([]span, 0, len(spans))
		for _, s := range spans {
			start := s.start
			for i := s.start; i < s.end; i++ {
				if in(cpts[i]) {
					if i > start {
						out = append(out, span{start, i})
					}
					out = append(out, span{i, i + 1})
					start = i + 1
				}
			}
			if start < s.end {
				out = append(out, span{start, s.end})
			}
		}
		return out
	}
}

// splitASCIIDigits3 is the stage for `[0-9][0-9][0-9]`: scanning left to
// right, each three consecutive ASCII digits become a span.
func splitASCIIDigits3(cpts []rune, spans []span) []span {
	isDigit := func(r rune) bool { return '0' <= r && r <= '9' }
	out := make([]span, 0, len(spans))
	for _, s := range spans {
		start := s.start
		for i := s.start; i+3 <= s.end; {
			if isDigit(cpts[i]) && isDigit(cpts[i+1]) && isDigit(cpts[i+2]) {
				if i > start {
					out = append(out, span{start, i})
				}
				out = append(out, span{i, i + 3})
				i += 3
				start = i
				continue
			}
			i++
		}
		if start < s.end {
			out = append(out, span{start, s.end})
		}
	}
	return out
}

// scanner walks one span; characters outside it read as "none", which no
// class matches (the end of the text for the regex's look-ahead).
type scanner struct {
	cpts       []rune
	start, end int
	out        []span
	prev       int
}

const noCpt = -1

func (s *scanner) at(i int) rune {
	if i < s.start || i >= s.end {
		return noCpt
	}
	return s.cpts[i]
}

func (s *scanner) letter(i int) bool {
	r := s.at(i)
	return r != noCpt && isLetterCpt(r)
}

func (s *scanner) number(i int) bool {
	r := s.at(i)
	return r != noCpt && isNumberCpt(r)
}

func (s *scanner) space(i int) bool {
	r := s.at(i)
	return r != noCpt && isSpaceCpt(r)
}

// other is [^\s\p{L}\p{N}] inside the span.
func (s *scanner) other(i int) bool {
	r := s.at(i)
	return r != noCpt && !isSpaceCpt(r) && !isLetterCpt(r) && !isNumberCpt(r)
}

// emit ends the current word at end and returns its length.
func (s *scanner) emit(end int) int {
	n := end - s.prev
	if n > 0 {
		s.out = append(s.out, span{s.prev, end})
	}
	s.prev = end
	return n
}

// contraction matches 's 't 'm 'd 're 've 'll at i (ASCII-case-insensitive
// when fold is set) and returns its length, or 0.
func (s *scanner) contraction(i int, fold bool) int {
	if s.at(i) != '\'' || i+1 >= s.end {
		return 0
	}
	lower := func(r rune) rune {
		if fold {
			return unicode.ToLower(r)
		}
		return r
	}
	c1 := lower(s.at(i + 1))
	switch c1 {
	case 's', 't', 'm', 'd':
		return 2
	}
	if i+2 < s.end {
		c2 := lower(s.at(i + 2))
		if c1 == 'r' && c2 == 'e' || c1 == 'v' && c2 == 'e' || c1 == 'l' && c2 == 'l' {
			return 3
		}
	}
	return 0
}

// splitGPT2 is GPT-2's
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
func splitGPT2(cpts []rune, spans []span) []span {
	sc := scanner{cpts: cpts, out: make([]span, 0, len(spans))}
	for _, sp := range spans {
		sc.start, sc.end, sc.prev = sp.start, sp.end, sp.start
		for pos := sp.start; pos < sp.end; {
			if n := sc.contraction(pos, false); n > 0 {
				pos += sc.emit(pos + n)
				continue
			}
			// An optional leading space, then a run of one class.
			q := pos
			if cpts[pos] == ' ' {
				q++
			}
			var run func(int) bool
			switch {
			case sc.letter(q):
				run = sc.letter
			case sc.number(q):
				run = sc.number
			case sc.other(q):
				run = sc.other
			}
			if run != nil {
				for q < sp.end && run(q) {
					q++
				}
				pos = q
				sc.emit(pos)
				continue
			}
			pos = sc.whitespace(pos, false)
		}
	}
	return sc.out
}

// whitespace handles the white-space alternatives at pos (which may not be
// white space: then one character is a word of its own) and returns the new
// position. With newlines set it first tries \s*[\r\n]+.
func (s *scanner) whitespace(pos int, newlines bool) int {
	n, lastNL := 0, -1
	for s.space(pos + n) {
		if r := s.at(pos + n); r == '\r' || r == '\n' {
			lastNL = pos + n + 1
		}
		n++
	}
	switch {
	case newlines && lastNL >= 0: // \s*[\r\n]+
		pos = lastNL
	case n > 1 && s.at(pos+n) != noCpt: // \s+(?!\S): leave the last one to the next word
		pos += n - 1
	case n > 0: // \s+
		pos += n
	default: // matched by nothing: a word of its own
		pos++
	}
	s.emit(pos)
	return pos
}

// splitLlama3 is Llama 3's
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func splitLlama3(cpts []rune, spans []span) []span { return splitLlama3Like(cpts, spans, 3) }

// splitQwen2 is Qwen 2's regex: Llama 3's with \p{N} for \p{N}{1,3}.
func splitQwen2(cpts []rune, spans []span) []span { return splitLlama3Like(cpts, spans, 1) }

func splitLlama3Like(cpts []rune, spans []span, digits int) []span {
	sc := scanner{cpts: cpts, out: make([]span, 0, len(spans))}
	for _, sp := range spans {
		sc.start, sc.end, sc.prev = sp.start, sp.end, sp.start
		for pos := sp.start; pos < sp.end; {
			r := cpts[pos]
			if n := sc.contraction(pos, true); n > 0 {
				pos += sc.emit(pos + n)
				continue
			}
			// [^\r\n\p{L}\p{N}]?\p{L}+
			if r != '\r' && r != '\n' && !sc.number(pos) && (sc.letter(pos) || sc.letter(pos+1)) {
				pos++
				for sc.letter(pos) {
					pos++
				}
				sc.emit(pos)
				continue
			}
			// \p{N}{1,digits}
			if sc.number(pos) {
				start := pos
				for sc.number(pos) {
					pos++
					if pos-start == digits {
						sc.emit(pos)
						start = pos
					}
				}
				sc.emit(pos)
				continue
			}
			// ' ?[^\s\p{L}\p{N}]+[\r\n]*'
			q := pos
			if r == ' ' {
				q++
			}
			if sc.other(q) {
				for sc.other(q) {
					q++
				}
				for c := sc.at(q); c == '\r' || c == '\n'; c = sc.at(q) {
					q++
				}
				pos = q
				sc.emit(pos)
				continue
			}
			pos = sc.whitespace(pos, true)
		}
	}
	return sc.out
}
