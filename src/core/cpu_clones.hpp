#pragma once
// USDCOP_CPU_CLONES: compile a hot kernel as AVX-512 / AVX2 / baseline clones, picked at load
// time (the build targets baseline x86-64). Under ThreadSanitizer (the tsan preset) it is
// empty: the ifunc resolver GCC generates for the clones is instrumented too and runs during
// relocation, before the sanitizer's runtime is initialized, which crashes every binary at
// load. The tsan build runs the baseline code only.
#if defined(__SANITIZE_THREAD__)
#define USDCOP_CPU_CLONES
#else
#define USDCOP_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
