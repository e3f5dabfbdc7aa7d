using System.Diagnostics.Metrics;
using Broker.Hosting.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Broker.Hosting.Internal;

/// <summary>Builds the DI singletons of <c>AddBroker</c>: the broker it owns and the <see cref="BrokerRuntime"/>.</summary>
internal static class BrokerRuntimeFactory
{
    /// <summary>The name of the options that a validation failure reports.</summary>
    public const string OptionsName = "Broker";

    /// <summary>
    /// A broker of the container's own, on DI's <see cref="TimeProvider"/> when there is one, and with its meter made by
    /// DI's <see cref="IMeterFactory"/> when the declared options name no factory (so a host's metrics are its own).
    /// </summary>
    public static MessageBroker CreateBroker(IServiceProvider services, BrokerDeclarations declarations)
    {
        var options = declarations.Options;
        if (options.MeterFactory is null && services.GetService<IMeterFactory>() is { } meterFactory)
        {
            options = options with { MeterFactory = meterFactory };
        }

        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        return services.GetService<BrokerFactoryOverride>() is { } factory
            ? factory.Create(options, time)
            : new MessageBroker(options, time);
    }

    /// <summary>
    /// Applies every declaration to the broker and returns the runtime; throws one
    /// <see cref="OptionsValidationException"/> with every problem when there are any.
    /// </summary>
    public static BrokerRuntime CreateRuntime(IServiceProvider services, BrokerDeclarations declarations)
    {
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Broker.Hosting") ?? NullLogger.Instance;
        var problems = new List<string>(declarations.Problems);
        MessageBroker broker;
        try
        {
            broker = services.GetRequiredService<MessageBroker>();
        }
        catch (BrokerException exception) when (exception.ErrorCode == BrokerErrorCodes.InvalidParameterValue && declarations.Options.Storage is not null)
        {
            // The broker refused its storage settings (the only options it validates): a declaration problem like the others.
            problems.Add($"{declarations.StorageSource ?? "WithOptions"}: {exception.ErrorCode}: {exception.Message}");
            throw Invalid(logger, problems);
        }

        if (broker.Recovery is { } recovery)
        {
            Log.Recovered(logger, broker.Options.Storage!.Directory, recovery); // what a durable broker brought back, and how fast
        }

        // The meter factory is wiring, not a setting: DI's may have been added to a broker the container made.
        if (declarations.OptionsDeclared
            && broker.Options with { MeterFactory = null } != declarations.Options with { MeterFactory = null })
        {
            problems.Add($"UseBroker: the broker was created with {broker.Options}, but WithOptions or configuration declares {declarations.Options}; set the options on the broker given to UseBroker and declare none, or declare the same.");
        }

        var applier = DeclarationApplier.Apply(declarations, broker, problems);
        if (problems.Count > 0)
        {
            throw Invalid(logger, problems);
        }

        Log.DeclarationsApplied(
            logger, declarations.Queues.Count, declarations.Topics.Count, applier.Subscriptions, declarations.Streams.Count);
        return new BrokerRuntime(broker, services.GetRequiredService<IMessageSerializer>());
    }

    private static OptionsValidationException Invalid(ILogger logger, List<string> problems)
    {
        Log.DeclarationsInvalid(logger, problems.Count, string.Join(Environment.NewLine, problems));
        return new OptionsValidationException(OptionsName, typeof(BrokerOptions), problems);
    }
}
