package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// makePiece is llama.cpp's token_to_piece without lstrip.
func (t *Tokenizer) makePiece(id int, special bool) []byte {
	a := t.attrs[id]
	text := t.tokens[id]
	if a&(attrUnknown|attrControl) != 0 {
		if !special {
			return nil
		}
		return []byte(text)
	}
	switch {
	case a&attrUserDefined != 0:
		return []byte(text)
	case a&attrNormal != 0:
		if t.kind == SPM {
			return []byte(strings.ReplaceAll(text, "▁", " "))
		}
		return decodeByteLevel(text)
	case a&attrByte != 0:
		return []byte{byteValue(text)}
	}
	return nil // unused and undefined tokens print nothing
}

// decodeByteLevel maps a byte-level BPE token back to its bytes. A
// character outside GPT-2's map is shown as llama.cpp shows it.
func decodeByteLevel(text string) []byte {
	out := make([]byte, 0, len(text))
	for _, r := range decodeCpts(text, nil) {
		if b, ok := byteDecoding[r]; ok {
			out = append(out, b)
			continue
		}
		out = append(out, "[UNK_BYTE_0x"...)
		for _, c := range appendCpt(nil, r) {
			out = fmt.Appendf(out, "%02x", c)
		}
		out = append(out, text...)
		out = append(out, ']')
	}
	return out
}

// Piece is the text of one token as it goes into generated output: "▁" is a
// space, byte tokens are their byte, byte-level BPE tokens their bytes, and
// control tokens (BOS, EOS, <|im_end|>, …) nothing. The result may be part
// of a UTF-8 character; it must not be modified.
func (t *Tokenizer) Piece(id int) []byte {
	if id < 0 || id >= len(t.pieces) {
		return nil
	}
	return t.pieces[id]
}

// PieceSpecial is Piece, except that control tokens give their text.
func (t *Tokenizer) PieceSpecial(id int) []byte {
	if id < 0 || id >= len(t.pieces) {
		return nil
	}
	if t.attrs[id]&(attrUnknown|attrControl) != 0 {
		return []byte(t.tokens[id])
	}
	return t.pieces[id]
}

// Decode returns the text of ids: the pieces joined, with the dummy space
// prefix removed from the first token (after a leading BOS) when the
// vocabulary adds one, and for BPE vocabularies whose tokenizer asks for it
// llama.cpp's clean-up of spaces before punctuation. The text may hold
// invalid UTF-8 when ids end inside a character.
//
// This is llama.cpp's llama_detokenize(remove_special=false,
// unparse_special=false), except that llama.cpp spends the space stripping
// on a leading BOS and so keeps the space of the word after it; Decode
// strips it, as SentencePiece and llama2.c do.
func (t *Tokenizer) Decode(ids []int) string {
	var b []byte
	strip := t.addSpacePrefix
	for i, id := range ids {
		p := t.Piece(id)
		if strip && !(i == 0 && id == t.bos) {
			if len(p) > 0 && p[0] == ' ' {
				p = p[1:]
			}
			strip = false
		}
		b = append(b, p...)
	}
	if t.kind == BPE && t.cleanSpaces {
		b = cleanSpaces(b)
	}
	return string(b)
}

// cleanSpaces is llama.cpp's clean_up_tokenization_spaces: it drops the
// space before ? ! . , and before the contractions 's 'm 're 've, and the
// spaces around a lone apostrophe.
func cleanSpaces(text []byte) []byte {
	// " ?", " !", " .", " ,"
	n := len(text)
	out := 0
	if n > 0 {
		out = 1
	}
	for i := 1; i < n; i++ {
		x := text[i]
		if text[i-1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',') {
			out--
		}
		text[out] = x
		out++
	}
	// " ' " → "'"
	n, out = out, min(out, 1)
	for i := 1; i < n; i++ {
		x := text[i]
		if x == '\'' && i+1 < n && text[i-1] == ' ' && text[i+1] == ' ' {
			out--
			i++
			text[i] = 0 // skip the next space; llama.cpp overwrites it with NUL, which the next step reads
		}
		text[out] = x
		out++
	}
	// " 's", " 'm", " 're", " 've"
	n, out = out, min(out, 1)
	for i := 1; i < n; i++ {
		x := text[i]
		if text[i-1] == ' ' && x == '\'' && i+1 < n {
			x1 := text[i+1]
			if x1 == 's' || x1 == 'm' {
				out--
			} else if i+2 < n && (x1 == 'r' && text[i+2] == 'e' || x1 == 'v' && text[i+2] == 'e') {
				out--
			}
		}
		text[out] = x
		out++
	}
	return text[:out]
}

// Streamer turns generated ids into text as they come. It holds back the
// bytes of a UTF-8 character split across byte tokens until the character
// is complete, and right after BOS it drops the dummy space prefix of the
// next token (as llama2.c does). Without BOS the first token keeps its
// space: the ids continue a text. For ids that start with BOS the streamed
// text equals Decode's (less Decode's BPE space clean-up).
type Streamer struct {
	t       *Tokenizer
	pending []byte
	strip   bool
}

// NewStreamer returns a Streamer for ids generated with t.
func (t *Tokenizer) NewStreamer() *Streamer { return &Streamer{t: t} }

// Add takes the next id and returns the text that is now complete, possibly
// "".
func (s *Streamer) Add(id int) string {
	if id == s.t.bos && s.t.bos >= 0 {
		s.strip = s.t.addSpacePrefix
		return ""
	}
	p := s.t.Piece(id)
	if s.strip {
		if len(p) > 0 && p[0] == ' ' {
			p = p[1:]
		}
		s.strip = false
	}
	s.pending = append(s.pending, p...)
	n := completePrefix(s.pending)
	if n == 0 {
		return ""
	}
	out := string(s.pending[:n])
	s.pending = append(s.pending[:0], s.pending[n:]...)
	return out
}

// Flush returns whatever is held back (an incomplete character) and resets
// the Streamer.
func (s *Streamer) Flush() string {
	out := string(s.pending)
	s.pending = s.pending[:0]
	s.strip = false
	return out
}

// completePrefix is the length of b without a trailing incomplete but so
// far valid UTF-8 sequence. Invalid bytes are passed on as they are.
func completePrefix(b []byte) int {
	for k := 1; k <= utf8.UTFMax-1 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return len(b)
		}
		if c&0xC0 == 0xC0 { // a lead byte
			if !utf8.FullRune(b[len(b)-k:]) {
				return len(b) - k
			}
			return len(b)
		}
	}
	return len(b)
}
