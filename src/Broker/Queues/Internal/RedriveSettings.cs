using Broker.Internal;
using System.Globalization;
using System.Text.Json;

namespace Broker.Queues.Internal;

/// <summary>Parsing, formatting and checking of the two dead-letter policies. Cold path: creation and attribute changes.</summary>
internal static class RedriveSettings
{
    private const int MaxSourceQueueArns = 10;

    /// <summary>The queue name an ARN or a plain name stands for, or null when the ARN is another account's or Region's.</summary>
    public static string? ResolveName(string target, BrokerOptions options)
    {
        if (!target.StartsWith("arn:", StringComparison.Ordinal))
        {
            return target;
        }

        var parts = target.Split(':');
        return parts.Length == 6 && parts[0] == "arn" && parts[2] == "sqs" && parts[3] == options.Region && parts[4] == options.AccountId
            ? parts[5]
            : null;
    }

    /// <summary>The ARN a queue name stands for in this broker's Region and account; an ARN is returned as it is.</summary>
    public static string QueueArn(string nameOrArn, BrokerOptions options) =>
        nameOrArn.StartsWith("arn:", StringComparison.Ordinal) ? nameOrArn : $"arn:aws:sqs:{options.Region}:{options.AccountId}:{nameOrArn}";

    /// <summary>Checks a queue's own policies (shape and ranges), before anything about other queues.</summary>
    public static void CheckShape(QueueOptions options)
    {
        if (options.RedrivePolicy is { } redrive)
        {
            if (string.IsNullOrEmpty(redrive.DeadLetterTarget))
            {
                throw InvalidRedrive(redrive, "deadLetterTargetArn is required.");
            }

            if (redrive.MaxReceiveCount is < 1 or > 1000)
            {
                throw InvalidRedrive(redrive, $"Invalid value for maxReceiveCount: {redrive.MaxReceiveCount}, valid values are from 1 to 1000 both inclusive.");
            }
        }

        var allow = options.RedriveAllowPolicy ?? throw new BrokerException(
            BrokerErrorCodes.InvalidParameterValue, "RedriveAllowPolicy must not be null; use RedriveAllowPolicy.AllowAll.");
        var count = allow.SourceQueueArns?.Count ?? 0;
        if (!Enum.IsDefined(allow.RedrivePermission)
            || (allow.RedrivePermission == RedrivePermission.ByQueue && count is < 1 or > MaxSourceQueueArns)
            || (allow.RedrivePermission != RedrivePermission.ByQueue && count != 0))
        {
            throw new BrokerException(
                BrokerErrorCodes.InvalidParameterValue,
                $"Value {Format(allow)} for parameter RedriveAllowPolicy is invalid. Reason: sourceQueueArns takes 1 to {MaxSourceQueueArns} queues with redrivePermission byQueue, and none otherwise.");
        }
    }

    public static BrokerException InvalidRedrive(RedrivePolicy redrive, string reason) =>
        new(BrokerErrorCodes.InvalidParameterValue, $"Value {{\"deadLetterTargetArn\":\"{redrive.DeadLetterTarget}\",\"maxReceiveCount\":{redrive.MaxReceiveCount}}} for parameter RedrivePolicy is invalid. Reason: {reason}");

    public static string Format(RedrivePolicy redrive, BrokerOptions options)
    {
        var target = QueueArn(redrive.DeadLetterTarget, options);
        return JsonText.Object(writer =>
        {
            writer.WriteString("deadLetterTargetArn", target);
            writer.WriteNumber("maxReceiveCount", redrive.MaxReceiveCount);
        });
    }

    public static string Format(RedriveAllowPolicy allow)
    {
        var permission = allow.RedrivePermission switch
        {
            RedrivePermission.DenyAll => "denyAll",
            RedrivePermission.ByQueue => "byQueue",
            _ => "allowAll",
        };
        return JsonText.Object(writer =>
        {
            writer.WriteString("redrivePermission", permission);
            if (allow.RedrivePermission == RedrivePermission.ByQueue)
            {
                writer.WriteStartArray("sourceQueueArns");
                foreach (var arn in allow.SourceQueueArns)
                {
                    writer.WriteStringValue(arn);
                }

                writer.WriteEndArray();
            }
        });
    }

    /// <summary>SQS's RedrivePolicy attribute: JSON, maxReceiveCount as a number or a string; empty removes the policy.</summary>
    public static RedrivePolicy? ParseRedrivePolicy(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(value);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("deadLetterTargetArn", out var target) && target.ValueKind == JsonValueKind.String
                && root.TryGetProperty("maxReceiveCount", out var max) && TryReadInt(max, out var maxReceiveCount))
            {
                return new RedrivePolicy(target.GetString()!, maxReceiveCount);
            }
        }
        // JsonDocument.Parse(string) throws ArgumentException, not JsonException, for a lone surrogate; GetString and
        // GetInt32 throw InvalidOperationException for an element of another kind.
        catch (Exception error) when (error is JsonException or ArgumentException or InvalidOperationException)
        {
        }

        throw new BrokerException(
            BrokerErrorCodes.InvalidParameterValue,
            $"Value {value} for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map with deadLetterTargetArn and maxReceiveCount.");
    }

    /// <summary>SQS's RedriveAllowPolicy attribute: JSON with redrivePermission and, for byQueue, sourceQueueArns.</summary>
    public static RedriveAllowPolicy ParseRedriveAllowPolicy(string value)
    {
        try
        {
            using var json = JsonDocument.Parse(value);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("redrivePermission", out var permission) && permission.ValueKind == JsonValueKind.String)
            {
                var sources = root.TryGetProperty("sourceQueueArns", out var arns) && arns.ValueKind == JsonValueKind.Array
                    ? arns.EnumerateArray().Select(a => a.GetString() ?? string.Empty).ToArray()
                    : [];
                RedrivePermission? parsed = permission.GetString() switch
                {
                    "allowAll" => RedrivePermission.AllowAll,
                    "denyAll" => RedrivePermission.DenyAll,
                    "byQueue" => RedrivePermission.ByQueue,
                    _ => null,
                };
                if (parsed is { } known)
                {
                    return new RedriveAllowPolicy { RedrivePermission = known, SourceQueueArns = sources };
                }
            }
        }
        // JsonDocument.Parse(string) throws ArgumentException, not JsonException, for a lone surrogate; GetString and
        // GetInt32 throw InvalidOperationException for an element of another kind.
        catch (Exception error) when (error is JsonException or ArgumentException or InvalidOperationException)
        {
        }

        throw new BrokerException(
            BrokerErrorCodes.InvalidParameterValue,
            $"Value {value} for parameter RedriveAllowPolicy is invalid. Reason: it must be a JSON map whose redrivePermission is allowAll, denyAll or byQueue.");
    }

    private static bool TryReadInt(JsonElement element, out int value)
    {
        value = 0;
        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt32(out value),
            JsonValueKind.String => int.TryParse(element.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }
}
