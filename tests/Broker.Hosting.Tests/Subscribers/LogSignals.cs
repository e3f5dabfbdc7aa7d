using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Broker.Hosting.Tests.Subscribers;

/// <summary>
/// A logger provider that keeps every entry and lets a test wait (on a signal, not a clock) until an entry with a given
/// event id is written: the hosted services log the moments a test needs to act on.
/// </summary>
public sealed class LogSignals : ILoggerProvider
{
    private readonly Lock gate = new();
    private readonly List<(int EventId, TaskCompletionSource Seen)> waiters = [];

    public ConcurrentQueue<(int EventId, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    /// <summary>Completes when an entry with <paramref name="eventId"/> has been written (at once if one was).</summary>
    public Task WaitForAsync(int eventId)
    {
        lock (gate)
        {
            if (Entries.Any(e => e.EventId == eventId))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((eventId, seen));
            return seen.Task;
        }
    }

    public int Count(int eventId) => Entries.Count(e => e.EventId == eventId);

    public override string ToString() => string.Join(Environment.NewLine, Entries.Select(e => $"{e.EventId} {e.Level}: {e.Message} {e.Exception?.Message}"));

    public void Dispose()
    {
    }

    private void Write(int eventId, LogLevel level, string message, Exception? exception)
    {
        List<TaskCompletionSource> due = [];
        lock (gate)
        {
            Entries.Enqueue((eventId, level, message, exception));
            foreach (var waiter in waiters.Where(w => w.EventId == eventId).ToList())
            {
                waiters.Remove(waiter);
                due.Add(waiter.Seen);
            }
        }

        due.ForEach(d => d.TrySetResult());
    }

    private sealed class Logger(LogSignals owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Write(eventId.Id, logLevel, formatter(state, exception), exception);
    }
}
