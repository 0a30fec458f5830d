/* libFuzzer target: base64 on arbitrary bytes, the dispatched (AVX2 where available) path against
 * the portable one. Decoding the input as text must give the same status, length and bytes on
 * both paths, into an exact buffer (at a capacity up to 3 bytes short, picked by the first input
 * byte) and in place; encoding the input must give the same text, which decodes back to it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64_internal.h"
#include "kinesis/base64.h"

static void *dup_exact(const void *src, size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    if (n) memcpy(p, src, n);
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n) {
    if (n < 1) return 0;
    size_t short_by = in[0] % 4;
    in++;
    n--;
    char *text_a = dup_exact(in, n), *text_b = dup_exact(in, n);
    size_t need = 0;
    kinesis_base64_decode_scalar_(text_a, n, NULL, 0, &need);
    size_t cap = need >= short_by ? need - short_by : need;
    uint8_t *out_a = malloc(cap + 1), *out_b = malloc(cap + 1);
    size_t len_a = 7, len_b = 7;
    kinesis_status st_a = kinesis_base64_decode_scalar_(text_a, n, out_a, cap, &len_a);
    kinesis_status st_b = kinesis_base64_decode(text_b, n, out_b, cap, &len_b);
    if (st_a != st_b || len_a != len_b || (st_a == KINESIS_OK && memcmp(out_a, out_b, len_a)))
        abort();
    /* In place: the output overwrites the text it is decoded from. */
    st_a = kinesis_base64_decode_scalar_(text_a, n, (uint8_t *)text_a, n, &len_a);
    st_b = kinesis_base64_decode(text_b, n, (uint8_t *)text_b, n, &len_b);
    if (st_a != st_b || len_a != len_b || (st_a == KINESIS_OK && memcmp(text_a, text_b, len_a)))
        abort();
    size_t enc_len = KINESIS_BASE64_ENCODED_LEN(n);
    char *enc_a = malloc(enc_len + 1), *enc_b = malloc(enc_len + 1);
    uint8_t *back = malloc(n + 1);
    if (kinesis_base64_encode_scalar_(in, n, enc_a, enc_len, &len_a) != KINESIS_OK ||
        kinesis_base64_encode(in, n, enc_b, enc_len, &len_b) != KINESIS_OK || len_a != len_b ||
        memcmp(enc_a, enc_b, enc_len))
        abort();
    if (kinesis_base64_decode(enc_b, enc_len, back, n, &len_b) != KINESIS_OK || len_b != n ||
        (n && memcmp(back, in, n)))
        abort();
    free(text_a);
    free(text_b);
    free(out_a);
    free(out_b);
    free(enc_a);
    free(enc_b);
    free(back);
    return 0;
}
