using System.Text.Json.Serialization;

namespace Broker.Hosting.Tests.Typed;

/// <summary>A message type for the typed producer tests.</summary>
public sealed record Order(string OrderId, decimal Amount);

/// <summary>A source-generated context with snake_case names, so a test can see that it, not reflection, wrote the body.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(Order))]
internal sealed partial class SnakeCaseContext : JsonSerializerContext;
