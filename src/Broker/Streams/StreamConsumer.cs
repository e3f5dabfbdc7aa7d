namespace Broker.Streams;

/// <summary>
/// An enhanced fan-out consumer registered on a stream (Kinesis: Consumer). In-process it is <c>ACTIVE</c> as soon as
/// it is registered (Kinesis goes through <c>CREATING</c> first).
/// </summary>
/// <param name="ConsumerName">The consumer's name, unique within its stream.</param>
/// <param name="ConsumerArn"><c>{streamArn}/consumer/{name}:{creation time in epoch seconds}</c>, as Kinesis forms it.</param>
/// <param name="CreatedAt">When it was registered, on the broker's clock.</param>
public sealed record StreamConsumer(string ConsumerName, string ConsumerArn, DateTimeOffset CreatedAt);
