using System.Text.Json;
using Broker.Durability;
using Broker.Hosting.Internal;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Tests.Registration;

/// <summary>Durable mode declared in configuration (<c>Broker:Storage</c>, <c>Durable</c> per queue and stream) or in code.</summary>
public sealed class DurableConfigurationTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("broker-hosting-storage-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Storage_keys_are_read_whatever_the_case_of_the_policy()
    {
        using var provider = Provider($$"""
            { "Broker": { "Storage": { "Directory": {{Json(directory)}}, "Policy": "batched", "FlushInterval": "00:00:00.250",
                                       "SegmentSize": 1048576, "CompactAfterBytes": 4194304 } } }
            """);

        var broker = provider.GetRequiredService<MessageBroker>();

        Assert.Equal(
            new DurableStorage { Directory = directory, Policy = DurabilityPolicy.Batched, FlushInterval = TimeSpan.FromMilliseconds(250), SegmentSize = 1024 * 1024, CompactAfterBytes = 4 * 1024 * 1024 },
            broker.Options.Storage);
        Assert.NotNull(broker.Recovery);
    }

    [Fact]
    public async Task A_queue_declared_in_configuration_keeps_its_messages_across_a_restart_of_the_container_and_a_scratch_queue_does_not()
    {
        var json = $$"""
            { "Broker": { "Storage": { "Directory": {{Json(directory)}} },
                          "Queues": { "orders": {}, "previews": { "Durable": false } },
                          "Streams": { "clicks": { "Durable": false } } } }
            """;
        using (var provider = Provider(json))
        {
            Assert.False(provider.GetRequiredKeyedService<IMessageQueue>("previews").GetAttributes().Options.Durable);
            Assert.False(provider.GetRequiredService<BrokerDeclarations>().Streams["clicks"].Options.Durable);
            await provider.GetRequiredKeyedService<IMessageQueue>("orders").SendAsync("kept");
            await provider.GetRequiredKeyedService<IMessageQueue>("previews").SendAsync("lost");
        }

        using var restarted = Provider(json);
        var broker = restarted.GetRequiredService<MessageBroker>();

        Assert.Equal(1, broker.Recovery!.Queues);
        Assert.Equal(["kept"], (await restarted.GetRequiredKeyedService<IMessageQueue>("orders").ReceiveAsync()).Select(m => m.GetBodyAsString()));
        Assert.Empty(await restarted.GetRequiredKeyedService<IMessageQueue>("previews").ReceiveAsync());
    }

    [Fact]
    public async Task The_host_logs_what_a_durable_broker_recovered()
    {
        var json = $$"""{ "Broker": { "Storage": { "Directory": {{Json(directory)}} }, "Queues": { "orders": {} } } }""";
        using (var first = Provider(json))
        {
            await first.GetRequiredKeyedService<IMessageQueue>("orders").SendAsync("kept");
        }

        using var logs = new Subscribers.LogSignals();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(logs));
        using var restarted = services.AddBroker(TestConfiguration.Json(json)).BuildServiceProvider();
        _ = restarted.GetRequiredService<BrokerRuntime>();

        var entry = Assert.Single(logs.Entries, e => e.EventId == 102);
        Assert.Contains(directory, entry.Message, StringComparison.Ordinal);
        Assert.Contains("Recovered 1 queues (1 messages)", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Storage_can_be_set_in_code_with_WithOptions()
    {
        var storage = new DurableStorage { Directory = directory, Policy = DurabilityPolicy.None };
        using var provider = new ServiceCollection()
            .AddBroker(b => b.WithOptions(o => o with { Storage = storage }))
            .BuildServiceProvider();
        _ = provider.GetRequiredService<BrokerRuntime>();

        Assert.Equal(storage, provider.GetRequiredService<MessageBroker>().Options.Storage);
    }

    [Fact]
    public void Code_after_configuration_changes_the_configured_storage()
    {
        using var provider = new ServiceCollection()
            .AddBroker(
                TestConfiguration.Pairs(("Storage:Directory", directory), ("Storage:Policy", "None")),
                b => b.WithOptions(o => o with { Storage = o.Storage! with { Policy = DurabilityPolicy.Always } }))
            .BuildServiceProvider();

        Assert.Equal(new DurableStorage { Directory = directory }, provider.GetRequiredService<MessageBroker>().Options.Storage);
    }

    [Fact]
    public void Values_that_do_not_parse_are_reported_with_their_paths_and_the_broker_stays_in_memory()
    {
        var failures = Failures($$"""
            { "Broker": { "Storage": { "Directory": {{Json(directory)}}, "Policy": "Sometimes", "FlushInterval": "100ms", "SegmentSize": "64MB", "Directroy": "x" },
                          "Queues": { "orders": { "Durable": "maybe" } },
                          "Streams": { "clicks": { "Durable": "no" } } } }
            """);

        Assert.Collection(
            failures,
            f => Assert.StartsWith("Broker:Storage:Directroy: unknown setting 'Directroy' (did you mean 'Directory'?); the settings here are Directory, Policy, FlushInterval, SegmentSize, CompactAfterBytes.", f),
            f => Assert.Equal("Broker:Storage:Policy: 'Sometimes' is not one of Always, Batched, None.", f),
            f => Assert.Equal("Broker:Storage:FlushInterval: '100ms' is not a TimeSpan; use hh:mm:ss or d.hh:mm:ss, e.g. 00:00:00.1000000.", f),
            f => Assert.Equal("Broker:Storage:SegmentSize: '64MB' is not a whole number.", f),
            f => Assert.Equal("Broker:Queues:orders:Durable: 'maybe' is not a boolean; use true or false.", f),
            f => Assert.Equal("Broker:Streams:clicks:Durable: 'no' is not a boolean; use true or false.", f));
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
    }

    [Fact]
    public void Storage_without_a_directory_is_reported()
    {
        var failures = Failures("""{ "Broker": { "Storage": { "Policy": "Always" } } }""");

        Assert.Equal(["Broker:Storage:Directory: missing; name the directory of the broker's journal (created if missing; one broker per directory)."], failures);
    }

    [Fact]
    public void Storage_given_as_a_single_value_is_reported()
    {
        var failures = Failures("""{ "Broker": { "Storage": "journal" } }""");

        Assert.Equal(["Broker:Storage: 'journal' is a single value, but Storage is a section with Directory, Policy, FlushInterval, SegmentSize and CompactAfterBytes."], failures);
    }

    [Fact]
    public void A_value_out_of_the_brokers_range_is_reported_with_the_brokers_error()
    {
        var failures = Failures($$"""{ "Broker": { "Storage": { "Directory": {{Json(directory)}}, "SegmentSize": 1024 } } }""");

        Assert.Equal(
            ["Broker:Storage: InvalidParameterValue: Invalid value for BrokerOptions.Storage.SegmentSize: it is 1024 bytes. It must be at least 65536 (64 KiB; default 64 MiB)."],
            failures);
    }

    [Fact]
    public void A_value_out_of_range_declared_in_code_is_reported_with_WithOptions()
    {
        var failures = TestConfiguration.Failures(() => Resolve(new ServiceCollection()
            .AddBroker(b => b.WithOptions(new BrokerOptions { Storage = new DurableStorage { Directory = directory, FlushInterval = TimeSpan.Zero } }))));

        Assert.StartsWith("WithOptions: InvalidParameterValue: Invalid value for BrokerOptions.Storage.FlushInterval: ", Assert.Single(failures));
    }

    private static string Json(string value) => JsonSerializer.Serialize(value);

    private static ServiceProvider Provider(string json)
    {
        var provider = new ServiceCollection().AddBroker(TestConfiguration.Json(json)).BuildServiceProvider();
        _ = provider.GetRequiredService<BrokerRuntime>();
        return provider;
    }

    private static IReadOnlyList<string> Failures(string json) =>
        TestConfiguration.Failures(() => Resolve(new ServiceCollection().AddBroker(TestConfiguration.Json(json))));

    private static void Resolve(IServiceCollection services)
    {
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<BrokerRuntime>();
    }
}
