namespace Broker.Benchmarks.Frameworks;

/// <summary>The typed message every framework in <see cref="HostedPipelineBenchmarks"/> sends and handles.</summary>
public sealed record OrderPlaced(int Id, string Sku, decimal Amount);
