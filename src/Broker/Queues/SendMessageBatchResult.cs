namespace Broker.Queues;

/// <summary>What SQS's SendMessageBatch returns: one result per entry, each either successful or failed.</summary>
public sealed class SendMessageBatchResult
{
    internal SendMessageBatchResult(IReadOnlyList<SendMessageBatchResultEntry> successful, IReadOnlyList<BatchResultErrorEntry> failed)
    {
        Successful = successful;
        Failed = failed;
    }

    /// <summary>The entries that were sent, in entry order.</summary>
    public IReadOnlyList<SendMessageBatchResultEntry> Successful { get; }

    /// <summary>The entries that were refused, with the reason; the others were sent.</summary>
    public IReadOnlyList<BatchResultErrorEntry> Failed { get; }
}

/// <summary>A sent entry of a send batch.</summary>
public sealed class SendMessageBatchResultEntry
{
    internal SendMessageBatchResultEntry(string id, SendMessageResult result)
    {
        Id = id;
        Result = result;
    }

    /// <summary>The entry id from the request.</summary>
    public string Id { get; }

    /// <summary>The message id.</summary>
    public string MessageId => Result.MessageId;

    /// <summary>The MD5 digest of the body.</summary>
    public string MD5OfMessageBody => Result.MD5OfMessageBody;

    /// <summary>The MD5 digest of the attributes, or <see langword="null"/> when there are none.</summary>
    public string? MD5OfMessageAttributes => Result.MD5OfMessageAttributes;

    /// <summary>The single-send result of this entry.</summary>
    public SendMessageResult Result { get; }
}

/// <summary>A refused entry of a batch request, as SQS's <c>BatchResultErrorEntry</c>.</summary>
public sealed class BatchResultErrorEntry
{
    internal BatchResultErrorEntry(string id, BrokerException error)
    {
        Id = id;
        Code = error.ErrorCode;
        Message = error.Message;
        SenderFault = error.SenderFault;
    }

    /// <summary>The entry id from the request.</summary>
    public string Id { get; }

    /// <summary>The AWS error name, one of <see cref="BrokerErrorCodes"/>.</summary>
    public string Code { get; }

    /// <summary>What went wrong with this entry.</summary>
    public string Message { get; }

    /// <summary>Whether the entry itself was at fault.</summary>
    public bool SenderFault { get; }
}
