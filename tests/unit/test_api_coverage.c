/* Every one of the 39 operations of the Kinesis 2013-12-02 API has a typed call: this table
 * takes the address of each (so a missing one does not compile or link) and checks it against
 * the operation list of the service model (botocore's service-2.json, 39 operations). */
#include "support.h"

#include <string.h>

#include "kinesis/kinesis.h"

static const struct {
    const char *operation;
    void (*fn)(void);
} typed_calls[] = {
    {"AddTagsToStream", (void (*)(void))kinesis_add_tags_to_stream},
    {"CreateStream", (void (*)(void))kinesis_create_stream},
    {"DecreaseStreamRetentionPeriod", (void (*)(void))kinesis_decrease_stream_retention_period},
    {"DeleteResourcePolicy", (void (*)(void))kinesis_delete_resource_policy},
    {"DeleteStream", (void (*)(void))kinesis_delete_stream},
    {"DeregisterStreamConsumer", (void (*)(void))kinesis_deregister_stream_consumer},
    {"DescribeAccountSettings", (void (*)(void))kinesis_describe_account_settings},
    {"DescribeLimits", (void (*)(void))kinesis_describe_limits},
    {"DescribeStream", (void (*)(void))kinesis_describe_stream},
    {"DescribeStreamConsumer", (void (*)(void))kinesis_describe_stream_consumer},
    {"DescribeStreamSummary", (void (*)(void))kinesis_describe_stream_summary},
    {"DisableEnhancedMonitoring", (void (*)(void))kinesis_disable_enhanced_monitoring},
    {"EnableEnhancedMonitoring", (void (*)(void))kinesis_enable_enhanced_monitoring},
    {"GetRecords", (void (*)(void))kinesis_get_records},
    {"GetResourcePolicy", (void (*)(void))kinesis_get_resource_policy},
    {"GetShardIterator", (void (*)(void))kinesis_get_shard_iterator},
    {"IncreaseStreamRetentionPeriod", (void (*)(void))kinesis_increase_stream_retention_period},
    {"ListShards", (void (*)(void))kinesis_list_shards},
    {"ListStreamConsumers", (void (*)(void))kinesis_list_stream_consumers},
    {"ListStreams", (void (*)(void))kinesis_list_streams},
    {"ListTagsForResource", (void (*)(void))kinesis_list_tags_for_resource},
    {"ListTagsForStream", (void (*)(void))kinesis_list_tags_for_stream},
    {"MergeShards", (void (*)(void))kinesis_merge_shards},
    {"PutRecord", (void (*)(void))kinesis_put_record},
    {"PutRecords", (void (*)(void))kinesis_put_records},
    {"PutResourcePolicy", (void (*)(void))kinesis_put_resource_policy},
    {"RegisterStreamConsumer", (void (*)(void))kinesis_register_stream_consumer},
    {"RemoveTagsFromStream", (void (*)(void))kinesis_remove_tags_from_stream},
    {"SplitShard", (void (*)(void))kinesis_split_shard},
    {"StartStreamEncryption", (void (*)(void))kinesis_start_stream_encryption},
    {"StopStreamEncryption", (void (*)(void))kinesis_stop_stream_encryption},
    {"SubscribeToShard", (void (*)(void))kinesis_subscribe_to_shard},
    {"TagResource", (void (*)(void))kinesis_tag_resource},
    {"UntagResource", (void (*)(void))kinesis_untag_resource},
    {"UpdateAccountSettings", (void (*)(void))kinesis_update_account_settings},
    {"UpdateMaxRecordSize", (void (*)(void))kinesis_update_max_record_size},
    {"UpdateShardCount", (void (*)(void))kinesis_update_shard_count},
    {"UpdateStreamMode", (void (*)(void))kinesis_update_stream_mode},
    {"UpdateStreamWarmThroughput", (void (*)(void))kinesis_update_stream_warm_throughput},
};

static void every_operation_has_a_typed_call(void **state) {
    (void)state;
    assert_int_equal(sizeof(typed_calls) / sizeof(*typed_calls), 39);
    for (size_t i = 0; i < 39; i++) {
        assert_non_null(typed_calls[i].fn);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(typed_calls[i].operation, typed_calls[j].operation);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_operation_has_a_typed_call)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
