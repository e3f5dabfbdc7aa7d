using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Broker.Filtering.Internal;

/// <summary>A <c>cidr</c> condition: the inclusive range of addresses of one IPv4 or IPv6 network, as 128-bit integers.</summary>
internal sealed class CidrRange
{
    private readonly bool isV6;
    private readonly UInt128 low;
    private readonly UInt128 high;

    private CidrRange(bool isV6, UInt128 low, UInt128 high)
    {
        this.isV6 = isV6;
        this.low = low;
        this.high = high;
    }

    /// <summary>Parses <c>address/bits</c>; returns Ruler's error text on failure.</summary>
    public static CidrRange? TryParse(string text, out string? error)
    {
        error = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || text.IndexOf('/', slash + 1) >= 0)
        {
            error = "Malformed CIDR, one '/' required";
            return null;
        }

        var bitsText = text.AsSpan(slash + 1);
        if (bitsText.IsEmpty || bitsText.ContainsAnyExceptInRange('0', '9')
            || !int.TryParse(bitsText, NumberStyles.None, CultureInfo.InvariantCulture, out var bits))
        {
            error = "Malformed CIDR, mask bits must be an integer";
            return null;
        }

        var addressText = text[..slash];
        if (!TryParseAddress(addressText, out var address, out var isV6))
        {
            error = "Nonstandard IP address: " + addressText;
            return null;
        }

        var width = isV6 ? 128 : 32;
        if (bits > width)
        {
            error = "Malformed CIDR, mask bits must be an integer";
            return null;
        }

        var hostMask = bits == 0 ? (isV6 ? UInt128.MaxValue : uint.MaxValue) : ((UInt128.One << (width - bits)) - 1);
        var floor = address & ~hostMask;
        return new CidrRange(isV6, floor, floor | hostMask);
    }

    public bool Contains(ReadOnlySpan<char> value) =>
        TryParseAddress(value, out var address, out var v6) && v6 == isV6 && address >= low && address <= high;

    /// <summary>A dotted-quad IPv4 address or an IPv6 address without a zone; nothing looser (no "10" or "10.1").</summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, out UInt128 address, out bool isV6)
    {
        address = 0;
        isV6 = false;
        if (text.IsEmpty || text.Length > 45)
        {
            return false;
        }

        if (text.Contains(':'))
        {
            if (text.Contains('%') || !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            Span<byte> bytes = stackalloc byte[16];
            parsed.TryWriteBytes(bytes, out _);
            address = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
            isV6 = true;
            return true;
        }

        uint value = 0;
        var parts = 0;
        var partValue = -1;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (partValue < 0 || ++parts > 3)
                {
                    return false;
                }

                value = (value << 8) | (uint)partValue;
                partValue = -1;
            }
            else if (c is >= '0' and <= '9')
            {
                partValue = partValue < 0 ? c - '0' : (partValue * 10) + (c - '0');
                if (partValue > 255)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        if (parts != 3 || partValue < 0)
        {
            return false;
        }

        address = (value << 8) | (uint)partValue;
        return true;
    }
}
