/* testhooks.c - the environment hooks only the tests use (testhooks.h): crash
 * and failure points, the batch cap, the item order, no sharing of cv = 0,
 * the portable CRC-32C, no raw chunk writes.
 * Every getenv of a test hook is here; without HS_TEST_HOOKS (meson
 * -Dtest_hooks=false) none is read. */
#include "hetsweep/testhooks.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The hook's value; NULL when it is unset or the hooks are not built in. */
static const char *hook(const char *variable)
{
#ifdef HS_TEST_HOOKS
    return getenv(variable);
#else
    (void)variable;
    return NULL;
#endif
}

/* For a spec "<point>:<n>" naming point `name`, the text of <n>; else NULL. */
static const char *point_argument(const char *spec, const char *name)
{
    if (!spec)
        return NULL;
    size_t length = strlen(name);
    if (strncmp(spec, name, length) != 0 || spec[length] != ':')
        return NULL;
    return spec + length + 1;
}

void hs_crash_point(const char *name)
{
    static int passes;
    const char *count = point_argument(hook("HETSWEEP_CRASH_AT"), name);
    if (count && ++passes == atoi(count))
        kill(getpid(), SIGKILL);
}

int hs_crash_point_armed(const char *name)
{
    return point_argument(hook("HETSWEEP_CRASH_AT"), name) != NULL;
}

int hs_fail_point(const char *name, int rank)
{
    const char *failing = point_argument(hook("HETSWEEP_FAIL_AT"), name);
    return failing && atoi(failing) == rank;
}

long hs_hook_max_batch(long otherwise)
{
    const char *cap = hook("HETSWEEP_MAX_BATCH");
    return cap ? strtol(cap, NULL, 10) : otherwise;
}

int hs_hook_reverse_items(void)
{
    const char *order = hook("HETSWEEP_ITEM_ORDER");
    return order && strcmp(order, "reverse") == 0;
}

int hs_hook_no_share(void)
{
    const char *no_share = hook("HETSWEEP_NO_SHARE");
    return no_share && strcmp(no_share, "1") == 0;
}

int hs_hook_no_exchange(void)
{
    const char *no_exchange = hook("HETSWEEP_NO_EXCHANGE");
    return no_exchange && strcmp(no_exchange, "1") == 0;
}

int hs_hook_no_raw_chunks(void)
{
    const char *no_raw = hook("HETSWEEP_NO_RAW_CHUNKS");
    return no_raw && strcmp(no_raw, "1") == 0;
}

int hs_hook_checkpoint_each_item(void)
{
    const char *each = hook("HETSWEEP_CHECKPOINT_EACH_ITEM");
    return each && strcmp(each, "1") == 0;
}

int hs_hook_verify_shadow(void)
{
    const char *verify = hook("HETSWEEP_VERIFY_SHADOW");
    return verify && strcmp(verify, "1") == 0;
}

int hs_hook_crc32c_portable(void)
{
    const char *crc32c = hook("HETSWEEP_CRC32C");
    return crc32c && strcmp(crc32c, "portable") == 0;
}
