using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Broker.Hosting.Serialization;

/// <summary>
/// The default <see cref="IMessageSerializer"/>: UTF-8 JSON with System.Text.Json. Give it a source-generated
/// <see cref="JsonSerializerContext"/> to serialize without reflection (trimming and native AOT), or options of your own.
/// </summary>
public sealed class SystemTextJsonMessageSerializer : IMessageSerializer
{
    private readonly JsonSerializerOptions options;

    /// <summary>Creates a serializer with <paramref name="options"/>, or System.Text.Json's web defaults (camelCase) when null.</summary>
    /// <param name="options">The serializer options; they become read-only.</param>
    public SystemTextJsonMessageSerializer(JsonSerializerOptions? options = null)
    {
        this.options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        this.options.MakeReadOnly(populateMissingResolver: true);
    }

    /// <summary>Creates a serializer that takes every type's contract from a source-generated context.</summary>
    /// <param name="context">The context; a type it does not know fails with <see cref="NotSupportedException"/>.</param>
    public SystemTextJsonMessageSerializer(JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        options = context.Options;
        options.MakeReadOnly();
    }

    /// <inheritdoc />
    public string ContentType => "application/json";

    /// <inheritdoc />
    public byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>());

    /// <inheritdoc />
    public T Deserialize<T>(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize(body.Span, TypeInfo<T>())
                ?? throw new MessageDeserializationException($"The message body is JSON null, not a {typeof(T).Name}.");
        }
        catch (JsonException exception)
        {
            throw new MessageDeserializationException(
                $"The message body is not a valid {typeof(T).Name} in JSON: {exception.Message}", exception);
        }
    }

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
