using System.Globalization;

namespace Broker.Queues;

/// <summary>
/// The value of a message attribute: a data type (<c>String</c>, <c>Number</c> or <c>Binary</c>, optionally with a
/// custom suffix such as <c>Number.int</c> or <c>Binary.png</c>) and either a string or a binary value, as in SQS.
/// Instances are immutable: the factories copy binary values.
/// </summary>
public sealed class MessageAttributeValue : IEquatable<MessageAttributeValue>
{
    private readonly byte[]? binaryValue;

    private MessageAttributeValue(string dataType, string? stringValue, byte[]? binaryValue)
    {
        DataType = dataType;
        StringValue = stringValue;
        this.binaryValue = binaryValue;
    }

    /// <summary>The data type, for example <c>String</c>, <c>Number.float</c> or <c>Binary.png</c>.</summary>
    public string DataType { get; }

    /// <summary>The value of a <c>String</c> or <c>Number</c> attribute; <see langword="null"/> for <c>Binary</c>.</summary>
    public string? StringValue { get; }

    /// <summary>The value of a <c>Binary</c> attribute; <see langword="null"/> for the other types.</summary>
    public ReadOnlyMemory<byte>? BinaryValue
    {
        get
        {
            // Not a conditional expression: null would convert to an empty ReadOnlyMemory through the array conversion.
            if (binaryValue is null)
            {
                return null;
            }

            return binaryValue;
        }
    }

    internal byte[]? BinaryBytes => binaryValue;

    /// <summary>A <c>String</c> attribute, or a custom string type such as <c>String.json</c>.</summary>
    /// <param name="value">The value; must not be empty.</param>
    /// <param name="dataType">The data type; <c>String</c> or <c>String.</c> followed by a custom label.</param>
    public static MessageAttributeValue FromString(string value, string dataType = "String")
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(dataType);
        return new MessageAttributeValue(dataType, value, null);
    }

    /// <summary>A <c>Number</c> attribute given as text, exactly as SQS takes it (up to 38 digits, 10^-128 to 10^+126).</summary>
    /// <param name="value">The number as text, for example <c>"42"</c> or <c>"-1.5E3"</c>.</param>
    /// <param name="dataType">The data type; <c>Number</c> or <c>Number.</c> followed by a custom label.</param>
    public static MessageAttributeValue FromNumber(string value, string dataType = "Number")
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(dataType);
        return new MessageAttributeValue(dataType, value, null);
    }

    /// <summary>A <c>Number</c> attribute.</summary>
    /// <param name="value">The number.</param>
    public static MessageAttributeValue FromNumber(long value) => FromNumber(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A <c>Number</c> attribute.</summary>
    /// <param name="value">The number.</param>
    public static MessageAttributeValue FromNumber(decimal value) => FromNumber(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A <c>Binary</c> attribute. The bytes are copied.</summary>
    /// <param name="value">The bytes; must not be empty.</param>
    /// <param name="dataType">The data type; <c>Binary</c> or <c>Binary.</c> followed by a custom label.</param>
    public static MessageAttributeValue FromBinary(ReadOnlySpan<byte> value, string dataType = "Binary")
    {
        ArgumentNullException.ThrowIfNull(dataType);
        return new MessageAttributeValue(dataType, null, value.ToArray());
    }

    /// <inheritdoc/>
    public bool Equals(MessageAttributeValue? other) =>
        other is not null
        && DataType == other.DataType
        && StringValue == other.StringValue
        && (binaryValue is null ? other.binaryValue is null : other.binaryValue is not null && binaryValue.AsSpan().SequenceEqual(other.binaryValue));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as MessageAttributeValue);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(DataType, StringValue, binaryValue?.Length);

    /// <inheritdoc/>
    public override string ToString() =>
        binaryValue is null ? $"{DataType}: {StringValue}" : $"{DataType}: {binaryValue.Length} bytes";
}
