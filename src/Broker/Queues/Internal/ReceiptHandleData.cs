using System.Buffers.Binary;
using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace Broker.Queues.Internal;

/// <summary>
/// What a receipt handle names: the slot, the receive it came from, and the low half of the message's sequence (which
/// tells a slot's later occupant from the message the handle was issued for).
/// </summary>
internal readonly record struct ReceiptHandleData(int Slot, int ReceiveCount, uint SequenceLow)
{
    public bool Matches(QueueMessage message) => (uint)message.Sequence == SequenceLow;
}

/// <summary>
/// Encodes receipt handles as 26 URL-safe base64 characters: the <see cref="ReceiptHandleData"/> fields (slot, 24-bit
/// receive count, sequence low half) and a 64-bit keyed tag. The key is the queue's own random secret, so a handle from
/// another queue (or another incarnation of this one) and any edited or invented handle fail the tag check and are
/// rejected before they touch state. Every receive formats one and every delete by handle parses one, so the 19 bytes
/// are encoded and decoded by hand (the same characters <see cref="Base64Url"/> writes, canonical form only), not by
/// the general encoder, whose set-up costs more than these few characters.
/// </summary>
internal static class ReceiptHandleCodec
{
    private const int ByteLength = 4 + 3 + 4 + 8;
    public const int EncodedLength = 26;

    /// <summary>Each character's 6-bit value in the base64url alphabet, 0xFF for every other ASCII character.</summary>
    private static readonly byte[] SextetOf = BuildSextets();

    private static ReadOnlySpan<byte> Alphabet => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8;

    public static string Format(in ReceiptHandleData data, ulong key)
    {
        var bytes = default(HandleBytes);
        Span<byte> span = bytes;
        Write(data, span);
        BinaryPrimitives.WriteUInt64LittleEndian(span[11..], Tag(span[..11], key));
        return string.Create(EncodedLength, bytes, static (chars, state) => Encode(state, chars));
    }

    public static bool TryParse(string? handle, ulong key, out ReceiptHandleData data)
    {
        data = default;
        if (handle is null || handle.Length != EncodedLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[ByteLength];
        if (!TryDecode(handle, bytes)
            || BinaryPrimitives.ReadUInt64LittleEndian(bytes[11..]) != Tag(bytes[..11], key))
        {
            return false;
        }

        data = new ReceiptHandleData(
            BinaryPrimitives.ReadInt32LittleEndian(bytes),
            bytes[4] | (bytes[5] << 8) | (bytes[6] << 16),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[7..]));
        return data.Slot >= 0 && data.ReceiveCount > 0;
    }

    /// <summary>The 19 bytes as 26 base64url characters: six groups of three bytes, then the last byte's two characters.</summary>
    private static void Encode(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        var alphabet = Alphabet;
        for (int i = 0, c = 0; i < 18; i += 3, c += 4)
        {
            var group = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
            chars[c] = (char)alphabet[group >> 18];
            chars[c + 1] = (char)alphabet[(group >> 12) & 63];
            chars[c + 2] = (char)alphabet[(group >> 6) & 63];
            chars[c + 3] = (char)alphabet[group & 63];
        }

        chars[24] = (char)alphabet[bytes[18] >> 2];
        chars[25] = (char)alphabet[(bytes[18] & 3) << 4];
    }

    /// <summary>
    /// <see cref="Encode"/> backwards, for a string of <see cref="EncodedLength"/> characters. False for a character outside
    /// the alphabet or a last character with bits below the encoded ones (not the canonical form), as
    /// <see cref="TryDecodeExactly"/> is.
    /// </summary>
    private static bool TryDecode(string handle, Span<byte> bytes)
    {
        for (int i = 0, c = 0; i < 18; i += 3, c += 4)
        {
            var a = Sextet(handle[c]);
            var b = Sextet(handle[c + 1]);
            var d = Sextet(handle[c + 2]);
            var e = Sextet(handle[c + 3]);
            if ((a | b | d | e) > 63)
            {
                return false;
            }

            var group = (a << 18) | (b << 12) | (d << 6) | e;
            bytes[i] = (byte)(group >> 16);
            bytes[i + 1] = (byte)(group >> 8);
            bytes[i + 2] = (byte)group;
        }

        var last = Sextet(handle[24]);
        var tail = Sextet(handle[25]);
        if ((last | tail) > 63 || (tail & 15) != 0)
        {
            return false;
        }

        bytes[18] = (byte)((last << 2) | (tail >> 4));
        return true;
    }

    private static int Sextet(char c) => c < 128 ? SextetOf[c] : 0xFF;

    private static byte[] BuildSextets()
    {
        var sextets = new byte[128];
        Array.Fill(sextets, (byte)0xFF);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            sextets[Alphabet[i]] = (byte)i;
        }

        return sextets;
    }

    private static void Write(in ReceiptHandleData data, Span<byte> bytes)
    {
        BinaryPrimitives.WriteInt32LittleEndian(bytes, data.Slot);
        bytes[4] = (byte)data.ReceiveCount;
        bytes[5] = (byte)(data.ReceiveCount >> 8);
        bytes[6] = (byte)(data.ReceiveCount >> 16);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[7..], data.SequenceLow);
    }

    private static ulong Tag(ReadOnlySpan<byte> payload, ulong key)
    {
        var h = Mix(key ^ BinaryPrimitives.ReadUInt64LittleEndian(payload));
        return Mix(h ^ (BinaryPrimitives.ReadUInt32LittleEndian(payload[7..]) | ((ulong)payload[6] << 32)));
    }

    /// <summary>
    /// Decodes an opaque base64url token (receipt handle, shard iterator, ListShards token) that must fill
    /// <paramref name="bytes"/> exactly. False for anything else: <c>DecodeFromChars</c> reports bad input in its status,
    /// where <c>TryDecodeFromChars</c> throws <see cref="FormatException"/> for a forged token with a character outside the
    /// alphabet or non-zero trailing bits.
    /// </summary>
    internal static bool TryDecodeExactly(string token, Span<byte> bytes) =>
        token.Length == Base64Url.GetEncodedLength(bytes.Length)
        && Base64Url.DecodeFromChars(token, bytes, out var consumed, out var written) == System.Buffers.OperationStatus.Done
        && consumed == token.Length && written == bytes.Length;

    /// <summary>A handle's bytes, held by value (string.Create's state).</summary>
    [InlineArray(ByteLength)]
    private struct HandleBytes
    {
        private byte first;
    }

    /// <summary>A 64-bit finaliser (splitmix64): every input bit affects every output bit.</summary>
    internal static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
