namespace Broker.Hosting.Internal;

/// <summary>
/// Where a declaration came from, so that a problem names what to fix: a configuration path
/// (<c>Broker:Queues:orders</c>) or a builder call (<c>AddQueue("orders")</c>).
/// </summary>
/// <param name="Path">The configuration path or the builder call.</param>
/// <param name="FromConfiguration">Whether <paramref name="Path"/> is a configuration path.</param>
internal readonly record struct DeclarationSource(string Path, bool FromConfiguration)
{
    public static DeclarationSource Code(string call) => new(call, FromConfiguration: false);

    public static DeclarationSource Configuration(string path) => new(path, FromConfiguration: true);

    /// <summary>The path of one setting: <c>Broker:Queues:orders:RedrivePolicy</c> or <c>AddQueue("orders") RedrivePolicy</c>.</summary>
    public string At(string setting) => FromConfiguration ? $"{Path}:{setting}" : $"{Path} {setting.Replace(':', '.')}";
}
