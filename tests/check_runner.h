/* check_runner.h - the one main() of the Check unit tests.
 *
 * Each tests/test_<module>.c defines hs_test_suite() and is linked with
 * tests/check_runner.c, whose main() runs that suite and exits 0 when every
 * test passed, 1 otherwise. CK_VERBOSITY (silent, minimal, normal, verbose)
 * sets how much Check prints; normal when unset. */
#ifndef HETSWEEP_CHECK_RUNNER_H
#define HETSWEEP_CHECK_RUNNER_H

#include <check.h>

/* The suite of the module this test program covers. */
Suite *hs_test_suite(void);

/* The program's first command-line argument (tests/meson.build passes the
 * source root to the tests that read job files), or NULL. */
const char *hs_test_argument(void);

#endif
