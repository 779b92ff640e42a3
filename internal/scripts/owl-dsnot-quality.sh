#!/usr/bin/env bash
# OWL and DSnoT on the real trained models in testdata: held-out TinyStories
# perplexity (first 500 stories of the validation sample) after calibrating
# on the other 500 (64 windows of each model's training context), for
# magnitude, Wanda and SparseGPT bases alone, with DSnoT, with OWL, and with
# both. Prints a Markdown table; every prune/perplexity command is echoed to
# stderr.
#
#   internal/scripts/owl-dsnot-quality.sh [SPARSITY ...]     (default: 0.5 0.6 0.7)
#
# METHODS (default "magnitude wanda sparsegpt"), VARIANTS (default "base
# dsnot owl owl+dsnot"; also dsnot-attn, dsnot-ref), MODELS (default "stories260K BabyLlama") and
# EXTRA (extra flags for every prune) narrow or change the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-$(mktemp -d)}
sparsities=("${@:-0.5 0.6 0.7}")
read -r -a sparsities <<< "${sparsities[*]}"
read -r -a methods <<< "${METHODS:-magnitude wanda sparsegpt}"
read -r -a variants <<< "${VARIANTS:-base dsnot owl owl+dsnot}"
read -r -a models <<< "${MODELS:-stories260K BabyLlama}"
go build -o "$out/sieve" ./cmd/sieve
S="$out/sieve"
run() { echo "+ $*" >&2; "$@"; }
run "$S" convert testdata/models/model5000.bin --tokenizer testdata/models/tok105.bin -o "$out/babyllama.gguf" --force 2>/dev/null
declare -A model=([stories260K]=testdata/models/stories260K.gguf [BabyLlama]="$out/babyllama.gguf")
declare -A ctx=([stories260K]=512 [BabyLlama]=256)
calib=testdata/eval/tinystories_calib500.txt
eval=testdata/eval/tinystories_eval500.txt
ppl() { run "$S" perplexity "$1" --file "$eval" --ctx "$2" --threads 1 --sparse dense 2>/dev/null | sed -n 's/^Final estimate: PPL = \([0-9.]*\).*/\1/p'; }
printf '| model | sparsity | method |'
for v in "${variants[@]}"; do printf ' %s |' "$v"; done
printf '\n| --- | --- | --- |'
for v in "${variants[@]}"; do printf ' ---: |'; done
printf '\n'
for name in "${models[@]}"; do
  m=${model[$name]}; c=${ctx[$name]}
  for s in "${sparsities[@]}"; do
    for method in "${methods[@]}"; do
      printf '| %s | %s | %s |' "$name" "$s" "$method"
      for v in "${variants[@]}"; do
        flags=()
        case $v in
          base) ;;
          dsnot) flags=(--dsnot) ;;
          owl) flags=(--owl) ;;
          owl+dsnot) flags=(--owl --dsnot) ;;
          dsnot-attn) flags=(--dsnot --dsnot-skip=mlp) ;;   # the reference's default sublayers
          dsnot-ref) flags=(--dsnot-reference --dsnot-skip=mlp) ;;  # the reference's loop and defaults
          *) echo "unknown variant $v" >&2; exit 2 ;;
        esac
        p="$out/$name-$method-$s-${v//[^a-z0-9]/_}.gguf"
        rm -f "$p"
        run "$S" prune "$m" -o "$p" --force --method "$method" --sparsity "$s" "${flags[@]}" --calib "$calib" --nsamples 64 --seqlen "$c" --type F32 --threads 1 ${EXTRA:-} >/dev/null 2>"$p.log" || { echo "prune failed: $(tail -1 "$p.log")" >&2; exit 1; }
        printf ' %s |' "$(ppl "$p" "$c")"
      done
      printf '\n'
    done
  done
done
