using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Broker.Queues.Internal;

/// <summary>The MD5 digests SQS returns, computed exactly as SQS computes them.</summary>
internal static class MessageDigests
{
    public static string Md5Hex(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
#pragma warning disable CA5351 // MD5 is what the SQS wire contract uses for integrity digests, not security.
        MD5.HashData(data, hash);
#pragma warning restore CA5351
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// SQS's MD5OfMessageAttributes: the attributes sorted by name, each written as name, data type (each a 4-byte
    /// big-endian length and UTF-8 bytes), a transport byte (1 for String and Number, 2 for Binary) and the value
    /// (a 4-byte length and bytes), then the MD5 of the whole.
    /// </summary>
    public static string Md5OfAttributes(ReadOnlySpan<KeyValuePair<string, MessageAttributeValue>> sortedAttributes)
    {
        var writer = new ArrayBufferWriter<byte>(256);
        foreach (var (name, value) in sortedAttributes)
        {
            WriteLengthPrefixed(writer, name);
            WriteLengthPrefixed(writer, value.DataType);
            if (value.BinaryBytes is { } binary)
            {
                writer.Write([(byte)2]);
                WriteLength(writer, binary.Length);
                writer.Write(binary);
            }
            else
            {
                writer.Write([(byte)1]);
                WriteLengthPrefixed(writer, value.StringValue ?? string.Empty);
            }
        }

        return Md5Hex(writer.WrittenSpan);
    }

    private static void WriteLengthPrefixed(ArrayBufferWriter<byte> writer, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        WriteLength(writer, length);
        var span = writer.GetSpan(length);
        writer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static void WriteLength(ArrayBufferWriter<byte> writer, int length)
    {
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), length);
        writer.Advance(4);
    }
}
