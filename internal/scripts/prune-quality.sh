#!/usr/bin/env bash
# Pruning quality on the real trained models in testdata: perplexity on
# held-out TinyStories text (the first 500 stories of the validation sample)
# after calibrating on the other 500, for each method at 50% unstructured and
# 2:4. Prints a Markdown table; every number comes from the commands echoed
# to stderr.
#
#   internal/scripts/prune-quality.sh [SPARSITIES...]      (default: 0.5)
#
# Extra arguments to every prune run can go in PRUNE_ARGS.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-$(mktemp -d)}
sparsities=("${@:-0.5}")
go build -o "$out/sieve" ./cmd/sieve
S="$out/sieve"
run() { echo "+ $*" >&2; "$@"; }
run "$S" convert testdata/models/model5000.bin --tokenizer testdata/models/tok105.bin -o "$out/babyllama.gguf" --force 2>/dev/null
declare -A model=([stories260K]=testdata/models/stories260K.gguf [BabyLlama]="$out/babyllama.gguf")
declare -A ctx=([stories260K]=512 [BabyLlama]=256)
calib=testdata/eval/tinystories_calib500.txt
eval=testdata/eval/tinystories_eval500.txt
ppl() { run "$S" perplexity "$1" --file "$eval" --ctx "$2" --sparse dense 2>/dev/null | sed -n 's/^Final estimate: PPL = \([0-9.]*\).*/\1/p'; }
echo "| model | target | method | PPL |"
echo "| --- | --- | --- | ---: |"
for name in stories260K BabyLlama; do
  m=${model[$name]}; c=${ctx[$name]}
  echo "| $name | dense | - | $(ppl "$m" "$c") |"
  targets=()
  for s in "${sparsities[@]}"; do targets+=("--sparsity=$s"); done
  targets+=("--nm=2:4")
  for t in "${targets[@]}"; do
    for method in magnitude wanda sparsegpt; do
      p="$out/$name-$method-${t#--*=}.gguf"
      run "$S" prune "$m" -o "$p" --force --method "$method" "$t" --calib "$calib" --nsamples 64 --seqlen "$c" --type F32 ${PRUNE_ARGS:-} >/dev/null 2>&1
      echo "| $name | ${t#--*=} | $method | $(ppl "$p" "$c") |"
    done
  done
done
