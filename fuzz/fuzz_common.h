/*
 * fuzz_common: what every fuzz target shares (STYLE.md section 12).
 *
 * FUZZ_CHECK aborts on a broken invariant, so libFuzzer records the input
 * as a crash; the replay driver (replay_main.c) fails the same way.
 */
#ifndef OWMI_FUZZ_COMMON_H
#define OWMI_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(x)            \
	do {                     \
		if (!(x)) {      \
			abort(); \
		}                \
	} while (0)

#endif
