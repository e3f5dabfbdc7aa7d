namespace Broker.Testing.Tests.Support;

/// <summary>A message the tests send.</summary>
public sealed record Order(int Id, decimal Amount);
