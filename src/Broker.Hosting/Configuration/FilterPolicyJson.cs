using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Broker.Hosting.Configuration;

/// <summary>
/// Turns a filter policy written as a nested configuration section back into JSON. Configuration keeps every value as
/// text, so a value that reads as a JSON number or as <c>true</c>/<c>false</c> is written as a JSON number or boolean
/// (what numeric and <c>exists</c> conditions need); a section whose keys are 0, 1, 2... is an array. To match a string
/// that looks like a number (<c>"720"</c>), give the filter policy as a JSON string instead.
/// </summary>
internal static class FilterPolicyJson
{
    public static string FromSection(IConfigurationSection section)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, section);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            WriteScalar(writer, section.Value);
            return;
        }

        if (AsArray(children) is { } items)
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                Write(writer, item);
            }

            writer.WriteEndArray();
            return;
        }

        writer.WriteStartObject();
        foreach (var child in children)
        {
            writer.WritePropertyName(child.Key);
            Write(writer, child);
        }

        writer.WriteEndObject();
    }

    /// <summary>The children in index order when their keys are exactly 0..n-1, else <see langword="null"/>.</summary>
    private static IConfigurationSection[]? AsArray(List<IConfigurationSection> children)
    {
        var items = new IConfigurationSection[children.Count];
        foreach (var child in children)
        {
            if (!int.TryParse(child.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
                || index >= items.Length || items[index] is not null)
            {
                return null;
            }

            items[index] = child;
        }

        return items;
    }

    private static void WriteScalar(Utf8JsonWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else if (bool.TryParse(value, out var boolean))
        {
            writer.WriteBooleanValue(boolean);
        }
        else if (IsJsonNumber(value))
        {
            writer.WriteRawValue(value);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    private static bool IsJsonNumber(string value)
    {
        if (value.Length == 0 || !(char.IsAsciiDigit(value[0]) || value[0] == '-'))
        {
            return false;
        }

        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(value), isFinalBlock: true, state: default);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.Number && reader.BytesConsumed == value.Length && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
