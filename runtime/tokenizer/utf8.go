package tokenizer

// UTF-8 handling as llama.cpp's unicode.cpp does it, which is laxer than
// package unicode/utf8: overlong forms and surrogates decode to their value,
// and each byte that starts no sequence becomes U+FFFD.

// utf8Len is the sequence length a lead byte announces (unicode_len_utf8):
// 1 for ASCII and stray continuation bytes.
func utf8Len(b byte) int {
	switch b >> 4 {
	case 0xC, 0xD:
		return 2
	case 0xE:
		return 3
	case 0xF:
		return 4
	}
	return 1
}

func isCont(b byte) bool { return b&0xC0 == 0x80 }

// decodeCpts splits s into code points (unicode_cpts_from_utf8).
func decodeCpts(s string, dst []rune) []rune {
	dst = dst[:0]
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case b < 0x80:
			dst = append(dst, rune(b))
			i++
			continue
		case b&0x40 == 0: // continuation byte
		case b&0x20 == 0:
			if i+1 < len(s) && isCont(s[i+1]) {
				dst = append(dst, rune(b&0x1F)<<6|rune(s[i+1]&0x3F))
				i += 2
				continue
			}
		case b&0x10 == 0:
			if i+2 < len(s) && isCont(s[i+1]) && isCont(s[i+2]) {
				dst = append(dst, rune(b&0x0F)<<12|rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F))
				i += 3
				continue
			}
		case b&0x08 == 0:
			if i+3 < len(s) && isCont(s[i+1]) && isCont(s[i+2]) && isCont(s[i+3]) {
				r := rune(b&0x07)<<18 | rune(s[i+1]&0x3F)<<12 | rune(s[i+2]&0x3F)<<6 | rune(s[i+3]&0x3F)
				if r > 0x10FFFF {
					r = 0xFFFD // llama.cpp throws on re-encoding these
				}
				dst = append(dst, r)
				i += 4
				continue
			}
		}
		dst = append(dst, 0xFFFD)
		i++
	}
	return dst
}

// appendCpt encodes r as llama.cpp's unicode_cpt_to_utf8 does (surrogates
// included).
func appendCpt(dst []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(dst, byte(r))
	case r < 0x800:
		return append(dst, 0xC0|byte(r>>6), 0x80|byte(r&0x3F))
	case r < 0x10000:
		return append(dst, 0xE0|byte(r>>12), 0x80|byte(r>>6&0x3F), 0x80|byte(r&0x3F))
	}
	return append(dst, 0xF0|byte(r>>18), 0x80|byte(r>>12&0x3F), 0x80|byte(r>>6&0x3F), 0x80|byte(r&0x3F))
}
