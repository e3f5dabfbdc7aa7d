using System.Diagnostics;
using Broker.Queues;
using Xunit.Abstractions;

namespace Broker.StressTests.Scenarios;

/// <summary>
/// A long poll is woken by the send that makes a message available, however the two interleave. Two tasks bounce a
/// message between two queues (ping-pong), each receiving with a 20 s long poll, so that nearly every receive registers
/// its wait while the other side is sending. A lost wake-up leaves a receive waiting with a message in its queue: the
/// real-time bound on each receive (shorter than the long poll) reports it instead of letting the 20 s run out.
/// </summary>
/// <remarks>
/// The race this guards against is narrow (a send's write of the message still in its core's store buffer while it
/// reads whether anyone waits): under load it showed about once in ten to forty million round trips, so the CI run
/// (a few seconds) seldom meets it; a soak (BROKER_STRESS_SECONDS) is the real check.
/// </remarks>
public sealed class LongPollWakeStressTests(ITestOutputHelper output)
{
    private const int RoundsPerBatch = 5_000;
    private static readonly ReceiveRequest LongPoll = new() { MaxNumberOfMessages = 1, WaitTime = TimeSpan.FromSeconds(20) };
    private static readonly TimeSpan StallBound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Ping_pong_over_long_polls_never_loses_a_wake_up()
    {
        foreach (var length in StressSettings.Rounds())
        {
            // The system clock: nothing here depends on time but the bound, and a fake clock's lock would serialize the
            // two sides and hide the race.
            using var broker = new MessageBroker(new BrokerOptions(), TimeProvider.System);
            var ping = broker.CreateQueue("ping");
            var pong = broker.CreateQueue("pong");
            var sends = new SendMessageRequest[RoundsPerBatch];
            for (var i = 0; i < sends.Length; i++)
            {
                sends[i] = new SendMessageRequest($"m{i}");
            }

            var started = Stopwatch.GetTimestamp();
            long rounds = 0;
            while (Stopwatch.GetElapsedTime(started) < length)
            {
                var sides = await Task.WhenAll(
                    Task.Run(async () =>
                    {
                        for (var i = 0; i < RoundsPerBatch; i++)
                        {
                            await ping.SendAsync(sends[i]);
                            await pong.DeleteAsync(await ReceiveOneAsync(pong, ping));
                        }

                        return RoundsPerBatch;
                    }),
                    Task.Run(async () =>
                    {
                        for (var i = 0; i < RoundsPerBatch; i++)
                        {
                            await ping.DeleteAsync(await ReceiveOneAsync(ping, pong));
                            await pong.SendAsync(sends[i]);
                        }

                        return RoundsPerBatch;
                    }));
                rounds += sides[0];
            }

            Assert.Equal((0L, 0L), (ping.GetAttributes().ApproximateNumberOfMessages, pong.GetAttributes().ApproximateNumberOfMessages));
            output.WriteLine($"{rounds} round trips in {length.TotalSeconds}s, every long poll woken by its send");
        }
    }

    /// <summary>
    /// One long-poll receive of one message. One that does not return within the bound is a lost wake-up, of this
    /// receive or of the other side's (which then never sent what this one waits for).
    /// </summary>
    private static async Task<ReceivedMessage> ReceiveOneAsync(IMessageQueue queue, IMessageQueue other)
    {
        var pending = queue.ReceiveAsync(LongPoll);
        if (pending.IsCompleted)
        {
            return Assert.Single(pending.Result);
        }

        try
        {
            return Assert.Single(await pending.AsTask().WaitAsync(StallBound));
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException(
                $"A long poll on '{queue.Name}' still waits after {StallBound.TotalSeconds}s: a wake-up was lost ({queue.GetAttributes().ApproximateNumberOfMessages} message(s) visible in '{queue.Name}', "
                + $"{other.GetAttributes().ApproximateNumberOfMessages} in '{other.Name}', whose receiver sends the next one).");
        }
    }
}
