using System.Text;
using Broker.Durability.Internal;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.Tests.Durability;

/// <summary>CRC-32C, the checksum of every journal record: the published check values, and the fast path against the table.</summary>
public sealed class Crc32CTests
{
    [Theory]
    [InlineData("123456789", 0xE3069283u)] // the standard check value of CRC-32C
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    public void Compute_gives_the_published_check_values(string text, uint expected)
        => Assert.Equal(expected, Crc32C.Compute(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Compute_gives_the_iSCSI_test_vectors_of_RFC_3720()
    {
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property The_hardware_path_agrees_with_the_table_for_any_bytes_and_any_split()
        => Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), ArbMap.Default.ArbFor<NonNegativeInt>(), (bytes, split) =>
        {
            var portable = ~Crc32C.AppendPortable(~0u, bytes);
            var at = bytes.Length == 0 ? 0 : split.Get % (bytes.Length + 1);
            return Crc32C.Compute(bytes) == portable && Crc32C.Compute(bytes.AsSpan(0, at), bytes.AsSpan(at)) == portable;
        });
}
