using System.Buffers.Binary;
using System.Buffers.Text;
using System.Runtime.InteropServices;

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
/// rejected before they touch state.
/// </summary>
internal static class ReceiptHandleCodec
{
    private const int ByteLength = 4 + 3 + 4 + 8;
    public const int EncodedLength = 26;

    /// <summary>
    /// The handle's text: the canonical base64url of its 19 bytes, written straight into the string two characters at a
    /// time (every receive formats one, and the general encoder took more than twice as long for so few bytes).
    /// </summary>
    public static string Format(in ReceiptHandleData data, ulong key)
    {
        // Bytes 0-7 as one little-endian word: the slot, the 24-bit receive count and the sequence's low byte; bytes 8-10
        // the sequence's other three bytes; bytes 11-18 the tag.
        var first = (uint)data.Slot | ((ulong)((uint)data.ReceiveCount & 0xFFFFFF) << 32) | ((ulong)(byte)data.SequenceLow << 56);
        var tag = Tag(first, data.SequenceLow, (byte)(data.ReceiveCount >> 16), key);

        // The 152 bits in text order (base64 reads each byte from its top bit): the first eight bytes, then the next
        // eight, then the last three at the top of a third word.
        var reversedTag = BinaryPrimitives.ReverseEndianness(tag);
        var bits = new HandleBits(
            BinaryPrimitives.ReverseEndianness(first),
            ((ulong)BinaryPrimitives.ReverseEndianness(data.SequenceLow >> 8) << 32) | (reversedTag >> 24),
            reversedTag << 40);
        return string.Create(EncodedLength, bits, static (chars, bits) => bits.WriteTo(chars));
    }

    public static bool TryParse(string? handle, ulong key, out ReceiptHandleData data)
    {
        data = default;
        if (handle is null || handle.Length != EncodedLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[ByteLength];
        if (!TryDecodeExactly(handle, bytes)
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

    /// <summary>
    /// The slot a handle of the right length names, read from its first six characters (the slot's four bytes) without
    /// decoding or checking the rest: a hint to look up, never proof that the handle is genuine.
    /// </summary>
    public static bool TryReadSlot(string? handle, out int slot)
    {
        slot = -1;
        if (handle is null || handle.Length != EncodedLength)
        {
            return false;
        }

        // Six sextets, 36 bits: bytes 0..3 (the slot, little-endian) and the top four bits of byte 4. A character
        // past ASCII is refused first; any other outside the alphabet has the value -1, whose sign bits spread through
        // its byte into the slot's top bits (each byte is an OR of shifted sextets), so the slot comes out negative.
        var table = SextetOf;
        var c0 = handle[0];
        var c1 = handle[1];
        var c2 = handle[2];
        var c3 = handle[3];
        var c4 = handle[4];
        var c5 = handle[5];
        if ((c0 | c1 | c2 | c3 | c4 | c5) >= 128)
        {
            return false;
        }

        int s0 = table[c0], s1 = table[c1], s2 = table[c2], s3 = table[c3], s4 = table[c4], s5 = table[c5];
        var b0 = (s0 << 2) | (s1 >> 4);
        var b1 = ((s1 & 0xF) << 4) | (s2 >> 2);
        var b2 = ((s2 & 0x3) << 6) | s3;
        var b3 = (s4 << 2) | (s5 >> 4);
        slot = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
        return slot >= 0;
    }

    /// <summary>The base64url alphabet's values by ASCII code; -1 for characters outside it.</summary>
    private static ReadOnlySpan<sbyte> SextetOf =>
    [
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
        52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
        -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
        15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
        -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
        41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    ];

    private static ulong Tag(ReadOnlySpan<byte> payload, ulong key) =>
        Tag(BinaryPrimitives.ReadUInt64LittleEndian(payload), BinaryPrimitives.ReadUInt32LittleEndian(payload[7..]), payload[6], key);

    /// <summary>The keyed tag of the first eight bytes, the sequence's low half and the receive count's top byte.</summary>
    private static ulong Tag(ulong first, uint sequenceLow, byte receiveCountTop, ulong key) =>
        Mix(Mix(key ^ first) ^ (sequenceLow | ((ulong)receiveCountTop << 32)));

    /// <summary>
    /// A handle's 19 bytes as 152 bits in text order, left-aligned in three words (the last holds 24 bits), written as
    /// 26 base64url characters.
    /// </summary>
    private readonly record struct HandleBits(ulong High, ulong Middle, ulong Low)
    {
        public void WriteTo(Span<char> chars)
        {
            // Thirteen pairs of characters, each from 12 bits, stored as one 32-bit value.
            var pairs = MemoryMarshal.Cast<char, uint>(chars);
            var table = CharacterPairs;
            pairs[12] = table[(int)(Low >> 36) & 0xFFF];
            pairs[0] = table[(int)(High >> 52)];
            pairs[1] = table[(int)(High >> 40) & 0xFFF];
            pairs[2] = table[(int)(High >> 28) & 0xFFF];
            pairs[3] = table[(int)(High >> 16) & 0xFFF];
            pairs[4] = table[(int)(High >> 4) & 0xFFF];
            pairs[5] = table[(int)(((High & 0xF) << 8) | (Middle >> 56))];
            pairs[6] = table[(int)(Middle >> 44) & 0xFFF];
            pairs[7] = table[(int)(Middle >> 32) & 0xFFF];
            pairs[8] = table[(int)(Middle >> 20) & 0xFFF];
            pairs[9] = table[(int)(Middle >> 8) & 0xFFF];
            pairs[10] = table[(int)(((Middle & 0xFF) << 4) | (Low >> 60))];
            pairs[11] = table[(int)(Low >> 48) & 0xFFF];
        }
    }

    /// <summary>Every pair of base64url characters by the 12 bits they encode, the first character first in memory.</summary>
    private static readonly uint[] CharacterPairs = BuildCharacterPairs();

    private static uint[] BuildCharacterPairs()
    {
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var pairs = new uint[4096];
        for (var i = 0; i < pairs.Length; i++)
        {
            pairs[i] = BitConverter.IsLittleEndian
                ? alphabet[i >> 6] | ((uint)alphabet[i & 63] << 16)
                : ((uint)alphabet[i >> 6] << 16) | alphabet[i & 63];
        }

        return pairs;
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

    /// <summary>
    /// A 64-bit finaliser (splitmix64): every input bit affects every output bit. Inlined: callers mix two lanes (a
    /// deduplication key's two hashes, a handle's words) whose multiplies then overlap instead of waiting on a call each.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
