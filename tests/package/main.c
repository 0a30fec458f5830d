/* Uses the installed headers and library: version, status names, base64, hash-key routing and
 * a client created against a closed loopback port (a clear error, no network). */
#include <stdio.h>
#include <string.h>

#include <kinesis/kinesis.h>

int main(void) {
    char b64[16];
    size_t n = 0;
    if (kinesis_base64_encode((const uint8_t *)"hi", 2, b64, sizeof(b64), &n) != KINESIS_OK ||
        n != 4 || memcmp(b64, "aGk=", 4) != 0)
        return 1;
    kinesis_hash_key k = kinesis_hash_key_of_partition_key(NULL, "a", 1);
    char dec[KINESIS_HASH_KEY_DECIMAL_MAX];
    kinesis_hash_key_format(k, dec);
    /* MD5("a") = 0cc175b9c0f1b6a831c399e269772661 */
    if (strcmp(dec, "16955237001963240173058271559858726497") != 0) return 2;
    kinesis_client_options o;
    kinesis_client_options_init(&o);
    o.region = "us-east-1";
    o.endpoint_url = "http://127.0.0.1:1";
    o.retry.max_attempts = 1;
    kinesis_credentials_provider *creds =
        kinesis_credentials_provider_new_static("AKID", "secret", NULL, NULL);
    o.credentials = creds;
    kinesis_client *c;
    kinesis_error err;
    if (kinesis_client_new(&o, &c, &err) != KINESIS_OK) return 3;
    kinesis_list_streams_result r;
    kinesis_status st = kinesis_list_streams(c, &r, &err);
    kinesis_client_destroy(c);
    kinesis_credentials_provider_destroy(creds);
    if (st != KINESIS_E_CONNECT) return 4;
    printf("libkinesis %s from the installed package: ok (%s)\n", kinesis_version(),
           kinesis_status_name(st));
    return 0;
}
