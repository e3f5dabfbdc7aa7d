using Broker.Internal;
using Broker.Queues.Internal;

namespace Broker.Topics.Internal;

/// <summary>Publishing: validate, match the filter index, deliver to each match. No lock is taken.</summary>
internal sealed partial class Topic
{
    /// <summary>A publishing thread's list of matched subscriptions, reused so a publish allocates no list.</summary>
    [ThreadStatic]
    private static List<Subscription>? matchedScratch;

    /// <summary>A publishing thread's set of matched subscriptions, for counting the filtered-out ones among many matches.</summary>
    [ThreadStatic]
    private static HashSet<Subscription>? matchedSetScratch;

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

        return new ValueTask<PublishBatchResult>(new PublishBatchResult(successful, (IReadOnlyList<Broker.Queues.BatchResultErrorEntry>?)failed ?? []));
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
        if (!IsFifo && observer is null && Volatile.Read(ref deliversRaw))
        {
            // A raw delivery may need no message: it is made only if a delivery keeps the publish.
            var publication = PublishValidation.BuildPublication(message, subject, attributes, messageStructure, MessageIds.NewGuid(), Broker.TimeProvider.GetUtcNow());
            publication.MessageGroupId = groupId;
            Deliver(ref publication);
            CountPublished();
            return publication.ToPublishResult();
        }

        // Every delivery makes the message, or an observer is handed it (and every later call about it must name the same one).
        var accepted = PublishValidation.Build(message, subject, attributes, messageStructure, MessageIds.NewGuid(), Broker.TimeProvider.GetUtcNow());
        observer?.MessagePublished(this, accepted); // before its deliveries, so records show them in that order
        if (IsFifo)
        {
            var result = PublishFifo(accepted, message, groupId!, deduplicationId);
            CountPublished();
            return result;
        }

        if (groupId is not null)
        {
            accepted.MessageGroupId = groupId;
        }

        Deliver(accepted);
        CountPublished();
        return new PublishResult(accepted);
    }

    /// <summary>An accepted publish (a FIFO duplicate too: the publish succeeded), if anyone listens.</summary>
    private void CountPublished()
    {
        if (metrics.MessagesPublished.Enabled)
        {
            metrics.MessagesPublished.Add(1, new KeyValuePair<string, object?>(BrokerMetrics.TopicTag, Name));
        }
    }

    /// <summary>Delivers one accepted message to every subscription whose filter matches it, first attempt.</summary>
    private void Deliver(PublishedMessage message)
    {
        // Every subscription takes every message (no filter policy, or an attribute-scope {}): no matching, no list of
        // matches, and none is filtered out.
        if (index.UnfilteredTargets is { } everyone)
        {
            foreach (var subscription in everyone)
            {
                subscription.Deliver(message, attempt: 1);
            }

            return;
        }

        var matched = Match(message.Attributes, message.Utf8Body, message);
        try
        {
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

    /// <summary><see cref="Deliver(PublishedMessage)"/> for a publish whose message may not have been made (no observer then).</summary>
    private void Deliver(ref Publication publication)
    {
        if (index.UnfilteredTargets is { } everyone)
        {
            foreach (var subscription in everyone)
            {
                subscription.DeliverFirst(ref publication);
            }

            return;
        }

        var matched = Match(publication.Attributes, publication.Utf8Body, publication.Made);
        try
        {
            foreach (var subscription in matched)
            {
                subscription.DeliverFirst(ref publication);
            }
        }
        finally
        {
            matched.Clear();
        }
    }

    /// <summary>
    /// The subscriptions whose filters match, in this thread's scratch list (the caller clears it after delivering; one
    /// left filled by a throw is cleared here on the thread's next publish), with the others counted as filtered out when
    /// someone listens. <paramref name="message"/> is null only without an observer.
    /// </summary>
    private List<Subscription> Match(IReadOnlyDictionary<string, Queues.MessageAttributeValue> attributes, byte[] body, PublishedMessage? message)
    {
        var matched = matchedScratch ??= new List<Subscription>(4);
        matched.Clear();
        index.Match(attributes, body, matched);
        if (metrics.NotificationsFilteredOut.Enabled || observer is not null)
        {
            CountFilteredOut(matched, message);
        }

        return matched;
    }

    /// <summary>
    /// Counts one filtered-out notification for each live subscription the message did not match. Only while someone
    /// listens to the instrument, and then it visits every subscription of the topic on a publish that some filter
    /// rejected: the price of per-subscription tags, since the filter index never looks at the policies a message cannot
    /// match. A subscription added while the message was being matched may be counted as filtered out.
    /// </summary>
    private void CountFilteredOut(List<Subscription> matched, PublishedMessage? message)
    {
        var all = Volatile.Read(ref subscriptions);
        if (all.Length <= matched.Count)
        {
            return;
        }

        HashSet<Subscription>? matchedSet = null;
        if (matched.Count > 8)
        {
            matchedSet = matchedSetScratch ??= new HashSet<Subscription>(ReferenceEqualityComparer.Instance);
            matchedSet.Clear();
            matchedSet.UnionWith(matched);
        }

        foreach (var subscription in all)
        {
            if (subscription.IsActive && !(matchedSet?.Contains(subscription) ?? ContainsReference(matched, subscription)))
            {
                if (metrics.NotificationsFilteredOut.Enabled)
                {
                    metrics.NotificationsFilteredOut.Add(
                        1,
                        new KeyValuePair<string, object?>(BrokerMetrics.TopicTag, Name),
                        new KeyValuePair<string, object?>(BrokerMetrics.ProtocolTag, subscription.Protocol),
                        new KeyValuePair<string, object?>(BrokerMetrics.EndpointTag, subscription.Endpoint));
                }

                if (message is not null)
                {
                    observer?.NotificationFilteredOut(this, subscription, message);
                }
            }
        }

        matchedSet?.Clear();

        static bool ContainsReference(List<Subscription> list, Subscription subscription)
        {
            foreach (var each in list)
            {
                if (ReferenceEquals(each, subscription))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// <see cref="Deliver(PublishedMessage)"/> for the FIFO drainer, which delivers other publishers' messages: a failure of one message
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
