/* test_mpistart.c - Check tests of mpistart.h: Open MPI's ob1 layer is asked
 * for only where every rank is on this node and the user chose no layer. */
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "hetsweep/mpistart.h"

/* The launch environment of a case: NULL leaves a variable unset. */
static void launched(const char *pml, const char *size, const char *local, const char *pmix)
{
    const char *names[4] = {"OMPI_MCA_pml", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE",
                            "PMIX_RANK"};
    const char *values[4] = {pml, size, local, pmix};
    for (int i = 0; i < 4; i++) {
        if (values[i])
            setenv(names[i], values[i], 1);
        else
            unsetenv(names[i]);
    }
}

static const char *pml_after(void)
{
    const char *pml = getenv("OMPI_MCA_pml");
    return pml ? pml : "(unset)";
}

START_TEST(alone_without_mpirun_takes_ob1)
{
    launched(NULL, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(hs_mpi_choose_pml(), "ob1"));
    ck_assert_str_eq(pml_after(), "ob1");
}
END_TEST

START_TEST(mpirun_on_one_node_takes_ob1)
{
    launched(NULL, "3", "3", "1");
    ck_assert_ptr_nonnull(strstr(hs_mpi_choose_pml(), "every rank on this node"));
    ck_assert_str_eq(pml_after(), "ob1");
}
END_TEST

START_TEST(mpirun_across_nodes_keeps_open_mpis_choice)
{
    launched(NULL, "4", "2", "1");
    ck_assert_ptr_nonnull(strstr(hs_mpi_choose_pml(), "several nodes"));
    ck_assert_str_eq(pml_after(), "(unset)");
}
END_TEST

START_TEST(a_pmix_launcher_keeps_open_mpis_choice)
{
    launched(NULL, NULL, NULL, "0"); /* srun --mpi=pmix: no OMPI_COMM_WORLD_* */
    hs_mpi_choose_pml();
    ck_assert_str_eq(pml_after(), "(unset)");
}
END_TEST

START_TEST(the_users_choice_stands)
{
    launched("ucx", "2", "2", "0");
    ck_assert_ptr_nonnull(strstr(hs_mpi_choose_pml(), "OMPI_MCA_pml"));
    ck_assert_str_eq(pml_after(), "ucx");
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("mpistart");
    TCase *tc = tcase_create("mpistart");
    tcase_add_test(tc, alone_without_mpirun_takes_ob1);
    tcase_add_test(tc, mpirun_on_one_node_takes_ob1);
    tcase_add_test(tc, mpirun_across_nodes_keeps_open_mpis_choice);
    tcase_add_test(tc, a_pmix_launcher_keeps_open_mpis_choice);
    tcase_add_test(tc, the_users_choice_stands);
    suite_add_tcase(s, tc);
    return s;
}
