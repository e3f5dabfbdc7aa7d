namespace Broker.Topics.Internal;

/// <summary>
/// Version-4 UUIDs for message ids, from the thread-local <see cref="Random.Shared"/>: <see cref="Guid.NewGuid"/> asks the
/// kernel for entropy on every call, which cost more than the rest of a publish. Message ids must be unique, not
/// unguessable: 122 random bits make a collision as unlikely as with the kernel's entropy.
/// </summary>
internal static class MessageIds
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5394", Justification = "Ids, not secrets: uniqueness needs randomness, not unpredictability.")]
    public static Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);

        // Guid's little-endian layout: byte 7 holds the version nibble (4), byte 8 the variant bits (10xx).
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }
}
