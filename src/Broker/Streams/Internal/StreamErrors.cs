namespace Broker.Streams.Internal;

/// <summary>Kinesis's exceptions with its messages (as kinesis.md quotes them), naming what to fix.</summary>
internal static class StreamErrors
{
    public static BrokerException Invalid(string message) => new(BrokerErrorCodes.InvalidArgumentException, message);

    public static BrokerException Validation(string message) => new(BrokerErrorCodes.ValidationException, message);

    public static BrokerException InUse(string message) => new(BrokerErrorCodes.ResourceInUseException, message);

    public static BrokerException Limit(string message) => new(BrokerErrorCodes.LimitExceededException, message);

    public static BrokerException StreamNotFound(string name, string account) =>
        new(BrokerErrorCodes.ResourceNotFoundException, $"Stream {name} under account {account} not found.");

    public static BrokerException ShardNotFound(string shardId, string stream, string account) =>
        new(BrokerErrorCodes.ResourceNotFoundException, $"Shard {shardId} in stream {stream} under account {account} does not exist");

    public static BrokerException ShardClosed(string shardId, string stream, string account) =>
        InUse($"Shard {shardId} in stream {stream} under account {account} has already been merged or split, and thus is not eligible for merging or splitting.");

    public static BrokerException ConsumerNotFound(string consumer, string streamArn) =>
        new(BrokerErrorCodes.ResourceNotFoundException, $"Consumer {consumer} under stream {streamArn} not found. Register it with RegisterConsumer first.");

    public static BrokerException ExpiredIterator() =>
        new(BrokerErrorCodes.ExpiredIteratorException, "The provided iterator exceeds the maximum age allowed. Iterators are valid for 5 minutes; get a new one with GetShardIterator.");

    public static string ThroughputMessage(string shardId, string stream, string account) =>
        $"Rate exceeded for shard {shardId} in stream {stream} under account {account}.";

    public static BrokerException Throughput(string shardId, string stream, string account) =>
        new(BrokerErrorCodes.ProvisionedThroughputExceededException, ThroughputMessage(shardId, stream, account));

    public static BrokerException Retention(TimeSpan requested, TimeSpan current, bool increasing)
    {
        var hours = (long)requested.TotalHours;
        var now = (long)current.TotalHours;
        return Invalid(increasing
            ? $"Requested retention period ({hours} hours) for stream can not be shorter than existing retention period ({now} hours). Use DecreaseRetentionPeriod API."
            : $"Requested retention period ({hours} hours) for stream can not be longer than existing retention period ({now} hours). Use IncreaseRetentionPeriod API.");
    }

    public static void CheckRetentionRange(TimeSpan period)
    {
        if (period < StreamDefaults.MinRetentionPeriod || period > StreamDefaults.MaxRetentionPeriod || period.Ticks % TimeSpan.TicksPerHour != 0)
        {
            throw Invalid($"Minimum allowed retention period is 24 hours. Maximum allowed retention period is 8760 hours. Requested retention period ({period.TotalHours} hours) must be a whole number of hours in that range.");
        }
    }

    public static void CheckMaxRecordSize(int kib)
    {
        if (kib is < StreamDefaults.MaxRecordSizeInKiB or > StreamDefaults.MaxRecordSizeLimitInKiB)
        {
            throw Validation($"1 validation error detected: Value '{kib}' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value between 1024 and 10240.");
        }
    }
}
