namespace Broker.Queues;

/// <summary>
/// Where a queue's messages go after too many receives, as SQS's <c>RedrivePolicy</c>: the receive that would deliver a
/// message for the (<see cref="MaxReceiveCount"/> + 1)th time moves it to the dead-letter queue instead. The move keeps
/// the message's id, body, attributes, sent timestamp and receive count, and adds <c>DeadLetterQueueSourceArn</c>.
/// </summary>
/// <param name="DeadLetterTarget">The dead-letter queue, by name or ARN. It must exist, be of the same type, and allow
/// this queue in its <see cref="QueueOptions.RedriveAllowPolicy"/>.</param>
/// <param name="MaxReceiveCount">Receives before the move, 1 to 1,000. Default 10, as on SQS.</param>
public sealed record RedrivePolicy(string DeadLetterTarget, int MaxReceiveCount = 10);

/// <summary>Which source queues may use a queue as their dead-letter queue, as SQS's <c>RedriveAllowPolicy</c>.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "SQS's own name (redrivePermission).")]
public enum RedrivePermission
{
    /// <summary>Any queue (the default).</summary>
    AllowAll = 0,

    /// <summary>No queue.</summary>
    DenyAll = 1,

    /// <summary>Only the queues in <see cref="RedriveAllowPolicy.SourceQueueArns"/> (at most 10).</summary>
    ByQueue = 2,
}

/// <summary>Which source queues may name this queue as their dead-letter target, as SQS's <c>RedriveAllowPolicy</c>.</summary>
public sealed record RedriveAllowPolicy
{
    /// <summary>Who may use the queue as a dead-letter queue. Default <see cref="RedrivePermission.AllowAll"/>.</summary>
    public RedrivePermission RedrivePermission { get; init; } = RedrivePermission.AllowAll;

    /// <summary>With <see cref="RedrivePermission.ByQueue"/>, the ARNs (or names) of the allowed source queues, 1 to 10; empty otherwise.</summary>
    public IReadOnlyList<string> SourceQueueArns { get; init; } = [];

    /// <summary>Any queue may use this queue as its dead-letter queue.</summary>
    public static RedriveAllowPolicy AllowAll { get; } = new();

    /// <summary>No queue may use this queue as its dead-letter queue.</summary>
    public static RedriveAllowPolicy DenyAll { get; } = new() { RedrivePermission = RedrivePermission.DenyAll };

    /// <summary>Only the named queues may use this queue as their dead-letter queue.</summary>
    /// <param name="sourceQueueArns">1 to 10 queue ARNs or names.</param>
    /// <returns>The policy.</returns>
    public static RedriveAllowPolicy ByQueue(params string[] sourceQueueArns) =>
        new() { RedrivePermission = RedrivePermission.ByQueue, SourceQueueArns = [.. sourceQueueArns] };

    /// <inheritdoc/>
    public bool Equals(RedriveAllowPolicy? other) =>
        other is not null && RedrivePermission == other.RedrivePermission && SourceQueueArns.SequenceEqual(other.SourceQueueArns);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(RedrivePermission, SourceQueueArns.Count);
}
