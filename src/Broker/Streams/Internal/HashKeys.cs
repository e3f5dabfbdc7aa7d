using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Broker.Streams.Internal;

/// <summary>The 128-bit hash key space: MD5 routing, decimal parsing, and CreateStream's even split.</summary>
internal static class HashKeys
{
    /// <summary>MD5 of the key's UTF-8 bytes, read big-endian as an unsigned 128-bit integer (as Kinesis and the KPL do).</summary>
    public static UInt128 Of(string partitionKey)
    {
        var byteCount = Encoding.UTF8.GetByteCount(partitionKey);
        var bytes = byteCount <= 1024 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(partitionKey, bytes);
        Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
#pragma warning disable CA5351 // MD5 is Kinesis's routing function, not a security measure.
        MD5.HashData(bytes, hash);
#pragma warning restore CA5351
        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    /// <summary>Kinesis's pattern <c>0|([1-9]\d{0,38})</c>, and the value within 0 to 2^128 − 1.</summary>
    public static bool TryParse(string? text, out UInt128 value)
    {
        value = default;
        return text is { Length: > 0 and <= 39 }
            && (text.Length == 1 || text[0] != '0')
            && UInt128.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    public static string Format(UInt128 value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The ranges CreateStream gives n shards: step = floor(2^128 / n), the last one ends at 2^128 − 1.</summary>
    public static (UInt128 Start, UInt128 End)[] EvenSplit(int count)
    {
        // floor(2^128 / n) computed without 2^128: (2^128 − 1) / n, plus one when n divides 2^128 exactly (n a power of two).
        var step = UInt128.MaxValue / (uint)count;
        if (UInt128.MaxValue % (uint)count == (uint)count - 1)
        {
            step++;
        }

        var ranges = new (UInt128, UInt128)[count];
        for (var i = 0; i < count; i++)
        {
            var start = step * (uint)i;
            ranges[i] = (start, i == count - 1 ? UInt128.MaxValue : start + step - 1);
        }

        return ranges;
    }
}
