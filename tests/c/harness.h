/* SPDX-License-Identifier: Apache-2.0 */
/* A tiny test harness: CHECK macros that count and report, RUN() per test
 * function, and a summary whose exit status CI reads. */
#ifndef MDSA_TEST_HARNESS_H
#define MDSA_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

__attribute__((unused)) static int h_failed, h_checks, h_tests, h_tests_failed;
__attribute__((unused)) static const char *h_test = "?";

#define CHECK(c)                                                                       \
    do {                                                                               \
        h_checks++;                                                                    \
        if (!(c)) {                                                                    \
            h_failed++;                                                                \
            fprintf(stderr, "%s:%d: [%s] CHECK(%s) failed\n", __FILE__, __LINE__, h_test, \
                    #c);                                                               \
        }                                                                              \
    } while (0)

#define CHECK_EQ(a, b)                                                                  \
    do {                                                                                \
        unsigned long long h_a = (unsigned long long)(a), h_b = (unsigned long long)(b); \
        h_checks++;                                                                     \
        if (h_a != h_b) {                                                               \
            h_failed++;                                                                 \
            fprintf(stderr, "%s:%d: [%s] %s == %s failed: 0x%llx (%llu) != 0x%llx (%llu)\n", \
                    __FILE__, __LINE__, h_test, #a, #b, h_a, h_a, h_b, h_b);            \
        }                                                                               \
    } while (0)

#define CHECK_STR_CONTAINS(s, sub)                                                      \
    do {                                                                                \
        const char *h_s = (s);                                                          \
        h_checks++;                                                                     \
        if (!h_s || !strstr(h_s, (sub))) {                                              \
            h_failed++;                                                                 \
            fprintf(stderr, "%s:%d: [%s] '%s' does not contain '%s'\n", __FILE__, __LINE__, \
                    h_test, h_s ? h_s : "(null)", (sub));                               \
        }                                                                               \
    } while (0)

#define RUN(fn)                                                                         \
    do {                                                                                \
        int h_f0 = h_failed;                                                            \
        h_test = #fn;                                                                   \
        h_tests++;                                                                      \
        fn();                                                                           \
        if (h_failed != h_f0)                                                           \
            h_tests_failed++;                                                           \
        printf("%s %s\n", h_failed == h_f0 ? "ok  " : "FAIL", #fn);                     \
        fflush(stdout);                                                                 \
    } while (0)

static inline int h_summary(const char *file)
{
    printf("%s: %d tests, %d checks, %d failed checks, %d failed tests\n", file, h_tests,
           h_checks, h_failed, h_tests_failed);
    return h_failed ? 1 : 0;
}

#endif
