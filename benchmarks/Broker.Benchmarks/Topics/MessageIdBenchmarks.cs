using BenchmarkDotNet.Attributes;
using Broker.Topics.Internal;

namespace Broker.Benchmarks.Topics;

/// <summary>
/// A step every publish takes: its message id. The runtime's <see cref="Guid.NewGuid"/> (the kernel's entropy) is the
/// baseline; beside it what the broker did before (16 bytes of the thread-local <see cref="Random.Shared"/>, kept here
/// verbatim) and what it does now (a per-thread prefix and a mixed counter). One operation is one id.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class MessageIdBenchmarks
{
    [Benchmark(Baseline = true)]
    public Guid RuntimeGuid() => Guid.NewGuid();

    [Benchmark]
    public Guid RandomSharedFill()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    [Benchmark]
    public Guid PrefixAndMixedCounter() => MessageIds.NewGuid();
}
