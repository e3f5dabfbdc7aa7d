using Broker.Durability;
using Broker.Durability.Internal;
using Broker.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary>
/// A durable broker whose disk fills up: the call whose record cannot be written fails with <c>InternalFailure</c>,
/// so do the calls after it (the journal's tail is unknown), and a restart once there is room again recovers every
/// acknowledged message and nothing that failed.
/// </summary>
public sealed class DurableFailureTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-durable-full-").FullName;
    private readonly FakeTimeProvider time = new();
    private readonly SegmentDisk disk = new();

    public void Dispose()
    {
        disk.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_full_disk_fails_the_send_and_everything_after_it_and_a_restart_recovers_every_acknowledged_message()
    {
        var acknowledged = new List<string>();
        using (var broker = Open(disk))
        {
            var queue = broker.CreateQueue("orders");
            for (var i = 0; i < 3; i++)
            {
                acknowledged.Add((await queue.SendAsync($"order {i}")).MessageId);
            }

            disk.DiskSpace = 0; // full from now on
            var full = await Assert.ThrowsAsync<BrokerException>(async () => await queue.SendAsync("order 3"));
            Assert.Equal(BrokerErrorCodes.InternalFailure, full.ErrorCode);
            Assert.False(full.SenderFault);
            Assert.Contains("No space left on device", full.Message, StringComparison.Ordinal);

            var received = await queue.ReceiveAsync();
            var after = await Assert.ThrowsAsync<BrokerException>(async () => await queue.DeleteAsync(received[0]));
            Assert.Equal(BrokerErrorCodes.InternalFailure, after.ErrorCode);
        }

        using var roomy = new SegmentDisk();
        using var recovered = Open(roomy);
        var messages = await recovered.GetQueue("orders").ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });

        Assert.Equal(acknowledged, messages.Select(m => m.MessageId));
    }

    private MessageBroker Open(SegmentDisk segments) => new(
        new BrokerOptions
        {
            Storage = new DurableStorage { Directory = directory, CreateSegment = path => new SegmentStream(path, segments) },
        },
        time);
}
