namespace Broker.Queues;

/// <summary>A page of queue names, as SQS's ListQueues takes it.</summary>
public sealed class ListQueuesRequest
{
    /// <summary>Only names that start with this prefix (case-sensitive). Default: every queue.</summary>
    public string? QueueNamePrefix { get; init; }

    /// <summary>The most names to return, 1 to 1,000. Default 1,000.</summary>
    public int MaxResults { get; init; } = 1000;

    /// <summary>The <see cref="ListQueuesResult.NextToken"/> of the previous page, or <see langword="null"/> for the first.</summary>
    public string? NextToken { get; init; }
}

/// <summary>A page of queue names.</summary>
public sealed class ListQueuesResult
{
    internal ListQueuesResult(IReadOnlyList<string> queueNames, string? nextToken)
    {
        QueueNames = queueNames;
        NextToken = nextToken;
    }

    /// <summary>The names on this page, in ordinal order.</summary>
    public IReadOnlyList<string> QueueNames { get; }

    /// <summary>Pass to the next request to get the next page; <see langword="null"/> on the last page.</summary>
    public string? NextToken { get; }
}
