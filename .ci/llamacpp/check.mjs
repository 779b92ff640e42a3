// llama.cpp, through node-llama-cpp's prebuilt CPU library, as a reference
// for sieve's tests. Every mode prints one JSON object on stdout.
//
//   node check.mjs generate MODEL N            greedy N tokens after BOS
//   node check.mjs logprobs MODEL ID...        full next-token log-probabilities after the ids
//   node check.mjs tokenize MODEL TEXT         token ids of TEXT (no BOS, special tokens parsed)
//   node check.mjs info MODEL                  vocabulary size, BOS/EOS, context length
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const [mode, modelPath, ...rest] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath});
const out = {};
if (mode === "generate") {
  const n = Number(rest[0] ?? 16);
  const ctx = await model.createContext({contextSize: Math.min(512, model.trainContextSize), threads: 1});
  const seq = ctx.getSequence();
  out.tokens = [];
  for await (const t of seq.evaluate([model.tokens.bos], {temperature: 0, repeatPenalty: false})) {
    out.tokens.push(t);
    if (out.tokens.length >= n) break;
  }
} else if (mode === "logprobs") {
  const ids = rest.map(Number);
  const ctx = await model.createContext({contextSize: Math.max(64, ids.length + 8), threads: 1});
  const seq = ctx.getSequence();
  const it = seq.evaluateWithMetadata(ids, {probabilities: true}, {temperature: 1, topK: 0, topP: 1, minP: 0});
  for await (const r of it) {
    const lp = new Array(model.tokens.vocabSize ?? r.probabilities.size).fill(null);
    for (const [k, v] of r.probabilities) lp[k] = Math.log(v);
    out.logprobs = lp;
    break;
  }
} else if (mode === "tokenize") {
  out.tokens = Array.from(model.tokenize(rest.join(" "), true));
} else if (mode === "info") {
  out.bos = model.tokens.bos;
  out.eos = model.tokens.eos;
  out.trainContextSize = model.trainContextSize;
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
// Exit only once the (possibly large) output has reached the pipe.
process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(0));
