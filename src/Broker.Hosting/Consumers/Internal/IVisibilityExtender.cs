using Broker.Queues;

namespace Broker.Hosting.Internal;

/// <summary>Extends a received message's visibility for <see cref="MessageContext.ExtendVisibilityAsync"/>.</summary>
internal interface IVisibilityExtender
{
    /// <summary>Makes <paramref name="message"/> invisible for <paramref name="visibilityTimeout"/> from now.</summary>
    ValueTask ExtendAsync(ReceivedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken);
}
