using Broker.Durability.Internal;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.Tests.Durability;

/// <summary>The payload layout of journal records: what is written reads back, and a short or malformed payload is refused.</summary>
public sealed class PayloadCodecTests
{
    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Every_field_reads_back_as_written()
        => Prop.ForAll(ArbMap.Default.ArbFor<(long, ulong, NonNegativeInt, string?, byte[], bool)>(), values =>
        {
            var (fixedSigned, fixedUnsigned, count, text, bytes, flag) = values;
            using var writer = new PayloadWriter(8);
            writer.WriteInt64(fixedSigned);
            writer.WriteUInt64(fixedUnsigned);
            writer.WriteVarInt(count.Get);
            writer.WriteVarUInt(fixedUnsigned);
            writer.WriteNullableString(text);
            writer.WriteBytes(bytes);
            writer.WriteBoolean(flag);

            var reader = new PayloadReader(writer.Written);
            return reader.ReadInt64() == fixedSigned
                && reader.ReadUInt64() == fixedUnsigned
                && reader.ReadVarInt() == count.Get
                && reader.ReadVarUInt() == fixedUnsigned
                && reader.ReadNullableString() == RoundTripped(text)
                && reader.ReadBytes().SequenceEqual(bytes)
                && reader.ReadBoolean() == flag
                && reader.AtEnd;
        });

    [Theory]
    [InlineData(0ul, 1)]
    [InlineData(127ul, 1)]
    [InlineData(128ul, 2)]
    [InlineData(16_383ul, 2)]
    [InlineData(ulong.MaxValue, 10)]
    public void Varints_take_one_byte_per_seven_bits(ulong value, int bytes)
    {
        using var writer = new PayloadWriter(1);
        writer.WriteVarUInt(value);

        Assert.Equal(bytes, writer.Written.Length);
    }

    [Fact]
    public void A_length_that_runs_past_the_record_is_refused_before_anything_is_allocated()
    {
        using var writer = new PayloadWriter(16);
        writer.WriteVarInt(1_000_000);
        writer.WriteByte(1);
        var payload = writer.Written.ToArray();

        var error = Assert.Throws<InvalidDataException>(() => new PayloadReader(payload).ReadBytes().ToArray());
        Assert.Contains("runs past the end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_that_ends_early_is_refused()
        => Assert.Throws<InvalidDataException>(() => new PayloadReader(new byte[3]).ReadInt64());

    [Fact]
    public void A_varint_longer_than_ten_bytes_is_refused()
        => Assert.Throws<InvalidDataException>(() => new PayloadReader(Enumerable.Repeat((byte)0xFF, 11).ToArray()).ReadVarUInt());

    [Fact]
    public void A_boolean_byte_other_than_0_or_1_is_refused()
        => Assert.Throws<InvalidDataException>(() => new PayloadReader([2]).ReadBoolean());

    [Fact]
    public void Growing_past_the_first_buffer_keeps_what_was_written()
    {
        using var writer = new PayloadWriter(1);
        var big = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        writer.WriteString("before");
        writer.WriteBytes(big);

        var reader = new PayloadReader(writer.Written);
        Assert.Equal("before", reader.ReadString());
        Assert.Equal(big, reader.ReadBytes().ToArray());
    }

    // A string with unpaired surrogates does not survive UTF-8; the broker validates bodies and names before they get here.
    private static string? RoundTripped(string? text)
        => text is null ? null : System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text));
}
