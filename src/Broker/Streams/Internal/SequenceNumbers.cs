namespace Broker.Streams.Internal;

/// <summary>
/// Sequence numbers as Kinesis shows them: decimal strings. Ours are 33 digits, <c>4</c>, the shard's index (12 digits)
/// and the record's position in the shard (20 digits), so they increase within a shard, differ across shards, and
/// compare numerically like AWS's (whose layout is undocumented; only monotonicity within a shard is a contract).
/// </summary>
internal static class SequenceNumbers
{
    public const int Length = 33;
    private const int IndexDigits = 12;
    private const int PositionDigits = 20;

    public static string Format(int shardIndex, long position) =>
        string.Create(Length, (shardIndex, position), static (span, state) =>
        {
            span[0] = '4';
            ((long)state.shardIndex).TryFormat(span.Slice(1, IndexDigits), out _, "D12", System.Globalization.CultureInfo.InvariantCulture);
            state.position.TryFormat(span[(1 + IndexDigits)..], out _, "D20", System.Globalization.CultureInfo.InvariantCulture);
        });

    /// <summary>Reads a number this format produces; anything else (another length, non-digits) is refused.</summary>
    public static bool TryParse(string? text, out int shardIndex, out long position)
    {
        shardIndex = 0;
        position = 0;
        if (text is not { Length: Length } || text[0] != '4'
            || !ulong.TryParse(text.AsSpan(1, IndexDigits), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            || !ulong.TryParse(text.AsSpan(1 + IndexDigits), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pos)
            || index > int.MaxValue || pos > long.MaxValue)
        {
            return false;
        }

        shardIndex = (int)index;
        position = (long)pos;
        return true;
    }

    /// <summary>Kinesis's pattern for a sequence number: <c>0|([1-9]\d{0,128})</c>.</summary>
    public static bool IsWellFormed(string text) =>
        text.Length is > 0 and <= 129 && !text.AsSpan().ContainsAnyExceptInRange('0', '9') && (text.Length == 1 || text[0] != '0');
}
