using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Broker.Filtering.Internal;

/// <summary>
/// Reads the elements of a <c>String.Array</c> attribute (a JSON array in the attribute's string value) one at a time.
/// Scalar elements are yielded as values; nested arrays and objects are skipped; text that is not a JSON array yields
/// nothing. Buffers are rented; <see cref="Dispose"/> returns them.
/// </summary>
internal ref struct StringArrayElements
{
    private readonly byte[] utf8;
    private char[] chars;
    private Utf8JsonReader reader;
    private bool done;

    public StringArrayElements(string json)
    {
        utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        var length = Encoding.UTF8.GetBytes(json, utf8);
        chars = ArrayPool<char>.Shared.Rent(Math.Max(16, json.Length));
        reader = new Utf8JsonReader(utf8.AsSpan(0, length));
        try
        {
            done = !reader.Read() || reader.TokenType != JsonTokenType.StartArray;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            done = true;
        }
    }

    /// <summary>The next scalar element, or false at the end (or at the first syntax error).</summary>
    public bool MoveNext(out LeafValue value)
    {
        value = default;
        while (!done)
        {
            try
            {
                if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
                {
                    break;
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        var length = reader.CopyString(chars);
                        value = LeafValue.FromString(chars.AsSpan(0, length));
                        return true;
                    case JsonTokenType.Number:
                        var span = reader.ValueSpan;
                        for (var i = 0; i < span.Length; i++)
                        {
                            chars[i] = (char)span[i];
                        }

                        value = LeafValue.FromNumberText(chars.AsSpan(0, span.Length));
                        return true;
                    case JsonTokenType.True:
                        value = new LeafValue(LeafKind.True, "true", 0, false);
                        return true;
                    case JsonTokenType.False:
                        value = new LeafValue(LeafKind.False, "false", 0, false);
                        return true;
                    case JsonTokenType.Null:
                        value = new LeafValue(LeafKind.Null, "null", 0, false);
                        return true;
                    default:
                        reader.Skip();
                        break;
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                break;
            }
        }

        done = true;
        return false;
    }

    public void Dispose()
    {
        if (chars.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(utf8);
            ArrayPool<char>.Shared.Return(chars);
            chars = [];
        }
    }
}
