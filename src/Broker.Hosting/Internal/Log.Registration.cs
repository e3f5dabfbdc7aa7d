using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Internal;

/// <summary>Registration's log messages (event ids 100-199).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "Broker declarations applied: {QueueCount} queues, {TopicCount} topics with {SubscriptionCount} queue subscriptions, {StreamCount} streams")]
    public static partial void DeclarationsApplied(ILogger logger, int queueCount, int topicCount, int subscriptionCount, int streamCount);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Broker declarations are invalid ({ProblemCount} problems): {Problems}")]
    public static partial void DeclarationsInvalid(ILogger logger, int problemCount, string problems);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Broker journal {Directory}: {Recovery}")]
    public static partial void Recovered(ILogger logger, string directory, Durability.RecoveryReport recovery);
}
