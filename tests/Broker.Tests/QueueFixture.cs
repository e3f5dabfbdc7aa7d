using Broker.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests;

/// <summary>A broker on a fake clock (2000-01-01 UTC) with AWS's cool-downs off, and helpers the queue tests share.</summary>
public abstract class QueueFixture : BrokerAssertions, IDisposable
{
    protected QueueFixture()
    {
        Time = new FakeTimeProvider();
        Broker = new MessageBroker(new BrokerOptions { QueueDeletionCooldown = TimeSpan.Zero, PurgeCooldown = TimeSpan.Zero }, Time);
    }

    protected FakeTimeProvider Time { get; }

    protected MessageBroker Broker { get; }

    protected static ReceiveRequest Take(int max = 10, TimeSpan? visibility = null) =>
        new() { MaxNumberOfMessages = max, VisibilityTimeout = visibility, WaitTime = TimeSpan.Zero };

    protected static async Task<ReceivedMessage> ReceiveOne(IMessageQueue queue, TimeSpan? visibility = null)
    {
        var got = await queue.ReceiveAsync(Take(1, visibility));
        return Assert.Single(got);
    }

    protected static async Task<IReadOnlyList<ReceivedMessage>> ReceiveAll(IMessageQueue queue, TimeSpan? visibility = null)
    {
        var all = new List<ReceivedMessage>();
        while (true)
        {
            var got = await queue.ReceiveAsync(Take(10, visibility));
            if (got.Count == 0)
            {
                return all;
            }

            all.AddRange(got);
        }
    }

    protected static (long Visible, long InFlight, long Delayed) Counts(IMessageQueue queue)
    {
        var a = queue.GetAttributes();
        return (a.ApproximateNumberOfMessages, a.ApproximateNumberOfMessagesNotVisible, a.ApproximateNumberOfMessagesDelayed);
    }

    public void Dispose()
    {
        Broker.Dispose();
        GC.SuppressFinalize(this);
    }
}
