package tokenizer

import (
	"strings"
)

// Encode returns the token ids of text. addSpecial adds BOS (and EOS) when
// the vocabulary asks for them (AddBOS, AddEOS). parseSpecial lets the text
// name control tokens such as "<|im_start|>" or "</s>"; without it they are
// tokenized as plain text. User-defined tokens are always matched whole, as
// in llama.cpp.
func (t *Tokenizer) Encode(text string, addSpecial, parseSpecial bool) []int {
	out := make([]int, 0, len(text)/3+2)
	if addSpecial && t.addBOS {
		out = append(out, t.bos)
	}
	frags := t.partition(text, parseSpecial)
	switch t.kind {
	case SPM:
		var s spmSession
		prevSpecial := true // the dummy prefix goes at the start and after each special token
		var buf strings.Builder
		for _, f := range frags {
			if f.tok >= 0 {
				out = append(out, int(f.tok))
				prevSpecial = true
				continue
			}
			buf.Reset()
			if t.addSpacePrefix && prevSpecial {
				buf.WriteString("▁")
			}
			escapeSpaces(&buf, text[f.start:f.end])
			out = t.spmPieces(&s, buf.String(), out)
			prevSpecial = false
		}
	case BPE:
		var s bpeSession
		for _, f := range frags {
			if f.tok >= 0 {
				out = append(out, int(f.tok))
				continue
			}
			out = s.tokenize(t, text[f.start:f.end], out)
		}
	}
	if addSpecial && t.addEOS {
		out = append(out, t.eos)
	}
	return out
}

// spmPieces runs the SPM merge loop over text. When no token contains a
// newline, a newline symbol can never merge, so the text is cut after each
// one and the pieces merged apart: the result is the same, and the merge
// loop's heap stays small on long texts.
func (t *Tokenizer) spmPieces(s *spmSession, text string, out []int) []int {
	if !t.newlineSplits {
		return s.tokenize(t, text, out)
	}
	start := 0
	for off := 0; off < len(text); {
		n := min(utf8Len(text[off]), len(text)-off)
		off += n
		if n == 1 && text[off-1] == '\n' {
			out = s.tokenize(t, text[start:off], out)
			start = off
		}
	}
	return s.tokenize(t, text[start:], out)
}

func escapeSpaces(b *strings.Builder, s string) {
	for {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			b.WriteString(s)
			return
		}
		b.WriteString(s[:i])
		b.WriteString("▁")
		s = s[i+1:]
	}
}

// fragment is raw text [start, end) of the input, or the special token tok
// (tok >= 0).
type fragment struct {
	tok        int32
	start, end int
}

func isCSpace(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }

// partition splits text on special tokens (llama.cpp's
// tokenizer_st_partition): for each special token, longest first, every
// occurrence in the text fragments left so far becomes a token fragment.
// Control and unknown tokens count only with parseSpecial.
func (t *Tokenizer) partition(text string, parseSpecial bool) []fragment {
	if text == "" {
		return nil
	}
	frags := []fragment{{-1, 0, len(text)}}
	if len(t.specials) == 0 {
		return frags
	}
	var next []fragment
	for _, id := range t.specials {
		a := t.attrs[id]
		if !parseSpecial && a&(attrControl|attrUnknown) != 0 {
			continue
		}
		tok := t.tokens[id]
		if !strings.Contains(text, tok) {
			continue
		}
		next = next[:0]
		for _, f := range frags {
			if f.tok >= 0 {
				next = append(next, f)
				continue
			}
			start, end := f.start, f.end
			for {
				i := strings.Index(text[start:end], tok)
				if i < 0 {
					break
				}
				m := start + i
				left := m
				if a&attrLStrip != 0 {
					for left > start && isCSpace(text[left-1]) {
						left--
					}
				}
				if left > start {
					next = append(next, fragment{-1, start, left})
				}
				next = append(next, fragment{id, m, m + len(tok)})
				start = m + len(tok)
				if a&attrRStrip != 0 {
					for start < end && isCSpace(text[start]) {
						start++
					}
				}
			}
			if start < end {
				next = append(next, fragment{-1, start, end})
			}
		}
		frags, next = next, frags
	}
	return frags
}

// heap is a binary min-heap ordered by less.
type heap[T any] struct {
	items []T
	less  func(a, b *T) bool
}

func (h *heap[T]) push(x T) {
	h.items = append(h.items, x)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(&h.items[i], &h.items[p]) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *heap[T]) pop() T {
	top := h.items[0]
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	h.items = h.items[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && h.less(&h.items[r], &h.items[l]) {
			c = r
		}
		if !h.less(&h.items[c], &h.items[i]) {
			break
		}
		h.items[i], h.items[c] = h.items[c], h.items[i]
		i = c
	}
	return top
}

// symbol is a piece of the text being merged: bytes [start, start+n), in a
// doubly linked list; n is 0 once merged into its left neighbour.
type symbol struct {
	start, n   int32
	prev, next int32
}

// bigram is a candidate merge of symbols left and right, of size bytes.
// SPM orders by score (highest first), BPE by rank (lowest first); ties go
// to the leftmost pair.
type bigram struct {
	left, right int32
	size        int32
	rank        int32
	score       float32
}

// spmSession holds scratch space for llama.cpp's llm_tokenizer_spm.
type spmSession struct {
	syms []symbol
	work heap[bigram]
}

func spmLess(a, b *bigram) bool {
	return a.score > b.score || a.score == b.score && a.left < b.left
}

func (s *spmSession) tokenize(t *Tokenizer, text string, out []int) []int {
	s.syms = s.syms[:0]
	for off := 0; off < len(text); {
		n := min(utf8Len(text[off]), len(text)-off)
		idx := int32(len(s.syms))
		next := idx + 1
		if off+n == len(text) {
			next = -1
		}
		s.syms = append(s.syms, symbol{start: int32(off), n: int32(n), prev: idx - 1, next: next})
		off += n
	}
	if len(s.syms) == 0 {
		return out
	}
	s.work.less = spmLess
	s.work.items = s.work.items[:0]
	for i := 1; i < len(s.syms); i++ {
		s.addBigram(t, text, int32(i-1), int32(i))
	}
	for len(s.work.items) > 0 {
		b := s.work.pop()
		l, r := &s.syms[b.left], &s.syms[b.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != b.size {
			continue // outdated
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			s.syms[r.next].prev = b.left
		}
		s.addBigram(t, text, l.prev, b.left)
		s.addBigram(t, text, b.left, l.next)
	}
	for i := int32(0); i != -1; i = s.syms[i].next {
		sym := s.syms[i]
		piece := text[sym.start : sym.start+sym.n]
		if id, ok := t.ids[piece]; ok {
			out = append(out, int(id))
			continue
		}
		// Merged symbols are always tokens; a single character that is not
		// falls back to its bytes.
		for j := 0; j < len(piece); j++ {
			if id := t.byteToken[piece[j]]; id >= 0 {
				out = append(out, int(id))
			} else if t.unk >= 0 {
				out = append(out, t.unk)
			}
		}
	}
	return out
}

func (s *spmSession) addBigram(t *Tokenizer, text string, left, right int32) {
	if left < 0 || right < 0 {
		return
	}
	l, r := s.syms[left], s.syms[right]
	id, ok := t.ids[text[l.start:l.start+l.n+r.n]]
	if !ok {
		return
	}
	s.work.push(bigram{left: left, right: right, size: l.n + r.n, score: t.scores[id]})
}

// bpeSession holds scratch space for llama.cpp's llm_tokenizer_bpe.
type bpeSession struct {
	cpts []rune
	word []byte
	key  []byte
	syms []symbol
	work heap[bigram]
}

func bpeLess(a, b *bigram) bool {
	return a.rank < b.rank || a.rank == b.rank && a.left < b.left
}

func (s *bpeSession) tokenize(t *Tokenizer, text string, out []int) []int {
	s.cpts = decodeCpts(text, s.cpts)
	for _, w := range t.split.run(s.cpts) {
		// The word in GPT-2's byte-to-unicode form.
		s.word = s.word[:0]
		for _, r := range s.cpts[w.start:w.end] {
			var tmp [4]byte
			for _, b := range appendCpt(tmp[:0], r) {
				s.word = append(s.word, byteEncoding[b]...)
			}
		}
		out = s.merge(t, s.word, out)
	}
	return out
}

// merge applies the BPE merges to one byte-encoded word.
func (s *bpeSession) merge(t *Tokenizer, word []byte, out []int) []int {
	if t.ignoreMerges {
		if id, ok := t.ids[string(word)]; ok {
			return append(out, int(id))
		}
	}
	s.syms = s.syms[:0]
	for off := 0; off < len(word); {
		n := min(utf8Len(word[off]), len(word)-off)
		idx := int32(len(s.syms))
		next := idx + 1
		if off+n == len(word) {
			next = -1
		}
		s.syms = append(s.syms, symbol{start: int32(off), n: int32(n), prev: idx - 1, next: next})
		off += n
	}
	s.work.less = bpeLess
	s.work.items = s.work.items[:0]
	for i := 1; i < len(s.syms); i++ {
		s.addBigram(t, word, int32(i-1), int32(i))
	}
	for len(s.work.items) > 0 {
		b := s.work.pop()
		l, r := &s.syms[b.left], &s.syms[b.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != b.size {
			continue // outdated
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			s.syms[r.next].prev = b.left
		}
		s.addBigram(t, word, l.prev, b.left)
		s.addBigram(t, word, b.left, l.next)
	}
	for i := int32(0); i != -1 && len(s.syms) > 0; i = s.syms[i].next {
		sym := s.syms[i]
		piece := word[sym.start : sym.start+sym.n]
		if id, ok := t.ids[string(piece)]; ok {
			out = append(out, int(id))
			continue
		}
		// llama.cpp looks each byte up as a one-byte token and drops
		// those it does not find.
		for j := range piece {
			if id, ok := t.ids[string(piece[j:j+1])]; ok {
				out = append(out, int(id))
			}
		}
	}
	return out
}

func (s *bpeSession) addBigram(t *Tokenizer, word []byte, left, right int32) {
	if left < 0 || right < 0 {
		return
	}
	l, r := s.syms[left], s.syms[right]
	s.key = append(s.key[:0], word[l.start:l.start+l.n]...)
	s.key = append(s.key, ' ')
	s.key = append(s.key, word[r.start:r.start+r.n]...)
	rank, ok := t.merges[string(s.key)]
	if !ok {
		return
	}
	s.work.push(bigram{left: left, right: right, size: l.n + r.n, rank: rank})
}

// GPT-2's reversible byte-to-unicode map: printable Latin-1 bytes stand for
// themselves, the others for U+0100 onwards in byte order.
var (
	byteEncoding [256]string
	byteDecoding = map[rune]byte{}
)

func init() {
	n := 0
	for b := range 256 {
		r := rune(b)
		if !('!' <= b && b <= '~' || 0xA1 <= b && b <= 0xAC || 0xAE <= b && b <= 0xFF) {
			r = rune(256 + n)
			n++
		}
		byteEncoding[b] = string(r)
		byteDecoding[r] = byte(b)
	}
}
