using System.Text.Json;

namespace Broker.Internal;

/// <summary>Small JSON documents written as text: the AWS attribute values that are JSON (redrive and delivery policies).</summary>
internal static class JsonText
{
    /// <summary>A JSON object whose properties <paramref name="writeProperties"/> writes.</summary>
    public static string Object(Action<Utf8JsonWriter> writeProperties)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
