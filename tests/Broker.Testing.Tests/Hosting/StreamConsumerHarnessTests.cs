using System.Text;
using Broker.Hosting;
using Broker.Streams;
using Broker.Streams.Processing;
using Broker.Testing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Broker.Testing.Tests.Hosting;

/// <summary>In a host: AdvanceAsync moves a hosted stream consumer to its next read and waits until it has handled the batch.</summary>
public sealed class StreamConsumerHarnessTests
{
    [Fact]
    public async Task AdvanceAsync_waits_until_a_hosted_stream_consumer_has_handled_the_records_put()
    {
        var gate = new Gate();
        var seen = new Recorder();
        await using var host = await TestHost.StartAsync(services => services
            .AddSingleton(gate)
            .AddSingleton(seen)
            .AddBroker(b => b.AddStream("clicks"))
            .AddStreamConsumer<Click, GatedClickHandler>("clicks", "counter", o => o.InitialPosition = InitialPosition.TrimHorizon)
            .AddBrokerTestHarness());
        var harness = host.Harness;
        await harness.WaitForIdleAsync();
        var stream = harness.Broker.GetStream("clicks");
        await stream.PutRecordAsync(new PutRecordRequest("user-1", Encoding.UTF8.GetBytes("""{"Page":"home"}""")));
        await stream.PutRecordAsync(new PutRecordRequest("user-1", Encoding.UTF8.GetBytes("""{"Page":"cart"}""")));

        var advance = harness.AdvanceAsync(TimeSpan.FromSeconds(1)).AsTask();
        await gate.Entered.WaitAsync(Gate.Bound);
        Assert.False(advance.IsCompleted); // the consumer's handler holds the batch
        gate.Open();
        await advance.WaitAsync(Gate.Bound);

        Assert.Equal(["home", "cart"], seen.Pages);
        Assert.Equal(2, harness.Put("clicks").Count);
    }

    public sealed record Click(string Page);

    public sealed class Recorder
    {
        private readonly List<string> pages = [];

        public IReadOnlyList<string> Pages
        {
            get
            {
                lock (pages)
                {
                    return [.. pages];
                }
            }
        }

        public void Add(string page)
        {
            lock (pages)
            {
                pages.Add(page);
            }
        }
    }

    public sealed class GatedClickHandler(Gate gate, Recorder seen) : IStreamRecordHandler<Click>
    {
        public async ValueTask HandleAsync(IReadOnlyList<StreamItem<Click>> records, StreamBatchContext context, CancellationToken cancellationToken)
        {
            await gate.PassAsync();
            foreach (var record in records)
            {
                seen.Add(record.Data.Page);
            }
        }
    }
}
