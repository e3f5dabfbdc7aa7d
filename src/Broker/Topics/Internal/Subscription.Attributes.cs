using System.Text.Json;
using Broker.Filtering;
using Broker.Internal;
using Broker.Queues.Internal;

namespace Broker.Topics.Internal;

/// <summary>Subscription attributes by their SNS names (GetSubscriptionAttributes / SetSubscriptionAttributes).</summary>
internal abstract partial class Subscription
{
    public IReadOnlyDictionary<string, string> GetAttributes()
    {
        var options = Options;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["SubscriptionArn"] = Arn,
            ["TopicArn"] = TopicArn,
            ["Protocol"] = Protocol,
            ["Endpoint"] = Endpoint,
            ["Owner"] = Topic.Broker.Options.AccountId,
            ["PendingConfirmation"] = "false",
            ["ConfirmationWasAuthenticated"] = "true",
            ["RawMessageDelivery"] = options.RawMessageDelivery ? "true" : "false",
            ["FilterPolicyScope"] = options.FilterPolicyScope.ToString(),
        };
        if (options.FilterPolicy is not null)
        {
            attributes["FilterPolicy"] = options.FilterPolicy;
        }

        if (options.RedrivePolicy is { } redrive)
        {
            attributes["RedrivePolicy"] = JsonText.Object(writer => writer.WriteString("deadLetterTargetArn", RedriveSettings.QueueArn(redrive.DeadLetterTarget, Topic.Broker.Options)));
        }

        if (options.DeliveryPolicy is { } delivery)
        {
            attributes["DeliveryPolicy"] = DeliveryPolicyJson.Format(delivery);
        }

        return attributes;
    }

    public void SetAttribute(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        Topic.Update(this, WithAttribute(Options, name, value));
    }

    /// <summary>The settable attributes, as a durable broker's journal keeps them (GetAttributes' settable names).</summary>
    internal KeyValuePair<string, string>[] SettableAttributes() =>
        [.. GetAttributes().Where(static a => a.Key is "FilterPolicy" or "FilterPolicyScope" or "RawMessageDelivery" or "RedrivePolicy" or "DeliveryPolicy")];

    /// <summary><paramref name="options"/> with one attribute set from its SNS text, validated as SetSubscriptionAttributes does.</summary>
    internal static SubscriptionOptions WithAttribute(SubscriptionOptions options, string name, string value)
    {
        return name switch
        {
            "FilterPolicy" => options with { FilterPolicy = value.Length == 0 ? null : value },
            "FilterPolicyScope" => options with { FilterPolicyScope = ParseScope(value) },
            "RawMessageDelivery" => options with { RawMessageDelivery = ParseBoolean(value) },
            "RedrivePolicy" => options with { RedrivePolicy = value.Length == 0 ? null : ParseRedrivePolicy(value) },
            "DeliveryPolicy" => options with { DeliveryPolicy = value.Length == 0 ? null : DeliveryPolicyJson.Parse(value) },
            _ => throw PublishValidation.Invalid($"AttributeName. '{name}' is not a subscription attribute that can be set; use FilterPolicy, FilterPolicyScope, RawMessageDelivery, RedrivePolicy or DeliveryPolicy."),
        };
    }

    private static FilterPolicyScope ParseScope(string value) => value switch
    {
        "MessageAttributes" => FilterPolicyScope.MessageAttributes,
        "MessageBody" => FilterPolicyScope.MessageBody,
        _ => throw PublishValidation.Invalid($"FilterPolicyScope: Invalid value [{value}]. Please use either MessageBody or MessageAttributes"),
    };

    private static bool ParseBoolean(string value) =>
        value.Equals("true", StringComparison.OrdinalIgnoreCase) ? true
        : value.Equals("false", StringComparison.OrdinalIgnoreCase) ? false
        : throw PublishValidation.Invalid($"Attributes Reason: RawMessageDelivery: Invalid value [{value}]. Must be true or false.");

    internal static SubscriptionRedrivePolicy ParseRedrivePolicy(string json)
    {
        string? target;
        try
        {
            using var document = JsonDocument.Parse(json);
            target = document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("deadLetterTargetArn", out var arn)
                && arn.ValueKind == JsonValueKind.String
                    ? arn.GetString()
                    : null;
        }
        // JsonDocument.Parse(string) throws ArgumentException, not JsonException, for a lone surrogate.
        catch (Exception error) when (error is JsonException or ArgumentException)
        {
            throw PublishValidation.Invalid($"RedrivePolicy: failed to parse JSON. {error.Message}");
        }

        if (target is null || !IsSqsArn(target))
        {
            throw PublishValidation.Invalid("RedrivePolicy: deadLetterTargetArn is an invalid arn");
        }

        return new SubscriptionRedrivePolicy(target);
    }

    private static bool IsSqsArn(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length == 6 && parts[0] == "arn" && parts[2] == "sqs" && parts[5].Length > 0;
    }

    /// <summary>The JSON shape of a <see cref="DeliveryPolicy"/>: SNS's <c>{"healthyRetryPolicy":{...}}</c>.</summary>
    internal static class DeliveryPolicyJson
    {
        public static string Format(DeliveryPolicy policy) => JsonText.Object(writer =>
        {
            writer.WriteStartObject("healthyRetryPolicy");
            writer.WriteNumber("minDelayTarget", policy.MinDelayTarget.TotalSeconds);
            writer.WriteNumber("maxDelayTarget", policy.MaxDelayTarget.TotalSeconds);
            writer.WriteNumber("numRetries", policy.NumRetries);
            writer.WriteNumber("numNoDelayRetries", policy.NumNoDelayRetries);
            writer.WriteNumber("numMinDelayRetries", policy.NumMinDelayRetries);
            writer.WriteNumber("numMaxDelayRetries", policy.NumMaxDelayRetries);
            writer.WriteString("backoffFunction", policy.BackoffFunction.ToString().ToLowerInvariant());
            writer.WriteEndObject();
        });

        public static DeliveryPolicy Parse(string json)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                if (document.RootElement.ValueKind != JsonValueKind.Object
                    || !document.RootElement.TryGetProperty("healthyRetryPolicy", out var healthy)
                    || healthy.ValueKind != JsonValueKind.Object)
                {
                    throw PublishValidation.Invalid("DeliveryPolicy: healthyRetryPolicy is required and must be an object.");
                }

                var policy = new DeliveryPolicy();
                foreach (var property in healthy.EnumerateObject())
                {
                    policy = property.Name switch
                    {
                        "minDelayTarget" => policy with { MinDelayTarget = TimeSpan.FromSeconds(property.Value.GetInt32()) },
                        "maxDelayTarget" => policy with { MaxDelayTarget = TimeSpan.FromSeconds(property.Value.GetInt32()) },
                        "numRetries" => policy with { NumRetries = property.Value.GetInt32() },
                        "numNoDelayRetries" => policy with { NumNoDelayRetries = property.Value.GetInt32() },
                        "numMinDelayRetries" => policy with { NumMinDelayRetries = property.Value.GetInt32() },
                        "numMaxDelayRetries" => policy with { NumMaxDelayRetries = property.Value.GetInt32() },
                        "backoffFunction" => policy with { BackoffFunction = ParseBackoff(property.Value.GetString()) },
                        _ => throw PublishValidation.Invalid($"DeliveryPolicy: unknown field healthyRetryPolicy.{property.Name}."),
                    };
                }

                return policy;
            }
            // JsonDocument.Parse(string) throws ArgumentException, not JsonException, for a lone surrogate.
            catch (Exception error) when (error is JsonException or ArgumentException or InvalidOperationException or FormatException)
            {
                throw PublishValidation.Invalid($"DeliveryPolicy: failed to parse JSON. {error.Message}");
            }
        }

        private static BackoffFunction ParseBackoff(string? value) => value switch
        {
            "linear" => BackoffFunction.Linear,
            "arithmetic" => BackoffFunction.Arithmetic,
            "geometric" => BackoffFunction.Geometric,
            "exponential" => BackoffFunction.Exponential,
            _ => throw PublishValidation.Invalid($"DeliveryPolicy: backoffFunction must be linear, arithmetic, geometric or exponential, not '{value}'."),
        };
    }
}
