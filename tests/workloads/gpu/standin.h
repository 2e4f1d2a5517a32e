/*
 * What the stand-in accelerator libraries share: a known time per call and fake handles. The
 * libraries export the real libraries' symbols with the real prototypes (x86-64 SysV ABI), so the
 * agent's uprobes, argument decoding and name maps run against them exactly as against the vendor's.
 *
 * Times: synchronisations sleep GPU_STANDIN_SYNC_US (default 20000 µs); other calls return at once.
 */
#ifndef STANDIN_H
#define STANDIN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STANDIN_EXPORT __attribute__((visibility("default"), noinline))

/* Waits the synchronisation time, as a GPU that is still busy would keep the host thread. */
static void standin_wait_for_device(void)
{
	const char *text = getenv("GPU_STANDIN_SYNC_US");
	long us = text ? atol(text) : 20000;
	struct timespec t = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	while (us > 0 && nanosleep(&t, &t) != 0)
		;
}

/* A distinct fake handle or device address per call, never 0. */
static uint64_t standin_next_handle(void)
{
	static uint64_t next = 0x7e0000001000ULL;

	next += 0x1000;
	return next;
}

/* Keeps identical bodies apart: the compiler must not fold two API functions into one address. */
#define STANDIN_MARK(tag) __asm__ volatile("" ::"r"(tag))

#endif
