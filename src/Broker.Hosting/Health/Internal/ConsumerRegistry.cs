namespace Broker.Hosting.Internal;

/// <summary>
/// The hosted consumers of one service provider, as <c>BrokerHealthCheck</c> sees them. A consumer adds its
/// <see cref="ConsumerState"/> when it starts and removes it when it has stopped. Changes take a lock (they happen at
/// start and stop only); reads take a copy.
/// </summary>
internal sealed class ConsumerRegistry
{
    private readonly Lock sync = new();
    private ConsumerState[] consumers = [];

    public IReadOnlyList<ConsumerState> Consumers => Volatile.Read(ref consumers);

    public void Add(ConsumerState state)
    {
        lock (sync)
        {
            consumers = [.. consumers, state];
        }
    }

    public void Remove(ConsumerState state)
    {
        lock (sync)
        {
            consumers = Array.FindAll(consumers, c => !ReferenceEquals(c, state));
        }
    }

    /// <summary>The running consumer of <paramref name="kind"/> reading <paramref name="source"/>, if there is exactly one.</summary>
    public ConsumerState? Find(string kind, string source)
    {
        ConsumerState? found = null;
        foreach (var consumer in Consumers)
        {
            if (consumer.Kind == kind && consumer.Source == source)
            {
                if (found is not null)
                {
                    return null;
                }

                found = consumer;
            }
        }

        return found;
    }
}
