namespace Broker.Queues;

/// <summary>What a send does when the queue is at its <see cref="QueueOptions.MaximumDepth"/> or <see cref="QueueOptions.MaximumBytes"/>.</summary>
public enum QueueFullMode
{
    /// <summary>The send waits (asynchronously, honouring its cancellation token) until deletes, expiries or a purge make room.</summary>
    Wait = 0,

    /// <summary>The send fails at once with <see cref="BrokerErrorCodes.OverLimit"/>.</summary>
    Fail = 1,
}
