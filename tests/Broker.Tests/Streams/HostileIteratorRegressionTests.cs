using Broker.Streams;

namespace Broker.Tests.Streams;

/// <summary>Regressions found by the hostile-input properties (tests/Broker.PropertyTests/Hostile): each failed before its fix.</summary>
public sealed class HostileIteratorRegressionTests : StreamFixture
{
    // Iterators of the right length (43 characters) that are not base64url, or whose last character carries bits no
    // encoder writes: decoding them threw FormatException instead of answering InvalidArgumentException.
    [Theory]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")]
    public async Task A_forged_shard_iterator_that_is_not_base64url_is_refused_with_InvalidArgumentException(string iterator)
    {
        var stream = Broker.CreateStream("s");

        var error = await Assert.ThrowsAsync<BrokerException>(async () => await stream.GetRecordsAsync(iterator));

        Assert.Equal(BrokerErrorCodes.InvalidArgumentException, error.ErrorCode);
    }
}
