namespace Broker.Tests;

/// <summary>The assertions every fixture shares: a call fails with a <see cref="BrokerException"/> of a given code.</summary>
public abstract class BrokerAssertions
{
    protected static async Task<BrokerException> ThrowsBroker(string code, Func<Task> action)
    {
        var error = await Assert.ThrowsAsync<BrokerException>(action);
        Assert.Equal(code, error.ErrorCode);
        return error;
    }

    protected static BrokerException ThrowsBroker(string code, Action action)
    {
        var error = Assert.Throws<BrokerException>(action);
        Assert.Equal(code, error.ErrorCode);
        return error;
    }
}
