// Package tokenizer turns text into token ids and back for the vocabularies
// GGUF files carry, with the same results as llama.cpp (src/llama-vocab.cpp
// and src/unicode.cpp of the llama.cpp that node-llama-cpp 3.21.1 ships):
//
//   - tokenizer.ggml.model "llama": SentencePiece-style vocabularies (Llama
//     1/2, Mistral, TinyLlama, llama2.c), merged by score with byte
//     fallback, spaces escaped to "▁" and a dummy space prefix;
//   - tokenizer.ggml.model "gpt2": byte-level BPE (Llama 3, Qwen 2/3, GPT-2
//     style vocabularies), merged by rank within the words of the
//     pre-tokenizer tokenizer.ggml.pre names. SupportedPre lists the names:
//     the Llama 3 family ("llama-bpe", "llama3", …), the Qwen 2 family
//     ("qwen2", …), GPT-2's ("gpt-2", "mpt", "olmo", …), StarCoder's
//     ("starcoder", "refact", "command-r", "smollm", …), "falcon" and
//     llama.cpp's "default" (also used when the key is missing).
//
// Special tokens (control, user-defined) are split out of the text first,
// longest first, as llama.cpp's tokenizer_st_partition does, and the load-time
// fix-ups llama.cpp applies to token types and the end-of-generation set are
// applied too.
//
// Known differences from llama.cpp, all outside what real files and text
// exercise: FromGGUF rejects an out-of-range BOS or EOS id, which llama.cpp
// only warns about; a SentencePiece vocabulary without a byte token gives
// UNK, and a 4-byte sequence above U+10FFFF reads as U+FFFD, where llama.cpp
// throws; where llama.cpp's choice depends on hash-map order (which of
// several EOT-looking tokens is EOT, the order of special tokens of equal
// length) the first by list order or id is taken; and Decode also strips the
// dummy space after a leading BOS (see Decode).
package tokenizer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sieve-llm/sieve/gguf"
)

// TokenType is the GGUF token type (tokenizer.ggml.token_type).
type TokenType int32

// GGUF token types.
const (
	TypeUndefined   TokenType = 0
	TypeNormal      TokenType = 1
	TypeUnknown     TokenType = 2
	TypeControl     TokenType = 3
	TypeUserDefined TokenType = 4
	TypeUnused      TokenType = 5
	TypeByte        TokenType = 6
)

// attr is llama.cpp's token attribute bit set (llama_token_attr); several bits
// can be set at once after its load-time fix-ups.
type attr uint16

const (
	attrUnknown attr = 1 << iota
	attrUnused
	attrNormal
	attrControl
	attrUserDefined
	attrByte
	attrNormalized
	attrLStrip
	attrRStrip
)

// Kind is the tokenizer algorithm.
type Kind int

const (
	// SPM is the SentencePiece-style tokenizer (tokenizer.ggml.model "llama").
	SPM Kind = iota + 1
	// BPE is the byte-level BPE tokenizer (tokenizer.ggml.model "gpt2").
	BPE
)

func (k Kind) String() string {
	switch k {
	case SPM:
		return "SPM"
	case BPE:
		return "BPE"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Tokenizer encodes and decodes text for one vocabulary. It is immutable
// after FromGGUF and safe for concurrent use.
type Tokenizer struct {
	kind   Kind
	pre    string // tokenizer.ggml.pre as given ("" for SPM)
	split  preTokenizer
	tokens []string
	scores []float32
	attrs  []attr
	ids    map[string]int32

	// BPE: "left right" (the merge line as stored) → rank.
	merges map[string]int32

	bos, eos, eot, eom, unk, sep, pad int
	eog                               map[int]bool

	addBOS, addEOS bool
	addSpacePrefix bool
	ignoreMerges   bool
	cleanSpaces    bool
	byteToken      [256]int32 // SPM byte fallback ids, -1 when absent
	specials       []int32    // control/user-defined/unknown ids, longest text first
	pieces         [][]byte   // Piece(id) for every id
	newlineSplits  bool       // SPM: no token contains "\n"
}

// Metadata keys read by FromGGUF.
const (
	keyModel        = "tokenizer.ggml.model"
	keyPre          = "tokenizer.ggml.pre"
	keyTokens       = "tokenizer.ggml.tokens"
	keyScores       = "tokenizer.ggml.scores"
	keyTokenType    = "tokenizer.ggml.token_type"
	keyMerges       = "tokenizer.ggml.merges"
	keyBOS          = "tokenizer.ggml.bos_token_id"
	keyEOS          = "tokenizer.ggml.eos_token_id"
	keyEOT          = "tokenizer.ggml.eot_token_id"
	keyEOM          = "tokenizer.ggml.eom_token_id"
	keyUNK          = "tokenizer.ggml.unknown_token_id"
	keySEP          = "tokenizer.ggml.seperator_token_id" // sic, as llama.cpp spells it
	keyPAD          = "tokenizer.ggml.padding_token_id"
	keyFIMPad       = "tokenizer.ggml.fim_pad_token_id"
	keyFIMRep       = "tokenizer.ggml.fim_rep_token_id"
	keyFIMSep       = "tokenizer.ggml.fim_sep_token_id"
	keyAddBOS       = "tokenizer.ggml.add_bos_token"
	keyAddEOS       = "tokenizer.ggml.add_eos_token"
	keyAddPrefix    = "tokenizer.ggml.add_space_prefix"
	keyGeneralName  = "general.name"
	keyArchitecture = "general.architecture"
)

// FromGGUF builds the tokenizer described by a GGUF file's metadata.
func FromGGUF(md *gguf.Metadata) (*Tokenizer, error) {
	model, ok := md.String(keyModel)
	if !ok {
		if _, present := md.Value(keyModel); present {
			return nil, fmt.Errorf("tokenizer: %s is not a string", keyModel)
		}
		return nil, fmt.Errorf("tokenizer: missing %s", keyModel)
	}
	t := &Tokenizer{bos: -1, eos: -1, eot: -1, eom: -1, unk: -1, sep: -1, pad: -1}
	fimPad, fimRep, fimSep := -1, -1, -1
	switch model {
	case "llama":
		t.kind = SPM
		t.bos, t.eos, t.unk = 1, 2, 0
		t.addSpacePrefix = true
		t.addBOS = true
	case "gpt2":
		t.kind = BPE
		// llama.cpp's defaults for BPE vocabularies, used when the
		// metadata does not name the tokens.
		t.bos, t.eos = 11, 11
		t.cleanSpaces = true
		pre, ok := md.String(keyPre)
		if _, present := md.Value(keyPre); present && !ok {
			return nil, fmt.Errorf("tokenizer: %s is not a string", keyPre)
		}
		if pre == "" {
			pre = "default" // as llama.cpp, which warns about it
		}
		spec, ok := preTokenizers[pre]
		if !ok {
			hint := ""
			if pre == "gpt2" {
				hint = `; GPT-2's is "gpt-2", and llama.cpp rejects "gpt2" too`
			}
			return nil, fmt.Errorf("tokenizer: unsupported %s %q (supported: %s%s)", keyPre, pre, strings.Join(SupportedPre(), ", "), hint)
		}
		t.pre = pre
		t.split = spec.split
		t.ignoreMerges = spec.ignoreMerges
		t.cleanSpaces = !spec.noCleanSpaces
		t.addBOS = spec.addBOS
		if spec.noBOS {
			t.bos = -1
		}
	default:
		return nil, fmt.Errorf("tokenizer: unsupported %s %q (supported: \"llama\" (SentencePiece), \"gpt2\" (byte-level BPE))", keyModel, model)
	}
	if v, ok := md.Value(keyAddPrefix); ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, fmt.Errorf("tokenizer: %s is %T, want bool", keyAddPrefix, v)
		}
		t.addSpacePrefix = b
	}

	if err := t.loadTokens(md); err != nil {
		return nil, err
	}
	if t.kind == BPE {
		if err := t.loadMerges(md); err != nil {
			return nil, err
		}
	}
	n := len(t.tokens)

	// Default ids that fall outside the vocabulary are disabled, as in
	// llama.cpp; ids given in the metadata must be valid.
	for _, p := range []*int{&t.bos, &t.eos, &t.unk} {
		if *p >= n {
			*p = -1
		}
	}
	for _, s := range []struct {
		key  string
		dst  *int
		must bool
	}{
		{keyBOS, &t.bos, true}, {keyEOS, &t.eos, true}, {keyEOT, &t.eot, false}, {keyEOM, &t.eom, false},
		{keyUNK, &t.unk, false}, {keySEP, &t.sep, false}, {keyPAD, &t.pad, false},
		{keyFIMPad, &fimPad, false}, {keyFIMRep, &fimRep, false}, {keyFIMSep, &fimSep, false},
	} {
		v, present := md.Value(s.key)
		if !present {
			continue
		}
		id, ok := md.Int(s.key)
		if !ok {
			return nil, fmt.Errorf("tokenizer: %s is %T, want an integer", s.key, v)
		}
		if id < 0 || id >= int64(n) {
			if s.must {
				return nil, fmt.Errorf("tokenizer: %s = %d is out of range (vocabulary of %d tokens)", s.key, id, n)
			}
			continue // llama.cpp warns and keeps its default
		}
		*s.dst = int(id)
	}
	for _, s := range []struct {
		key string
		dst *bool
	}{{keyAddBOS, &t.addBOS}, {keyAddEOS, &t.addEOS}} {
		if v, ok := md.Value(s.key); ok {
			b, isBool := v.(bool)
			if !isBool {
				return nil, fmt.Errorf("tokenizer: %s is %T, want bool", s.key, v)
			}
			*s.dst = b
		}
	}
	if t.addBOS && t.bos < 0 {
		return nil, fmt.Errorf("tokenizer: BOS is to be added (%s) but the vocabulary has no BOS token (%s)", keyAddBOS, keyBOS)
	}
	if t.addEOS && t.eos < 0 {
		return nil, fmt.Errorf("tokenizer: EOS is to be added (%s) but the vocabulary has no EOS token (%s)", keyAddEOS, keyEOS)
	}

	t.markSpecials(md, fimPad, fimRep, fimSep)

	if t.kind == SPM {
		t.newlineSplits = true
		for _, s := range t.tokens {
			if strings.IndexByte(s, '\n') >= 0 {
				t.newlineSplits = false
				break
			}
		}
		for b := range 256 {
			t.byteToken[b] = -1
			if id, ok := t.ids[fmt.Sprintf("<0x%02X>", b)]; ok {
				t.byteToken[b] = id
			} else if id, ok := t.ids[string([]byte{byte(b)})]; ok {
				t.byteToken[b] = id
			}
		}
	}

	for id := range t.tokens {
		if t.attrs[id]&(attrControl|attrUserDefined|attrUnknown) != 0 {
			t.specials = append(t.specials, int32(id))
		}
	}
	// Longest first; llama.cpp's std::sort leaves equal lengths in no
	// particular order, this keeps them by id.
	slices.SortStableFunc(t.specials, func(a, b int32) int { return len(t.tokens[b]) - len(t.tokens[a]) })

	t.pieces = make([][]byte, n)
	for id := range t.tokens {
		t.pieces[id] = t.makePiece(id, false)
	}
	return t, nil
}

func (t *Tokenizer) loadTokens(md *gguf.Metadata) error {
	tokens, ok := md.Strings(keyTokens)
	if !ok {
		if v, present := md.Value(keyTokens); present {
			return fmt.Errorf("tokenizer: %s is %T, want a string array", keyTokens, v)
		}
		return fmt.Errorf("tokenizer: missing %s", keyTokens)
	}
	n := len(tokens)
	if n == 0 {
		return fmt.Errorf("tokenizer: %s is empty", keyTokens)
	}
	if n > 1<<31-1 {
		return fmt.Errorf("tokenizer: %s has %d tokens", keyTokens, n)
	}
	t.tokens = make([]string, n)
	t.ids = make(map[string]int32, n)
	for i, s := range tokens {
		if s == "" {
			s = fmt.Sprintf("[EMPTY_%d]", i) // llama.cpp's name for empty tokens
		}
		if j, dup := t.ids[s]; dup {
			return fmt.Errorf("tokenizer: %s: token %q appears at %d and %d", keyTokens, s, j, i)
		}
		t.ids[s] = int32(i)
		t.tokens[i] = s
	}

	t.scores = make([]float32, n)
	if v, present := md.Value(keyScores); present {
		if f, ok := md.Float32s(keyScores); ok {
			if len(f) != n {
				return fmt.Errorf("tokenizer: %s has %d values for %d tokens", keyScores, len(f), n)
			}
			copy(t.scores, f)
		} else if is, ok := md.Ints(keyScores); ok {
			if len(is) != n {
				return fmt.Errorf("tokenizer: %s has %d values for %d tokens", keyScores, len(is), n)
			}
			for i, x := range is {
				t.scores[i] = float32(x)
			}
		} else {
			return fmt.Errorf("tokenizer: %s is %T, want a float32 array", keyScores, v)
		}
	}

	t.attrs = make([]attr, n)
	for i := range t.attrs {
		t.attrs[i] = attrNormal
	}
	if v, present := md.Value(keyTokenType); present {
		types, ok := md.Ints(keyTokenType)
		if !ok {
			return fmt.Errorf("tokenizer: %s is %T, want an int32 array", keyTokenType, v)
		}
		if len(types) != n {
			return fmt.Errorf("tokenizer: %s has %d values for %d tokens", keyTokenType, len(types), n)
		}
		for i, ty := range types {
			switch TokenType(ty) {
			case TypeNormal:
				t.attrs[i] = attrNormal
			case TypeUnknown:
				t.attrs[i] = attrUnknown
			case TypeControl:
				t.attrs[i] = attrControl
			case TypeUserDefined:
				t.attrs[i] = attrUserDefined
			case TypeUnused:
				t.attrs[i] = attrUnused
			case TypeByte:
				t.attrs[i] = attrByte
			default:
				t.attrs[i] = 0 // undefined
			}
		}
	}
	return nil
}

// byteValue is the byte a byte token "<0xNN>" stands for. Like llama.cpp,
// which parses the two characters after "<0x" with strtol, it reads what
// hex digits are there.
func byteValue(s string) byte {
	var v byte
	for i := 3; i < min(5, len(s)) && isHex(s[i]); i++ {
		v = v<<4 | unhex(s[i])
	}
	return v
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func (t *Tokenizer) loadMerges(md *gguf.Metadata) error {
	merges, ok := md.Strings(keyMerges)
	if !ok {
		if v, present := md.Value(keyMerges); present {
			return fmt.Errorf("tokenizer: %s is %T, want a string array", keyMerges, v)
		}
		return fmt.Errorf("tokenizer: missing %s (a BPE vocabulary needs its merges)", keyMerges)
	}
	t.merges = make(map[string]int32, len(merges))
	for i, m := range merges {
		// llama.cpp splits at the first space after the first byte. The
		// symbols merged here never contain a raw space (byte-level BPE
		// maps it to "Ġ"), so the stored line is an unambiguous key for
		// the pair; the first of duplicate lines keeps its rank.
		if strings.IndexByte(m[min(1, len(m)):], ' ') < 0 {
			continue // llama.cpp files such a line under an empty pair, never matched
		}
		if _, dup := t.merges[m]; !dup {
			t.merges[m] = int32(i)
		}
	}
	return nil
}

// Texts of tokens llama.cpp treats as end of generation, and candidates for
// the EOT and FIM ids, found by text when the metadata does not give them
// (llama_vocab::impl::load).
var (
	eotTexts = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
		"<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"}
	eomTexts    = []string{"<|eom_id|>"}
	fimPadTexts = []string{"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}
	fimRepTexts = []string{"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}
	fimSepTexts = []string{"<|file_sep|>"}
	fimOther    = [][]string{
		{"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"},
		{"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"},
		{"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"},
	}
	eogTexts = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
		"<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
		"<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~["}
)

// markSpecials applies llama.cpp's load-time fix-ups of token attributes and
// builds the end-of-generation set.
func (t *Tokenizer) markSpecials(md *gguf.Metadata, fimPad, fimRep, fimSep int) {
	// find returns the id of the first of texts present in the vocabulary.
	// (llama.cpp takes whichever its hash map yields first.)
	find := func(texts []string) int {
		for _, s := range texts {
			if id, ok := t.ids[s]; ok {
				return int(id)
			}
		}
		return -1
	}
	control := func(id int) {
		if id >= 0 {
			t.attrs[id] |= attrControl
		}
	}
	if t.eot < 0 {
		t.eot = find(eotTexts)
		control(t.eot)
	}
	if t.eom < 0 {
		t.eom = find(eomTexts)
		control(t.eom)
	}
	for _, f := range []struct {
		id    *int
		texts []string
	}{{&fimPad, fimPadTexts}, {&fimRep, fimRepTexts}, {&fimSep, fimSepTexts}} {
		if *f.id < 0 {
			*f.id = find(f.texts)
			control(*f.id)
		}
	}
	for _, texts := range fimOther {
		// FIM prefix/suffix/middle only change the attributes here.
		control(find(texts))
	}
	for id, s := range t.tokens {
		if t.attrs[id]&attrControl != 0 && strings.Contains(s, "unused") {
			t.attrs[id] |= attrUnused
		}
	}

	t.eog = map[int]bool{}
	for _, id := range []int{fimPad, fimRep, fimSep} {
		if id >= 0 {
			t.eog[id] = true
		}
	}
	for _, s := range eogTexts {
		if id, ok := t.ids[s]; ok {
			t.eog[int(id)] = true
			t.attrs[id] |= attrControl
		}
	}
	// gpt-oss: always render these.
	for _, s := range []string{"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"} {
		if id, ok := t.ids[s]; ok {
			t.attrs[id] = attrUserDefined
		}
	}
	for _, id := range []int{t.eos, t.eot, t.eom} {
		if id >= 0 {
			t.eog[id] = true
		}
	}
	// o200k_harmony and solar-open: "<|end|>" is not an end of generation
	// when "<|return|>"/"<|call|>" (or "<|calls|>"/"<|flush|>") exist.
	has := func(s string) (int, bool) {
		id, ok := t.ids[s]
		return int(id), ok && t.eog[int(id)]
	}
	_, hasReturn := has("<|return|>")
	_, hasCall := has("<|call|>")
	_, hasCalls := has("<|calls|>")
	_, hasFlush := has("<|flush|>")
	if end, hasEnd := has("<|end|>"); hasEnd && ((hasReturn && (hasCall || hasCalls)) || ((hasCall || hasCalls) && hasFlush)) {
		delete(t.eog, end)
		t.attrs[end] = attrUserDefined
	}
	// gemma4 and paddleocr: "</s>" is not an end of generation there.
	if _, hasTool := has("<|tool_response>"); hasTool {
		if s, hasS := has("</s>"); hasS {
			delete(t.eog, s)
			t.attrs[s] = attrNormal
		}
	}

	// Per-model attribute overrides llama.cpp keys on names.
	name, _ := md.String(keyGeneralName)
	name = strings.ToLower(name)
	if strings.Contains(name, "phi-3") || strings.Contains(name, "phi3") {
		for id := range t.tokens {
			if t.attrs[id]&(attrControl|attrUserDefined|attrUnknown) != 0 {
				t.attrs[id] |= attrRStrip
			}
		}
		if id, ok := t.ids["</s>"]; ok {
			t.attrs[id] |= attrRStrip
		}
		for _, s := range []string{"<unk>", "<s>", "<|endoftext|>"} {
			if id, ok := t.ids[s]; ok {
				t.attrs[id] &^= attrRStrip
			}
		}
	}
}

// Kind is the tokenizer algorithm.
func (t *Tokenizer) Kind() Kind { return t.kind }

// Pre is the BPE pre-tokenizer name (tokenizer.ggml.pre, "default" when
// absent); "" for SentencePiece vocabularies.
func (t *Tokenizer) Pre() string { return t.pre }

// VocabSize is the number of tokens.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// BOS is the beginning-of-sequence id, -1 if none.
func (t *Tokenizer) BOS() int { return t.bos }

// EOS is the end-of-sequence id, -1 if none.
func (t *Tokenizer) EOS() int { return t.eos }

// EOT is the end-of-turn id (from metadata or found by text, e.g.
// <|eot_id|>, <|im_end|>), -1 if none.
func (t *Tokenizer) EOT() int { return t.eot }

// UNK is the unknown-token id, -1 if none.
func (t *Tokenizer) UNK() int { return t.unk }

// PAD is the padding id, -1 if none.
func (t *Tokenizer) PAD() int { return t.pad }

// AddBOS reports whether Encode with addSpecial prepends BOS.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }

// AddEOS reports whether Encode with addSpecial appends EOS.
func (t *Tokenizer) AddEOS() bool { return t.addEOS }

// AddSpacePrefix reports whether a "▁" is put before the text (SPM) and
// stripped again when decoding.
func (t *Tokenizer) AddSpacePrefix() bool { return t.addSpacePrefix }

// IsEOG reports whether id ends generation: EOS, EOT, EOM and the tokens
// llama.cpp marks by their text (<|eot_id|>, <|im_end|>, <|endoftext|>, …).
func (t *Tokenizer) IsEOG(id int) bool { return t.eog[id] }

// EOGs returns the end-of-generation ids in increasing order.
func (t *Tokenizer) EOGs() []int {
	out := make([]int, 0, len(t.eog))
	for id := range t.eog {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Token is the vocabulary string of id ("" if out of range).
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// ID looks a token string up.
func (t *Tokenizer) ID(token string) (int, bool) {
	id, ok := t.ids[token]
	return int(id), ok
}

// Type is the token's type after llama.cpp's load-time fix-ups (tokens such
// as <|im_end|> become control tokens).
func (t *Tokenizer) Type(id int) TokenType {
	if id < 0 || id >= len(t.attrs) {
		return TypeUndefined
	}
	a := t.attrs[id]
	switch {
	case a&attrUnknown != 0:
		return TypeUnknown
	case a&attrControl != 0:
		return TypeControl
	case a&attrUserDefined != 0:
		return TypeUserDefined
	case a&attrByte != 0:
		return TypeByte
	case a&attrUnused != 0:
		return TypeUnused
	case a&attrNormal != 0:
		return TypeNormal
	}
	return TypeUndefined
}

// IsControl reports whether id is a control (or unknown) token, which
// decodes to nothing.
func (t *Tokenizer) IsControl(id int) bool {
	return id >= 0 && id < len(t.attrs) && t.attrs[id]&(attrControl|attrUnknown) != 0
}
