package asm

import (
	"encoding/binary"
	"fmt"
)

// GGUF block formats (32 weights per block).
const (
	// QK is the number of weights in one quantization block.
	QK = 32
	// Q8BlockBytes is the size of a GGUF Q8_0 block: f16 scale d, then 32
	// int8 values q; weight j = d·q[j].
	Q8BlockBytes = 34
	// Q4BlockBytes is the size of a GGUF Q4_0 block: f16 scale d, then 16
	// bytes qs; weight j = d·((qs[j]&15)-8) for j < 16 and
	// d·((qs[j-16]>>4)-8) for j ≥ 16.
	Q4BlockBytes = 18

	// q8Packed and q4Packed are the bytes of one packed 8-row × 32-column
	// block; q8QS and q4QS the bytes of its quants (its 8 f16 scales follow
	// all quants of the row block).
	q8QS     = 8 * 32
	q4QS     = 8 * 16
	q8Packed = q8QS + 16
	q4Packed = q4QS + 16
)

// Packed layout of quantized weights (shared by all implementations).
//
// Rows are grouped in row blocks of 8 (the last one zero-padded). A row
// block with nb = cols/32 column blocks occupies nb·(8·QS+16) bytes: first
// the quants of column blocks 0..nb-1, then the 8 f16 scales (row order) of
// each column block:
//
//	rowblock = [ qs(b=0) qs(b=1) ... qs(b=nb-1) | d(b=0)[8] ... d(b=nb-1)[8] ]
//
// Quants are interleaved 4 bytes per row, so one 32-byte vector holds the
// same 4 byte positions of the 8 rows and an integer dot product leaves
// row i's partial sum in 32-bit lane i:
//
//	Q8_0: qs(b)[g*32 + i*4 + k] = q_i[4g+k]          g < 8, i < 8, k < 4
//	Q4_0: qs(b)[p*32 + i*4 + k] = qs_i[4p+k]         p < 4, i < 8, k < 4
//
// where q_i / qs_i are row i's GGUF block bytes. For Q4_0 the low nibbles of
// vector p are columns 4p..4p+3 and the high nibbles columns 16+4p..16+4p+3.

// PackedQ8Size returns the bytes of a packed rows×cols Q8_0 matrix.
func PackedQ8Size(rows, cols int) int { return (rows + 7) / 8 * (cols / QK) * q8Packed }

// PackedQ4Size returns the bytes of a packed rows×cols Q4_0 matrix.
func PackedQ4Size(rows, cols int) int { return (rows + 7) / 8 * (cols / QK) * q4Packed }

// PackedRowBlockQ8 returns the bytes of one packed 8-row block of cols columns.
func PackedRowBlockQ8(cols int) int { return cols / QK * q8Packed }

// PackedRowBlockQ4 returns the bytes of one packed 8-row block of cols columns.
func PackedRowBlockQ4(cols int) int { return cols / QK * q4Packed }

func checkPack(name string, ldst, lsrc, rows, cols, blockBytes, packed int) {
	switch {
	case rows < 0 || cols < 0 || cols%QK != 0:
		panic(fmt.Sprintf("asm: %s: bad shape %d×%d (cols must be a multiple of 32)", name, rows, cols))
	case lsrc < rows*cols/QK*blockBytes:
		panic(fmt.Sprintf("asm: %s: len(src) = %d < %d", name, lsrc, rows*cols/QK*blockBytes))
	case ldst < packed:
		panic(fmt.Sprintf("asm: %s: len(dst) = %d < %d", name, ldst, packed))
	}
}

// PackQ8 repacks rows×cols GGUF Q8_0 blocks (rows consecutive, cols/32
// blocks each) into the interleaved layout; dst needs PackedQ8Size bytes.
func PackQ8(dst, src []byte, rows, cols int) {
	checkPack("PackQ8", len(dst), len(src), rows, cols, Q8BlockBytes, PackedQ8Size(rows, cols))
	nb := cols / QK
	rbBytes := nb * q8Packed
	clear(dst[:PackedQ8Size(rows, cols)])
	for r := range rows {
		rb, i := r/8, r%8
		base := rb * rbBytes
		for b := range nb {
			blk := src[(r*nb+b)*Q8BlockBytes:]
			copy(dst[base+nb*q8QS+b*16+i*2:], blk[:2])
			qs := dst[base+b*q8QS:]
			for g := range 8 {
				copy(qs[g*32+i*4:g*32+i*4+4], blk[2+4*g:])
			}
		}
	}
}

// PackQ4 repacks rows×cols GGUF Q4_0 blocks into the interleaved layout;
// dst needs PackedQ4Size bytes.
func PackQ4(dst, src []byte, rows, cols int) {
	checkPack("PackQ4", len(dst), len(src), rows, cols, Q4BlockBytes, PackedQ4Size(rows, cols))
	nb := cols / QK
	rbBytes := nb * q4Packed
	clear(dst[:PackedQ4Size(rows, cols)])
	for r := range rows {
		rb, i := r/8, r%8
		base := rb * rbBytes
		for b := range nb {
			blk := src[(r*nb+b)*Q4BlockBytes:]
			copy(dst[base+nb*q4QS+b*16+i*2:], blk[:2])
			qs := dst[base+b*q4QS:]
			for p := range 4 {
				copy(qs[p*32+i*4:p*32+i*4+4], blk[2+4*p:])
			}
		}
	}
}

// f16At reads the little-endian half-precision value at b[0:2].
func f16At(b []byte) float32 { return f16Table()[binary.LittleEndian.Uint16(b)] }
