using Broker.Queues;

namespace Broker.Tests.Queues;

/// <summary>Regressions found by the hostile-input properties (tests/Broker.PropertyTests/Hostile): each failed before its fix.</summary>
public sealed class HostileInputRegressionTests : QueueFixture
{
    // Code units, not strings: xunit cannot carry a lone surrogate in a theory's data intact.
    [Theory]
    [InlineData("", 0xD800, "")]
    [InlineData("", 0xDFFF, "")]
    [InlineData("ok", 0xDBFF, "ok")]
    [InlineData("ok", 0xDC00, "ok")]
    public async Task A_string_body_with_an_unpaired_surrogate_is_refused_rather_than_stored_altered(string before, int codeUnit, string after)
    {
        var queue = Broker.CreateQueue("q");
        var body = before + (char)codeUnit + after;

        var single = await Assert.ThrowsAsync<BrokerException>(async () => await queue.SendAsync(new SendMessageRequest(body)));
        var batch = await queue.SendBatchAsync([new SendMessageBatchEntry("e", body)]);

        Assert.Equal(BrokerErrorCodes.InvalidMessageContents, single.ErrorCode);
        Assert.Equal(BrokerErrorCodes.InvalidMessageContents, Assert.Single(batch.Failed).Code);
        Assert.Equal(0, queue.GetAttributes().ApproximateNumberOfMessages);
    }

    [Fact]
    public async Task A_string_body_with_paired_surrogates_is_still_accepted_unchanged()
    {
        var queue = Broker.CreateQueue("q");

        await queue.SendAsync(new SendMessageRequest("a\U0001F600b"));

        Assert.Equal("a\U0001F600b", (await ReceiveOne(queue)).GetBodyAsString());
    }

    // Base64url tokens of the right length whose characters are outside the alphabet, or whose last character carries
    // bits that no encoder writes: decoding them threw FormatException instead of answering ReceiptHandleIsInvalid.
    [Theory]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAB")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAA==")]
    public async Task A_forged_receipt_handle_that_is_not_base64url_is_refused_with_ReceiptHandleIsInvalid(string handle)
    {
        var queue = Broker.CreateQueue("q");
        await queue.SendAsync("m");
        await ReceiveOne(queue);

        var delete = await Assert.ThrowsAsync<BrokerException>(async () => await queue.DeleteAsync(handle));
        var change = await Assert.ThrowsAsync<BrokerException>(async () => await queue.ChangeVisibilityAsync(handle, TimeSpan.Zero));
        var batch = await queue.DeleteBatchAsync([new DeleteMessageBatchEntry("e", handle)]);

        Assert.Equal(BrokerErrorCodes.ReceiptHandleIsInvalid, delete.ErrorCode);
        Assert.Equal(BrokerErrorCodes.ReceiptHandleIsInvalid, change.ErrorCode);
        Assert.Equal(BrokerErrorCodes.ReceiptHandleIsInvalid, Assert.Single(batch.Failed).Code);
        Assert.Equal(1, queue.GetAttributes().ApproximateNumberOfMessagesNotVisible);
    }
}
