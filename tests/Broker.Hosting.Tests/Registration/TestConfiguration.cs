using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Broker.Hosting.Tests.Registration;

/// <summary>Configuration and validation helpers for the registration tests.</summary>
internal static class TestConfiguration
{
    /// <summary>The <c>Broker</c> section of a JSON document, as <c>appsettings.json</c> would give it.</summary>
    public static IConfigurationSection Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build().GetSection("Broker");

    /// <summary>The <c>Broker</c> section of in-memory key/value pairs (keys without the <c>Broker:</c> prefix).</summary>
    public static IConfigurationSection Pairs(params (string Key, string? Value)[] pairs) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>("Broker:" + p.Key, p.Value)))
            .Build()
            .GetSection("Broker");

    /// <summary>Runs <paramref name="resolve"/> and returns the validation failures it threw.</summary>
    public static IReadOnlyList<string> Failures(Action resolve)
    {
        var exception = Assert.Throws<OptionsValidationException>(resolve);
        return [.. exception.Failures];
    }
}
