using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Internal;

/// <summary>Source-generated log messages of the broker's health check (event ids 400 to 449).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Warning,
        Message = "Queue '{Queue}' names dead-letter queue '{DeadLetterTarget}' in its redrive policy, but that queue does not exist: nothing is dead-lettered, failing messages are delivered again and again.")]
    public static partial void DeadLetterQueueMissing(ILogger logger, string queue, string deadLetterTarget);
}
