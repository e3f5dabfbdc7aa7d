namespace Broker;

/// <summary>
/// The error names carried by <see cref="BrokerException.ErrorCode"/>. They are Amazon's own names, so code that
/// handles an SQS error by name handles the broker's too.
/// </summary>
public static class BrokerErrorCodes
{
    /// <summary>The queue does not exist, or was deleted.</summary>
    public const string QueueDoesNotExist = "QueueDoesNotExist";

    /// <summary>A queue of that name exists with a different value for one of its attributes (AWS: <c>QueueNameExists</c> / <c>QueueAlreadyExists</c>).</summary>
    public const string QueueAlreadyExists = "QueueAlreadyExists";

    /// <summary>A queue of that name was deleted less than <see cref="BrokerOptions.QueueDeletionCooldown"/> ago.</summary>
    public const string QueueDeletedRecently = "QueueDeletedRecently";

    /// <summary>A second purge came within <see cref="BrokerOptions.PurgeCooldown"/> of the last one.</summary>
    public const string PurgeQueueInProgress = "PurgeQueueInProgress";

    /// <summary>The receipt handle is malformed, forged, or belongs to another queue.</summary>
    public const string ReceiptHandleIsInvalid = "ReceiptHandleIsInvalid";

    /// <summary>A parameter is out of range or malformed.</summary>
    public const string InvalidParameterValue = "InvalidParameterValue";

    /// <summary>A required parameter is missing (for example an empty message body).</summary>
    public const string MissingParameter = "MissingParameter";

    /// <summary>An attribute name is unknown, read-only, or not valid for this queue type.</summary>
    public const string InvalidAttributeName = "InvalidAttributeName";

    /// <summary>An attribute value is out of range or malformed.</summary>
    public const string InvalidAttributeValue = "InvalidAttributeValue";

    /// <summary>The message body contains a character SQS does not allow.</summary>
    public const string InvalidMessageContents = "InvalidMessageContents";

    /// <summary>Declared by SQS for a message that is not in flight; SQS (and the broker) answer such calls leniently instead.</summary>
    public const string MessageNotInflight = "MessageNotInflight";

    /// <summary>A limit was reached: the in-flight limit on a short poll, or a queue's depth or byte cap.</summary>
    public const string OverLimit = "OverLimit";

    /// <summary>A batch request had no entries.</summary>
    public const string EmptyBatchRequest = "EmptyBatchRequest";

    /// <summary>A batch request had more than 10 entries.</summary>
    public const string TooManyEntriesInBatchRequest = "TooManyEntriesInBatchRequest";

    /// <summary>Two entries of a batch request share an id.</summary>
    public const string BatchEntryIdsNotDistinct = "BatchEntryIdsNotDistinct";

    /// <summary>A batch entry id is empty, longer than 80 characters, or has characters other than letters, digits, '-' and '_'.</summary>
    public const string InvalidBatchEntryId = "InvalidBatchEntryId";

    /// <summary>A message move task, its source or its destination does not exist; Kinesis: the stream, shard or consumer does not exist.</summary>
    public const string ResourceNotFoundException = "ResourceNotFoundException";

    /// <summary>Kinesis: the resource is in use: a stream of that name exists, a stream being deleted has consumers, a
    /// shard to split or merge is already closed, a consumer name is taken, or a shard was subscribed to less than 5 seconds ago.</summary>
    public const string ResourceInUseException = "ResourceInUseException";

    /// <summary>Kinesis: an argument is invalid (a hash key, a sequence number, an iterator, a limit, a retention period, a
    /// split key, a non-adjacent merge); the message says which and why.</summary>
    public const string InvalidArgumentException = "InvalidArgumentException";

    /// <summary>Kinesis: a value breaks the API's constraints (for example a maximum record size outside 1,024 to 10,240 KiB, or a malformed name).</summary>
    public const string ValidationException = "ValidationException";

    /// <summary>Kinesis: a limit was reached (more than 10,000 open shards, more than 20 consumers, more than 10 scalings in 24 hours).</summary>
    public const string LimitExceededException = "LimitExceededException";

    /// <summary>Kinesis: a shard's provisioned throughput was exceeded (only with <see cref="Streams.StreamOptions.EnforceThroughputLimits"/>);
    /// also a per-entry error code in PutRecords. Retry later.</summary>
    public const string ProvisionedThroughputExceededException = "ProvisionedThroughputExceededException";

    /// <summary>Kinesis: a shard iterator is older than 5 minutes; get a new one with GetShardIterator.</summary>
    public const string ExpiredIteratorException = "ExpiredIteratorException";

    /// <summary>Kinesis: a ListShards <c>NextToken</c> older than 5 minutes.</summary>
    public const string ExpiredNextTokenException = "ExpiredNextTokenException";

    /// <summary>The operation is not possible in the resource's current state (for example a second move task on one source).</summary>
    public const string UnsupportedOperation = "UnsupportedOperation";

    /// <summary>The messages of a send batch add up to more than 1 MiB.</summary>
    public const string BatchRequestTooLong = "BatchRequestTooLong";

    /// <summary>SNS: a parameter of a topic, subscription or publish call is invalid; the message says which and why
    /// (SNS's messages start <c>Invalid parameter:</c>).</summary>
    public const string InvalidParameter = "InvalidParameter";

    /// <summary>SNS: the topic or subscription does not exist, or was deleted.</summary>
    public const string NotFound = "NotFound";

    /// <summary>EventBridge: an event pattern is invalid; the message starts <c>Event pattern is not valid. Reason:</c>.</summary>
    public const string InvalidEventPatternException = "InvalidEventPatternException";

    /// <summary>SNS: a message attribute is invalid (its name, type or value); the message says which and why.</summary>
    public const string ParameterValueInvalid = "ParameterValueInvalid";

    /// <summary>
    /// The broker could not carry out a valid request for a reason of its own (AWS's common <c>InternalFailure</c>):
    /// in durable mode, a journal that could not be written (a full disk) or read back at start-up (a damaged segment).
    /// The message names the file and what to do.
    /// </summary>
    public const string InternalFailure = "InternalFailure";
}
