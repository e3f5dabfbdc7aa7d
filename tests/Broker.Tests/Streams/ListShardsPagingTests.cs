using Broker.Streams;

namespace Broker.Tests.Streams;

/// <summary>ListShards with MaxResults, NextToken and ExclusiveStartShardId (kinesis.md §1.11).</summary>
public sealed class ListShardsPagingTests : StreamFixture
{
    [Fact]
    public void Pages_of_MaxResults_follow_NextToken_to_every_shard_in_id_order()
    {
        var stream = Create(shards: 7);

        var first = stream.ListShards(new ListShardsRequest { MaxResults = 3 });
        var second = stream.ListShards(new ListShardsRequest { NextToken = first.NextToken });

        Assert.Equal(Ids(0, 1, 2), first.Shards.Select(s => s.ShardId));
        Assert.NotNull(first.NextToken);
        Assert.Equal(Ids(3, 4, 5, 6), second.Shards.Select(s => s.ShardId));
        Assert.Null(second.NextToken);
    }

    [Fact]
    public void A_page_that_holds_the_last_shard_exactly_has_no_NextToken()
    {
        var stream = Create(shards: 4);

        var page = stream.ListShards(new ListShardsRequest { MaxResults = 4 });

        Assert.Equal(4, page.Shards.Count);
        Assert.Null(page.NextToken);
    }

    [Fact]
    public void At_most_1000_shards_come_back_even_when_MaxResults_asks_for_more()
    {
        var stream = Create(shards: 1001);

        var first = stream.ListShards(new ListShardsRequest { MaxResults = 10_000 });
        var rest = stream.ListShards(new ListShardsRequest { NextToken = first.NextToken });

        Assert.Equal(1000, first.Shards.Count);
        Assert.Equal(ShardId(1000), Assert.Single(rest.Shards).ShardId);
    }

    [Fact]
    public void ExclusiveStartShardId_lists_the_shards_after_it()
    {
        var stream = Create(shards: 5);

        var page = stream.ListShards(new ListShardsRequest { ExclusiveStartShardId = ShardId(2) });

        Assert.Equal(Ids(3, 4), page.Shards.Select(s => s.ShardId));
    }

    [Fact]
    public void The_token_keeps_the_filter_of_the_first_page()
    {
        var stream = Create(shards: 4);
        stream.SplitShard(ShardId(0), Dec(HashSpace / 16));
        stream.SplitShard(ShardId(1), Dec((HashSpace / 4) + (HashSpace / 16)));

        var first = stream.ListShards(new ListShardsRequest { MaxResults = 2, ShardFilter = new ShardFilter(ShardFilterType.AtLatest) });
        var second = stream.ListShards(new ListShardsRequest { NextToken = first.NextToken, MaxResults = 10 });

        // Open now: 2, 3 and the four children 4–7; the closed parents 0 and 1 are not listed on any page.
        Assert.Equal(Ids(2, 3), first.Shards.Select(s => s.ShardId));
        Assert.Equal(Ids(4, 5, 6, 7), second.Shards.Select(s => s.ShardId));
    }

    [Fact]
    public void A_shard_created_between_pages_is_listed_on_a_later_page()
    {
        var stream = Create(shards: 3);
        var first = stream.ListShards(new ListShardsRequest { MaxResults = 2 });

        stream.SplitShard(ShardId(0), Dec(HashSpace / 8));
        var second = stream.ListShards(new ListShardsRequest { NextToken = first.NextToken });

        Assert.Equal(Ids(2, 3, 4), second.Shards.Select(s => s.ShardId));
    }

    [Fact]
    public void A_token_is_valid_for_five_minutes()
    {
        var stream = Create(shards: 3);
        var first = stream.ListShards(new ListShardsRequest { MaxResults = 1 });
        var reused = stream.ListShards(new ListShardsRequest { MaxResults = 1 });

        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(Ids(1), stream.ListShards(new ListShardsRequest { NextToken = first.NextToken, MaxResults = 1 }).Shards.Select(s => s.ShardId));
        Time.Advance(TimeSpan.FromMilliseconds(1));
        var error = Assert.Throws<BrokerException>(() => stream.ListShards(new ListShardsRequest { NextToken = reused.NextToken }));

        Assert.Equal(BrokerErrorCodes.ExpiredNextTokenException, error.ErrorCode);
        Assert.Contains("5 minutes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_cannot_be_combined_with_ExclusiveStartShardId_or_a_filter()
    {
        var stream = Create(shards: 3);
        var token = stream.ListShards(new ListShardsRequest { MaxResults = 1 }).NextToken;

        var withStart = Assert.Throws<BrokerException>(() => stream.ListShards(new ListShardsRequest { NextToken = token, ExclusiveStartShardId = ShardId(0) }));
        var withFilter = Assert.Throws<BrokerException>(() => stream.ListShards(new ListShardsRequest { NextToken = token, ShardFilter = new ShardFilter(ShardFilterType.AtLatest) }));

        Assert.Equal(BrokerErrorCodes.InvalidArgumentException, withStart.ErrorCode);
        Assert.Equal(BrokerErrorCodes.InvalidArgumentException, withFilter.ErrorCode);
    }

    [Fact]
    public void A_token_of_another_stream_or_a_forged_one_is_refused()
    {
        var stream = Create("a", shards: 3);
        var other = Create("b", shards: 3);
        var token = other.ListShards(new ListShardsRequest { MaxResults = 1 }).NextToken!;
        var flipped = (token[5] == 'A' ? 'B' : 'A') + string.Empty;

        // The last two have the right length: one character outside the base64url alphabet, one with non-zero trailing bits.
        foreach (var bad in new[] { token, "garbage", string.Empty, token[..5] + flipped + token[6..], token[..5] + "!" + token[6..], token[..^1] + "B" })
        {
            var error = Assert.Throws<BrokerException>(() => stream.ListShards(new ListShardsRequest { NextToken = bad }));
            Assert.Equal(BrokerErrorCodes.InvalidArgumentException, error.ErrorCode);
        }
    }

    [Fact]
    public void A_token_of_a_deleted_and_recreated_stream_is_refused()
    {
        var stream = Create("s", shards: 3);
        var token = stream.ListShards(new ListShardsRequest { MaxResults = 1 }).NextToken;
        Broker.DeleteStream("s");
        var recreated = Create("s", shards: 3);

        var error = Assert.Throws<BrokerException>(() => recreated.ListShards(new ListShardsRequest { NextToken = token }));

        Assert.Equal(BrokerErrorCodes.InvalidArgumentException, error.ErrorCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void MaxResults_outside_1_to_10000_is_a_validation_error(int maxResults)
    {
        var stream = Create(shards: 2);

        var error = Assert.Throws<BrokerException>(() => stream.ListShards(new ListShardsRequest { MaxResults = maxResults }));

        Assert.Equal(BrokerErrorCodes.ValidationException, error.ErrorCode);
        Assert.Contains("between 1 and 10000", error.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Ids(params int[] indexes) => indexes.Select(ShardId);
}
