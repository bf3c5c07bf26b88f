/* check_runner.c - main() of every Check unit-test program: runs the suite the
 * program's test file declares (check_runner.h) and turns the failures into the
 * exit status meson test reads. */
#include "check_runner.h"

#include <stdlib.h>

static const char *first_argument;

const char *hs_test_argument(void)
{
    return first_argument;
}

int main(int argc, char **argv)
{
    first_argument = argc > 1 ? argv[1] : NULL;
    SRunner *runner = srunner_create(hs_test_suite());
    srunner_run_all(runner, CK_ENV);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
