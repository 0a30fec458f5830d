/* The pluggable signer: a vtable plus its implementation, owned together. */
#include "kinesis/signer.h"

#include "internal.h"

struct kinesis_signer {
    kinesis_signer_vtable vtable; /* copied, so the caller's table need not outlive us */
    void *impl;
    const kinesis_allocator *allocator;
};

kinesis_signer *kinesis_signer_new(const kinesis_signer_vtable *vtable, void *impl,
                                   const kinesis_allocator *allocator) {
    if (!vtable || !vtable->sign) return NULL;
    kinesis_signer *s = kinesis_mem_alloc(allocator, sizeof(*s));
    if (!s) return NULL;
    s->vtable = *vtable;
    s->impl = impl;
    s->allocator = allocator;
    return s;
}

kinesis_status kinesis_signer_sign(kinesis_signer *signer, const kinesis_signable *req,
                                   const kinesis_signing_params *params,
                                   kinesis_signing_result *out) {
    if (!out) return KINESIS_E_INVALID_ARGUMENT;
    out->header_count = 0;
    if (!signer || !req || !params) return KINESIS_E_INVALID_ARGUMENT;
    kinesis_status st = signer->vtable.sign(signer->impl, req, params, out);
    if (st != KINESIS_OK) out->header_count = 0;
    return st;
}

void kinesis_signer_destroy(kinesis_signer *signer) {
    if (!signer) return;
    if (signer->vtable.destroy) signer->vtable.destroy(signer->impl);
    kinesis_mem_free(signer->allocator, signer);
}
