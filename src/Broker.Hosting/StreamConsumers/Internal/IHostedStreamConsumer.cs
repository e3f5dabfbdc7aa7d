using Broker.Streams.Processing;

namespace Broker.Hosting.Internal;

/// <summary>
/// What a hosted stream consumer shows of itself to Broker.Testing's harness, which finds it among the host's hosted
/// services: the stream it reads, its consumer group, and its processor once started (whose loops report when they have
/// all parked on the clock).
/// </summary>
internal interface IHostedStreamConsumer
{
    /// <summary>The stream read.</summary>
    string StreamName { get; }

    /// <summary>The consumer group (the processor's application name).</summary>
    string ConsumerGroup { get; }

    /// <summary>The handler's type.</summary>
    Type HandlerType { get; }

    /// <summary>The processor, from start until disposal; null before the host starts.</summary>
    StreamProcessor? Processor { get; }
}
