/* check_runner.c - main() of every Check unit-test program: runs the suite the
 * program's test file declares (check_runner.h) and turns the failures into the
 * exit status meson test reads. */
#include "check_runner.h"

#include <stdlib.h>

int main(void)
{
    SRunner *runner = srunner_create(hs_test_suite());
    srunner_run_all(runner, CK_ENV);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
