using System.Diagnostics;
using Broker.Queues;
using Broker.Streams;

namespace Broker.Hosting.Internal;

/// <summary>A batch's way through failures: retries, bisecting, and giving up to the on-failure queue.</summary>
internal sealed partial class ShardBatcher
{
    /// <summary>
    /// Hands <paramref name="batch"/> to the handler until it succeeds or is given up, then checkpoints its last record.
    /// A failure bisects the batch when that is on and it has more than one record (each half then goes the same way,
    /// older half first, without using a retry, as in Lambda); otherwise it is retried after the retry delay until
    /// <see cref="StreamConsumerOptions.MaximumRetryAttempts"/> is used up or, with -1, its oldest record is older than the
    /// stream's retention; then its description goes to the on-failure queue. Holds the turn.
    /// </summary>
    /// <param name="batch">Records at the front of <see cref="pending"/>, in order.</param>
    /// <param name="priorInvocations">How many times these records were handed over as part of a larger batch.</param>
    /// <param name="cancellationToken">The processor's token: once cancelled, no further invocation starts.</param>
    private async Task HandleAsync(ArraySegment<StreamRecord> batch, int priorInvocations, CancellationToken cancellationToken)
    {
        var invocations = priorInvocations;
        var retries = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            invocations++;
            var failure = await consumer.Invoker.InvokeAsync(batch, shardId, invocations, millisBehindLatest, consumer.HandlerToken).ConfigureAwait(false);
            if (failure is null)
            {
                await CompleteAsync(batch).ConfigureAwait(false);
                return;
            }

            // Stopping, or the lease was lost: the batch is not given up, the next owner reads it again.
            cancellationToken.ThrowIfCancellationRequested();
            consumer.HandlerToken.ThrowIfCancellationRequested();
            if (Options.BisectBatchOnHandlerError && batch.Count > 1)
            {
                var half = (batch.Count + 1) / 2;
                Log.StreamBatchBisected(consumer.Logger, batch.Count, shardId, consumer.StreamName, half, batch.Count - half);
                await HandleAsync(batch.Slice(0, half), invocations, cancellationToken).ConfigureAwait(false);
                await HandleAsync(batch.Slice(half), invocations, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (GiveUpCondition(batch, retries) is { } condition)
            {
                await GiveUpAsync(batch, condition, invocations, failure).ConfigureAwait(false);
                await CompleteAsync(batch).ConfigureAwait(false);
                return;
            }

            retries++;
            var delay = consumer.RetryDelay(retries);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, consumer.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Why to give a failed batch up now, or <see langword="null"/> to retry it.</summary>
    private string? GiveUpCondition(ArraySegment<StreamRecord> batch, int retries)
    {
        if (Options.MaximumRetryAttempts >= 0)
        {
            return retries >= Options.MaximumRetryAttempts ? OnFailureRecord.RetryAttemptsExhausted : null;
        }

        // -1: until the records expire. Read the retention each time: it may have changed.
        var retention = consumer.Stream.Describe().RetentionPeriod;
        return Now - batch[0].ApproximateArrivalTimestamp >= retention ? OnFailureRecord.RecordAgeExceeded : null;
    }

    /// <summary>Checkpoints the batch's last record and drops the batch from <see cref="pending"/>.</summary>
    private async Task CompleteAsync(ArraySegment<StreamRecord> batch)
    {
        await checkpointer!.CheckpointAsync(batch[^1].SequenceNumber, consumer.HandlerToken).ConfigureAwait(false);
        Debug.Assert(ReferenceEquals(pending[0], batch[0]), "Batches are handled from the front of the pending records.");
        pending.RemoveRange(0, batch.Count);
    }

    /// <summary>Sends the batch's description to the on-failure queue (or only logs when there is none).</summary>
    private async Task GiveUpAsync(ArraySegment<StreamRecord> batch, string condition, int invocations, Exception failure)
    {
        var first = batch[0].SequenceNumber;
        var last = batch[^1].SequenceNumber;
        if (Options.OnFailureQueue is not { } queueName)
        {
            Log.StreamBatchDiscarded(consumer.Logger, batch.Count, shardId, consumer.StreamName, first, last, invocations, condition);
            return;
        }

        try
        {
            var queue = consumer.Broker.GetQueue(queueName);
            var body = OnFailureRecord.Write(batch, shardId, consumer.Stream.Arn, consumer.ConsumerGroup, condition, invocations, Now);
            var fifo = queue.Name.EndsWith(".fifo", StringComparison.Ordinal);
            await queue.SendAsync(
                new SendMessageRequest(body)
                {
                    MessageAttributes = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal)
                    {
                        ["ErrorMessage"] = MessageAttributeValue.FromString(ErrorMessage(failure)),
                    },
                    MessageGroupId = fifo ? shardId : null,
                    MessageDeduplicationId = fifo ? Guid.NewGuid().ToString("N") : null,
                },
                consumer.HandlerToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is BrokerException or ObjectDisposedException)
        {
            Log.StreamOnFailureSendFailed(consumer.Logger, error, shardId, consumer.StreamName, queueName);
            throw;
        }

        Log.StreamBatchSentToOnFailureQueue(consumer.Logger, batch.Count, shardId, consumer.StreamName, first, last, invocations, condition, queueName);
    }

    /// <summary>The failure as <c>Type: message</c>, at most 1,024 characters (the broker's limit for SNS's <c>ErrorMessage</c>).</summary>
    private static string ErrorMessage(Exception failure)
    {
        var text = $"{failure.GetType().Name}: {failure.Message}";
        return text.Length <= 1024 ? text : text[..1024];
    }
}
