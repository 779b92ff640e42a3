/*
 * llbench: times llama.cpp's prompt processing (ppN) and generation (tgN)
 * like llama-bench, linked against node-llama-cpp's prebuilt CPU library,
 * so sieve can be measured against llama.cpp on the same GGUF.
 *
 *   llbench MODEL THREADS PP TG REPS
 *
 * prints one JSON object per repetition: {"pp": tok/s, "tg": tok/s}.
 * LLAMA_LIBDIR must name the directory of the prebuilt libraries (the CPU
 * backend variants are loaded from there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "llama.h"
#include "ggml-backend.h"

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void quiet(enum ggml_log_level level, const char *text, void *user) {
	(void)user;
	if (level >= GGML_LOG_LEVEL_WARN || getenv("LLBENCH_LOG")) fputs(text, stderr);
}

int main(int argc, char **argv) {
	if (argc != 6) {
		fprintf(stderr, "usage: llbench MODEL THREADS PP TG REPS\n");
		return 2;
	}
	const char *path = argv[1];
	int threads = atoi(argv[2]), pp = atoi(argv[3]), tg = atoi(argv[4]), reps = atoi(argv[5]);
	const char *libdir = getenv("LLAMA_LIBDIR");
	llama_log_set(quiet, NULL);
	if (libdir) ggml_backend_load_all_from_path(libdir);
	llama_backend_init();

	struct llama_model_params mp = llama_model_default_params();
	mp.n_gpu_layers = 0;
	struct llama_model *model = llama_model_load_from_file(path, mp);
	if (!model) {
		fprintf(stderr, "llbench: cannot load %s\n", path);
		return 1;
	}
	struct llama_context_params cp = llama_context_default_params();
	int n = pp > tg ? pp : tg;
	cp.n_ctx = n + 16;
	cp.n_batch = pp > 0 ? pp : 1;
	cp.n_ubatch = cp.n_batch;
	cp.n_threads = threads;
	cp.n_threads_batch = threads;
	struct llama_context *ctx = llama_init_from_model(model, cp);
	if (!ctx) {
		fprintf(stderr, "llbench: cannot create a context\n");
		return 1;
	}
	const struct llama_vocab *vocab = llama_model_get_vocab(model);
	int n_vocab = llama_vocab_n_tokens(vocab);
	llama_token *toks = malloc(sizeof(llama_token) * (n > 0 ? n : 1));
	srand(1);
	for (int i = 0; i < n; i++) toks[i] = rand() % n_vocab;

	for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
		double pps = 0, tgs = 0;
		if (pp > 0) {
			llama_memory_clear(llama_get_memory(ctx), true);
			double t0 = now();
			if (llama_decode(ctx, llama_batch_get_one(toks, pp))) return 1;
			llama_synchronize(ctx);
			pps = pp / (now() - t0);
		}
		if (tg > 0) {
			llama_memory_clear(llama_get_memory(ctx), true);
			double t0 = now();
			for (int i = 0; i < tg; i++) {
				if (llama_decode(ctx, llama_batch_get_one(&toks[i], 1))) return 1;
				llama_synchronize(ctx);
			}
			tgs = tg / (now() - t0);
		}
		if (r >= 0) {
			printf("{\"pp\": %.4f, \"tg\": %.4f}\n", pps, tgs);
			fflush(stdout);
		}
	}
	free(toks);
	llama_free(ctx);
	llama_model_free(model);
	return 0;
}
