/* crashpoint.c - SIGKILL or a failure at a named point, for fault-injection tests. */
#include "hetsweep/crashpoint.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hs_crash_point(const char *name)
{
    static int passes;
    const char *spec = getenv("HETSWEEP_CRASH_AT");
    if (!spec)
        return;
    size_t length = strlen(name);
    if (strncmp(spec, name, length) != 0 || spec[length] != ':')
        return;
    if (++passes == atoi(spec + length + 1))
        kill(getpid(), SIGKILL);
}

int hs_fail_point(const char *name, int rank)
{
    const char *spec = getenv("HETSWEEP_FAIL_AT");
    if (!spec)
        return 0;
    size_t length = strlen(name);
    return strncmp(spec, name, length) == 0 && spec[length] == ':' &&
           atoi(spec + length + 1) == rank;
}
