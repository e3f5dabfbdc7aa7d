using System.Text.Json;
using System.Threading.Channels;
using Broker.Queues;
using Broker.Topics;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Topics;

/// <summary>
/// A broker on a fake clock (2000-01-01 UTC) for topic tests, with helpers to read queue subscribers, parse envelopes and
/// wait (with a bound) for what handlers and retry timers do on other threads.
/// </summary>
public abstract class TopicFixture : BrokerAssertions, IDisposable
{
    /// <summary>The longest a test waits for a signal from another thread.</summary>
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    protected TopicFixture()
    {
        Time = new RetryClock();
        Broker = new MessageBroker(new BrokerOptions { QueueDeletionCooldown = TimeSpan.Zero, PurgeCooldown = TimeSpan.Zero }, Time);
    }

    protected RetryClock Time { get; }

    protected MessageBroker Broker { get; }

    /// <summary>A policy with 3 retries 20 s apart (SNS's HTTP default), short enough to reach the dead-letter queue.</summary>
    protected static DeliveryPolicy ThreeRetries20SecondsApart { get; } = new()
    {
        NumRetries = 3,
        MinDelayTarget = TimeSpan.FromSeconds(20),
        MaxDelayTarget = TimeSpan.FromSeconds(20),
    };

    protected static ReceiveRequest TakeAll { get; } = new()
    {
        MaxNumberOfMessages = 10,
        WaitTime = TimeSpan.Zero,
        MessageAttributeNames = ["All"],
        MessageSystemAttributeNames = ["All"],
    };

    protected static PublishRequest Message(string body) => new(body);

    /// <summary>Every message now visible in the queue, each deleted after it is read.</summary>
    protected static async Task<IReadOnlyList<ReceivedMessage>> Drain(IMessageQueue queue)
    {
        var all = new List<ReceivedMessage>();
        while (true)
        {
            var got = await queue.ReceiveAsync(TakeAll);
            if (got.Count == 0)
            {
                return all;
            }

            foreach (var message in got)
            {
                await queue.DeleteAsync(message);
            }

            all.AddRange(got);
        }
    }

    protected static async Task<IReadOnlyList<string>> DrainBodies(IMessageQueue queue) =>
        [.. (await Drain(queue)).Select(static m => m.GetBodyAsString())];

    /// <summary>The <c>Message</c> of every envelope now in the queue.</summary>
    protected static async Task<IReadOnlyList<string>> DrainEnvelopeMessages(IMessageQueue queue) =>
        [.. (await Drain(queue)).Select(static m => Envelope(m).GetProperty("Message").GetString()!)];

    /// <summary>
    /// Waits (long-polling, at most <see cref="Bound"/> of real time) until the queue has given <paramref name="count"/> messages,
    /// for deliveries made on another thread (a handler's dead-letter move).
    /// </summary>
    protected static async Task<IReadOnlyList<ReceivedMessage>> WaitForMessages(IMessageQueue queue, int count)
    {
        var all = new List<ReceivedMessage>();
        using var bound = new CancellationTokenSource(Bound);
        var poll = new ReceiveRequest
        {
            MaxNumberOfMessages = 10,
            WaitTime = TimeSpan.FromSeconds(20),
            MessageAttributeNames = ["All"],
            MessageSystemAttributeNames = ["All"],
        };
        while (all.Count < count)
        {
            var got = await queue.ReceiveAsync(poll, bound.Token);
            foreach (var message in got)
            {
                await queue.DeleteAsync(message);
            }

            all.AddRange(got);
        }

        return all;
    }

    /// <summary>The message's body parsed as an SNS envelope.</summary>
    protected static JsonElement Envelope(ReceivedMessage message)
    {
        using var document = JsonDocument.Parse(message.Body);
        return document.RootElement.Clone();
    }

    protected static IReadOnlyList<string> Keys(JsonElement element) => [.. element.EnumerateObject().Select(static p => p.Name)];

    protected static Task<BrokerException> PublishFails(ITopic topic, PublishRequest request, string code = BrokerErrorCodes.InvalidParameter) =>
        ThrowsBroker(code, async () => await topic.PublishAsync(request));

    /// <summary>Reads the next item of a channel another thread writes, within <see cref="Bound"/>.</summary>
    protected static async Task<T> Next<T>(ChannelReader<T> reader) => await reader.ReadAsync().AsTask().WaitAsync(Bound);

    protected static async Task Within<T>(Task<T> task) => await task.WaitAsync(Bound);

    protected static async Task Within(Task task) => await task.WaitAsync(Bound);

    public void Dispose()
    {
        Broker.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A <see cref="FakeTimeProvider"/> that also reports the delay of every timer a topic schedules (a delivery retry),
    /// so a test can wait until a failed delivery's retry is scheduled before it advances the clock.
    /// </summary>
    protected sealed class RetryClock : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> retries = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (state?.GetType().Namespace?.StartsWith("Broker.Topics", StringComparison.Ordinal) == true)
            {
                retries.Writer.TryWrite(dueTime);
            }

            return timer;
        }

        /// <summary>The delay of the next retry a topic schedules, waiting for it within <see cref="Bound"/>.</summary>
        public Task<TimeSpan> NextRetryScheduled() => Next(retries.Reader);

        /// <summary>Whether a retry was scheduled that nobody has read yet (only meaningful once its thread has finished).</summary>
        public bool HasUnreadRetry => retries.Reader.TryPeek(out _);
    }
}
