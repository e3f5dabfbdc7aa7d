using Broker.Queues.Internal;

namespace Broker.Topics.Internal;

/// <summary>Publishing: validate, match the filter index, deliver to each match. No lock is taken.</summary>
internal sealed partial class Topic
{
    /// <summary>A publishing thread's list of matched subscriptions, reused so a publish allocates no list.</summary>
    [ThreadStatic]
    private static List<Subscription>? matchedScratch;

    public ValueTask<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDeleted();
        return new ValueTask<PublishResult>(Publish(request.Message, request.Subject, request.MessageAttributes, request.MessageStructure, request.MessageGroupId, request.MessageDeduplicationId));
    }

    public ValueTask<PublishBatchResult> PublishBatchAsync(IReadOnlyList<PublishBatchEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDeleted();
        foreach (var entry in entries)
        {
            if (entry?.Id is { Length: > 80 } tooLong)
            {
                throw new BrokerException(BrokerErrorCodes.InvalidBatchEntryId, $"The Id of a batch entry in the batch request is too long: {tooLong}");
            }
        }

        MessageQueue.ValidateBatchIds(entries, static entry => entry?.Id);
        var total = 0L;
        foreach (var entry in entries)
        {
            total += System.Text.Encoding.UTF8.GetByteCount(entry.Message) + MessageQueue.RawAttributesSize(entry.MessageAttributes);
        }

        if (total > TopicDefaults.MaximumMessageSize)
        {
            throw new BrokerException(
                BrokerErrorCodes.BatchRequestTooLong,
                $"The length of all the messages put together is more than the limit of {TopicDefaults.MaximumMessageSize} bytes; this batch has {total}.");
        }

        var successful = new List<PublishBatchResultEntry>(entries.Count);
        List<Queues.BatchResultErrorEntry>? failed = null;
        foreach (var entry in entries)
        {
            try
            {
                var result = Publish(entry.Message, entry.Subject, entry.MessageAttributes, entry.MessageStructure, entry.MessageGroupId, entry.MessageDeduplicationId);
                successful.Add(new PublishBatchResultEntry(entry.Id, result.MessageId, result.SequenceNumber));
            }
            catch (BrokerException error)
            {
                (failed ??= []).Add(new Queues.BatchResultErrorEntry(entry.Id, error));
            }
        }

        return new ValueTask<PublishBatchResult>(new PublishBatchResult(successful, failed is null ? [] : failed));
    }

    private PublishResult Publish(
        string message,
        string? subject,
        IReadOnlyDictionary<string, Queues.MessageAttributeValue>? attributes,
        string? messageStructure,
        string? groupId,
        string? deduplicationId)
    {
        ArgumentNullException.ThrowIfNull(message);
        PublishValidation.ValidateFifo(IsFifo, Options.ContentBasedDeduplication, groupId, deduplicationId);
        var accepted = PublishValidation.Build(message, subject, attributes, messageStructure, MessageIds.NewGuid(), Broker.TimeProvider.GetUtcNow(), out _);
        if (IsFifo)
        {
            return PublishFifo(accepted, message, groupId!, deduplicationId);
        }

        if (groupId is not null)
        {
            accepted.MessageGroupId = groupId;
        }

        Deliver(accepted);
        return new PublishResult(accepted);
    }

    /// <summary>Delivers one accepted message to every subscription whose filter matches it, first attempt.</summary>
    private void Deliver(PublishedMessage message)
    {
        var matched = matchedScratch ??= new List<Subscription>(4);
        matched.Clear();
        try
        {
            index.Match(message.Attributes, message.Utf8Body, matched);
            foreach (var subscription in matched)
            {
                subscription.Deliver(message, attempt: 1);
            }
        }
        finally
        {
            matched.Clear();
        }
    }

    /// <summary>
    /// <see cref="Deliver"/> for the FIFO drainer, which delivers other publishers' messages: a failure of one message
    /// (none is expected; deliveries handle their own errors) is counted as dropped instead of stopping the drain.
    /// </summary>
    private void DeliverSafely(PublishedMessage message)
    {
        try
        {
            Deliver(message);
        }
#pragma warning disable CA1031 // The drainer must go on with the next publisher's message whatever went wrong with this one.
        catch (Exception)
#pragma warning restore CA1031
        {
            CountDropped();
        }
    }
}
