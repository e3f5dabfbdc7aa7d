using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Broker.Queues.Internal;

/// <summary>SQS's rules for bodies, message attributes, group ids and batch entry ids. Each failure says what to fix.</summary>
internal static class MessageValidation
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Bytes that never appear in text SQS accepts: C0 controls other than tab, line feed and carriage return.</summary>
    private static readonly SearchValues<byte> ForbiddenControlBytes = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x0B, 0x0C, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F]);

    /// <summary>
    /// Space to DEL, the ASCII characters that are not C0 controls: all allowed. A set, not a range: the range searches
    /// allocated 96 bytes a call in the test host (see <see cref="Surrogates"/>).
    /// </summary>
    private static readonly SearchValues<byte> PrintableBytes = SearchValues.Create([.. Enumerable.Range(0x20, 0x60).Select(static b => (byte)b)]);

    /// <inheritdoc cref="PrintableBytes"/>
    private static readonly SearchValues<char> PrintableChars = SearchValues.Create([.. Enumerable.Range(0x20, 0x60).Select(static c => (char)c)]);

    /// <summary>The longest string <see cref="TryEncodeAscii"/> narrows without checking it first.</summary>
    private const int OptimisticAsciiLength = 1024;

    private static readonly SearchValues<char> ForbiddenControlChars = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\uFFFE\uFFFF");

    /// <summary>U+D800 to U+DFFF, searched as one range (<c>IndexOfAnyInRange</c> allocated 96 bytes a call in the test host; this nothing).</summary>
    private static readonly SearchValues<char> Surrogates = SearchValues.Create([.. Enumerable.Range(0xD800, 0x800).Select(static c => (char)c)]);

    private static readonly SearchValues<char> NameChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

    private static readonly SearchValues<char> AttributeNameChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");

    /// <summary>Letters, digits and ASCII punctuation: the characters of group and deduplication ids.</summary>
    private static readonly SearchValues<char> GroupIdChars = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

    public static void ValidateBody(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            throw new BrokerException(BrokerErrorCodes.MissingParameter, "The request must contain the parameter MessageBody.");
        }

        if (!IsAllowedText(body))
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidMessageContents,
                "Invalid characters found. The message body must be UTF-8 text of the characters #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.");
        }
    }

    /// <summary>Whether the bytes are UTF-8 text of the characters SQS allows (no C0 controls but tab, LF and CR; no U+FFFE or U+FFFF).</summary>
    public static bool IsAllowedText(ReadOnlySpan<byte> utf8)
    {
        // Printable ASCII (and DEL) is allowed as it is: one vectorised pass for most bodies instead of the three below.
        if (!utf8.ContainsAnyExcept(PrintableBytes))
        {
            return true;
        }

        if (utf8.ContainsAny(ForbiddenControlBytes) || !Utf8.IsValid(utf8))
        {
            return false;
        }

        // U+FFFE and U+FFFF are EF BF BE and EF BF BF; valid UTF-8 has excluded surrogates already.
        var rest = utf8;
        int at;
        while ((at = rest.IndexOf((byte)0xEF)) >= 0)
        {
            if (at + 2 < rest.Length && rest[at + 1] == 0xBF && rest[at + 2] is 0xBE or 0xBF)
            {
                return false;
            }

            rest = rest[(at + 1)..];
        }

        return true;
    }

    public static bool IsAllowedText(string text)
    {
        if (!text.AsSpan().ContainsAnyExcept(PrintableChars))
        {
            return true; // printable ASCII and DEL, as above
        }

        if (text.AsSpan().ContainsAny(ForbiddenControlChars))
        {
            return false;
        }

        // Unpaired surrogates are not characters.
        return !HasUnpairedSurrogate(text);
    }

    /// <summary>
    /// The UTF-8 of a string body, except that an unpaired surrogate is written as its own three-byte sequence (ED A0 80
    /// to ED BF BF, which is not UTF-8) instead of being replaced by U+FFFD. <see cref="ValidateBody"/> then refuses the
    /// body with <c>InvalidMessageContents</c>, as SQS does, rather than the broker storing a silently altered one.
    /// </summary>
    public static byte[] EncodeBody(string text)
    {
        if (TryEncodeAscii(text) is { } ascii)
        {
            return ascii;
        }

        try
        {
            // One pass on the send path: the strict encoder throws only for an unpaired surrogate, which is rare input.
            return StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException)
        {
            return EncodeKeepingUnpairedSurrogates(text);
        }
    }

    /// <summary>
    /// The bytes of an all-ASCII string in one pass (narrowing each character), which most bodies are; null for any
    /// other string, which the caller encodes as UTF-8 (a count, then a transcode). Optimistic up to
    /// <see cref="OptimisticAsciiLength"/> characters (a string that is not ASCII wastes an array that small); a longer
    /// string is checked first.
    /// </summary>
    public static byte[]? TryEncodeAscii(string text)
    {
        if (text.Length > OptimisticAsciiLength && !Ascii.IsValid(text))
        {
            return null;
        }

        var bytes = new byte[text.Length];
        return Ascii.FromUtf16(text, bytes, out _) == OperationStatus.Done ? bytes : null;
    }

    private static byte[] EncodeKeepingUnpairedSurrogates(string text)
    {
        var bytes = new List<byte>(text.Length * 3);
        Span<byte> buffer = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            if (Rune.TryGetRuneAt(text, i, out var rune))
            {
                var written = rune.EncodeToUtf8(buffer);
                bytes.AddRange(buffer[..written]);
                i += rune.Utf16SequenceLength - 1;
            }
            else
            {
                int unit = text[i];
                bytes.AddRange([(byte)(0xE0 | (unit >> 12)), (byte)(0x80 | ((unit >> 6) & 0x3F)), (byte)(0x80 | (unit & 0x3F))]);
            }
        }

        return [.. bytes];
    }

    private static bool HasUnpairedSurrogate(string text)
    {
        // One vectorised search from surrogate to surrogate: most text has none, and text with pairs (emoji) is searched
        // again after each, never walked character by character.
        var rest = text.AsSpan();
        int at;
        while ((at = rest.IndexOfAny(Surrogates)) >= 0)
        {
            if (!char.IsHighSurrogate(rest[at]) || at + 1 >= rest.Length || !char.IsLowSurrogate(rest[at + 1]))
            {
                return true;
            }

            rest = rest[(at + 2)..];
        }

        return false;
    }

    public static bool IsValidQueueName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= QueueDefaults.MaxQueueNameLength && !name.AsSpan().ContainsAnyExcept(NameChars);

    public static bool IsValidBatchEntryId([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= QueueDefaults.MaxBatchEntryIdLength && !id.AsSpan().ContainsAnyExcept(NameChars);

    public static void ValidateGroupId(string? groupId, string parameter)
    {
        if (groupId is null)
        {
            return;
        }

        if (groupId.Length is 0 or > QueueDefaults.MaxGroupIdLength || groupId.AsSpan().ContainsAnyExcept(GroupIdChars))
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Value {groupId} for parameter {parameter} is invalid. Reason: {parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.");
        }
    }

    /// <summary>Validates attributes by SQS's rules and returns them sorted with their size, or null when there are none.</summary>
    public static MessageExtras? BuildExtras(IReadOnlyDictionary<string, MessageAttributeValue>? attributes, string? groupId, string? deduplicationId = null)
    {
        ValidateGroupId(groupId, "MessageGroupId");
        if (attributes is null || attributes.Count == 0)
        {
            return groupId is null ? null : MessageExtras.Create([], 0, groupId, deduplicationId);
        }

        if (attributes.Count > QueueDefaults.MaxMessageAttributes)
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Number of message attributes [{attributes.Count}] exceeds the allowed maximum [{QueueDefaults.MaxMessageAttributes}].");
        }

        var size = 0;
        KeyValuePair<string, MessageAttributeValue>[] sorted;
        if (attributes.Count == 1 && groupId is null && deduplicationId is null)
        {
            // One attribute, the usual case: kept in the extras, no array.
            var only = Single(attributes);
            return MessageExtras.Create(only, ValidateAttribute(only.Key, only.Value));
        }

        if (attributes is Topics.Internal.SmallAttributeMap published)
        {
            // A topic's copy of a publish's attributes: immutable, so its array serves when already in name order.
            foreach (var (name, value) in published.Entries)
            {
                size += ValidateAttribute(name, value);
            }

            sorted = published.SortedByName();
            return MessageExtras.Create(sorted, size, groupId, deduplicationId);
        }

        sorted = new KeyValuePair<string, MessageAttributeValue>[attributes.Count];
        var index = 0;
        if (attributes is Dictionary<string, MessageAttributeValue> dictionary)
        {
            // A publisher's own dictionary (a topic's raw delivery reads it in place), walked without boxing its enumerator.
            foreach (var pair in dictionary)
            {
                size += ValidateAttribute(pair.Key, pair.Value);
                sorted[index++] = pair;
            }
        }
        else
        {
            foreach (var pair in attributes)
            {
                size += ValidateAttribute(pair.Key, pair.Value);
                sorted[index++] = pair;
            }
        }

        Array.Sort(sorted, ByName);
        return MessageExtras.Create(sorted, size, groupId, deduplicationId);
    }

    /// <summary>The one pair of a dictionary of one, without boxing an enumerator for the usual dictionaries.</summary>
    private static KeyValuePair<string, MessageAttributeValue> Single(IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        switch (attributes)
        {
            case Topics.Internal.SmallAttributeMap published:
                return published.Entries[0];
            case Dictionary<string, MessageAttributeValue> dictionary:
                foreach (var pair in dictionary)
                {
                    return pair;
                }

                break;
            default:
                foreach (var pair in attributes)
                {
                    return pair;
                }

                break;
        }

        throw new InvalidOperationException("The attributes changed while they were read.");
    }

    /// <summary>Attributes in the order SQS's digest wants them: by name, ordinal.</summary>
    public static readonly Comparison<KeyValuePair<string, MessageAttributeValue>> ByName = static (a, b) => string.CompareOrdinal(a.Key, b.Key);

    public static void ValidateAttributeName(string? name, string what)
    {
        string? reason = null;
        if (string.IsNullOrEmpty(name))
        {
            reason = "it must not be empty";
        }
        else if (name.Length > QueueDefaults.MaxAttributeNameLength)
        {
            reason = "it must be at most 256 characters";
        }
        else if (name.AsSpan().ContainsAnyExcept(AttributeNameChars))
        {
            reason = "it can only contain letters, digits, '_', '-' and '.'";
        }
        else if (name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase))
        {
            reason = "names starting with 'AWS.' or 'Amazon.' are reserved";
        }
        else if (name[0] == '.' || name[^1] == '.')
        {
            reason = "it must not start or end with '.'";
        }
        else if (name.Contains("..", StringComparison.Ordinal))
        {
            reason = "it must not contain '..'";
        }

        if (reason is not null)
        {
            throw new BrokerException(BrokerErrorCodes.InvalidParameterValue, $"{what} name '{name}' is invalid: {reason}.");
        }
    }

    private static int ValidateAttribute(string name, MessageAttributeValue? value)
    {
        ValidateAttributeName(name, "Message (user) attribute");
        if (value is null)
        {
            throw new BrokerException(BrokerErrorCodes.InvalidParameterValue, $"Message (user) attribute '{name}' must have a value.");
        }

        var dataType = value.DataType;
        var dot = dataType.IndexOf('.', StringComparison.Ordinal);
        var baseType = dot < 0 ? dataType : dataType[..dot];
        if (baseType is not ("String" or "Number" or "Binary") || dataType.Length > QueueDefaults.MaxAttributeDataTypeLength || (dot >= 0 && dot == dataType.Length - 1))
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"The type of message (user) attribute '{name}' is invalid: '{dataType}'. Use String, Number or Binary, optionally followed by '.' and a custom label (at most 256 characters in all).");
        }

        var size = Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(dataType);
        if (baseType == "Binary")
        {
            if (value.BinaryBytes is not { Length: > 0 } bytes)
            {
                throw new BrokerException(BrokerErrorCodes.InvalidParameterValue, $"Message (user) attribute '{name}' must contain a non-empty value of type 'Binary'.");
            }

            return size + bytes.Length;
        }

        if (string.IsNullOrEmpty(value.StringValue))
        {
            throw new BrokerException(BrokerErrorCodes.InvalidParameterValue, $"Message (user) attribute '{name}' must contain a non-empty value of type '{baseType}'.");
        }

        if (!IsAllowedText(value.StringValue))
        {
            throw new BrokerException(BrokerErrorCodes.InvalidMessageContents, $"Message (user) attribute '{name}' contains characters outside the allowed set.");
        }

        if (baseType == "Number" && !IsValidNumber(value.StringValue, out var reason))
        {
            throw new BrokerException(BrokerErrorCodes.InvalidParameterValue, $"Can't use Number attribute '{name}' value '{value.StringValue}': {reason}.");
        }

        return size + Encoding.UTF8.GetByteCount(value.StringValue);
    }

    /// <summary>SQS numbers: decimal text with an optional exponent, at most 38 significant digits, magnitude 10^-128 to 10^126.</summary>
    public static bool IsValidNumber(string text, out string reason)
    {
        reason = "it is not a decimal number";
        var span = text.AsSpan();
        var i = 0;
        if (i < span.Length && span[i] is '+' or '-')
        {
            i++;
        }

        var digits = new StringBuilder();
        var integerDigits = 0;
        var sawPoint = false;
        for (; i < span.Length && (char.IsAsciiDigit(span[i]) || (span[i] == '.' && !sawPoint)); i++)
        {
            if (span[i] == '.')
            {
                sawPoint = true;
                continue;
            }

            digits.Append(span[i]);
            if (!sawPoint)
            {
                integerDigits++;
            }
        }

        if (digits.Length == 0)
        {
            return false;
        }

        var exponent = 0;
        if (i < span.Length && span[i] is 'e' or 'E')
        {
            i++;
            if (!int.TryParse(span[i..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent) || span[i..].Length > 6)
            {
                return false;
            }

            i = span.Length;
        }

        if (i != span.Length)
        {
            return false;
        }

        var all = digits.ToString();
        var first = all.AsSpan().IndexOfAnyExcept('0');
        if (first < 0)
        {
            return true; // zero
        }

        var significant = all.AsSpan(first).TrimEnd('0');
        if (significant.Length > 38)
        {
            reason = "it has more than 38 significant digits";
            return false;
        }

        // |value| lies in [10^magnitude, 10^(magnitude + 1)).
        var magnitude = integerDigits - first - 1 + exponent;
        var aboveMax = magnitude > 126 || (magnitude == 126 && (significant.Length > 1 || significant[0] != '1'));
        if (magnitude < -128 || aboveMax)
        {
            reason = "its magnitude is outside 10^-128 to 10^126";
            return false;
        }

        return true;
    }
}
