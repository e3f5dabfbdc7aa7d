namespace Broker.Hosting.Internal;

/// <summary>Broker resources are keyed services whose key is the resource's name.</summary>
internal static class ServiceKeys
{
    public static string Name(object? serviceKey, string kind) =>
        serviceKey as string ?? throw new InvalidOperationException(
            $"A broker {kind} is resolved by its name: the service key must be a string, not {serviceKey?.GetType().Name ?? "null"}.");
}
