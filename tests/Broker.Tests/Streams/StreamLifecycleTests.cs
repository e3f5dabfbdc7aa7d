using Broker.Streams;

namespace Broker.Tests.Streams;

public sealed class StreamLifecycleTests : StreamFixture
{
    [Theory]
    [InlineData("a")]
    [InlineData("Orders_2024-Q1.v2")]
    [InlineData("0123456789-_.abcxyzABCXYZ")]
    public void Create_accepts_names_of_letters_digits_hyphens_underscores_and_dots(string name)
    {
        var stream = Broker.CreateStream(name);

        Assert.Equal(name, stream.Name);
        Assert.Equal(name, Broker.GetStream(name).Name);
    }

    [Fact]
    public void Create_accepts_a_name_of_exactly_128_characters()
    {
        var name = new string('s', 128);

        Assert.Equal(name, Broker.CreateStream(name).Name);
    }

    public static TheoryData<string> InvalidNames => new()
    {
        string.Empty,
        new string('s', 129),
        "orders/high",
        "orders high",
        "\u00F6rders",
        "orders!",
        "orders:1",
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Create_refuses_an_invalid_name_with_ValidationException(string name)
    {
        ThrowsBroker(BrokerErrorCodes.ValidationException, () => Broker.CreateStream(name));

        Assert.Empty(Broker.ListStreams());
    }

    [Fact]
    public void Create_refuses_an_existing_name_with_ResourceInUseException_and_keeps_the_first_stream()
    {
        var first = Create("orders", shards: 2);

        ThrowsBroker(BrokerErrorCodes.ResourceInUseException, () => Broker.CreateStream("orders", new StreamOptions { ShardCount = 3 }));

        Assert.Equal(2, Broker.GetStream("orders").Describe().OpenShardCount);
        Assert.Single(Broker.ListStreams());
        Assert.Equal(first.Arn, Broker.GetStream("orders").Arn);
    }

    [Fact]
    public void The_arn_names_the_region_the_account_and_the_stream()
    {
        var stream = Broker.CreateStream("orders");

        Assert.Equal("arn:aws:kinesis:us-east-1:000000000000:stream/orders", stream.Arn);
    }

    [Fact]
    public void The_arn_follows_the_brokers_region_and_account()
    {
        using var broker = new MessageBroker(new BrokerOptions { Region = "eu-west-1", AccountId = "123456789012" }, Time);

        Assert.Equal("arn:aws:kinesis:eu-west-1:123456789012:stream/orders", broker.CreateStream("orders").Arn);
    }

    [Fact]
    public void Get_finds_a_stream_by_name_and_by_arn()
    {
        var stream = Broker.CreateStream("orders");
        Broker.CreateStream("other");

        Assert.Equal("orders", Broker.GetStream("orders").Name);
        Assert.Equal("orders", Broker.GetStream(stream.Arn).Name);
        Assert.True(Broker.TryGetStream(stream.Arn, out var byArn));
        Assert.Equal("orders", byArn.Name);
        Assert.True(Broker.TryGetStream("orders", out var byName));
        Assert.Equal(stream.Arn, byName.Arn);
    }

    [Fact]
    public void Get_of_an_unknown_stream_is_ResourceNotFoundException()
    {
        Broker.CreateStream("orders");

        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => Broker.GetStream("Orders"));
        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => Broker.GetStream("arn:aws:kinesis:us-east-1:000000000000:stream/missing"));
        Assert.False(Broker.TryGetStream("missing", out var none));
        Assert.Null(none);
    }

    [Theory]
    [InlineData("arn:aws:kinesis:eu-west-1:000000000000:stream/orders")]
    [InlineData("arn:aws:kinesis:us-east-1:111111111111:stream/orders")]
    [InlineData("arn:aws:sqs:us-east-1:000000000000:stream/orders")]
    [InlineData("arn:aws:kinesis:us-east-1:000000000000:stream/orders/consumer/x:1")]
    public void Get_by_an_arn_of_another_region_account_or_service_is_ResourceNotFoundException(string arn)
    {
        Broker.CreateStream("orders");

        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => Broker.GetStream(arn));
        Assert.False(Broker.TryGetStream(arn, out _));
    }

    [Fact]
    public void List_returns_every_stream_in_ordinal_name_order()
    {
        Broker.CreateStream("b");
        Broker.CreateStream("a");
        Broker.CreateStream("B");
        Broker.CreateStream("a.1");

        Assert.Equal(["B", "a", "a.1", "b"], Broker.ListStreams().Select(s => s.Name));
    }

    [Fact]
    public void Delete_removes_the_stream_by_name_and_frees_the_name()
    {
        Broker.CreateStream("orders", new StreamOptions { ShardCount = 2 });
        Broker.CreateStream("other");

        Broker.DeleteStream("orders");

        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => Broker.GetStream("orders"));
        Assert.Equal(["other"], Broker.ListStreams().Select(s => s.Name));
        Assert.Equal(3, Broker.CreateStream("orders", new StreamOptions { ShardCount = 3 }).Describe().OpenShardCount);
    }

    [Fact]
    public void Delete_removes_the_stream_by_arn()
    {
        var stream = Broker.CreateStream("orders");

        Broker.DeleteStream(stream.Arn);

        Assert.False(Broker.TryGetStream("orders", out _));
    }

    [Fact]
    public void Delete_of_an_unknown_stream_is_ResourceNotFoundException()
    {
        ThrowsBroker(BrokerErrorCodes.ResourceNotFoundException, () => Broker.DeleteStream("missing"));
    }

    [Fact]
    public void Delete_of_a_stream_with_a_registered_consumer_needs_enforceConsumerDeletion()
    {
        var stream = Broker.CreateStream("orders");
        stream.RegisterConsumer("reader");

        ThrowsBroker(BrokerErrorCodes.ResourceInUseException, () => Broker.DeleteStream("orders"));
        Assert.True(Broker.TryGetStream("orders", out _));

        Broker.DeleteStream("orders", enforceConsumerDeletion: true);

        Assert.False(Broker.TryGetStream("orders", out _));
    }

    [Fact]
    public void Delete_of_a_stream_whose_consumers_were_deregistered_needs_no_enforcement()
    {
        var stream = Broker.CreateStream("orders");
        stream.RegisterConsumer("reader");
        stream.DeregisterConsumer("reader");

        Broker.DeleteStream("orders");

        Assert.False(Broker.TryGetStream("orders", out _));
    }

    [Fact]
    public void Describe_reports_the_streams_settings_and_state()
    {
        Time.Advance(TimeSpan.FromMinutes(90));
        var created = Now;
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = 3, RetentionPeriod = TimeSpan.FromHours(48), MaxRecordSizeInKiB = 2048 });
        stream.RegisterConsumer("a");
        stream.RegisterConsumer("b");
        Time.Advance(TimeSpan.FromMinutes(1));

        var description = stream.Describe();

        Assert.Equal("orders", description.StreamName);
        Assert.Equal(stream.Arn, description.StreamArn);
        Assert.Equal("ACTIVE", description.StreamStatus);
        Assert.Equal(TimeSpan.FromHours(48), description.RetentionPeriod);
        Assert.Equal(3, description.OpenShardCount);
        Assert.Equal(2048, description.MaxRecordSizeInKiB);
        Assert.Equal(created, description.StreamCreationTimestamp);
        Assert.Equal(2, description.ConsumerCount);
    }

    [Fact]
    public void Describe_of_a_stream_created_with_defaults_shows_AWS_defaults()
    {
        var description = Broker.CreateStream("orders").Describe();

        Assert.Equal(4, description.OpenShardCount);
        Assert.Equal(TimeSpan.FromHours(24), description.RetentionPeriod);
        Assert.Equal(1024, description.MaxRecordSizeInKiB);
        Assert.Equal(0, description.ConsumerCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10_000)]
    public void Create_accepts_a_shard_count_at_either_end_of_1_to_10000(int shards)
    {
        var stream = Broker.CreateStream("orders", new StreamOptions { ShardCount = shards });

        Assert.Equal(shards, stream.Describe().OpenShardCount);
        Assert.Equal(shards, stream.ListShards().Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void Create_refuses_a_shard_count_outside_1_to_10000_with_InvalidArgumentException(int shards)
    {
        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => Broker.CreateStream("orders", new StreamOptions { ShardCount = shards }));

        Assert.Empty(Broker.ListStreams());
    }

    [Theory]
    [InlineData(24)]
    [InlineData(25)]
    [InlineData(8_760)]
    public void Create_accepts_a_retention_of_whole_hours_from_24_to_8760(int hours)
    {
        var stream = Broker.CreateStream("orders", new StreamOptions { RetentionPeriod = TimeSpan.FromHours(hours) });

        Assert.Equal(TimeSpan.FromHours(hours), stream.Describe().RetentionPeriod);
    }

    public static TheoryData<TimeSpan> InvalidRetentions => new()
    {
        TimeSpan.FromHours(23),
        TimeSpan.FromHours(24) - TimeSpan.FromTicks(1),
        TimeSpan.FromHours(8_761),
        TimeSpan.FromHours(24.5),
        TimeSpan.Zero,
    };

    [Theory]
    [MemberData(nameof(InvalidRetentions))]
    public void Create_refuses_a_retention_outside_whole_hours_24_to_8760_with_InvalidArgumentException(TimeSpan retention)
    {
        ThrowsBroker(BrokerErrorCodes.InvalidArgumentException, () => Broker.CreateStream("orders", new StreamOptions { RetentionPeriod = retention }));

        Assert.Empty(Broker.ListStreams());
    }

    [Theory]
    [InlineData(1_024)]
    [InlineData(10_240)]
    public void Create_accepts_a_max_record_size_from_1024_to_10240_KiB(int kib)
    {
        Assert.Equal(kib, Broker.CreateStream("orders", new StreamOptions { MaxRecordSizeInKiB = kib }).Describe().MaxRecordSizeInKiB);
    }

    [Theory]
    [InlineData(1_023)]
    [InlineData(10_241)]
    [InlineData(0)]
    public void Create_refuses_a_max_record_size_outside_1024_to_10240_KiB_with_ValidationException(int kib)
    {
        ThrowsBroker(BrokerErrorCodes.ValidationException, () => Broker.CreateStream("orders", new StreamOptions { MaxRecordSizeInKiB = kib }));

        Assert.Empty(Broker.ListStreams());
    }

    [Theory]
    [InlineData(1_023)]
    [InlineData(10_241)]
    public void UpdateMaxRecordSize_refuses_a_size_outside_1024_to_10240_KiB_with_ValidationException(int kib)
    {
        var stream = Broker.CreateStream("orders");

        ThrowsBroker(BrokerErrorCodes.ValidationException, () => stream.UpdateMaxRecordSize(kib));

        Assert.Equal(1024, stream.Describe().MaxRecordSizeInKiB);
    }

    [Fact]
    public void UpdateMaxRecordSize_shows_in_Describe()
    {
        var stream = Broker.CreateStream("orders");

        stream.UpdateMaxRecordSize(10_240);

        Assert.Equal(10_240, stream.Describe().MaxRecordSizeInKiB);
    }

    [Fact]
    public void Streams_of_one_broker_are_independent()
    {
        var a = Create("a", shards: 1);
        var b = Create("b", shards: 2);

        Assert.Single(a.ListShards());
        Assert.Equal(2, b.ListShards().Count);
        Assert.Equal(ShardId(0), a.ListShards()[0].ShardId);
    }
}
