using System.Globalization;
using System.Text;
using Broker.Hosting.Internal;
using Broker.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Broker.Hosting;

/// <summary>
/// A health check for the broker and its hosted consumers. Register it with
/// <c>services.AddHealthChecks().AddCheck&lt;BrokerHealthCheck&gt;("broker")</c> and set its thresholds with
/// <c>services.Configure&lt;BrokerHealthCheckOptions&gt;(...)</c>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><description><b>Unhealthy</b> (or the registration's failure status) when a hosted consumer has failed
/// <see cref="BrokerHealthCheckOptions.ConsecutiveFailureThreshold"/> deliveries or more in a row: a handler that throws
/// or times out, or bodies that do not deserialize. Its next success resets the count.</description></item>
/// <item><description><b>Degraded</b> when a dead-letter queue (a queue that some queue's redrive policy names) holds
/// more than <see cref="BrokerHealthCheckOptions.DeadLetterThreshold"/> messages.</description></item>
/// <item><description><b>Healthy</b> otherwise.</description></item>
/// </list>
/// <para>The result's data lists each offender: <c>consumer:{queue}</c> with its failures in a row, and
/// <c>dead-letter-queue:{queue}</c> with the messages it holds.</para>
/// </remarks>
public sealed class BrokerHealthCheck : IHealthCheck
{
    private readonly BrokerRuntime runtime;
    private readonly ConsumerRegistry? registry;
    private readonly BrokerHealthCheckOptions options;
    private readonly ILogger logger;

    /// <summary>Creates the check from the host's services; <c>AddCheck&lt;BrokerHealthCheck&gt;</c> calls this.</summary>
    /// <param name="services">The host's services: the broker (from <c>AddBroker</c>), the hosted consumers, the options.</param>
    /// <exception cref="InvalidOperationException">The broker is not registered.</exception>
    /// <exception cref="OptionsValidationException">A threshold is out of range.</exception>
    public BrokerHealthCheck(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        runtime = services.GetService<BrokerRuntime>()
            ?? throw new InvalidOperationException("BrokerHealthCheck needs the broker: register it with services.AddBroker(...).");
        registry = services.GetService<ConsumerRegistry>();
        options = services.GetService<IOptions<BrokerHealthCheckOptions>>()?.Value ?? new BrokerHealthCheckOptions();
        logger = services.GetService<ILoggerFactory>()?.CreateLogger("Broker.Hosting.BrokerHealthCheck") ?? NullLogger.Instance;
        Validate(options);
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var description = new StringBuilder();
        var failingConsumers = ReportFailingConsumers(data, description);
        var fullDeadLetterQueues = ReportDeadLetterQueues(data, description);
        var status = failingConsumers > 0 ? context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy
            : fullDeadLetterQueues > 0 ? HealthStatus.Degraded
            : HealthStatus.Healthy;
        var text = description.Length == 0 ? "The broker's consumers are healthy and its dead-letter queues are within their threshold." : description.ToString();
        return Task.FromResult(new HealthCheckResult(status, text, data: data));
    }

    private int ReportFailingConsumers(Dictionary<string, object> data, StringBuilder description)
    {
        var failing = 0;
        foreach (var consumer in registry?.Consumers ?? [])
        {
            var failures = consumer.ConsecutiveFailures;
            if (failures < options.ConsecutiveFailureThreshold)
            {
                continue;
            }

            failing++;
            var key = $"consumer:{consumer.Source}";
            if (data.ContainsKey(key))
            {
                key = $"consumer:{consumer.Source} ({consumer.HandlerType.Name})";
            }

            data[key] = failures;
            Append(description, string.Create(
                CultureInfo.InvariantCulture,
                $"The {consumer.Kind} consumer {consumer.HandlerType.Name} on '{consumer.Source}' failed {failures} deliveries in a row (threshold {options.ConsecutiveFailureThreshold})."));
        }

        return failing;
    }

    private int ReportDeadLetterQueues(Dictionary<string, object> data, StringBuilder description)
    {
        var full = 0;
        foreach (var deadLetterQueue in DeadLetterQueues())
        {
            QueueAttributes attributes;
            try
            {
                attributes = deadLetterQueue.GetAttributes();
            }
            catch (BrokerException)
            {
                continue; // deleted since it was listed
            }

            var held = attributes.ApproximateNumberOfMessages + attributes.ApproximateNumberOfMessagesNotVisible + attributes.ApproximateNumberOfMessagesDelayed;
            if (held <= options.DeadLetterThreshold)
            {
                continue;
            }

            full++;
            data[$"dead-letter-queue:{deadLetterQueue.Name}"] = held;
            Append(description, string.Create(
                CultureInfo.InvariantCulture,
                $"Dead-letter queue '{deadLetterQueue.Name}' holds {held} messages (threshold {options.DeadLetterThreshold})."));
        }

        return full;
    }

    /// <summary>Every queue that some queue's redrive policy names (by name or ARN), each once.</summary>
    private List<IMessageQueue> DeadLetterQueues()
    {
        var broker = runtime.Broker;
        var found = new List<IMessageQueue>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? nextToken = null;
        do
        {
            var page = broker.ListQueues(new ListQueuesRequest { NextToken = nextToken });
            foreach (var name in page.QueueNames)
            {
                if (!broker.TryGetQueue(name, out var source) || source.GetAttributes().Options.RedrivePolicy is not { } policy)
                {
                    continue;
                }

                var target = policy.DeadLetterTarget;
                var targetName = target.StartsWith("arn:", StringComparison.Ordinal) ? target[(target.LastIndexOf(':') + 1)..] : target;
                if (broker.TryGetQueue(targetName, out var deadLetterQueue) && (targetName == target || deadLetterQueue.Arn == target))
                {
                    if (seen.Add(deadLetterQueue.Name))
                    {
                        found.Add(deadLetterQueue);
                    }
                }
                else
                {
                    Log.DeadLetterQueueMissing(logger, name, target);
                }
            }

            nextToken = page.NextToken;
        }
        while (nextToken is not null);

        return found;
    }

    private static void Append(StringBuilder description, string sentence)
    {
        if (description.Length > 0)
        {
            description.Append(' ');
        }

        description.Append(sentence);
    }

    private static void Validate(BrokerHealthCheckOptions options)
    {
        List<string>? failures = null;
        if (options.ConsecutiveFailureThreshold < 1)
        {
            (failures ??= []).Add($"BrokerHealthCheck:ConsecutiveFailureThreshold: must be at least 1; got {options.ConsecutiveFailureThreshold}");
        }

        if (options.DeadLetterThreshold < 0)
        {
            (failures ??= []).Add($"BrokerHealthCheck:DeadLetterThreshold: must be 0 or more; got {options.DeadLetterThreshold}");
        }

        if (failures is not null)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(BrokerHealthCheckOptions), failures);
        }
    }
}
