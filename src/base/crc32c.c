/* crc32c.c - CRC-32C with the x86-64 crc32 instruction (SSE4.2), and the
 * choice, made once per process, between it and the portable tables of
 * crc32.c (crc32.h).
 *
 * One crc32 instruction takes 8 bytes but waits about 3 cycles for the one
 * before it, so a long buffer is cut into three consecutive stretches whose
 * CRCs run side by side. A CRC register is linear in its start value: the
 * register after stretch A then stretch B is the register after A shifted
 * over |B| zero bytes, xor the register after B started from zero. The shift
 * is a multiplication by x^(8 |B|) modulo the polynomial, done with four
 * tables made once for each of the two stretch lengths used.
 *
 * Polynomials are held reflected, as the CRC register holds them: bit i of a
 * 32-bit value is the coefficient of x^(31 - i). */
#include "hetsweep/crc32.h"

#include <pthread.h>
#include <string.h>

#include "hetsweep/testhooks.h"

#if defined(__x86_64__)

#include <nmmintrin.h>

#define CASTAGNOLI 0x82F63B78u /* x^32 + ... reflected, without its x^32 */
#define ONE 0x80000000u        /* the polynomial 1, reflected */

/* ---- arithmetic modulo the polynomial --------------------------------------- */

static uint32_t times_x(uint32_t a)
{
    return a & 1 ? (a >> 1) ^ CASTAGNOLI : a >> 1;
}

/* a(x) b(x) mod P(x). */
static uint32_t multiply(uint32_t a, uint32_t b)
{
    uint32_t product = 0, term = b; /* term = b x^k, for the coefficient of x^k in a */
    for (int k = 0; k < 32; k++, term = times_x(term))
        if (a & (ONE >> k))
            product ^= term;
    return product;
}

/* x^n mod P(x), by squaring. */
static uint32_t x_to_the(unsigned long long n)
{
    uint32_t result = ONE, square = ONE >> 1; /* 1 and x */
    for (; n; n >>= 1, square = multiply(square, square))
        if (n & 1)
            result = multiply(result, square);
    return result;
}

/* What carries a CRC register over a fixed number of zero bytes: the
 * register is the xor of its four bytes, each looked up shifted. */
typedef struct {
    uint32_t byte[4][256];
} zero_shift;

static void make_zero_shift(zero_shift *shift, size_t zero_bytes)
{
    uint32_t factor = x_to_the(8ull * zero_bytes);
    for (int k = 0; k < 4; k++)
        for (uint32_t v = 0; v < 256; v++)
            shift->byte[k][v] = multiply(v << (8 * k), factor);
}

static uint32_t shifted(const zero_shift *shift, uint32_t state)
{
    return shift->byte[0][state & 0xFF] ^ shift->byte[1][(state >> 8) & 0xFF] ^
           shift->byte[2][(state >> 16) & 0xFF] ^ shift->byte[3][state >> 24];
}

/* ---- the crc32 instruction ----------------------------------------------------- */

/* Bytes per stretch of the three streams: long ones while the data lasts,
 * then short ones, then one stream for the rest (under 3 * SHORT_STRETCH). */
#define LONG_STRETCH 8192
#define SHORT_STRETCH 256

static zero_shift over_long, over_short;

static uint64_t word_at(const unsigned char *p)
{
    uint64_t word;
    memcpy(&word, p, sizeof word);
    return word;
}

/* One stream over length bytes. */
__attribute__((target("sse4.2"))) static uint32_t one_stream(uint32_t state,
                                                            const unsigned char *p,
                                                            size_t length)
{
    uint64_t wide = state;
    for (; length >= 8; p += 8, length -= 8)
        wide = _mm_crc32_u64(wide, word_at(p));
    state = (uint32_t)wide;
    for (; length; p++, length--)
        state = _mm_crc32_u8(state, *p);
    return state;
}

/* Three streams over three consecutive stretches of `stretch` bytes (a
 * multiple of 8), joined. */
__attribute__((target("sse4.2"))) static uint32_t three_streams(uint32_t state,
                                                               const unsigned char *p,
                                                               size_t stretch,
                                                               const zero_shift *over)
{
    uint64_t a = state, b = 0, c = 0;
    const unsigned char *second = p + stretch, *third = p + 2 * stretch;
    for (size_t i = 0; i < stretch; i += 8) {
        a = _mm_crc32_u64(a, word_at(p + i));
        b = _mm_crc32_u64(b, word_at(second + i));
        c = _mm_crc32_u64(c, word_at(third + i));
    }
    return shifted(over, shifted(over, (uint32_t)a) ^ (uint32_t)b) ^ (uint32_t)c;
}

/* The register (not inverted) after length bytes from state. */
static uint32_t crc32c_register(uint32_t state, const unsigned char *p, size_t length)
{
    if (length == 0)
        return state; /* p may be NULL */
    size_t to_word = (size_t)(-(uintptr_t)p & 7);
    if (to_word > length)
        to_word = length;
    state = one_stream(state, p, to_word); /* aligned 8-byte reads from here */
    p += to_word;
    length -= to_word;
    for (; length >= 3 * LONG_STRETCH; p += 3 * LONG_STRETCH, length -= 3 * LONG_STRETCH)
        state = three_streams(state, p, LONG_STRETCH, &over_long);
    for (; length >= 3 * SHORT_STRETCH; p += 3 * SHORT_STRETCH, length -= 3 * SHORT_STRETCH)
        state = three_streams(state, p, SHORT_STRETCH, &over_short);
    return one_stream(state, p, length);
}

static uint32_t crc32c_hardware(uint32_t crc, const void *data, size_t length)
{
    return ~crc32c_register(~crc, data, length);
}

/* Whether to use the instruction: the CPU has it and no test hook says no.
 * Makes the shift tables if so. */
static int hardware_chosen(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("sse4.2") || hs_hook_crc32c_portable())
        return 0;
    make_zero_shift(&over_long, LONG_STRETCH);
    make_zero_shift(&over_short, SHORT_STRETCH);
    return 1;
}

#else /* no crc32 instruction outside x86-64: the tables alone */

static uint32_t crc32c_hardware(uint32_t crc, const void *data, size_t length)
{
    return hs_crc32c_portable(crc, data, length);
}

static int hardware_chosen(void)
{
    return 0;
}

#endif

/* ---- the choice ----------------------------------------------------------------- */

static pthread_once_t choice_once = PTHREAD_ONCE_INIT;
static int use_hardware;

static void choose(void)
{
    use_hardware = hardware_chosen();
}

uint32_t hs_crc32c(uint32_t crc, const void *data, size_t length)
{
    pthread_once(&choice_once, choose);
    return use_hardware ? crc32c_hardware(crc, data, length)
                        : hs_crc32c_portable(crc, data, length);
}

int hs_crc32c_uses_hardware(void)
{
    pthread_once(&choice_once, choose);
    return use_hardware;
}
