using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Broker.Benchmarks.Runner;

/// <summary>
/// Runs one BenchmarkDotNet benchmark method outside BenchmarkDotNet, on an instance set up as BenchmarkDotNet would set it
/// up (parameters, then the global setup that targets the method, iteration setup and cleanup around each call, then
/// the global cleanup). The smoke and quick modes use it, so they measure exactly the code the full run measures.
/// </summary>
public sealed class BenchmarkInvoker : IAsyncDisposable
{
    private readonly object instance;
    private readonly MethodInfo method;
    private readonly MethodInfo? iterationSetup;
    private readonly MethodInfo? iterationCleanup;
    private readonly MethodInfo? globalCleanup;

    private BenchmarkInvoker(object instance, MethodInfo method)
    {
        this.instance = instance;
        this.method = method;
        OperationsPerInvoke = method.GetCustomAttribute<BenchmarkAttribute>()!.OperationsPerInvoke;
        iterationSetup = Targeted<IterationSetupAttribute>(instance.GetType(), method.Name, static a => a.Targets);
        iterationCleanup = Targeted<IterationCleanupAttribute>(instance.GetType(), method.Name, static a => a.Targets);
        globalCleanup = Targeted<GlobalCleanupAttribute>(instance.GetType(), method.Name, static a => a.Targets);
    }

    /// <summary>The benchmark's OperationsPerInvoke: how many operations one call performs.</summary>
    public int OperationsPerInvoke { get; }

    /// <summary>The benchmark's name, with its parameters.</summary>
    public string Name => $"{instance.GetType().Name}.{method.Name}{ParameterText(instance)}";

    /// <summary>Creates the class, sets its parameters and runs the global setup that targets <paramref name="methodName"/>.</summary>
    public static async Task<BenchmarkInvoker> CreateAsync(Type type, string methodName, IReadOnlyDictionary<string, object>? parameters = null)
    {
        var method = type.GetMethod(methodName, BindingFlags.Public | BindingFlags.Instance)
            ?? throw new ArgumentException($"{type.Name} has no public method {methodName}.", nameof(methodName));
        if (method.GetCustomAttribute<BenchmarkAttribute>() is null)
        {
            throw new ArgumentException($"{type.Name}.{methodName} is not a [Benchmark].", nameof(methodName));
        }

        var instance = Activator.CreateInstance(type)!;
        foreach (var (name, value) in parameters ?? new Dictionary<string, object>())
        {
            var property = type.GetProperty(name) ?? throw new ArgumentException($"{type.Name} has no parameter {name}.", nameof(parameters));
            property.SetValue(instance, value);
        }

        var setup = Targeted<GlobalSetupAttribute>(type, methodName, static a => a.Targets);
        if (setup is not null)
        {
            await InvokeAsync(instance, setup).ConfigureAwait(false);
        }

        return new BenchmarkInvoker(instance, method);
    }

    /// <summary>Every combination of a class's <see cref="ParamsAttribute"/> values (one empty combination when it has none).</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, object>> ParameterCombinations(Type type)
    {
        IEnumerable<Dictionary<string, object>> combinations = [new Dictionary<string, object>()];
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<ParamsAttribute>() is not { } values)
            {
                continue;
            }

            combinations = combinations.SelectMany(c => values.Values.Select(v => new Dictionary<string, object>(c) { [property.Name] = v! })).ToList();
        }

        return combinations.ToList();
    }

    /// <summary>Calls the benchmark once (with the iteration setup and cleanup around it) and returns the time of the call alone.</summary>
    public async Task<TimeSpan> InvokeOnceAsync()
    {
        if (iterationSetup is not null)
        {
            await InvokeAsync(instance, iterationSetup).ConfigureAwait(false);
        }

        var started = Stopwatch.GetTimestamp();
        await InvokeAsync(instance, method).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (iterationCleanup is not null)
        {
            await InvokeAsync(instance, iterationCleanup).ConfigureAwait(false);
        }

        return elapsed;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (globalCleanup is not null)
        {
            await InvokeAsync(instance, globalCleanup).ConfigureAwait(false);
        }
    }

    private static MethodInfo? Targeted<TAttribute>(Type type, string methodName, Func<TAttribute, string[]?> targets)
        where TAttribute : Attribute
    {
        MethodInfo? untargeted = null;
        foreach (var candidate in type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (candidate.GetCustomAttribute<TAttribute>() is not { } attribute)
            {
                continue;
            }

            var names = targets(attribute);
            if (names is null || names.Length == 0)
            {
                untargeted ??= candidate;
            }
            else if (names.Contains(methodName, StringComparer.Ordinal))
            {
                return candidate;
            }
        }

        return untargeted;
    }

    private static async Task InvokeAsync(object instance, MethodInfo method)
    {
        switch (method.Invoke(instance, null))
        {
            case Task task:
                await task.ConfigureAwait(false);
                break;
            case ValueTask valueTask:
                await valueTask.ConfigureAwait(false);
                break;
        }
    }

    private static string ParameterText(object instance)
    {
        var values = instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(static p => p.GetCustomAttribute<ParamsAttribute>() is not null)
            .Select(p => $"{p.Name}={p.GetValue(instance)}")
            .ToList();
        return values.Count == 0 ? string.Empty : $"({string.Join(", ", values)})";
    }
}
