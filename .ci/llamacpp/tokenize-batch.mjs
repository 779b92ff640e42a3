// llama.cpp's tokenizer on many strings at once, for sieve's tokenizer tests
// (runtime/tokenizer). Loading a model costs seconds, so the strings come
// together as JSON on stdin:
//
//   node tokenize-batch.mjs MODEL < {"texts": ["...", ...], "vocabSize": N}
//
// One JSON object goes to stdout: the vocabulary's BOS and EOS, whether it
// adds BOS, its end-of-generation ids (among the first vocabSize), and for
// each text the ids with special tokens parsed ("special") and not ("plain"),
// both without BOS, and llama_detokenize of the plain ids
// (remove_special=false, unparse_special=false).
import {readFileSync} from "node:fs";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const [modelPath] = process.argv.slice(2);
const {texts, vocabSize = 0} = JSON.parse(readFileSync(0, "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath});
const native = model._model; // the addon object: llama_tokenize without node-llama-cpp's workarounds
const out = {
  bos: model.tokens.bos ?? -1,
  eos: model.tokens.eos ?? -1,
  addBos: native.shouldPrependBosToken(),
  eog: [],
  results: [],
};
for (let id = 0; id < vocabSize; id++) {
  if (native.isEogToken(id)) out.eog.push(id);
}
for (const text of texts) {
  const plain = text === "" ? [] : Array.from(native.tokenize(text, false));
  const special = text === "" ? [] : Array.from(native.tokenize(text, true));
  const detok = plain.length === 0 ? "" : native.detokenize(Uint32Array.from(plain), false);
  out.results.push({plain, special, detok});
}
// Exit only once the output is flushed: a pipe takes large writes
// asynchronously, and llama.cpp's handles would keep node alive.
process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(0));
