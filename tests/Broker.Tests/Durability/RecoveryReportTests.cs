using Broker.Durability;
using Broker.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Broker.Tests.Durability;

/// <summary><see cref="MessageBroker.Recovery"/>: what a durable broker recovered, counted from what it rebuilt.</summary>
public sealed class RecoveryReportTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-recovery-").FullName;
    private readonly FakeTimeProvider time = new();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void A_new_directory_reports_an_empty_recovery()
    {
        using var broker = Open();

        var report = broker.Recovery!;
        Assert.Equal((0, 0L, 0, 0L, 0, 0, 0, 0L), (report.Segments, report.Records, report.Queues, report.Messages, report.Topics, report.Subscriptions, report.Streams, report.StreamRecords));
        Assert.Null(report.CutTail);
        Assert.True(report.Duration >= TimeSpan.Zero);
    }

    [Fact]
    public async Task The_report_counts_the_queues_messages_topics_subscriptions_records_and_segments_restored()
    {
        using (var broker = Open())
        {
            var orders = broker.CreateQueue("orders");
            await orders.SendAsync("visible");
            await orders.SendAsync("in flight");
            await orders.SendAsync(new SendMessageRequest("delayed") { DelaySeconds = 30 });
            await orders.SendAsync("deleted");
            var received = await orders.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10 });
            await orders.DeleteAsync(received.Single(m => m.GetBodyAsString() == "deleted"));
            await orders.ChangeVisibilityAsync(received.Single(m => m.GetBodyAsString() == "visible"), TimeSpan.Zero);
            broker.CreateQueue("audit");
            broker.CreateQueue("gone");
            var events = broker.CreateTopic("events");
            events.Subscribe(broker.GetQueue("audit"));
            events.Subscribe(orders);
            events.Subscribe(broker.GetQueue("gone"));
            broker.DeleteQueue("gone"); // its subscription stays in the journal, but is not restored
            broker.CreateTopic("alerts");
        }

        using var restarted = Open();

        var report = restarted.Recovery!;
        Assert.Equal(2, report.Queues);
        Assert.Equal(3, report.Messages); // visible, in flight, delayed
        Assert.Equal(2, report.Topics);
        Assert.Equal(2, report.Subscriptions);
        Assert.Equal((0, 0L), (report.Streams, report.StreamRecords));
        Assert.Equal(1, report.Segments);

        // 3 queues created, 4 sends, 1 receive, 1 delete, 1 visibility change, 2 topics, 3 subscriptions, 1 queue deleted
        Assert.Equal(16, report.Records);
        Assert.Null(report.CutTail);
        Assert.StartsWith("Recovered 2 queues (3 messages), 2 topics (2 subscriptions), 0 streams (0 records) from 16 journal records in 1 segments in ", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_whose_retention_ended_while_the_broker_was_down_are_not_counted()
    {
        using (var broker = Open())
        {
            await broker.CreateQueue("orders", new QueueOptions { MessageRetentionPeriod = TimeSpan.FromMinutes(1) }).SendAsync("old");
        }

        time.Advance(TimeSpan.FromMinutes(2));
        using var restarted = Open();

        Assert.Equal((1, 0L), (restarted.Recovery!.Queues, restarted.Recovery.Messages));
    }

    [Fact]
    public async Task A_torn_tail_is_cut_and_reported_with_its_file_and_offset()
    {
        using (var broker = Open())
        {
            await broker.CreateQueue("orders").SendAsync("acknowledged");
        }

        var segment = Directory.EnumerateFiles(directory, "*.journal").Single();
        var goodLength = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write([0x10, 0x20, 0x30, 0x40, 0x50, 0x00, 0x00]); // a record the crash interrupted
        }

        using var restarted = Open();

        var cut = restarted.Recovery!.CutTail;
        Assert.NotNull(cut);
        Assert.Contains(Path.GetFileName(segment), cut, StringComparison.Ordinal);
        Assert.Contains($"offset {goodLength}", cut, StringComparison.Ordinal);
        Assert.Equal((2L, 1L), (restarted.Recovery.Records, restarted.Recovery.Messages));
        Assert.Contains("; cut a torn tail: ", restarted.Recovery.ToString(), StringComparison.Ordinal);
    }

    private MessageBroker Open() => new(new BrokerOptions { Storage = new DurableStorage { Directory = directory } }, time);
}
