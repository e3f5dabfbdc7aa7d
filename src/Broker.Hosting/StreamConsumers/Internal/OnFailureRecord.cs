using System.Globalization;
using System.Text.Json;
using Broker.Streams;

namespace Broker.Hosting.Internal;

/// <summary>
/// Writes the JSON document Lambda sends to a Kinesis event source mapping's on-failure destination when it gives up on a
/// batch: which records (by shard and sequence numbers, not their data), why, and after how many invocations.
/// </summary>
internal static class OnFailureRecord
{
    /// <summary>Lambda's condition when the retries of a batch are exhausted.</summary>
    public const string RetryAttemptsExhausted = "RetryAttemptsExhausted";

    /// <summary>Lambda's condition when a batch's records are too old to retry.</summary>
    public const string RecordAgeExceeded = "RecordAgeExceeded";

    /// <summary>Writes the document.</summary>
    /// <param name="batch">The records given up, in shard order; not empty.</param>
    /// <param name="shardId">Their shard.</param>
    /// <param name="streamArn">Their stream's ARN.</param>
    /// <param name="consumerName">The consumer group, in Lambda's <c>functionArn</c> field.</param>
    /// <param name="condition">Why the batch was given up.</param>
    /// <param name="invocations">How many times its records were handed to the handler.</param>
    /// <param name="now">The broker's time.</param>
    /// <returns>The UTF-8 JSON.</returns>
    public static byte[] Write(
        IReadOnlyList<StreamRecord> batch, string shardId, string streamArn, string consumerName, string condition, int invocations, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("requestContext");
            json.WriteString("requestId", Guid.NewGuid().ToString());
            json.WriteString("functionArn", consumerName);
            json.WriteString("condition", condition);
            json.WriteNumber("approximateInvokeCount", invocations);
            json.WriteEndObject();
            json.WriteStartObject("responseContext");
            json.WriteNumber("statusCode", 200);
            json.WriteString("executedVersion", "$LATEST");
            json.WriteString("functionError", "Unhandled");
            json.WriteEndObject();
            json.WriteString("version", "1.0");
            json.WriteString("timestamp", Timestamp(now));
            json.WriteStartObject("KinesisBatchInfo");
            json.WriteString("shardId", shardId);
            json.WriteString("startSequenceNumber", batch[0].SequenceNumber);
            json.WriteString("endSequenceNumber", batch[^1].SequenceNumber);
            json.WriteString("approximateArrivalOfFirstRecord", Timestamp(batch[0].ApproximateArrivalTimestamp));
            json.WriteString("approximateArrivalOfLastRecord", Timestamp(batch[^1].ApproximateArrivalTimestamp));
            json.WriteNumber("batchSize", batch.Count);
            json.WriteString("streamArn", streamArn);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>ISO 8601 in UTC with milliseconds, as Lambda writes it (<c>2019-11-14T00:38:06.021Z</c>).</summary>
    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
