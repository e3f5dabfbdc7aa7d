using Broker.Queues;

namespace Broker.Benchmarks;

/// <summary>
/// The producer/consumer work several benchmarks measure on a queue: producers send one message at a time (awaiting
/// each), consumers long-poll in batches of 10 and delete each batch with one call, by handle or by message.
/// </summary>
internal static class QueuePump
{
    private static readonly string[] EntryIds = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    private static readonly ReceiveRequest Receive = new() { MaxNumberOfMessages = 10, WaitTime = TimeSpan.FromSeconds(20) };

    /// <summary>
    /// Moves <paramref name="count"/> messages with <paramref name="pairs"/> producers and as many consumers, and throws
    /// unless every message was received and deleted and the queue is empty again.
    /// </summary>
    public static async Task SendReceiveDeleteAsync(IMessageQueue queue, ReadOnlyMemory<byte> body, int count, int pairs, bool byMessage)
    {
        if (count % pairs != 0)
        {
            throw new ArgumentException($"{count} messages do not split evenly between {pairs} producers.", nameof(pairs));
        }

        using var done = new CancellationTokenSource();
        var consumed = 0;
        var producers = new Task[pairs];
        var consumers = new Task[pairs];
        for (var p = 0; p < pairs; p++)
        {
            producers[p] = Task.Run(async () =>
            {
                for (var i = 0; i < count / pairs; i++)
                {
                    await queue.SendAsync(new SendMessageRequest(body)).ConfigureAwait(false);
                }
            });
            consumers[p] = Task.Run(async () =>
            {
                var entries = new List<DeleteMessageBatchEntry>(10);
                try
                {
                    while (true)
                    {
                        var got = await queue.ReceiveAsync(Receive, done.Token).ConfigureAwait(false);
                        entries.Clear();
                        for (var i = 0; i < got.Count; i++)
                        {
                            entries.Add(byMessage ? new DeleteMessageBatchEntry(EntryIds[i], got[i]) : new DeleteMessageBatchEntry(EntryIds[i], got[i].ReceiptHandle));
                        }

                        await queue.DeleteBatchAsync(entries).ConfigureAwait(false);
                        if (Interlocked.Add(ref consumed, got.Count) >= count)
                        {
                            await done.CancelAsync().ConfigureAwait(false);
                        }
                    }
                }
                catch (OperationCanceledException) when (done.IsCancellationRequested)
                {
                }
            });
        }

        await Task.WhenAll(producers).ConfigureAwait(false);
        await Task.WhenAll(consumers).ConfigureAwait(false);
        var left = queue.GetAttributes();
        if (consumed != count || left.ApproximateNumberOfMessages + left.ApproximateNumberOfMessagesNotVisible != 0)
        {
            throw new InvalidOperationException($"Moved {consumed} messages instead of {count}; {left.ApproximateNumberOfMessages + left.ApproximateNumberOfMessagesNotVisible} left in the queue.");
        }
    }
}
