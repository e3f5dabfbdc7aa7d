using Broker.Queues;

namespace Broker.Hosting.Internal;

/// <summary>What drives a queue consumer's scaling: how many messages wait, and how long the oldest has waited.</summary>
/// <param name="VisibleMessages">Messages available for receive (SQS's <c>ApproximateNumberOfMessages</c>).</param>
/// <param name="OldestMessageAge">
/// The age of the oldest message in the queue (CloudWatch's <c>ApproximateAgeOfOldestMessage</c>), read only when the
/// backlog is shorter than <see cref="QueueConsumerOptions.ScaleUpBacklogPerWorker"/> (the only case it decides); zero otherwise.
/// </param>
internal readonly record struct QueueLoad(long VisibleMessages, TimeSpan OldestMessageAge)
{
    /// <summary>The one place the consumer reads a queue's load.</summary>
    public static QueueLoad Read(IMessageQueue queue, QueueConsumerOptions options)
    {
        // The count alone first: GetAttributes() also computes the age of the oldest message, a walk over the messages
        // in flight, and the age only matters when the backlog is too short to call for a worker by itself.
        var visible = long.Parse(
            queue.GetAttributes(CountOnly)[QueueAttributeNames.ApproximateNumberOfMessages], System.Globalization.CultureInfo.InvariantCulture);
        if (visible <= 0 || visible >= options.ScaleUpBacklogPerWorker)
        {
            return new QueueLoad(visible, TimeSpan.Zero);
        }

        var attributes = queue.GetAttributes();
        return new QueueLoad(attributes.ApproximateNumberOfMessages, attributes.ApproximateAgeOfOldestMessage);
    }

    private static readonly string[] CountOnly = [QueueAttributeNames.ApproximateNumberOfMessages];

    /// <summary>
    /// How many workers to add to <paramref name="running"/> under this load: one per
    /// <see cref="QueueConsumerOptions.ScaleUpBacklogPerWorker"/> visible messages, else one when messages are visible and
    /// the oldest is at least <see cref="QueueConsumerOptions.ScaleUpAge"/> old; never past
    /// <see cref="QueueConsumerOptions.MaxConcurrency"/>.
    /// </summary>
    public int WorkersToAdd(int running, QueueConsumerOptions options)
    {
        var room = options.MaxConcurrency - running;
        if (room <= 0 || VisibleMessages <= 0)
        {
            return 0;
        }

        var wanted = VisibleMessages / options.ScaleUpBacklogPerWorker;
        if (wanted == 0 && OldestMessageAge >= options.ScaleUpAge)
        {
            wanted = 1;
        }

        return (int)Math.Min(wanted, room);
    }
}
