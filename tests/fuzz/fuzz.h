/*
 * Copyright (c) 2026 The wgmond developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

/*
 * fuzz_log.c replaces common/log.c's fatal() and fatalx(), which end the
 * daemon on purpose for some inputs (docs/DESIGN.md §7.6): with fuzz_fatal_jmp
 * armed they jump back to the target, which counts the input as refused;
 * unarmed, they abort, and libFuzzer reports the input.
 */
extern jmp_buf	*fuzz_fatal_jmp;
extern int	 fuzz_fatals;

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#endif /* FUZZ_H */
