using System.Security.Cryptography;
using Broker.Internal;

namespace Broker.Topics.Internal;

/// <summary>
/// FIFO topics. A publish takes a sequence number with one Interlocked increment, and messages are delivered strictly in
/// sequence order, so every subscriber sees each group (indeed the whole topic) in the order the numbers were taken.
/// <para>
/// Ordering without a lock: each publisher puts its sequenced message in <see cref="sequenced"/> and then tries to become
/// the single drainer (<see cref="draining"/> 0 → 1). The drainer moves messages into its private reorder heap and
/// delivers while the heap's smallest number is the next one due; a number whose publisher has not enqueued yet stops it,
/// and that publisher drains when it arrives. Every number taken is enqueued (a duplicate enqueues a skip), so none is
/// ever missing for long. Nobody waits: a publisher that finds another draining leaves its message to it.
/// </para>
/// </summary>
internal sealed partial class Topic
{
    /// <summary>Deduplication ids seen in the last 5 minutes, with what their first publish returned. FIFO only.</summary>
    private readonly DeduplicationWindow<TopicOriginal>? deduplication;

    /// <summary>Sequenced messages (or skips) not yet taken by a drainer.</summary>
    private readonly SegmentedQueue<Sequenced> sequenced = new();

    /// <summary>Only the drainer touches this: messages that arrived ahead of the next number due.</summary>
    private readonly PriorityQueue<Sequenced, long> reorder = new();

    /// <summary>The last sequence number handed out.</summary>
    private long lastSequence;

    /// <summary>Only the drainer touches this: the next sequence number to deliver.</summary>
    private long nextToDeliver = 1;

    /// <summary>1 while a publisher is draining.</summary>
    private int draining;

    private PublishResult PublishFifo(PublishedMessage accepted, string publishedMessage, string groupId, string? deduplicationId)
    {
        // Content-based: the SHA-256 of the message as published (with a json structure, the whole JSON), not its attributes.
        deduplicationId ??= Convert.ToHexStringLower(SHA256.HashData(
            ReferenceEquals(publishedMessage, accepted.Message) ? accepted.Utf8Body : System.Text.Encoding.UTF8.GetBytes(publishedMessage)));
        var key = Options.FifoThroughputScope == FifoThroughputScope.MessageGroup ? groupId + "\u0000" + deduplicationId : deduplicationId;
        var now = Broker.TimeProvider.GetUtcNow().UtcTicks;

        // No exception may be thrown between taking a number and enqueuing it: a missing number would stall delivery.
        var sequence = Interlocked.Increment(ref lastSequence);
        var message = accepted;
        message.MessageGroupId = groupId;
        message.DeduplicationId = deduplicationId;
        message.Sequence = sequence;
        if (!deduplication!.TryAdd(deduplication.Hash(key), new TopicOriginal(message.MessageGuid, sequence), now, out var winner))
        {
            // A duplicate within 5 minutes: accepted, not delivered; the first publish's id and number are returned.
            sequenced.Enqueue(new Sequenced(sequence, null));
            Drain();
            return new PublishResult(winner.MessageId.ToString(), PublishedMessage.FormatSequence(winner.Sequence));
        }

        sequenced.Enqueue(new Sequenced(sequence, message));
        Drain();
        return new PublishResult(message.MessageId, message.SequenceNumber);
    }

    private void Drain()
    {
        while (Interlocked.CompareExchange(ref draining, 1, 0) == 0)
        {
            try
            {
                while (sequenced.TryDequeue(out var item))
                {
                    reorder.Enqueue(item, item.Sequence);
                }

                while (reorder.TryPeek(out var next, out var number) && number == nextToDeliver)
                {
                    reorder.Dequeue();
                    nextToDeliver++;
                    if (next.Message is { } message)
                    {
                        DeliverSafely(message);
                    }
                }
            }
            finally
            {
                // A full fence, not a release: the read of `sequenced` below must not move before this write, or a
                // publisher that enqueued meanwhile and saw draining = 1 would leave its message behind.
                Interlocked.Exchange(ref draining, 0);
            }

            // A publisher that enqueued while we drained saw draining = 1 and left its message to us.
            if (sequenced.IsEmpty)
            {
                return;
            }
        }
    }

    /// <summary>What a FIFO topic's deduplication record answers a duplicate with: the first publish's id and number.</summary>
    private readonly record struct TopicOriginal(Guid MessageId, long Sequence);

    private sealed record Sequenced(long Sequence, PublishedMessage? Message);
}
