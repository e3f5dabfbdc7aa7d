using Broker.Durability.Internal;

namespace Broker.Tests.Durability;

/// <summary>Writes one record's payload, as the records' own writers do.</summary>
/// <param name="writer">The payload being written.</param>
internal delegate void PayloadWrite(ref PayloadWriter writer);

/// <summary>Record payloads for tests that feed a replay directly.</summary>
internal static class Payloads
{
    /// <summary>The bytes <paramref name="write"/> writes.</summary>
    public static byte[] Encode(PayloadWrite write)
    {
        var writer = new PayloadWriter(64);
        try
        {
            write(ref writer);
            return writer.Written.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Applies one queue record to <paramref name="replay"/>.</summary>
    public static void Apply(QueueReplay replay, QueueRecordType type, PayloadWrite write) => replay.Apply((byte)type, Encode(write));
}
